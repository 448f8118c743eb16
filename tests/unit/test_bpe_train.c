/* test_bpe_train: the byte-level BPE trainer on a few KB of synthetic text
 * written here. The result is loaded with seal_tok_load: vocab size and specials as
 * asked, lossless encode/decode on training and unseen unicode text, every
 * training word encodes to the trainer's own segmentation, special tokens are
 * cut out of the training text, the merges equal a from-scratch BPE's, same
 * input -> byte-identical files, and the
 * error paths (missing/empty/bad files, vocab too small). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tok/bpe_train.h"
#include "tok/tokenizer.h"
#include "util/err.h"

static char dir[64];

static char *path_of(const char *name) {
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *data, size_t n) {
    FILE *f = fopen(path_of(name), "wb");
    if (!f) { perror(name); exit(1); }
    fwrite(data, 1, n, f);
    fclose(f);
}

static char *read_file(const char *name, size_t *n) {
    FILE *f = fopen(path_of(name), "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(*n + 1);
    if (fread(p, 1, *n, f) != *n) *n = 0;
    fclose(f);
    p[*n] = 0;
    return p;
}

/* ~6 KB of English-like text with digits, punctuation, unicode, newlines and
 * <|endoftext|> between documents. Deterministic (LCG). */
static char *make_corpus(size_t *n) {
    static const char *words[] = {"the", "cat", "sat", "on", "mat", "and", "then", "a", "dog", "ran", "to", "park",
                                  "Lily", "liked", "playing", "with", "her", "friend", "in", "sun", "it's", "don't",
                                  "café", "naïve", "Zürich", "日本語", "привет", "🤗", "3.14", "2025", "x86_64",
                                  "tokenizer", "tokenizers", "token", "learning", "learned"};
    static const char *seps[] = {" ", " ", " ", " ", ", ", ". ", "! ", "  ", "\n", ".\n\n", "\t", " (", ") ", "\r\n"};
    char *buf = malloc(8192);
    size_t len = 0;
    unsigned s = 12345;
    int w = 0;
    while (len < 6000) {
        s = s * 1103515245u + 12345u;
        const char *word = words[(s >> 16) % (sizeof words / sizeof *words)];
        s = s * 1103515245u + 12345u;
        const char *sep = (++w % 97 == 0) ? "\n<|endoftext|>" : seps[(s >> 16) % (sizeof seps / sizeof *seps)];
        len += (size_t)sprintf(buf + len, "%s%s", word, sep);
        if (w % 13 == 0) len += (size_t)sprintf(buf + len, "%u", (s >> 8) % 100000);
    }
    *n = len;
    return buf;
}

static bpe_trainer *train_file(const char *name, int vocab, long long min_freq) {
    bpe_train_opts o = {.vocab_size = vocab, .min_frequency = min_freq};
    bpe_trainer *t = seal_bpe_trainer_new(&o);
    if (!t || seal_bpe_trainer_add_file(t, path_of(name)) || seal_bpe_trainer_train(t)) {
        fprintf(stderr, "train %s: %s\n", name, seal_errmsg());
        seal_bpe_trainer_free(t);
        return NULL;
    }
    return t;
}

static int round_trip(const seal_tokenizer *tok, const char *text, size_t n) {
    int *ids, nid;
    char *back;
    size_t blen;
    if (seal_tok_encode(tok, text, n, 1, &ids, &nid)) return 0;
    int ok = !seal_tok_decode(tok, ids, nid, 0, &back, &blen) && blen == n && !memcmp(back, text, n);
    if (ok) free(back);
    free(ids);
    return ok;
}

