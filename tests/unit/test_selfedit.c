/* test_selfedit: build_train_sequences rule by rule (seal-method.md §2.3).
 * The expectations are the reference's Python behaviour worked out by hand
 * for each input (and cross-checked against a re-typed copy of the Python). */
#include <stdarg.h>

#include "check.h"
#include "seal/selfedit.h"
#include "util/err.h"
#include "util/utf8.h"

/* Run the rules and compare with the expected sequences (NULL-terminated list). */
static void expect_seqs(int line, const char *self_edit, const seq_opts *o, seq_stats *st, ...) {
    char **s = NULL;
    int n = -1;
    int rc = seal_selfedit_sequences_ex("T", " ctx \n", self_edit, o, &s, &n, st);
    if (rc) { check_failures++; fprintf(stderr, "line %d: rc=%d %s\n", line, rc, seal_errmsg()); return; }
    va_list ap;
    va_start(ap, st);
    int i = 0;
    for (const char *e; (e = va_arg(ap, const char *)); i++) {
        if (i >= n) { check_failures++; fprintf(stderr, "line %d: only %d sequences, missing \"%s\"\n", line, n, e); break; }
        if (strcmp(s[i], e)) { check_failures++; fprintf(stderr, "line %d: seq %d = \"%s\", want \"%s\"\n", line, i, s[i], e); }
    }
    va_end(ap);
    if (i < n) { check_failures++; fprintf(stderr, "line %d: %d sequences, want %d (extra \"%s\")\n", line, n, i, s[i]); }
    seal_selfedit_free(s, n);
}
#define EXPECT(text, opts, st, ...) expect_seqs(__LINE__, text, opts, st, __VA_ARGS__, (const char *)NULL)

static const seq_opts LINES = {.split_newlines = 1, .max_segments = 30, .add_context = 1, .max_chars = 65536, .strip_cot = 1};
static const seq_opts SEGS = {.split_newlines = 0, .max_segments = 30, .add_context = 1, .max_chars = 65536, .strip_cot = 1};

static int valid_utf8(const char *s) {
    size_t bad = 0;
    free(seal_utf8_sanitize(s, strlen(s), NULL, &bad));
    return bad == 0;
}

static void test_defaults(void) {
    seq_opts d = seal_seq_opts_default();
    CHECK(d.split_newlines == 1 && d.max_segments == 30 && d.add_context == 1 && d.max_chars == 65536 && d.strip_cot == 1);
}

static void test_dashes(void) {
    seq_stats st;
    /* Segments are stripped, empty ones dropped; without split_newlines each segment is one example. */
    EXPECT("A\nA2\n---\nB\n\n---\n  \n---C", &SEGS, &st, "T\nA\nA2", "T\nB", "T\nC", "T\nctx");
    CHECK(st.empty_segments == 1 && st.n_examples == 3);
    /* "----" splits as Python's split("---"): "", "-". */
    EXPECT("x----y", &SEGS, NULL, "T\nx", "T\n-y", "T\nctx");
    /* No non-empty segment: the whole stripped text, dashes included (both modes). */
    EXPECT("  ---  ", &SEGS, NULL, "T\n---", "T\nctx");
    EXPECT(" --- \n ---", &LINES, NULL, "T\n---", "T\n---", "T\nctx");
    /* With split_newlines the lines of every segment. */
    EXPECT("A\nB\n---\nC", &LINES, NULL, "T\nA", "T\nB", "T\nC", "T\nctx");
}

static void test_newlines_and_blanks(void) {
    seq_stats st;
    EXPECT("A\n\n  \n\tB  \n", &LINES, &st, "T\nA", "T\nB", "T\nctx");
    CHECK(st.blank_lines == 2 && st.n_examples == 2);
    /* Python splitlines(): \r\n, \r, \v, \f, \x1c-\x1e, U+0085, U+2028, U+2029 all end a line; \x1f does not
     * (but is whitespace, so strip removes it at the ends). */
    EXPECT("a\r\nb\rc\vd\fe\x1c" "f\x1dg\x1eh\xc2\x85i\xe2\x80\xa8j\xe2\x80\xa9k\x1fl", &LINES, NULL, "T\na", "T\nb", "T\nc",
           "T\nd", "T\ne", "T\nf", "T\ng", "T\nh", "T\ni", "T\nj", "T\nk\x1fl", "T\nctx");
    /* Unicode whitespace is stripped as Python's str.strip() does (U+3000, U+00A0), U+200B is not whitespace. */
    EXPECT("\xe3\x80\x80" "A\xc2\xa0\n\xe2\x80\x8b" "B", &LINES, NULL, "T\nA", "T\n\xe2\x80\x8b" "B", "T\nctx");
}

