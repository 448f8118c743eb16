/* test_json_diff.c: util/json_diff.c, the text that names what changed when a
 * run is resumed under other settings. */
#include <jansson.h>

#include "check.h"
#include "util/json_diff.h"

/* The diff of two JSON texts, compared with want ("" = no difference). */
static void check_diff(int line, const char *was, const char *now, const char *want) {
    json_t *a = was ? json_loads(was, JSON_DECODE_ANY, NULL) : NULL, *b = now ? json_loads(now, JSON_DECODE_ANY, NULL) : NULL;
    strbuf out = {0};
    json_diff(a, b, &out);
    const char *got = out.s ? out.s : "";
    if (strcmp(got, want)) {
        check_failures++;
        fprintf(stderr, "%s:%d: json_diff(%s, %s)\n  got  \"%s\"\n  want \"%s\"\n", __FILE__, line, was, now, got, want);
    }
    strbuf_free(&out);
    json_decref(a);
    json_decref(b);
}
#define DIFF(was, now, want) check_diff(__LINE__, was, now, want)

static void test_equal(void) {
    DIFF("{}", "{}", "");
    DIFF("{\"a\": 1, \"b\": {\"c\": [1, 2], \"d\": null}}", "{\"b\": {\"d\": null, \"c\": [1, 2]}, \"a\": 1}", "");
    DIFF("{\"lr\": 0.0003}", "{\"lr\": 3e-4}", "");
}

static void test_changed(void) {
    DIFF("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 2, \"b\": \"x\"}", "a 1 -> 2");
    DIFF("{\"b\": \"x\"}", "{\"b\": \"y z\"}", "b \"x\" -> \"y z\"");
    DIFF("{\"t\": true}", "{\"t\": false}", "t true -> false");
    /* several keys: the new object's order, then keys only the old one has */
    DIFF("{\"a\": 1, \"b\": 2, \"gone\": 0}", "{\"b\": 3, \"a\": 4}", "b 2 -> 3, a 1 -> 4, gone 0 -> (none)");
    /* arrays compare whole */
    DIFF("{\"targets\": [\"q\", \"v\"]}", "{\"targets\": [\"q\"]}", "targets [\"q\",\"v\"] -> [\"q\"]");
    /* a type change is a change: an integer is not a real */
    DIFF("{\"n\": 1}", "{\"n\": 1.0}", "n 1 -> 1.0");
    DIFF("{\"n\": {\"x\": 1}}", "{\"n\": 5}", "n {\"x\":1} -> 5");
}

static void test_nested(void) {
    DIFF("{\"inner\": {\"lr\": 1, \"opt\": {\"beta\": 2}}}", "{\"inner\": {\"lr\": 1, \"opt\": {\"beta\": 3}}}",
         "inner.opt.beta 2 -> 3");
    DIFF("{\"a\": {\"b\": {\"c\": 1}}, \"z\": 0}", "{\"a\": {\"b\": {\"c\": 1, \"d\": 2}}, \"z\": 1}",
         "a.b.d (none) -> 2, z 0 -> 1");
    DIFF("{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {}}", "a.x 1 -> (none), a.y 2 -> (none)");
}

static void test_missing_sides(void) {
    DIFF("{}", "{\"new\": \"v\"}", "new (none) -> \"v\"");
    DIFF("{\"old\": [1]}", "{}", "old [1] -> (none)");
    /* a whole side absent (no recorded config): the top level itself differs */
    DIFF(NULL, "{\"a\": 1}", " (none) -> {\"a\":1}");
    DIFF(NULL, NULL, " (none) -> (none)");
}

static void test_reals(void) {
    /* shown to 6 significant digits, compared exactly */
    DIFF("{\"lr\": 0.0003}", "{\"lr\": 0.0001}", "lr 0.0003 -> 0.0001");
    DIFF("{\"x\": 3.14159265}", "{\"x\": 2.71828182}", "x 3.14159 -> 2.71828");
    DIFF("{\"x\": 1e-30}", "{\"x\": 2.5e+30}", "x 1e-30 -> 2.5e30");
    /* values that 6 digits would show alike get the digits that tell them apart */
    DIFF("{\"x\": 1.0000001}", "{\"x\": 1.0000002}", "x 1.0000001 -> 1.0000002");
    DIFF("{\"a\": {\"eps\": 1e-8}}", "{\"a\": {\"eps\": 1.0000001e-8}}", "a.eps 1e-8 -> 1.0000001e-8");
}

static void test_appends(void) {
    /* an existing text gets ", " before the first difference */
    json_t *a = json_pack("{s:i}", "k", 1), *b = json_pack("{s:i}", "k", 2);
    strbuf out = {0};
    strbuf_puts(&out, "config changed");
    json_diff(a, b, &out);
    CHECK_MSG(!strcmp(out.s, "config changed, k 1 -> 2"), "got \"%s\"", out.s);
    strbuf_free(&out);
    json_decref(a);
    json_decref(b);
}

int main(void) {
    test_equal();
    test_changed();
    test_nested();
    test_missing_sides();
    test_reals();
    test_appends();
    return check_report("test_json_diff");
}
