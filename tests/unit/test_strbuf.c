/* test_strbuf.c: the shared string builder (src/util/strbuf.h). */
#include "check.h"
#include "util/strbuf.h"

int main(void) {
    strbuf b = {0};
    CHECK(b.s == NULL && b.len == 0);
    seal_strbuf_puts(&b, "");
    CHECK(b.s != NULL && b.len == 0 && b.s[0] == '\0');
    seal_strbuf_puts(&b, "hello, ");
    seal_strbuf_printf(&b, "%d-%s", 42, "x");
    CHECK(b.len == 11 && !strcmp(b.s, "hello, 42-x"));
    seal_strbuf_put(&b, "a\0b", 3); /* embedded NUL kept, still terminated */
    CHECK(b.len == 14 && b.s[12] == '\0' && b.s[13] == 'b' && b.s[14] == '\0');
    size_t cap = b.cap;
    seal_strbuf_clear(&b);
    CHECK(b.len == 0 && b.s[0] == '\0' && b.cap == cap);
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    seal_strbuf_printf(&b, "<%s>", big); /* longer than any fixed scratch buffer */
    CHECK(b.len == sizeof big + 1 && b.s[0] == '<' && b.s[b.len - 1] == '>' && b.s[b.len] == '\0');
    for (int i = 0; i < 10000; i++) seal_strbuf_put(&b, "0123456789", 10);
    CHECK(b.len == sizeof big + 1 + 100000 && b.s[b.len] == '\0');
    seal_strbuf_free(&b);
    CHECK(b.s == NULL && b.len == 0 && b.cap == 0);
    return check_report("test_strbuf");
}