static void test_train_and_load(void) {
    size_t n;
    char *corpus = make_corpus(&n);
    write_file("corpus.txt", corpus, n);
    bpe_trainer *t = train_file("corpus.txt", 400, 0);
    CHECK(t != NULL);
    if (!t) { free(corpus); return; }
    bpe_train_stats st;
    seal_bpe_trainer_stats(t, &st);
    CHECK(st.n_model == 399 && st.n_special == 1 && st.n_merges >= 143);
    CHECK(st.n_bytes == (long long)n && st.n_docs == 1 && st.n_unique > 50);
    CHECK(seal_bpe_trainer_save(t, path_of("tok")) == 0);

    seal_tokenizer *tok = seal_tok_load(path_of("tok"));
    CHECK_MSG(tok != NULL, "%s", seal_errmsg());
    if (!tok) { seal_bpe_trainer_free(t); free(corpus); return; }
    CHECK(seal_tok_vocab_size(tok) == 400);
    CHECK(seal_tok_id(tok, "<|endoftext|>") == 399 && seal_tok_is_special(tok, 399));
    CHECK(seal_tok_eos_id(tok) == 399 && seal_tok_pad_id(tok) == 399 && seal_tok_bos_id(tok) == -1);
    CHECK(seal_tok_id(tok, "!") == 0 && seal_tok_id(tok, "\xc4\x80") == 188); /* byte 33 first; byte 0 (U+0100) after the 188 printable */

    /* Lossless on the training text and on unseen text. */
    CHECK(round_trip(tok, corpus, n));
    static const char unseen[] = "Unseen: Ωμέγα straße 中文测试 👍🏽👨‍👩‍👧‍👦 \xe2\x80\xa8 qqq zzzz 0123456789\r\n\t\tend  ";
    CHECK(round_trip(tok, unseen, sizeof unseen - 1));

    /* Every training word encodes to the trainer's segmentation (merges applied
     * by rank reproduce training), so the corpus costs sum(count * pieces). */
    long long expect = 0;
    int bad = 0;
    for (int i = 0; i < st.n_unique; i++) {
        const char *w;
        size_t wl;
        long long cnt;
        const int *want;
        int nw, *got, ng;
        CHECK(seal_bpe_trainer_word(t, i, &w, &wl, &cnt, &want, &nw) == 0);
        expect += cnt * nw;
        if (seal_tok_encode(tok, w, wl, 0, &got, &ng)) { bad++; continue; }
        if (ng != nw || memcmp(got, want, (size_t)nw * sizeof *got)) {
            if (++bad <= 3) fprintf(stderr, "word \"%.*s\": encode gives %d ids, training %d\n", (int)wl, w, ng, nw);
        }
        free(got);
    }
    CHECK(bad == 0);
    const char *w; size_t wl; long long cnt; const int *ids; int nw;
    CHECK(seal_bpe_trainer_word(t, st.n_unique, &w, &wl, &cnt, &ids, &nw) == -1);
    int *all, nall, specials = 0;
    CHECK(seal_tok_encode(tok, corpus, n, 0, &all, &nall) == 0);
    for (int i = 0; i < nall; i++) specials += all[i] == 399;
    CHECK_MSG(nall - specials == expect, "corpus encodes to %d tokens (%d special), training says %lld", nall, specials, expect);
    CHECK(specials > 0);
    free(all);
    /* The separators were cut out before counting: nothing of them was learned. */
    for (int id = 256; id < 399; id++) CHECK(!strstr(seal_tok_piece(tok, id), "endoftext"));

    /* Same input, same bytes. */
    bpe_trainer *t2 = train_file("corpus.txt", 400, 0);
    size_t l1 = 0, l2 = 0, l3 = 0;
    char *j1 = seal_bpe_trainer_tokenizer_json(t, &l1), *j2 = t2 ? seal_bpe_trainer_tokenizer_json(t2, &l2) : NULL;
    char *disk = read_file("tok/tokenizer.json", &l3);
    CHECK(j1 && j2 && l1 == l2 && !memcmp(j1, j2, l1));
    CHECK(disk && l3 == l1 && !memcmp(disk, j1, l1));
    free(j1); free(j2); free(disk);
    seal_bpe_trainer_free(t2);
    seal_bpe_trainer_free(t);
    seal_tok_free(tok);
    free(corpus);
}

/* The trainer against a from-scratch BPE on the same word counts: recount
 * every pair each step, take the most frequent (smallest (left, right) id on
 * ties), merge it everywhere. Same merges <=> same final segmentations. */