static void test_preamble(void) {
    seq_stats st;
    EXPECT("Sure, here is the list:\n1. X\n2. Y", &LINES, &st, "T\n1. X", "T\n2. Y", "T\nctx");
    CHECK(st.preamble_dropped == 1);
    /* The FIRST line starting with "1." is not a preamble: nothing dropped. */
    EXPECT("1. X\n2. Y\n3. Z", &LINES, &st, "T\n1. X", "T\n2. Y", "T\n3. Z", "T\nctx");
    CHECK(st.preamble_dropped == 0);
    EXPECT("Intro\n2. X", &LINES, NULL, "T\nIntro", "T\n2. X", "T\nctx");
    /* The reference's test is startswith("1."), so "1.5 ..." counts (faithful quirk). */
    EXPECT("Intro\n1.5 million people", &LINES, NULL, "T\n1.5 million people", "T\nctx");
    /* Blank lines do not count: the second non-empty line decides. */
    EXPECT("Intro\n\n   \n1. X", &LINES, NULL, "T\n1. X", "T\nctx");
    /* Only with split_newlines. */
    EXPECT("Intro\n1. X", &SEGS, NULL, "T\nIntro\n1. X", "T\nctx");
}

static void test_self_qa(void) {
    seq_stats st;
    /* The first piece gets "Question 1: " (the prompt ended with it); split before "\nQuestion <n>:". */
    EXPECT("What is X?\nAnswer: Y\nQuestion 2: Z?\nAnswer: W", &LINES, &st, "T\nQuestion 1: What is X?\nAnswer: Y",
           "T\nQuestion 2: Z?\nAnswer: W", "T\nctx");
    CHECK(st.self_qa == 1 && st.n_examples == 2);
    /* "Question 2:" in the middle of a line: detected as self-qa, but no split there. */
    EXPECT("A? Answer: B Question 2: C? Answer: D", &LINES, NULL, "T\nQuestion 1: A? Answer: B Question 2: C? Answer: D",
           "T\nctx");
    /* Pieces are not stripped: the blank line before "Question 2:" leaves a trailing "\n" on piece 1;
     * "---" plays no part in the self-qa split. */
    EXPECT("Question 1: a\nAnswer: b\n\nQuestion 2: c\n---\nAnswer: d", &LINES, NULL, "T\nQuestion 1: a\nAnswer: b\n",
           "T\nQuestion 2: c\n---\nAnswer: d", "T\nctx");
    /* Only a "\n" directly before "Question" splits (not "\r\n", not indented); \s+ and \d+ are Python's
     * (a newline between "Question" and the number counts; so does an Arabic-Indic digit). */
    EXPECT("Question 1: a\nAnswer: b\r\nQuestion 2: c\n Question 3: d\nQuestion\n4: e\nQuestion \xd9\xa5: f", &LINES, NULL,
           "T\nQuestion 1: a\nAnswer: b\r", "T\nQuestion 2: c\n Question 3: d", "T\nQuestion\n4: e",
           "T\nQuestion \xd9\xa5: f", "T\nctx");
    /* A first piece starting with "Question" (even without a number) keeps its text as is. */
    EXPECT("Questions first\nAnswer: no\nQuestion 2: x", &LINES, NULL, "T\nQuestions first\nAnswer: no", "T\nQuestion 2: x",
           "T\nctx");
    /* Both patterns are needed: no "Answer:" -> the line rules. "Answer :" (\s*) counts. */
    EXPECT("Question 1: a\nQuestion 2: b", &LINES, &st, "T\nQuestion 1: a", "T\nQuestion 2: b", "T\nctx");
    CHECK(st.self_qa == 0);
    EXPECT("x\nAnswer : y\nQuestion 2: z", &LINES, NULL, "T\nQuestion 1: x\nAnswer : y", "T\nQuestion 2: z", "T\nctx");
    /* Without split_newlines self-qa output is one example like any other. */
    EXPECT("a\nAnswer: b\nQuestion 2: c", &SEGS, NULL, "T\na\nAnswer: b\nQuestion 2: c", "T\nctx");
}

static void test_title_and_passage(void) {
    char **s;
    int n;
    seq_opts o = LINES;
    CHECK(seal_selfedit_sequences("Super Bowl 50", "  The game.\n", "A fact.\nAnother.", &o, &s, &n) == 0);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(!strcmp(s[0], "Super Bowl 50\nA fact."));
        CHECK(!strcmp(s[1], "Super Bowl 50\nAnother."));
        CHECK(!strcmp(s[2], "Super Bowl 50\nThe game.")); /* the passage is appended, context.strip() */
    }
    seal_selfedit_free(s, n);
    /* The title is not stripped. */
    CHECK(seal_selfedit_sequences(" T ", "c", "x", &o, &s, &n) == 0 && n == 2 && !strcmp(s[0], " T \nx"));
    seal_selfedit_free(s, n);
    o.add_context = 0;
    CHECK(seal_selfedit_sequences("T", "c", "x", &o, &s, &n) == 0 && n == 1 && !strcmp(s[0], "T\nx"));
    seal_selfedit_free(s, n);
}

