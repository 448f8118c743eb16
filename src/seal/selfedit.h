/* selfedit.h: from one raw self-edit (model output) to the training sequences
 * of SEAL's inner loop, rule for rule as the reference's
 * build_train_sequences (seal-method.md §2.3; docs/seal.md lists each rule
 * and every deviation). Also the Python str helpers those rules need
 * (str.strip, str.splitlines, isspace) and UTF-8 repair for untrusted text.
 *
 * Model output is untrusted: any bytes, any length. Invalid UTF-8 becomes
 * U+FFFD (so JSON written from the result stays valid), one example is capped
 * at max_chars bytes, and nothing crashes. */
#ifndef SEAL_SEAL_SELFEDIT_H
#define SEAL_SEAL_SELFEDIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int split_newlines; /* every line its own example (all single-passage runs); off: one per "---" segment (CPT) */
    int max_segments;   /* at most this many examples from the completion; 30 = newer upstream, 0 = none (original) */
    int add_context;    /* append "{title}\n{context}" (the reference always does; newer CPT adds it once per article) */
    int max_chars;      /* cap one example's text (title excluded) at this many bytes, cut on a character
                           boundary; 0 = no cap. A guard against runaway output, not a reference rule */
    int strip_cot;      /* drop everything up to the first "\nImplications:" and the whitespace after it. The newer
                           upstream does this to every completion; the original (paper) code never does */
} seq_opts;

/* split_newlines 1, max_segments 30, add_context 1, max_chars 65536, strip_cot 1: the newer upstream, plus the
 * size guard (65536 bytes is far beyond the 2048 tokens a sequence is truncated to). */
seq_opts seal_seq_opts_default(void);

/* What the rules did to one self-edit (for logs and reports). */
typedef struct {
    size_t invalid_bytes;  /* ill-formed UTF-8 subsequences replaced by U+FFFD (title, context, self-edit) */
    int cot_stripped;      /* 1 if a "\nImplications:" prefix was dropped */
    int self_qa;           /* 1 if the self-qa split ("Question <n>:" + "Answer:") was used */
    int empty_segments;    /* "---" segments that were empty after strip */
    int blank_lines;       /* whitespace-only lines / pieces skipped */
    int preamble_dropped;  /* 1 if the first line went because the second starts with "1." */
    int capped;            /* examples beyond max_segments, dropped */
    int truncated;         /* examples cut to max_chars */
    int n_examples;        /* examples kept from the completion (the passage not counted) */
} seq_stats;

/* Build the training sequences for one passage from one raw self-edit:
 * [strip_cot] -> split on "---" (stripped, empty ones dropped; none -> the
 * whole stripped text) -> with split_newlines either the self-qa split or one
 * example per non-empty stripped line with the "1." preamble rule -> at most
 * max_segments -> whitespace-only examples dropped -> "{title}\n{example}" ->
 * [add_context] "{title}\n{context.strip()}". self_edit NULL counts as "".
 * *seqs gets a malloc'd array of *n malloc'd strings (free with
 * seal_selfedit_free); *n may be 0 (empty self-edit without add_context).
 * Returns 0, or -1 + seal_err for a NULL title/context/opts/out argument. */
int seal_selfedit_sequences(const char *title, const char *context, const char *self_edit, const seq_opts *o,
                       char ***seqs, int *n);
/* The same, also filling *st (may be NULL). */
int seal_selfedit_sequences_ex(const char *title, const char *context, const char *self_edit, const seq_opts *o,
                          char ***seqs, int *n, seq_stats *st);
void seal_selfedit_free(char **seqs, int n);

/* The newer upstream's chain-of-thought rule: a pointer into text just past
 * the first "\nImplications:" and any whitespace after it (Python
 * re.search(r"\nImplications:\s*") then lstrip), or text itself when the
 * marker is absent. */
const char *seal_selfedit_strip_cot(const char *text);

/* ---- Python str helpers on UTF-8 ---- */

/* UTF-8 decoding and repair: util/utf8.h. */

/* Python's str.isspace(): the 29 code points of Python 3.11 / Unicode 14
 * (ASCII \t\n\v\f\r, \x1c-\x1f, space, U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000). Not U+200B or U+FEFF. */
int seal_py_isspace(uint32_t cp);

/* Narrow [*b, *e) of s as Python's str.strip() with no argument would. */
void seal_py_strip_span(const char *s, size_t *b, size_t *e);

/* A malloc'd copy of s with invalid UTF-8 replaced and Python str.strip() applied. */
char *seal_py_strip_dup(const char *s);

/* Length of the line boundary at s[0..n) as Python's str.splitlines() sees
 * it (\n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e, U+0085, U+2028, U+2029), or 0. */
size_t seal_py_linebreak(const char *s, size_t n);

#endif