#define NV 400
static void test_against_naive(void) {
    size_t n;
    char *corpus = make_corpus(&n);
    write_file("corpus.txt", corpus, n);
    free(corpus);
    bpe_trainer *t = train_file("corpus.txt", NV, 0);
    CHECK(t != NULL);
    if (!t) return;
    bpe_train_stats st;
    seal_bpe_trainer_stats(t, &st);
    int nw = st.n_unique, byte_id[256], id = 0;
    for (int b = 0; b < 256; b++) if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) byte_id[b] = id++;
    for (int b = 0; b < 256; b++) if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) byte_id[b] = id++;
    char *tok_str[NV];
    size_t tok_len[NV];
    for (int b = 0; b < 256; b++) { tok_str[byte_id[b]] = malloc(1); tok_str[byte_id[b]][0] = (char)b; tok_len[byte_id[b]] = 1; }
    int n_tok = 256, **sym = calloc((size_t)nw, sizeof *sym), *len = calloc((size_t)nw, sizeof *len);
    long long *cnt = calloc((size_t)nw, sizeof *cnt), *pc = malloc(sizeof(long long) * NV * NV);
    for (int w = 0; w < nw; w++) {
        const char *bytes; size_t bl; const int *ids; int ni;
        seal_bpe_trainer_word(t, w, &bytes, &bl, &cnt[w], &ids, &ni);
        sym[w] = malloc(bl * sizeof(int));
        for (size_t k = 0; k < bl; k++) sym[w][k] = byte_id[(unsigned char)bytes[k]];
        len[w] = (int)bl;
    }
    while (n_tok < NV - 1) {
        memset(pc, 0, sizeof(long long) * NV * NV);
        for (int w = 0; w < nw; w++) for (int k = 0; k + 1 < len[w]; k++) pc[sym[w][k] * NV + sym[w][k + 1]] += cnt[w];
        int best = -1;
        for (int q = 0; q < NV * NV; q++) if (pc[q] > 0 && (best < 0 || pc[q] > pc[best])) best = q;
        if (best < 0) break;
        int a = best / NV, b = best % NV, c = -1;
        size_t cl = tok_len[a] + tok_len[b];
        char *cs = malloc(cl);
        memcpy(cs, tok_str[a], tok_len[a]);
        memcpy(cs + tok_len[a], tok_str[b], tok_len[b]);
        for (int i = 0; i < n_tok; i++) if (tok_len[i] == cl && !memcmp(tok_str[i], cs, cl)) c = i;
        if (c < 0) { c = n_tok++; tok_str[c] = cs; tok_len[c] = cl; } else free(cs);
        for (int w = 0; w < nw; w++) {
            int o = 0;
            for (int r = 0; r < len[w];) {
                if (r + 1 < len[w] && sym[w][r] == a && sym[w][r + 1] == b) { sym[w][o++] = c; r += 2; }
                else sym[w][o++] = sym[w][r++];
            }
            len[w] = o;
        }
    }
    CHECK(n_tok == st.n_model);
    int bad = 0;
    for (int w = 0; w < nw; w++) {
        const char *bytes; size_t bl; long long c; const int *ids; int ni;
        seal_bpe_trainer_word(t, w, &bytes, &bl, &c, &ids, &ni);
        if (ni != len[w] || memcmp(ids, sym[w], (size_t)ni * sizeof(int))) bad++;
        free(sym[w]);
    }
    CHECK_MSG(bad == 0, "%d of %d words segment differently from the naive trainer", bad, nw);
    for (int i = 0; i < n_tok; i++) free(tok_str[i]);
    free(sym); free(len); free(cnt); free(pc);
    seal_bpe_trainer_free(t);
}

