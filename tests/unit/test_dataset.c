/* test_dataset: JSONL datasets written to a temp dir. Pre-tokenized rows
 * (masks, truncation, shuffling, batch layout, packing), every bad-input
 * error with its line number, and text / prompt-completion rows on a tiny
 * byte-level BPE (TRL 0.18's completion mask and EOS rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tok/tokenizer.h"
#include "train/dataset.h"
#include "util/err.h"

static char dir[64];

static const char *path_of(const char *name) {
    static char path[4][160];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

static const char *write_file(const char *name, const char *text) {
    const char *path = path_of(name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
    return path;
}

static dataset_opts opts(int max_len, int vocab, int packing) {
    dataset_opts o;
    seal_dataset_opts_default(&o);
    o.max_len = max_len;
    o.vocab = vocab;
    o.packing = packing;
    return o;
}

static int example_is(const train_example *e, const int *ids, const unsigned char *mask, int n) {
    int ok = e->n == n && !memcmp(e->ids, ids, (size_t)n * sizeof *ids) && !memcmp(e->mask, mask, (size_t)n);
    if (!ok) {
        fprintf(stderr, "example: got");
        for (int i = 0; i < e->n; i++) fprintf(stderr, " %d/%d", e->ids[i], e->mask[i]);
        fprintf(stderr, ", want");
        for (int i = 0; i < n; i++) fprintf(stderr, " %d/%d", ids[i], mask[i]);
        fprintf(stderr, "\n");
    }
    return ok;
}
#define IDS(...) (int[]){__VA_ARGS__}
#define MASK(...) (unsigned char[]){__VA_ARGS__}

/* Load one file into a fresh dataset: 0, or -1 with seal_err set. */
static int load_err(const char *text, const seal_tokenizer *tok, const dataset_opts *o) {
    train_dataset d = {0};
    int rc = seal_dataset_load_jsonl(&d, write_file("bad.jsonl", text), tok, o);
    seal_dataset_free(&d);
    return rc;
}

static void test_pretokenized(void) {
    dataset_opts o = opts(4, 16, 0);
    train_dataset d = {0};
    const char *p = write_file("pre.jsonl",
                               "{\"input_ids\":[1,2,3],\"completion_mask\":[0,1,1]}\n"
                               "{\"input_ids\":[4,5],\"extra\":\"ignored\"}\n"
                               "  \r\n"
                               "\n"
                               "{\"input_ids\":[6,7,8,9,10,11],\"completion_mask\":[false,false,true,true,true,true]}\r\n"
                               "{\"text\":null,\"input_ids\":[12],\"completion_mask\":null}");
    CHECK_MSG(seal_dataset_load_jsonl(&d, p, NULL, &o) == 0, "%s", seal_errmsg());
    CHECK(d.n == 4);
    if (d.n != 4) return;
    CHECK(example_is(&d.ex[0], IDS(1, 2, 3), MASK(0, 1, 1), 3));
    CHECK(example_is(&d.ex[1], IDS(4, 5), MASK(1, 1), 2)); /* pre-tokenized: no EOS appended */
    CHECK(example_is(&d.ex[2], IDS(6, 7, 8, 9), MASK(0, 0, 1, 1), 4)); /* truncated on the right */
    CHECK(example_is(&d.ex[3], IDS(12), MASK(1), 1));
    CHECK(d.stats.examples == 4 && d.stats.tokens == 10 && d.stats.truncated == 1);
    CHECK(d.stats.loss_tokens == 2 + 1 + 2 + 0);
    CHECK(d.stats.prompt_mismatch == 0 && d.warning[0] == 0);

    /* From memory; a failed add leaves the dataset as it was. */
    CHECK(seal_dataset_add_ids(&d, IDS(3, 3, 3), NULL, 3, &o) == 0);
    CHECK(example_is(&d.ex[4], IDS(3, 3, 3), MASK(1, 1, 1), 3));
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(3, 16), NULL, 2, &o), "token id 16 at position 1 is outside the vocabulary [0, 16)");
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(0), NULL, 0, &o), "empty example");
    dataset_opts packed = opts(4, 16, 1);
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(1), NULL, 1, &packed), "options changed");
    CHECK(d.n == 5 && d.stats.examples == 5 && d.stats.tokens == 13);

    /* A failing file adds nothing, even after good lines. */
    CHECK_ERR(seal_dataset_load_jsonl(&d, write_file("half.jsonl", "{\"input_ids\":[1]}\n{\"input_ids\":[99]}\n"), NULL, &o),
              "line 2");
    CHECK(d.n == 5 && d.stats.examples == 5 && d.stats.tokens == 13);
    seal_dataset_free(&d);
}

