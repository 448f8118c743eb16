/* loss_spans.h: restrict a text document's loss to marked spans, as TRL's
 * completion-only collator restricts it to what follows a response template,
 * but with start and end markers and several pairs.
 *
 * Which bytes are marked, for each pair separately (the pairs' spans are then
 * united; they may overlap): scanning from the document's start, find the next
 * occurrence of `start`; the span begins right after it and runs up to and
 * including the next occurrence of `end` after that point (to the end of the
 * text when there is none); the scan for the next `start` resumes after the
 * span. So `start` itself is never marked and `end` always is:
 *
 *   text   "[[1]] -> [[2]]#\n[[3]] -> [[4]]#"   pair {" -> ", "#"}
 *   marked          ^^^^^^           ^^^^^^     ("[[2]]#" and "[[4]]#")
 *
 * Which tokens are marked: the text is encoded whole, and each of its ids is
 * decoded alone (special tokens included). When those pieces, concatenated,
 * are exactly the text (a byte-level tokenizer, whose tokens are the text's
 * bytes), an id is marked iff at least one of its bytes is: a token that
 * straddles a span's edge (a merge such as "]]#\n") is trained whole. The ids
 * the post-processor adds around the text (a template's BOS) are unmarked.
 * Otherwise (no offsets: a normalizer, a Metaspace decoder, a token that ends
 * inside a UTF-8 character) the text is cut at every boundary between marked
 * and unmarked bytes, each segment encoded alone (no special tokens) and the
 * ids concatenated, a token marked iff its segment is; that can differ from
 * encoding the text whole when a cut falls inside a pre-token or a merge, and
 * then the segments' ids are the ones trained and the document is counted
 * (seal_loss_spans_encode's *differs) so that the caller can report it. */
#ifndef SEAL_TRAIN_LOSS_SPANS_H
#define SEAL_TRAIN_LOSS_SPANS_H

#include <stddef.h>

#include "tok/tokenizer.h"

#define SEAL_LOSS_SPANS_MAX 16        /* pairs */
#define SEAL_LOSS_SPANS_MARKER_MAX 256 /* bytes of a marker, with its NUL */

/* n == 0: no spans (every token trained). Plain arrays, so that a config
 * holding one may be copied by value. */
typedef struct {
    int n;
    char start[SEAL_LOSS_SPANS_MAX][SEAL_LOSS_SPANS_MARKER_MAX];
    char end[SEAL_LOSS_SPANS_MAX][SEAL_LOSS_SPANS_MARKER_MAX];
} seal_loss_spans;

/* n in [0, SEAL_LOSS_SPANS_MAX] and every marker of the first n pairs
 * non-empty and NUL-terminated in its buffer. 0, or -1 + seal_err naming
 * "what.loss_spans[i].start|end". */
int seal_loss_spans_check(const seal_loss_spans *s, const char *what);

/* marked[0..len) = 1 for the marked bytes of text[0..len) (rule above), 0
 * elsewhere. Returns 1 when a span of some pair is still open at the end of
 * the text (its `end` never came), else 0. Markers must be non-empty. */
int seal_loss_spans_mark(const seal_loss_spans *s, const char *text, size_t len, unsigned char *marked);

/* The ids of text[0..len) with add_special_tokens on, and mask[i] = 1 for
 * the marked ids (rule above). *ids and *mask are malloc'd (caller frees).
 * *differs = 1 when these ids are not those of encoding the text whole (only
 * without offsets); *open_end = mark's result (a span still open at the end:
 * an EOS id the caller appends belongs to it). 0, or -1 + seal_err (encode
 * errors, or a post-processor whose added tokens do not surround the text's). */
int seal_loss_spans_encode(const seal_loss_spans *s, const seal_tokenizer *tok, const char *text, size_t len,
                           int **ids, unsigned char **mask, int *n, int *differs, int *open_end);

#endif