static void test_empty(void) {
    seq_stats st;
    EXPECT("", &LINES, &st, "T\nctx");
    CHECK(st.n_examples == 0);
    EXPECT(NULL, &LINES, NULL, "T\nctx");
    EXPECT(" \n\t\n ", &LINES, NULL, "T\nctx");
    /* Without split_newlines the original code trained on "{title}\n" here; newer upstream (and we) drop it. */
    EXPECT("  \n ", &SEGS, &st, "T\nctx");
    CHECK(st.blank_lines == 1);
    char **s = (char **)1;
    int n = -1;
    seq_opts o = LINES;
    o.add_context = 0;
    CHECK(seal_selfedit_sequences("T", "c", "", &o, &s, &n) == 0 && n == 0);
    seal_selfedit_free(s, n);
}

/* "1. l1\n2. l2\n..." with count lines, optionally after a preamble. */
static char *numbered(int count, int preamble) {
    char *t = seal_malloc((size_t)count * 16 + 32), *p = t;
    if (preamble) p += sprintf(p, "Sure:\n");
    for (int i = 1; i <= count; i++) p += sprintf(p, "%d. l%d\n", i, i);
    return t;
}

static void test_cap(void) {
    seq_stats st;
    char **s;
    int n;
    char *t = numbered(40, 0);
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0);
    CHECK(n == 31 && st.capped == 10 && st.n_examples == 30); /* 30 lines + the passage: the cap is not on the passage */
    if (n == 31) CHECK(!strcmp(s[29], "T\n30. l30") && !strcmp(s[30], "T\nc"));
    seal_selfedit_free(s, n);
    free(t);
    /* The preamble goes first, then the cap: 30 numbered lines remain. */
    t = numbered(40, 1);
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0);
    CHECK(n == 31 && st.preamble_dropped && st.capped == 10);
    if (n == 31) CHECK(!strcmp(s[0], "T\n1. l1") && !strcmp(s[29], "T\n30. l30"));
    seal_selfedit_free(s, n);
    /* max_segments 0: no cap (the original code). */
    seq_opts o = LINES;
    o.max_segments = 0;
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &o, &s, &n, &st) == 0 && n == 41 && st.capped == 0);
    seal_selfedit_free(s, n);
    free(t);
    /* Exactly at the cap with a preamble: 31 lines, preamble dropped, 30 kept, nothing capped. */
    t = numbered(30, 1);
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0 && n == 31 && st.capped == 0);
    seal_selfedit_free(s, n);
    free(t);
    /* Without split_newlines the cap counts "---" segments. */
    t = seal_malloc(35 * 8 + 1);
    t[0] = '\0';
    for (int i = 0; i < 35; i++) strcat(t, "seg---");
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &SEGS, &s, &n, &st) == 0 && n == 31 && st.capped == 5);
    seal_selfedit_free(s, n);
    free(t);
    /* The self-qa split is capped too. */
    t = seal_malloc(40 * 32);
    char *p = t;
    for (int i = 1; i <= 33; i++) p += sprintf(p, "Question %d: q\nAnswer: a\n", i);
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0 && n == 31 && st.self_qa && st.capped == 3);
    seal_selfedit_free(s, n);
    free(t);
}

static void test_cot(void) {
    seq_stats st;
    const char *cot = "Thought Process:\nLet me think.\nStep.\nImplications:\n  1. A\n2. B";
    EXPECT(cot, &LINES, &st, "T\n1. A", "T\n2. B", "T\nctx");
    CHECK(st.cot_stripped == 1);
    seq_opts o = LINES;
    o.strip_cot = 0; /* the original code: the thought process is trained on */
    EXPECT(cot, &o, &st, "T\nThought Process:", "T\nLet me think.", "T\nStep.", "T\nImplications:", "T\n1. A", "T\n2. B",
           "T\nctx");
    CHECK(st.cot_stripped == 0);
    /* The helper: only the first "\nImplications:" counts, with the whitespace after it. */
    const char *t = "a\nImplications: \n x\nImplications: y";
    CHECK(!strcmp(seal_selfedit_strip_cot(t), "x\nImplications: y"));
    const char *v = "Implications: x"; /* no "\n" before it: kept */
    CHECK(seal_selfedit_strip_cot(v) == v);
    const char *u = "no marker";
    CHECK(seal_selfedit_strip_cot(u) == u);
    CHECK(!strcmp(seal_selfedit_strip_cot("x\nImplications:"), ""));
}

