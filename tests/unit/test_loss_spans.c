/* test_loss_spans: the marking rule of train/loss_spans.h on hand-worked
 * texts (the marked bytes written out as '^' under each text), and the
 * config check's bounds. Token-level masks and the loss are tested against an
 * independent Python oracle in tests/cli/test_pretrain_spans.sh. */
#include <string.h>

#include "check.h"
#include "train/loss_spans.h"
#include "util/err.h"

static void pair(seal_loss_spans *s, const char *start, const char *end) {
    snprintf(s->start[s->n], sizeof s->start[0], "%s", start);
    snprintf(s->end[s->n], sizeof s->end[0], "%s", end);
    s->n++;
}

/* text's marked bytes must be where want has '^'; the open-at-end flag must be open. */
static void expect(const seal_loss_spans *s, const char *text, const char *want, int open, int line) {
    size_t n = strlen(text);
    unsigned char m[256];
    char got[257];
    int o = seal_loss_spans_mark(s, text, n, m);
    for (size_t i = 0; i < n; i++) got[i] = m[i] ? '^' : ' ';
    got[n] = '\0';
    char w[257];
    snprintf(w, sizeof w, "%-*s", (int)n, want); /* trailing spaces may be left out of want */
    CHECK_MSG(!strcmp(got, w) && o == open, "line %d:\n  text \"%s\"\n  want \"%s\" open %d\n  got  \"%s\" open %d",
              line, text, w, open, got, o);
}

int main(void) {
    seal_loss_spans s = {0};
    pair(&s, " -> ", "#");
    /* after each start, up to and including the next end */
    expect(&s, "[[1]] -> [[2]]#\n[[3]] -> [[4]]#", "         ^^^^^^          ^^^^^^", 0, __LINE__);
    /* no end after the last start: marked to the end of the text, reported open */
    expect(&s, "a -> b# c -> dd", "     ^^      ^^", 1, __LINE__);
    /* an end before any start marks nothing; a start inside a span is content, not a new start */
    expect(&s, "x# -> a -> b# -> c#", "      ^^^^^^^    ^^", 0, __LINE__);
    /* adjacent: the end right after the start */
    expect(&s, " -> #", "    ^", 0, __LINE__);
    expect(&s, "no markers", "", 0, __LINE__);
    /* a second pair: spans of both pairs are united (here overlapping) */
    pair(&s, "<a>", "</a>");
    expect(&s, "<a>p -> q</a>r#s", "   ^^^^^^^^^^^^", 0, __LINE__);
    /* the same marker as start and end: every other stretch */
    seal_loss_spans t = {0};
    pair(&t, "|", "|");
    expect(&t, "a|b|c|d|e", "  ^^  ^^", 0, __LINE__);
    /* multi-byte UTF-8 markers */
    seal_loss_spans u = {0};
    pair(&u, "→", "。");
    expect(&u, "x→yz。w", "    ^^^^^", 0, __LINE__);

    CHECK(seal_loss_spans_check(&s, "cfg") == 0);
    seal_loss_spans bad = s;
    bad.end[1][0] = '\0';
    CHECK_ERR(seal_loss_spans_check(&bad, "cfg"), "cfg: loss_spans[1].end");
    bad = s;
    bad.n = SEAL_LOSS_SPANS_MAX + 1;
    CHECK_ERR(seal_loss_spans_check(&bad, "cfg"), "17 pairs");
    bad = s;
    memset(bad.start[0], 'x', sizeof bad.start[0]); /* no NUL inside the buffer */
    CHECK_ERR(seal_loss_spans_check(&bad, "cfg"), "loss_spans[0].start");
    return check_report("test_loss_spans");
}