static void test_errors(void) {
    dataset_opts o = opts(8, 16, 0);
    const char *ok = "{\"input_ids\":[1,2]}\n";
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s{\"input_ids\": [1,}\n", ok, ok);
    CHECK_ERR(load_err(buf, NULL, &o), "line 3: not valid JSON");
    CHECK_ERR(load_err(buf, NULL, &o), "bad.jsonl");
    snprintf(buf, sizeof buf, "%s\n%s", ok, "{\"prompt\":\"x\"}");
    CHECK_ERR(load_err(buf, NULL, &o), "line 3: missing \"completion\"");
    CHECK_ERR(load_err("{\"completion\":\"x\"}", NULL, &o), "line 1: missing \"prompt\"");
    CHECK_ERR(load_err("{\"foo\":1}", NULL, &o), "no \"text\", \"prompt\"/\"completion\" or \"input_ids\" field");
    CHECK_ERR(load_err("[1,2]", NULL, &o), "line 1: not a JSON object");
    CHECK_ERR(load_err("\"text\"", NULL, &o), "not a JSON object");
    CHECK_ERR(load_err("{\"text\":5}", NULL, &o), "\"text\" is not a string");
    CHECK_ERR(load_err("{\"prompt\":\"a\",\"completion\":[]}", NULL, &o), "\"completion\" is not a string");
    CHECK_ERR(load_err("{\"text\":\"a\",\"prompt\":\"b\",\"completion\":\"c\"}", NULL, &o), "more than one row form");
    CHECK_ERR(load_err("{\"text\":\"a\",\"input_ids\":[1]}", NULL, &o), "more than one row form");
    CHECK_ERR(load_err("{\"text\":\"a\",\"text\":\"b\"}", NULL, &o), "duplicate");
    CHECK_ERR(load_err("{\"input_ids\":[1,16]}", NULL, &o), "\"input_ids\"[1] = 16 is outside the vocabulary [0, 16)");
    CHECK_ERR(load_err("{\"input_ids\":[-1]}", NULL, &o), "\"input_ids\"[0] = -1 is outside");
    CHECK_ERR(load_err("{\"input_ids\":[1.5]}", NULL, &o), "\"input_ids\"[0] is not an integer");
    CHECK_ERR(load_err("{\"input_ids\":[99999999999]}", NULL, &o), "outside");
    CHECK_ERR(load_err("{\"input_ids\":3}", NULL, &o), "\"input_ids\" is not an array");
    CHECK_ERR(load_err("{\"input_ids\":[]}", NULL, &o), "\"input_ids\" is empty");
    CHECK_ERR(load_err("{\"input_ids\":[1,2],\"completion_mask\":[1]}", NULL, &o), "has 1 entries but");
    CHECK_ERR(load_err("{\"input_ids\":[1,2],\"completion_mask\":[1,2]}", NULL, &o), "\"completion_mask\"[1] is not 0 or 1");
    CHECK_ERR(load_err("{\"input_ids\":[1],\"completion_mask\":\"1\"}", NULL, &o), "\"completion_mask\" is not an array");
    CHECK_ERR(load_err("{\"text\":\"a\",\"completion_mask\":[1]}", NULL, &o), "without \"input_ids\"");
    CHECK_ERR(load_err("{\"text\":\"hello\"}", NULL, &o), "need a tokenizer");
    CHECK_ERR(load_err("{\"prompt\":\"a\",\"completion\":\"b\"}", NULL, &o), "need a tokenizer");
    CHECK_ERR(load_err("", NULL, &o), "no examples (empty dataset)");
    CHECK_ERR(load_err("\n  \n\n", NULL, &o), "bad.jsonl: no examples");
    train_dataset d = {0};
    CHECK_ERR(seal_dataset_load_jsonl(&d, path_of("nope.jsonl"), NULL, &o), "nope.jsonl");
    dataset_opts bad = opts(0, 16, 1);
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(1), NULL, 1, &bad), "packing needs max_len");
    CHECK(d.n == 0);
    batch_iter it;
    CHECK_ERR(seal_batch_iter_init(&it, &d, 2, 1, 1), "empty dataset");
    CHECK(seal_dataset_add_ids(&d, IDS(1), NULL, 1, &o) == 0);
    CHECK_ERR(seal_batch_iter_init(&it, &d, 0, 1, 1), "batch size 0");
    seal_dataset_free(&d);
}

