/* test_util.c: the one home of each small utility (util/utf8, util/rng's
 * seal_mix64, util/hash, util/json_load), against published values and the
 * behaviour of the copies they replaced. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/json_load.h"
#include "util/rng.h"
#include "util/utf8.h"

static void test_mix_and_hash(void) {
    /* splitmix64's first output from seed 0 (the reference C code), and fixed points of the finaliser. */
    CHECK(seal_mix64(0x9e3779b97f4a7c15ull) == 0xe220a8397b1dcdafull);
    CHECK(seal_mix64(1) == 0x5692161d100b05e5ull && seal_mix64(0) == 0);
    seal_rng r;
    seal_rng_seed(&r, 0); /* the state is four splitmix64 outputs: the first is the value above */
    CHECK(r.s[0] == 0xe220a8397b1dcdafull);
    /* FNV-1a 64 test vectors (Fowler, Noll, Vo). */
    CHECK(seal_fnv1a64(FNV1A64_INIT, "", 0) == 0xcbf29ce484222325ull);
    CHECK(seal_fnv1a64(FNV1A64_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
    CHECK(seal_fnv1a64(FNV1A64_INIT, "foobar", 6) == 0x85944171f73967e8ull);
    CHECK(seal_fnv1a64(seal_fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ull); /* streams */
}

static void test_utf8_check(void) {
    CHECK(seal_utf8_check("", 0) == 0);
    CHECK(seal_utf8_check("abc", 3) == 3);
    CHECK(seal_utf8_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14) == 14);
    CHECK(seal_utf8_check("ab\xc3", 3) == 2);            /* cut */
    CHECK(seal_utf8_check("a\xc0\xafz", 4) == 1);        /* overlong */
    CHECK(seal_utf8_check("a\xed\xa0\x80", 4) == 1);     /* surrogate */
    CHECK(seal_utf8_check("\xf4\x90\x80\x80", 4) == 0);  /* above U+10FFFF */
    CHECK(seal_utf8_check("ok\x80", 3) == 2);            /* stray continuation */
    CHECK(seal_utf8_check("\xe2\x82" "A", 3) == 0);
}

static void test_utf8_decode(void) {
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    size_t i = 0, n = strlen(s);
    int want[4] = {'a', 0xE9, 0x20AC, 0x1F600};
    for (int k = 0; k < 4; k++) CHECK(seal_utf8_decode_valid(s, n, &i) == want[k]);
    CHECK(i == n);
    i = 0; /* never past n: a cut sequence counts as one byte */
    CHECK(seal_utf8_decode_valid("\xe2\x82", 2, &i) == 0xE2 && i == 1);
    uint32_t cp;
    CHECK(seal_utf8_next(s + 1, n - 1, &cp) == 2 && cp == 0xE9);
    CHECK(seal_utf8_next("\xe2\x82" "A", 3, &cp) == 2 && cp == 0xFFFD); /* the maximal subpart */
    CHECK(seal_utf8_next("\xff", 1, &cp) == 1 && cp == 0xFFFD);
    char out[4];
    for (int k = 0; k < 4; k++) { /* put is next's inverse */
        size_t len = seal_utf8_put(out, (uint32_t)want[k]);
        CHECK(len == (size_t)seal_utf8_len((unsigned char)out[0]) && seal_utf8_next(out, len, &cp) == len &&
              cp == (uint32_t)want[k]);
    }
}

static void test_utf8_sanitize(void) {
    /* Python: b"\xe2\x82A\xed\xa0\x80ok\xff".decode("utf-8", "replace") == "\ufffdA\ufffd\ufffd\ufffdok\ufffd" */
    size_t len, bad = 0;
    char *t = seal_utf8_sanitize("\xe2\x82" "A\xed\xa0\x80ok\xff", 9, &len, &bad);
    const char *want = "\xef\xbf\xbd" "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "ok\xef\xbf\xbd";
    CHECK(!strcmp(t, want) && len == strlen(want) && bad == 5);
    free(t);
    t = seal_utf8_sanitize("caf\xc3\xa9", 5, &len, NULL);
    CHECK(!strcmp(t, "caf\xc3\xa9") && len == 5);
    free(t);
}

static void test_json_load(void) {
    char dir[] = "/tmp/seal_test_util_XXXXXX", path[256];
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    snprintf(path, sizeof path, "%s/none.json", dir);
    CHECK(seal_json_load_file(path, 0) == NULL);
    CHECK_MSG(strstr(seal_errmsg(), "none.json: cannot open: No such file or directory"), "%s", seal_errmsg());
    snprintf(path, sizeof path, "%s/bad.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"a\": 1,\n  \"b\": }\n", f);
    fclose(f);
    CHECK(seal_json_load_file(path, 0) == NULL);
    CHECK_MSG(strstr(seal_errmsg(), "bad.json: not valid JSON: line 2 column 8: unexpected token near '}'"), "%s",
              seal_errmsg());
    f = fopen(path, "w");
    fputs("[1, 2]", f);
    fclose(f);
    json_t *j = seal_json_load_file(path, 0);
    CHECK(json_is_array(j) && json_array_size(j) == 2);
    json_decref(j);
    f = fopen(path, "w");
    fputs("3", f);
    fclose(f);
    CHECK(seal_json_load_file(path, 0) == NULL); /* flags pass through: a bare number needs JSON_DECODE_ANY */
    j = seal_json_load_file(path, JSON_DECODE_ANY);
    CHECK(json_integer_value(j) == 3);
    json_decref(j);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    test_mix_and_hash();
    test_utf8_check();
    test_utf8_decode();
    test_utf8_sanitize();
    test_json_load();
    return check_report("test_util");
}