static void test_jsonl_and_specials(void) {
    static const char rows[] =
        "{\"text\": \"hello world, hello there <|im_end|> 42\"}\n"
        "\n"
        "{\"text\": \"hello again\\nworld\", \"id\": 7}\n"
        "{\"text\": \"<|im_end|><|im_end|>hello\"}\n";
    write_file("rows.data", rows, sizeof rows - 1); /* detected by its first character */
    const char *extra[] = {"<|im_end|>", "<|endoftext|>"};
    bpe_train_opts o = {.vocab_size = 270, .special = extra, .n_special = 2};
    bpe_trainer *t = seal_bpe_trainer_new(&o);
    CHECK(t && seal_bpe_trainer_add_file(t, path_of("rows.data")) == 0 && seal_bpe_trainer_train(t) == 0);
    if (!t) return;
    bpe_train_stats st;
    seal_bpe_trainer_stats(t, &st);
    CHECK(st.n_docs == 3 && st.n_special == 2 && st.n_model == 268);
    CHECK(seal_bpe_trainer_save(t, path_of("tok2")) == 0);
    seal_tokenizer *tok = seal_tok_load(path_of("tok2"));
    CHECK_MSG(tok != NULL, "%s", seal_errmsg());
    if (tok) {
        CHECK(seal_tok_vocab_size(tok) == 270 && seal_tok_id(tok, "<|endoftext|>") == 268 && seal_tok_id(tok, "<|im_end|>") == 269);
        CHECK(seal_tok_eos_id(tok) == 268);
        int *ids, n;
        CHECK(seal_tok_encode(tok, "hello<|im_end|>", 15, 1, &ids, &n) == 0 && n >= 2 && ids[n - 1] == 269);
        free(ids);
        CHECK(round_trip(tok, "hello world <|im_end|> new \xf0\x9f\xa4\x97", 31));
        seal_tok_free(tok);
    }
    seal_bpe_trainer_free(t);

    /* Text that merely starts with '{' stays text. */
    write_file("code.txt", "{\n  int x = 1;\n}\n", 17);
    t = seal_bpe_trainer_new(&o);
    CHECK(t && seal_bpe_trainer_add_file(t, path_of("code.txt")) == 0);
    if (t) { seal_bpe_trainer_stats(t, &st); CHECK(st.n_docs == 1 && st.n_bytes == 17); }
    seal_bpe_trainer_free(t);

    /* min_frequency above every pair count: no merges, bytes only, still lossless. */
    write_file("tiny.txt", "abc abd", 7);
    t = train_file("tiny.txt", 1000, 1000);
    CHECK(t != NULL);
    if (!t) return;
    seal_bpe_trainer_stats(t, &st);
    CHECK(st.n_merges == 0 && st.n_model == 256);
    CHECK(seal_bpe_trainer_save(t, path_of("tok3")) == 0);
    tok = seal_tok_load(path_of("tok3"));
    CHECK(tok && seal_tok_vocab_size(tok) == 257 && round_trip(tok, "abc abd é", 10));
    seal_tok_free(tok);
    seal_bpe_trainer_free(t);
}

static int new_err(int vocab, int n_special, const char *const *special) {
    bpe_train_opts o = {.vocab_size = vocab, .special = special, .n_special = n_special};
    bpe_trainer *t = seal_bpe_trainer_new(&o);
    seal_bpe_trainer_free(t);
    return t ? 0 : -1;
}

static int add_err(const char *name) {
    bpe_train_opts o = {.vocab_size = 300};
    bpe_trainer *t = seal_bpe_trainer_new(&o);
    int rc = seal_bpe_trainer_add_file(t, path_of(name));
    seal_bpe_trainer_free(t);
    return rc;
}

static void test_errors(void) {
    const char *two[] = {"<|a|>", "<|b|>"}, *empty[] = {""}, *bad_utf8[] = {"\xff"};
    CHECK_ERR(new_err(256, 0, NULL), "need at least 257");
    CHECK_ERR(new_err(257, 2, two), "need at least 259");
    CHECK(new_err(259, 2, two) == 0);
    CHECK_ERR(new_err(300, 1, empty), "special token 1 is empty");
    CHECK_ERR(new_err(300, 1, bad_utf8), "not valid UTF-8");

    CHECK_ERR(add_err("missing.txt"), "missing.txt: cannot open");
    write_file("empty.txt", "", 0);
    CHECK_ERR(add_err("empty.txt"), "empty.txt: empty file");
    write_file("blank.jsonl", "\n\n", 2);
    CHECK_ERR(add_err("blank.jsonl"), "blank.jsonl: no JSONL rows");
    write_file("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": 5}\n", 27);
    CHECK_ERR(add_err("bad.jsonl"), "bad.jsonl line 2: expected an object with a string \"text\"");
    write_file("broken.jsonl", "{\"text\": \"ok\"\n", 14);
    CHECK_ERR(add_err("broken.jsonl"), "broken.jsonl line 1: not valid JSON");
    write_file("latin1.txt", "caf\xe9 ok", 7);
    CHECK_ERR(add_err("latin1.txt"), "latin1.txt: text is not valid UTF-8 (byte 3)");

    bpe_train_opts o = {.vocab_size = 300};
    bpe_trainer *t = seal_bpe_trainer_new(&o);
    CHECK_ERR(seal_bpe_trainer_train(t), "no training text");
    seal_bpe_trainer_free(t);
    t = seal_bpe_trainer_new(&o);
    CHECK(seal_bpe_trainer_add_text(t, "<|endoftext|>", 13) == 0); /* only a special: no words */
    CHECK_ERR(seal_bpe_trainer_train(t), "no training text");
    size_t n;
    CHECK(seal_bpe_trainer_tokenizer_json(t, &n) == NULL);
    seal_bpe_trainer_free(t);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/seal_bpe_train_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_train_and_load();
    test_against_naive();
    test_jsonl_and_specials();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_bpe_train");
}
