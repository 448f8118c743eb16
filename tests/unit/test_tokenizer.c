/* test_tokenizer: the tokenizer on tiny tokenizer.json files written here:
 * a byte-level BPE (GPT-2 style, added tokens, template post-processor) and a
 * SentencePiece-style BPE (Prepend/Replace normalizer, byte fallback), exact
 * ids, decode, streaming decode across a split emoji, and load errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tok/tokenizer.h"
#include "util/err.h"

static char dir[64];

static void write_file(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

static seal_tokenizer *load_json(const char *json) {
    write_file("tokenizer.json", json);
    return seal_tok_load(dir);
}

/* 0 if json loads, -1 (with seal_err set) if not. */
static int load_err(const char *json) {
    seal_tokenizer *t = load_json(json);
    if (!t) return -1;
    seal_tok_free(t);
    return 0;
}

static int ids_equal(const seal_tokenizer *t, const char *text, int add_special, const int *want, int n_want) {
    int *ids, n;
    if (seal_tok_encode(t, text, strlen(text), add_special, &ids, &n)) {
        fprintf(stderr, "encode \"%s\": %s\n", text, seal_errmsg());
        return 0;
    }
    int ok = n == n_want && (n == 0 || !memcmp(ids, want, (size_t)n * sizeof *ids));
    if (!ok) {
        fprintf(stderr, "encode \"%s\": got", text);
        for (int i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, ", want");
        for (int i = 0; i < n_want; i++) fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
    return ok;
}
#define IDS(...) (int[]){__VA_ARGS__}, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int))

static int decodes_to(const seal_tokenizer *t, const int *ids, int n, int skip, const char *want) {
    char *text;
    size_t len;
    if (seal_tok_decode(t, ids, n, skip, &text, &len)) { fprintf(stderr, "decode: %s\n", seal_errmsg()); return 0; }
    int ok = len == strlen(want) && !memcmp(text, want, len);
    if (!ok) fprintf(stderr, "decode: got \"%s\", want \"%s\"\n", text, want);
    free(text);
    return ok;
}

/* Byte-level BPE: "hello" merges to one token, " world" to Ġwor + l + d. */
static const char BYTE_LEVEL[] =
    "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
    "\"added_tokens\":["
    " {\"id\":20,\"content\":\"<|end|>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
    " {\"id\":21,\"content\":\"<tool>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":false},"
    " {\"id\":22,\"content\":\"<mask>\",\"single_word\":false,\"lstrip\":true,\"rstrip\":true,\"normalized\":false,\"special\":true},"
    " {\"id\":23,\"content\":\"<|end|>x\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
    "\"normalizer\":{\"type\":\"NFC\"},"
    "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":["
    " {\"type\":\"Split\",\"pattern\":{\"Regex\":\"(?i:'s|'t)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},"
    "  \"behavior\":\"Isolated\",\"invert\":false},"
    " {\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}]},"
    "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
    " {\"SpecialToken\":{\"id\":\"<|end|>\",\"type_id\":0}}],\"pair\":[],"
    " \"special_tokens\":{\"<|end|>\":{\"id\":\"<|end|>\",\"ids\":[20],\"tokens\":[\"<|end|>\"]}}},"
    "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false},"
    "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":\"\","
    " \"end_of_word_suffix\":\"\",\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":false,"
    " \"vocab\":{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"\xc4\xa0\":4,\"w\":5,\"r\":6,\"d\":7,\"he\":8,\"ll\":9,\"llo\":10,"
    "  \"hello\":11,\"\xc4\xa0w\":12,\"or\":13,\"\xc4\xa0wor\":14,\"a\":15,\"b\":16,\"1\":17,\"\xc3\xa9\":18,\"\xc3\x83\":19},"
    " \"merges\":[[\"h\",\"e\"],[\"l\",\"l\"],[\"ll\",\"o\"],[\"he\",\"llo\"],[\"\xc4\xa0\",\"w\"],[\"o\",\"r\"],"
    "  [\"\xc4\xa0w\",\"or\"]]}}";

static void test_byte_level(void) {
    seal_tokenizer *t = load_json(BYTE_LEVEL);
    CHECK_MSG(t != NULL, "%s", seal_errmsg());
    if (!t) return;
    CHECK(seal_tok_vocab_size(t) == 24);
    CHECK(seal_tok_id(t, "hello") == 11);
    CHECK(seal_tok_id(t, "<mask>") == 22);
    CHECK(seal_tok_id(t, "nope") == -1);
    CHECK(!strcmp(seal_tok_piece(t, 14), "\xc4\xa0wor"));
    CHECK(seal_tok_piece(t, 99) == NULL);
    CHECK(seal_tok_is_special(t, 20) && !seal_tok_is_special(t, 21) && !seal_tok_is_special(t, 11));
    CHECK(seal_tok_bos_id(t) == -1);

    CHECK(ids_equal(t, "hello world", 0, IDS(11, 14, 2, 7)));
    CHECK(ids_equal(t, "hello world", 1, IDS(11, 14, 2, 7, 20)));
    CHECK(ids_equal(t, "", 1, IDS(20)));
    CHECK(ids_equal(t, "hello<|end|> world<tool>", 0, IDS(11, 20, 14, 2, 7, 21)));
    CHECK(ids_equal(t, "<|end|>x<|end|>", 0, IDS(23, 20))); /* longest match first */
    CHECK(ids_equal(t, "a <mask> b", 0, IDS(15, 22, 16)));   /* lstrip + rstrip eat the spaces */
    CHECK(ids_equal(t, "a <tool> b", 0, IDS(15, 4, 21, 4, 16)));
    CHECK(ids_equal(t, "11", 0, IDS(17, 17)));               /* \p{N}: one digit per piece */
    /* é (NFD e + U+0301) is composed by NFC to U+00E9 = bytes C3 A9 -> "Ã" (19) + "©" (absent: dropped) */
    CHECK(ids_equal(t, "e\xcc\x81", 0, IDS(19)));
    CHECK(ids_equal(t, "zzz", 0, NULL, 0)); /* no unk, no byte fallback: unknown chars are dropped as in HF */

    CHECK(decodes_to(t, IDS(11, 14, 2, 7), 0, "hello world"));
    CHECK(decodes_to(t, IDS(11, 20, 14, 2, 7, 21), 0, "hello<|end|> world<tool>"));
    CHECK(decodes_to(t, IDS(11, 20, 14, 2, 7, 21), 1, "hello world<tool>"));
    CHECK(decodes_to(t, IDS(19), 0, "\xef\xbf\xbd")); /* lone lead byte C3 -> U+FFFD */
    char *text;
    size_t len;
    CHECK_ERR(seal_tok_decode(t, IDS(11, 24), 0, &text, &len), "token id 24 is not in the vocabulary");
    int *ids, n;
    CHECK_ERR(seal_tok_encode(t, "ab\xff", 3, 0, &ids, &n), "not valid UTF-8 (byte 2)");
    seal_tok_free(t);
}

/* SentencePiece-style BPE with byte fallback: U+1F917 has no token and
 * falls back to <0xF0><0x9F><0xA4><0x97>. */
static char *sp_json(void) {
    static char buf[32768];
    char *p = buf;
    p += sprintf(p,
                 "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                 " {\"id\":0,\"content\":\"<unk>\",\"special\":true,\"normalized\":false},"
                 " {\"id\":1,\"content\":\"<s>\",\"special\":true,\"normalized\":false},"
                 " {\"id\":2,\"content\":\"</s>\",\"special\":true,\"normalized\":false}],"
                 "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
                 " {\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\xe2\x96\x81\"}]},"
                 "\"pre_tokenizer\":null,"
                 "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                 " {\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]}}},"
                 "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\xe2\x96\x81\"},\"content\":\" \"},"
                 " {\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]},"
                 "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<unk>\",\"continuing_subword_prefix\":null,"
                 " \"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":true,\"vocab\":{\"<unk>\":0,\"<s>\":1,\"</s>\":2");
    for (int b = 0; b < 256; b++) p += sprintf(p, ",\"<0x%02X>\":%d", b, 3 + b);
    sprintf(p, ",\"\xe2\x96\x81\":259,\"h\":260,\"i\":261,\"hi\":262,\"\xe2\x96\x81hi\":263},"
               "\"merges\":[\"h i\",\"\xe2\x96\x81 hi\"]}}");
    return buf;
}