/* The invariants every batch must hold, against the items it came from
 * (their ids and masks given in batch order). Returns the label count. */
static int check_batch(const train_batch *b, const batch_iter *it, int want_labels) {
    int labels = 0, t = 0;
    CHECK(b->n <= seal_batch_iter_max_tokens(it) && b->n_seq <= seal_batch_iter_max_seqs(it));
    for (int s = 0; s < b->n_seq; s++) {
        CHECK(b->start[s] == t);
        CHECK(b->len[s] >= 1 && b->len[s] <= seal_batch_iter_max_len(it));
        for (int j = 0; j < b->len[s]; j++, t++) {
            CHECK(b->seq[t] == s && b->pos[t] == j);
            CHECK(b->weight[t] == 0.0f || b->weight[t] == 1.0f);
            labels += b->weight[t] != 0.0f;
        }
        CHECK(b->weight[t - 1] == 0.0f); /* nothing to predict past a sequence */
    }
    CHECK(t == b->n);
    CHECK(labels == want_labels);
    return labels;
}

/* First token of each sequence of every batch of one epoch (items start with distinct ids). */
static int epoch_order(batch_iter *it, long epoch, int *first) {
    train_batch b;
    int labels, k = 0;
    while (seal_batch_iter_next(it, epoch, &b, &labels)) {
        check_batch(&b, it, labels);
        for (int s = 0; s < b.n_seq; s++) first[k++] = b.tok[b.start[s]];
    }
    return k;
}

static void test_batches(void) {
    dataset_opts o = opts(0, 100, 0);
    train_dataset d = {0};
    /* Example i: ids (10i, 10i+1, ...), length 1 + i % 4, mask 0 on the second token of odd i. */
    long want_loss = 0;
    for (int i = 0; i < 10; i++) {
        int ids[8], n = 1 + i % 4;
        unsigned char mask[8];
        for (int j = 0; j < n; j++) ids[j] = 10 * i + j, mask[j] = !(j == 1 && i % 2);
        for (int j = 1; j < n; j++) want_loss += mask[j];
        CHECK(seal_dataset_add_ids(&d, ids, mask, n, &o) == 0);
    }
    CHECK(d.stats.loss_tokens == want_loss);
    batch_iter a, b;
    CHECK(seal_batch_iter_init(&a, &d, 3, 42, 1) == 0);
    CHECK(seal_batch_iter_init(&b, &d, 3, 42, 1) == 0);
    CHECK(seal_batch_iter_epoch_batches(&a) == 4);
    CHECK(seal_batch_iter_max_seqs(&a) == 3 && seal_batch_iter_max_len(&a) == 4);
    CHECK(seal_batch_iter_max_tokens(&a) == 4 + 4 + 3); /* the three longest */

    int o0[10], o0b[10], o1[10], o2[10], ident[10];
    CHECK(epoch_order(&a, 0, o0) == 10);
    CHECK(epoch_order(&b, 0, o0b) == 10);
    CHECK(!memcmp(o0, o0b, sizeof o0)); /* same seed, same order */
    CHECK(epoch_order(&a, 1, o1) == 10);
    CHECK(memcmp(o0, o1, sizeof o0)); /* reshuffled each epoch */
    int seen[10] = {0};
    for (int i = 0; i < 10; i++) seen[o1[i] / 10]++;
    for (int i = 0; i < 10; i++) CHECK(seen[i] == 1); /* a permutation */
    train_batch tb;
    CHECK(seal_batch_iter_next(&a, 1, &tb, NULL) == 0); /* epoch 1 is over */

    /* Labels over an epoch are the dataset's loss tokens; peek agrees with next. */
    long total = seal_batch_iter_peek_labels(&a, 2, 100), sum = 0;
    CHECK(total == want_loss);
    CHECK(seal_batch_iter_peek_labels(&a, 2, 2) + seal_batch_iter_peek_labels(&a, 2, 0) <= total);
    long two = seal_batch_iter_peek_labels(&a, 2, 2);
    int labels;
    for (int k = 0; k < 2 && seal_batch_iter_next(&a, 2, &tb, &labels); k++) sum += labels;
    CHECK(sum == two);

    /* Resume: seeking to batch 2 of epoch 0 continues the same order. */
    seal_batch_iter_seek(&b, 0, 2);
    int rest[10], k = 0;
    while (seal_batch_iter_next(&b, 0, &tb, &labels))
        for (int s = 0; s < tb.n_seq; s++) rest[k++] = tb.tok[tb.start[s]];
    CHECK(k == 4 && !memcmp(rest, o0 + 6, 4 * sizeof *rest));
    seal_batch_iter_free(&b);

    /* Another seed, another order; no shuffle, dataset order. */
    CHECK(seal_batch_iter_init(&b, &d, 3, 43, 1) == 0);
    CHECK(epoch_order(&b, 0, o2) == 10 && memcmp(o0, o2, sizeof o0));
    seal_batch_iter_free(&b);
    CHECK(seal_batch_iter_init(&b, &d, 4, 42, 0) == 0);
    CHECK(epoch_order(&b, 5, ident) == 10);
    for (int i = 0; i < 10; i++) CHECK(ident[i] == 10 * i);
    seal_batch_iter_free(&b);

    /* Exact weights of one batch: dataset order, batch of examples 1, 2 and 3. */
    CHECK(seal_batch_iter_init(&b, &d, 3, 0, 0) == 0);
    CHECK(seal_batch_iter_next(&b, 0, &tb, &labels) == 1);
    /* ex0 (0) | ex1 (10 11, mask 1 0) | ex2 (20 21 22) */
    CHECK(tb.n == 6 && tb.n_seq == 3);
    float want_w[6] = {0, 0, 0, 1, 1, 0};
    for (int t = 0; t < 6; t++) CHECK(tb.weight[t] == want_w[t]);
    CHECK(labels == 2);
    seal_batch_iter_free(&b);
    seal_batch_iter_free(&a);
    seal_dataset_free(&d);
}

