/* test_json_diff.c: util/seal_json_diff.c, the text that names what changed when a
 * run is resumed under other settings. */
#include <jansson.h>

#include "check.h"
#include "util/json_diff.h"

/* The diff of two JSON texts, compared with want ("" = no difference). */
static void check_diff(int row, const char *was, const char *now, const char *want) {
    json_t *a = was ? json_loads(was, JSON_DECODE_ANY, NULL) : NULL, *b = now ? json_loads(now, JSON_DECODE_ANY, NULL) : NULL;
    strbuf out = {0};
    seal_json_diff(a, b, &out);
    const char *got = out.s ? out.s : "";
    if (strcmp(got, want)) {
        check_failures++;
        fprintf(stderr, "case %d: json_diff(%s, %s)\n  got  \"%s\"\n  want \"%s\"\n", row, was, now, got, want);
    }
    seal_strbuf_free(&out);
    json_decref(a);
    json_decref(b);
}

/* was, now, the diff wanted ("" = none); NULL: that side is absent. */
static const struct { const char *was, *now, *want; } CASES[] = {
    /* equal */
    {"{}", "{}", ""},
    {"{\"a\": 1, \"b\": {\"c\": [1, 2], \"d\": null}}", "{\"b\": {\"d\": null, \"c\": [1, 2]}, \"a\": 1}", ""},
    {"{\"lr\": 0.0003}", "{\"lr\": 3e-4}", ""},

    /* changed */
    {"{\"a\": 1, \"b\": \"x\"}", "{\"a\": 2, \"b\": \"x\"}", "a 1 -> 2"},
    {"{\"b\": \"x\"}", "{\"b\": \"y z\"}", "b \"x\" -> \"y z\""},
    {"{\"t\": true}", "{\"t\": false}", "t true -> false"},
    /* several keys: the new object's order, then keys only the old one has */
    {"{\"a\": 1, \"b\": 2, \"gone\": 0}", "{\"b\": 3, \"a\": 4}", "b 2 -> 3, a 1 -> 4, gone 0 -> (none)"},
    /* arrays compare whole */
    {"{\"targets\": [\"q\", \"v\"]}", "{\"targets\": [\"q\"]}", "targets [\"q\",\"v\"] -> [\"q\"]"},
    /* a type change is a change: an integer is not a real */
    {"{\"n\": 1}", "{\"n\": 1.0}", "n 1 -> 1.0"},
    {"{\"n\": {\"x\": 1}}", "{\"n\": 5}", "n {\"x\":1} -> 5"},

    /* nested */
    {"{\"inner\": {\"lr\": 1, \"opt\": {\"beta\": 2}}}", "{\"inner\": {\"lr\": 1, \"opt\": {\"beta\": 3}}}",
     "inner.opt.beta 2 -> 3"},
    {"{\"a\": {\"b\": {\"c\": 1}}, \"z\": 0}", "{\"a\": {\"b\": {\"c\": 1, \"d\": 2}}, \"z\": 1}",
     "a.b.d (none) -> 2, z 0 -> 1"},
    {"{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {}}", "a.x 1 -> (none), a.y 2 -> (none)"},

    /* missing sides */
    {"{}", "{\"new\": \"v\"}", "new (none) -> \"v\""},
    {"{\"old\": [1]}", "{}", "old [1] -> (none)"},
    /* a whole side absent (no recorded config): the top level itself differs */
    {NULL, "{\"a\": 1}", " (none) -> {\"a\":1}"},
    {NULL, NULL, " (none) -> (none)"},

    /* reals: shown to 6 significant digits, compared exactly */
    {"{\"lr\": 0.0003}", "{\"lr\": 0.0001}", "lr 0.0003 -> 0.0001"},
    {"{\"x\": 3.14159265}", "{\"x\": 2.71828182}", "x 3.14159 -> 2.71828"},
    {"{\"x\": 1e-30}", "{\"x\": 2.5e+30}", "x 1e-30 -> 2.5e30"},
    /* values that 6 digits would show alike get 17 digits */
    {"{\"x\": 1.0000001}", "{\"x\": 1.0000002}", "x 1.0000001000000001 -> 1.0000001999999999"},
    {"{\"a\": {\"eps\": 1e-8}}", "{\"a\": {\"eps\": 1.0000001e-8}}", "a.eps 1e-8 -> 1.0000001000000001e-8"},
};

static void test_appends(void) {
    /* an existing text gets ", " before the first difference */
    json_t *a = json_pack("{s:i}", "k", 1), *b = json_pack("{s:i}", "k", 2);
    strbuf out = {0};
    seal_strbuf_puts(&out, "config changed");
    seal_json_diff(a, b, &out);
    CHECK_MSG(!strcmp(out.s, "config changed, k 1 -> 2"), "got \"%s\"", out.s);
    seal_strbuf_free(&out);
    json_decref(a);
    json_decref(b);
}

int main(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) check_diff((int)i, CASES[i].was, CASES[i].now, CASES[i].want);
    test_appends();
    return check_report("test_json_diff");
}