static void test_sentencepiece(void) {
    write_file("tokenizer_config.json", "{\"bos_token\":\"<s>\",\"eos_token\":{\"content\":\"</s>\"},\"pad_token\":null,"
                                        "\"model_max_length\":1000000000000000019884624838656}");
    seal_tokenizer *t = load_json(sp_json());
    unlink("tokenizer_config.json");
    CHECK_MSG(t != NULL, "%s", seal_errmsg());
    if (!t) return;
    CHECK(seal_tok_bos_id(t) == 1 && seal_tok_eos_id(t) == 2 && seal_tok_pad_id(t) == -1);
    const int F0 = 3 + 0xF0, x9F = 3 + 0x9F, xA4 = 3 + 0xA4, x97 = 3 + 0x97;
    CHECK(ids_equal(t, "hi", 1, IDS(1, 263)));
    CHECK(ids_equal(t, "hi", 0, IDS(263)));
    CHECK(ids_equal(t, "hi \xf0\x9f\xa4\x97", 1, IDS(1, 263, 259, F0, x9F, xA4, x97)));
    CHECK(ids_equal(t, "<s>hi</s>", 0, IDS(1, 263, 2))); /* each section gets its own prepended ▁ */
    CHECK(decodes_to(t, IDS(1, 263, 259, F0, x9F, xA4, x97), 0, "<s> hi \xf0\x9f\xa4\x97"));
    CHECK(decodes_to(t, IDS(1, 263, 259, F0, x9F, xA4, x97), 1, "hi \xf0\x9f\xa4\x97"));
    CHECK(decodes_to(t, IDS(263, F0, x9F, 260), 0, "hi\xef\xbf\xbdh")); /* truncated sequence -> U+FFFD */

    /* Streaming: the emoji's first three bytes are held back, the fourth releases all four. */
    int ids[] = {1, 263, 259, F0, x9F, xA4, x97, 260};
    const char *want[] = {"", "hi", " ", "", "", "", "\xf0\x9f\xa4\x97", "h"};
    tok_stream s;
    seal_tok_stream_init(&s, t, 1);
    size_t cap = seal_tok_stream_max_out(t), n;
    char *out = malloc(cap);
    for (int i = 0; i < 8; i++) {
        CHECK(seal_tok_stream_push(&s, ids[i], out, cap, &n) == 0);
        CHECK_MSG(n == strlen(want[i]) && !memcmp(out, want[i], n), "push %d: got %zu bytes \"%.*s\"", i, n, (int)n, out);
    }
    CHECK(seal_tok_stream_flush(&s, out, cap, &n) == 0 && n == 0);
    seal_tok_stream_free(&s);
    /* A sequence cut short at the end is flushed as U+FFFD. */
    seal_tok_stream_init(&s, t, 0);
    CHECK(seal_tok_stream_push(&s, F0, out, cap, &n) == 0 && n == 0);
    CHECK(seal_tok_stream_flush(&s, out, cap, &n) == 0 && n == 3 && !memcmp(out, "\xef\xbf\xbd", 3));
    CHECK_ERR(seal_tok_stream_push(&s, 263, out, 2, &n), "too small"); /* " hi" needs 3 bytes */
    seal_tok_stream_free(&s);
    free(out);
    seal_tok_free(t);
}