static void test_packing(void) {
    dataset_opts o = opts(4, 100, 1);
    train_dataset d = {0};
    const char *p = write_file("pack.jsonl",
                               "{\"input_ids\":[1,2,3],\"completion_mask\":[0,1,1]}\n"
                               "{\"input_ids\":[4,5]}\n"
                               "{\"input_ids\":[6,7,8,9,10,11],\"completion_mask\":[0,0,1,1,1,1]}\n");
    CHECK_MSG(seal_dataset_load_jsonl(&d, p, NULL, &o) == 0, "%s", seal_errmsg());
    CHECK(d.stats.truncated == 0 && d.stats.tokens == 11); /* packing does not truncate */
    batch_iter it;
    CHECK(seal_batch_iter_init(&it, &d, 2, 7, 0) == 0);
    CHECK(seal_batch_iter_epoch_batches(&it) == 2); /* rows of 4, 4, 3 */
    CHECK(seal_batch_iter_max_len(&it) == 4 && seal_batch_iter_max_tokens(&it) == 8);
    train_batch b;
    int labels;
    CHECK(seal_batch_iter_next(&it, 0, &b, &labels) == 1);
    /* stream 1 2 3 4 | 5 6 7 8 | 9 10 11, mask 0 1 1 1 | 1 0 0 1 | 1 1 1 */
    int want_tok[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    float want_w[8] = {1, 1, 1, 0, 0, 0, 1, 0};
    CHECK(b.n == 8 && b.n_seq == 2 && b.len[0] == 4 && b.len[1] == 4);
    for (int t = 0; t < 8; t++) CHECK(b.tok[t] == want_tok[t] && b.weight[t] == want_w[t]);
    check_batch(&b, &it, 4);
    CHECK(seal_batch_iter_next(&it, 0, &b, &labels) == 1);
    CHECK(b.n == 3 && b.n_seq == 1 && b.tok[0] == 9 && labels == 2);
    check_batch(&b, &it, 2);
    CHECK(seal_batch_iter_next(&it, 0, &b, &labels) == 0);
    seal_batch_iter_free(&it);

    /* Shuffled rows stay whole. */
    CHECK(seal_batch_iter_init(&it, &d, 1, 3, 1) == 0);
    int rows = 0, seen = 0;
    while (seal_batch_iter_next(&it, 4, &b, &labels)) {
        rows++;
        CHECK(b.n_seq == 1 && (b.tok[0] == 1 || b.tok[0] == 5 || b.tok[0] == 9));
        seen |= 1 << (b.tok[0] / 4);
        check_batch(&b, &it, labels);
    }
    CHECK(rows == 3 && seen == 7);
    seal_batch_iter_free(&it);
    seal_dataset_free(&d);
}

/* Byte-level BPE: "hello" merges to one token, " world" to Ġwor + l + d,
 * "hel" alone to he + l; <|endoftext|> (15) is a special added token. */
static const char TOKENIZER[] =
    "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
    "\"added_tokens\":[{\"id\":15,\"content\":\"<|endoftext|>\",\"single_word\":false,\"lstrip\":false,"
    " \"rstrip\":false,\"normalized\":false,\"special\":true}],"
    "\"normalizer\":null,"
    "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
    "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true},"
    "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},"
    "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
    " \"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":false,"
    " \"vocab\":{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"\xc4\xa0\":4,\"w\":5,\"r\":6,\"d\":7,\"he\":8,\"ll\":9,\"llo\":10,"
    "  \"hello\":11,\"\xc4\xa0w\":12,\"or\":13,\"\xc4\xa0wor\":14},"
    " \"merges\":[\"h e\",\"l l\",\"ll o\",\"he llo\",\"\xc4\xa0 w\",\"o r\",\"\xc4\xa0w or\"]}}";

static void test_text(void) {
    write_file("tokenizer.json", TOKENIZER);
    write_file("tokenizer_config.json", "{\"eos_token\":\"<|endoftext|>\",\"bos_token\":null}");
    seal_tokenizer *tok = seal_tok_load(dir);
    CHECK_MSG(tok != NULL, "%s", seal_errmsg());
    if (!tok) return;
    CHECK(seal_tok_eos_id(tok) == 15);
    dataset_opts o = opts(16, 16, 0);
    train_dataset d = {0};
    const char *p = write_file("text.jsonl",
                               "{\"text\":\"hello world\"}\n"
                               "{\"prompt\":\"hello\",\"completion\":\" world\"}\n"
                               "{\"prompt\":\"hello\",\"completion\":\" world<|endoftext|>\"}\n"
                               "{\"prompt\":\"hel\",\"completion\":\"lo\"}\n"
                               "{\"text\":\"hello<|endoftext|>\"}\n"
                               "{\"prompt\":\"\",\"completion\":\"hello\"}\n");
    CHECK_MSG(seal_dataset_load_jsonl(&d, p, tok, &o) == 0, "%s", seal_errmsg());
    CHECK(d.n == 6);
    if (d.n == 6) {
        CHECK(example_is(&d.ex[0], IDS(11, 14, 2, 7, 15), MASK(1, 1, 1, 1, 1), 5));
        CHECK(example_is(&d.ex[1], IDS(11, 14, 2, 7, 15), MASK(0, 1, 1, 1, 1), 5));
        CHECK(example_is(&d.ex[2], IDS(11, 14, 2, 7, 15), MASK(0, 1, 1, 1, 1), 5)); /* no second EOS */
        /* "hel" -> he l (2 tokens), "hello<eos>" -> hello <eos>: not a prefix;
         * TRL still masks the first 2 tokens, so nothing is learned here. */
        CHECK(example_is(&d.ex[3], IDS(11, 15), MASK(0, 0), 2));
        CHECK(example_is(&d.ex[4], IDS(11, 15), MASK(1, 1), 2));
        CHECK(example_is(&d.ex[5], IDS(11, 15), MASK(1, 1), 2));
    }
    CHECK(d.stats.prompt_mismatch == 1);
    CHECK_MSG(strstr(d.warning, "text.jsonl: line 4") && strstr(d.warning, "not a prefix"), "%s", d.warning);
    CHECK(d.stats.loss_tokens == 4 + 4 + 4 + 0 + 1 + 1);

    /* The weights of the prompt/completion example: labels Ġwor l d <eos>. */
    batch_iter it;
    train_batch b;
    int labels;
    CHECK(seal_batch_iter_init(&it, &d, 2, 0, 0) == 0);
    CHECK(seal_batch_iter_next(&it, 0, &b, &labels) == 1);
    float want_w[10] = {1, 1, 1, 1, 0, 1, 1, 1, 1, 0};
    CHECK(b.n == 10 && labels == 8);
    for (int t = 0; t < 10; t++) CHECK(b.weight[t] == want_w[t]);
    seal_batch_iter_free(&it);

    /* From memory; truncation drops the EOS as TRL's does; append_eos off. */
    train_dataset m = {0};
    dataset_opts t3 = opts(3, 16, 0);
    CHECK(seal_dataset_add_text(&m, tok, "hello world", &t3) == 0);
    CHECK(seal_dataset_add_prompt_completion(&m, tok, "hello", " world", &t3) == 0);
    CHECK(m.stats.truncated == 2 && m.stats.prompt_mismatch == 0);
    CHECK(example_is(&m.ex[0], IDS(11, 14, 2), MASK(1, 1, 1), 3));
    CHECK(example_is(&m.ex[1], IDS(11, 14, 2), MASK(0, 1, 1), 3));
    seal_dataset_free(&m);
    dataset_opts noeos = opts(16, 16, 0);
    noeos.append_eos = 0;
    CHECK(seal_dataset_add_text(&m, tok, "hello world", &noeos) == 0);
    CHECK(seal_dataset_add_prompt_completion(&m, tok, "hel", "lo", &noeos) == 0);
    CHECK(example_is(&m.ex[0], IDS(11, 14, 2, 7), MASK(1, 1, 1, 1), 4));
    CHECK(example_is(&m.ex[1], IDS(11), MASK(0), 1));
    CHECK(m.stats.prompt_mismatch == 1 && !strncmp(m.warning, "the tokenized prompt", 20));
    CHECK_ERR(seal_dataset_add_text(&m, tok, "zzz", &noeos), "empty example after tokenization");
    CHECK_ERR(seal_dataset_add_text(&m, tok, "\xff", &noeos), "UTF-8");
    dataset_opts small = opts(16, 12, 0);
    CHECK_ERR(seal_dataset_add_text(&m, tok, "hello world", &small), "token id 14 at position 1 is outside the vocabulary [0, 12)");
    CHECK(m.n == 2);
    seal_dataset_free(&m);
    CHECK_ERR(load_err("{\"text\":\"hi\"}\n{\"text\":\"zzz\"}", tok, &noeos), "line 2: empty example after tokenization");
    seal_dataset_free(&d);
    seal_tok_free(tok);

    /* No eos_token in the tokenizer: the model's eos id is appended as an id. */
    char tj[160];
    snprintf(tj, sizeof tj, "%s", path_of("tokenizer.json"));
    tok = seal_tok_load_files(tj, NULL);
    CHECK_MSG(tok != NULL, "%s", seal_errmsg());
    if (!tok) return;
    dataset_opts fb = opts(16, 16, 0);
    fb.eos_id = 15;
    CHECK(seal_dataset_add_text(&m, tok, "hello world", &fb) == 0);
    CHECK(seal_dataset_add_text(&m, tok, "hello<|endoftext|>", &fb) == 0);
    CHECK(seal_dataset_add_prompt_completion(&m, tok, "hello", " world", &fb) == 0);
    CHECK(example_is(&m.ex[0], IDS(11, 14, 2, 7, 15), MASK(1, 1, 1, 1, 1), 5));
    CHECK(example_is(&m.ex[1], IDS(11, 15), MASK(1, 1), 2));
    CHECK(example_is(&m.ex[2], IDS(11, 14, 2, 7, 15), MASK(0, 1, 1, 1, 1), 5));
    fb.eos_id = -1;
    CHECK_ERR(seal_dataset_add_text(&m, tok, "hello", &fb), "no EOS token");
    CHECK(m.n == 3);
    seal_dataset_free(&m);
    seal_tok_free(tok);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/seal-dataset-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_pretokenized();
    test_errors();
    test_batches();
    test_packing();
    test_text();
    const char *names[] = {"pre.jsonl", "bad.jsonl", "half.jsonl", "pack.jsonl", "text.jsonl",
                           "tokenizer.json", "tokenizer_config.json"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlink(path_of(names[i]));
    rmdir(dir);
    return check_report("test_dataset");
}