static void test_huge(void) {
    seq_stats st;
    char **s;
    int n;
    /* 8 MiB on one line: capped at max_chars, no crash. */
    size_t big = 8u << 20;
    char *t = seal_malloc(big + 1);
    memset(t, 'x', big);
    t[big] = '\0';
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0);
    CHECK(n == 2 && st.truncated == 1 && strlen(s[0]) == 2 + 65536);
    seal_selfedit_free(s, n);
    /* 4 Mi lines: 30 kept, the rest counted. */
    for (size_t i = 0; i + 1 < big; i += 2) t[i] = 'y', t[i + 1] = '\n';
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &LINES, &s, &n, &st) == 0 && n == 31 && st.capped == (int)(big / 2 - 30));
    seal_selfedit_free(s, n);
    free(t);
    /* A 100k-character line of 2-byte characters cut to 1001 bytes: on a character boundary, still valid UTF-8. */
    t = seal_malloc(200001);
    for (int i = 0; i < 100000; i++) t[2 * i] = (char)0xC3, t[2 * i + 1] = (char)0xA9;
    t[200000] = '\0';
    seq_opts o = LINES;
    o.max_chars = 1001;
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &o, &s, &n, &st) == 0 && n == 2 && st.truncated == 1);
    if (n == 2) CHECK(strlen(s[0]) == 2 + 1000 && valid_utf8(s[0]));
    seal_selfedit_free(s, n);
    o.max_chars = 0; /* no cap */
    CHECK(seal_selfedit_sequences_ex("T", "c", t, &o, &s, &n, &st) == 0 && n == 2 && st.truncated == 0 && strlen(s[0]) == 200002);
    seal_selfedit_free(s, n);
    free(t);
}

static void test_invalid_utf8(void) {
    seq_stats st;
    /* Maximal subparts as Python's decode("utf-8", "replace"): \xff, \xfe, then the truncated \xe2\x82 is one. */
    EXPECT("A\xff\xfe" "B\n\xe2\x82", &LINES, &st, "T\nA\xef\xbf\xbd\xef\xbf\xbd" "B", "T\n\xef\xbf\xbd", "T\nctx");
    CHECK(st.invalid_bytes == 3);
    /* Overlong, surrogate, beyond U+10FFFF: one U+FFFD per byte. */
    EXPECT("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80", &LINES, &st,
           "T\n\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
           "T\nctx");
    CHECK(st.invalid_bytes == 9);
    /* Every byte value: the output is always valid UTF-8. */
    char raw[256];
    for (int i = 0; i < 255; i++) raw[i] = (char)(i + 1);
    raw[255] = '\0';
    char **s;
    int n;
    CHECK(seal_selfedit_sequences("T\xff", "c\xfe", raw, &LINES, &s, &n) == 0 && n > 1);
    for (int i = 0; i < n; i++) CHECK(valid_utf8(s[i]));
    seal_selfedit_free(s, n);
    size_t len, bad = 0;
    char *z = seal_utf8_sanitize("ok \xf0\x9f\x98\x80", 7, &len, &bad);
    CHECK(bad == 0 && len == 7 && !strcmp(z, "ok \xf0\x9f\x98\x80"));
    free(z);
}

static void test_helpers(void) {
    char *x = seal_py_strip_dup("\xe2\x80\xa8 \t x y \xc2\x85\xe3\x80\x80");
    CHECK(!strcmp(x, "x y"));
    free(x);
    x = seal_py_strip_dup(NULL);
    CHECK(!strcmp(x, ""));
    free(x);
    int all = 0;
    for (uint32_t c = 0; c < 0x110000; c++) all += seal_py_isspace(c);
    CHECK(all == 29); /* Python 3.11: sum(chr(c).isspace() for c in range(0x110000)) */
    CHECK(!seal_py_isspace(0x200B) && !seal_py_isspace(0xFEFF) && seal_py_isspace(0x1F) && seal_py_isspace(0x85));
    CHECK(seal_py_linebreak("\r\n", 2) == 2 && seal_py_linebreak("\r", 1) == 1 && seal_py_linebreak("\x1f", 1) == 0);
}

static void test_errors(void) {
    char **s;
    int n;
    CHECK_ERR(seal_selfedit_sequences(NULL, "c", "x", &LINES, &s, &n), "title");
    CHECK_ERR(seal_selfedit_sequences("T", NULL, "x", &LINES, &s, &n), "context");
    CHECK_ERR(seal_selfedit_sequences("T", "c", "x", NULL, &s, &n), "opts");
    CHECK_ERR(seal_selfedit_sequences("T", "c", "x", &LINES, NULL, &n), "output");
}

int main(void) {
    test_defaults();
    test_dashes();
    test_newlines_and_blanks();
    test_preamble();
    test_self_qa();
    test_title_and_passage();
    test_empty();
    test_cap();
    test_cot();
    test_huge();
    test_invalid_utf8();
    test_helpers();
    test_errors();
    return check_report("test_selfedit");
}