static void test_errors(void) {
    CHECK_ERR(load_err("{\"model\": "), "tokenizer.json: not valid JSON: line 1 column 10");
    CHECK_ERR(load_err("{}"), "missing \"model\"");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}"), "model type \"WordPiece\" is not supported");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a b\"]}}"),
              "model.merges[0]: \"b\" is not in model.vocab");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"ab\"]}}"), "model.merges[0]");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-1},\"merges\":[]}}"), "model.vocab[\"a\"]");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"normalizer\":{\"type\":\"Lowercase\"}}"),
              "normalizer: normalizer type \"Lowercase\" is not supported");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"Sequence\","
                       "\"pretokenizers\":[{\"type\":\"Punctuation\"}]}}"),
              "pre_tokenizer.pretokenizers[0]: pre_tokenizer type \"Punctuation\" is not supported");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"Split\","
                       "\"pattern\":{\"Regex\":\"(unclosed\"},\"behavior\":\"Isolated\",\"invert\":false}}"),
              "regex does not compile");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"decoder\":{\"type\":\"WordPiece\"}}"),
              "decoder type \"WordPiece\" is not supported");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"post_processor\":{\"type\":\"Magic\"}}"),
              "post_processor type \"Magic\" is not supported");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\"added_tokens\":[{\"id\":3}]}"),
              "added_tokens[0]: missing or empty \"content\"");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[],\"dropout\":0.1}}"), "dropout");
    write_file("tokenizer_config.json", "{\"bos_token\":\"<nope>\"}");
    CHECK_ERR(load_err("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}"),
              "tokenizer_config.json: bos_token \"<nope>\" is not in the vocabulary");
    char path[128];
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    unlink(path);
    CHECK_ERR(seal_tok_load("/nonexistent-dir") ? 0 : -1, "/nonexistent-dir/tokenizer.json");
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/seal_test_tok_XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    if (chdir(dir)) { perror(dir); return 1; }
    test_byte_level();
    test_sentencepiece();
    test_errors();
    unlink("tokenizer.json");
    if (chdir("/")) return 1;
    rmdir(dir);
    return check_report("test_tokenizer");
}
