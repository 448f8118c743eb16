/* test_pad: the SEAL reference's padding (seal-method.md 2.4: HF tokenizer
 * with padding="max_length", pad = EOS on the right, attention_mask 0 on the
 * pads, labels = input_ids so the pads count in the loss and in its mean).
 *   1. the padded dataset, hand-worked: ids, masks, label weights, visible keys;
 *   2. the attention kernel with pads against a naive softmax: a pad query sees
 *      the content keys only (neither the other pads nor itself);
 *   3. on a micro model: with pad labels the loss is the mean over content
 *      and pad positions (each position's NLL taken alone, summed by hand);
 *      without pad labels the padded loss equals the unpadded one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kern/attention.h"
#include "model/synth.h"
#include "train/backward.h"
#include "train/dataset.h"
#include "util/err.h"
#include "util/rng.h"

#define IDS(...) (int[]){__VA_ARGS__}
#define MASK(...) (unsigned char[]){__VA_ARGS__}

static dataset_opts pad_opts(int pad_to, int pad_labels) {
    dataset_opts o;
    seal_dataset_opts_default(&o);
    o.vocab = 16;
    o.pad_to = pad_to;
    o.pad_labels = pad_labels;
    o.pad_id = 15;
    return o;
}

static int same(const int *a, const int *b, int n) { return !memcmp(a, b, (size_t)n * sizeof *a); }

/* 1. [3,4,5] padded to 6 with pad 15: the reference's input_ids
 * [3,4,5,15,15,15], attention_mask [1,1,1,0,0,0], labels = input_ids: after
 * the shift, positions 0..4 predict 4,5,15,15,15 (5 = pad_to-1 labels). */
static void test_dataset(void) {
    dataset_opts o = pad_opts(6, 1);
    train_dataset d = {0};
    CHECK(seal_dataset_add_ids(&d, IDS(3, 4, 5), NULL, 3, &o) == 0);
    CHECK(seal_dataset_add_ids(&d, IDS(1, 2, 3, 4, 5, 6, 7, 8), NULL, 8, &o) == 0); /* truncated, no pads */
    CHECK(seal_dataset_add_ids(&d, IDS(9, 8, 7), MASK(0, 0, 1), 3, &o) == 0);        /* a prompt stays masked */
    CHECK(d.n == 3 && d.ex[0].n == 6 && d.ex[0].n_attn == 3);
    CHECK(same(d.ex[0].ids, IDS(3, 4, 5, 15, 15, 15), 6) && !memcmp(d.ex[0].mask, MASK(1, 1, 1, 1, 1, 1), 6));
    CHECK(d.ex[1].n == 6 && d.ex[1].n_attn == 6 && same(d.ex[1].ids, IDS(1, 2, 3, 4, 5, 6), 6));
    CHECK(d.ex[2].n_attn == 3 && !memcmp(d.ex[2].mask, MASK(0, 0, 1, 1, 1, 1), 6));
    CHECK(d.stats.tokens == 18 && d.stats.pad_tokens == 6 && d.stats.truncated == 1);
    CHECK(d.stats.loss_tokens == 5 + 5 + 4);
    batch_iter it;
    CHECK(seal_batch_iter_init(&it, &d, 3, 0, 0) == 0);
    train_batch b;
    int labels = 0;
    CHECK(seal_batch_iter_next(&it, 0, &b, &labels) == 1);
    CHECK(b.n == 18 && b.n_seq == 3 && labels == 14 && b.vis);
    CHECK(b.vis[0] == 3 && b.vis[1] == 6 && b.vis[2] == 3);
    static const float w0[6] = {1, 1, 1, 1, 1, 0}, w2[6] = {0, 1, 1, 1, 1, 0};
    CHECK(!memcmp(b.weight, w0, sizeof w0) && !memcmp(b.weight + 12, w2, sizeof w2));
    seal_batch_iter_free(&it);
    seal_dataset_free(&d);

    /* without pad labels: the same ids, the pads masked (only 4 and 5 are labels) */
    o = pad_opts(6, 0);
    CHECK(seal_dataset_add_ids(&d, IDS(3, 4, 5), NULL, 3, &o) == 0);
    CHECK(same(d.ex[0].ids, IDS(3, 4, 5, 15, 15, 15), 6) && !memcmp(d.ex[0].mask, MASK(1, 1, 1, 0, 0, 0), 6));
    CHECK(d.stats.loss_tokens == 2);
    /* the unpadded dataset keeps its fingerprint; padding changes it */
    train_dataset plain = {0};
    dataset_opts po = pad_opts(0, 0);
    CHECK(seal_dataset_add_ids(&plain, IDS(3, 4, 5), NULL, 3, &po) == 0 && plain.ex[0].n_attn == 3);
    CHECK(seal_dataset_fingerprint(&plain) != seal_dataset_fingerprint(&d));
    CHECK_ERR(seal_dataset_add_ids(&plain, IDS(3), NULL, 1, &o), "pad_to 0 -> 6");
    seal_dataset_free(&plain);
    seal_dataset_free(&d);

    o = pad_opts(6, 1);
    o.packing = 1;
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(1), NULL, 1, &o), "padding (pad_to 6) and packing exclude each other");
    o = pad_opts(6, 1);
    o.pad_id = -1;
    CHECK_ERR(seal_dataset_add_ids(&d, IDS(1), NULL, 1, &o), "pad token id -1 is not in the vocabulary");
    CHECK(d.n == 0);
}

/* 2. One GQA group (2 query heads) of L = 6 with vis = 4, against the direct sum. */
static void test_kernel(void) {
    enum { L = 6, HD = 4, G = 2, VIS = 4 };
    float q[L * G * HD], k[L * HD], v[L * HD], out[L * G * HD], lse[L * G];
    seal_rng r;
    seal_rng_seed(&r, 7);
    for (int i = 0; i < L * G * HD; i++) q[i] = (float)seal_rng_normal(&r);
    for (int i = 0; i < L * HD; i++) k[i] = (float)seal_rng_normal(&r), v[i] = (float)seal_rng_normal(&r);
    float *scratch = malloc(sizeof(float) * seal_attn_scratch_floats(L, HD));
    attn_view av = {.L = L, .hd = HD, .group = G, .scale = 0.5f, .q = q, .q_stride = G * HD, .k = k, .v = v,
                    .kv_stride = HD, .out = out, .lse = lse, .lse_stride = G, .vis = VIS};
    seal_attn_group_forward(&av, scratch);
    double worst = 0;
    for (int i = 0; i < L; i++)
        for (int g = 0; g < G; g++) {
            int last = i < VIS ? i : VIS - 1; /* a pad query sees the content only */
            double s[L], mx = -INFINITY, sum = 0;
            for (int j = 0; j <= last; j++) {
                s[j] = 0;
                for (int d = 0; d < HD; d++) s[j] += 0.5 * q[(i * G + g) * HD + d] * k[j * HD + d];
                mx = fmax(mx, s[j]);
            }
            for (int j = 0; j <= last; j++) sum += exp(s[j] - mx);
            worst = fmax(worst, fabs(lse[i * G + g] - (mx + log(sum))));
            for (int d = 0; d < HD; d++) {
                double o = 0;
                for (int j = 0; j <= last; j++) o += exp(s[j] - mx) / sum * v[j * HD + d];
                worst = fmax(worst, fabs(out[(i * G + g) * HD + d] - o));
            }
        }
    CHECK_MSG(worst < 1e-5, "padded attention differs from the direct sum by %g", worst);
    free(scratch);
}

/* Sum of -log p and count over the weighted positions of b. */
static double nll_of(train_ctx *tc, const train_batch *b, long *count) {
    double nll = 0;
    *count = 0; /* seal_train_forward_loss adds to both */
    if (seal_train_forward_loss(tc, b, &nll, count)) CHECK_MSG(0, "%s", seal_errmsg());
    return nll;
}

/* The first batch of d (one sequence), through the dataset's iterator. */
static double dataset_nll(train_ctx *tc, const train_dataset *d, long *count, train_batch *copy, float *w) {
    batch_iter it;
    CHECK(seal_batch_iter_init(&it, d, 1, 0, 0) == 0);
    train_batch b;
    CHECK(seal_batch_iter_next(&it, 0, &b, NULL) == 1);
    double nll = nll_of(tc, &b, count);
    if (copy) { /* per-position weights: a caller-owned weight array over the same tokens */
        memcpy(w, b.weight, sizeof(float) * (size_t)b.n);
        static int tok[64], seq[64], pos[64], start[1], len[1], vis[1];
        memcpy(tok, b.tok, sizeof(int) * (size_t)b.n), memcpy(seq, b.seq, sizeof(int) * (size_t)b.n);
        memcpy(pos, b.pos, sizeof(int) * (size_t)b.n);
        start[0] = b.start[0], len[0] = b.len[0], vis[0] = b.vis[0];
        *copy = (train_batch){.n = b.n, .n_seq = 1, .tok = tok, .seq = seq, .pos = pos, .start = start, .len = len,
                              .weight = w, .vis = vis};
    }
    seal_batch_iter_free(&it);
    return nll;
}

/* 3. Content [5 tokens] padded to 12 on a micro Qwen2 model. */
static void test_loss(const char *dir) {
    enum { C = 5, P = 12 };
    seal_model m;
    if (seal_model_load(&m, dir)) { CHECK_MSG(0, "%s", seal_errmsg()); return; }
    train_ctx tc;
    CHECK(seal_train_ctx_init(&tc, &m, NULL, NULL, P, 1, P, 0) == 0);
    const int content[C] = {3, 17, 9, 40, 22};
    dataset_opts o;
    seal_dataset_opts_default(&o);
    o.vocab = m.cfg.vocab;
    train_dataset plain = {0}, lab = {0}, unlab = {0};
    CHECK(seal_dataset_add_ids(&plain, content, NULL, C, &o) == 0);
    o.pad_to = P, o.pad_id = 63, o.pad_labels = 1;
    CHECK(seal_dataset_add_ids(&lab, content, NULL, C, &o) == 0);
    o.pad_labels = 0;
    CHECK(seal_dataset_add_ids(&unlab, content, NULL, C, &o) == 0);

    long n_plain, n_lab, n_unlab;
    double plain_nll = dataset_nll(&tc, &plain, &n_plain, NULL, NULL);
    train_batch one;
    float w[P];
    double lab_nll = dataset_nll(&tc, &lab, &n_lab, &one, w);
    double unlab_nll = dataset_nll(&tc, &unlab, &n_unlab, NULL, NULL);
    CHECK(n_plain == C - 1 && n_lab == P - 1 && n_unlab == C - 1);
    /* without pad labels the pads change nothing */
    CHECK_MSG(fabs(unlab_nll - plain_nll) < 1e-5 * fabs(plain_nll), "masked pads change the loss: %.8g vs %.8g",
              unlab_nll, plain_nll);

    /* with pad labels: each position alone, summed and averaged by hand */
    double by_hand = 0, content_part = 0;
    for (int t = 0; t < P - 1; t++) {
        for (int u = 0; u < P; u++) w[u] = u == t;
        long cnt;
        double x = nll_of(&tc, &one, &cnt);
        CHECK(cnt == 1 && x > 0);
        by_hand += x;
        if (t < C - 1) content_part += x;
    }
    CHECK_MSG(fabs(lab_nll - by_hand) < 1e-5 * by_hand, "padded loss %.8g, per-position sum %.8g", lab_nll, by_hand);
    CHECK_MSG(fabs(content_part - plain_nll) < 1e-5 * plain_nll, "content positions %.8g, unpadded %.8g",
              content_part, plain_nll);
    printf("pad: mean NLL %.5f over %ld positions (content %.5f over %d; unpadded %.5f)\n", lab_nll / (double)n_lab,
           n_lab, content_part / (C - 1), C - 1, plain_nll / (double)n_plain);
    /* the attention mask matters: pads that were attended would give another loss */
    for (int u = 0; u < P; u++) w[u] = u < P - 1;
    int all = P;
    one.vis = &all;
    long cnt;
    double attended = nll_of(&tc, &one, &cnt);
    CHECK_MSG(fabs(attended - lab_nll) > 1e-4, "attending to the pads does not change the loss (%.8g)", attended);

    seal_dataset_free(&plain), seal_dataset_free(&lab), seal_dataset_free(&unlab);
    seal_train_ctx_free(&tc);
    seal_model_free(&m);
}

int main(void) {
    test_dataset();
    test_kernel();
    char dir[] = "/tmp/seal-test-pad-XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    seal_config cfg;
    seal_synth_shape(&cfg, "micro");
    cfg.vocab = 64; cfg.hidden = 32; cfg.n_heads = 4; cfg.n_kv_heads = 2; cfg.head_dim = 8; cfg.ffn = 48;
    if (seal_synth_write(dir, &cfg, SEAL_F32, 21, 0.3f)) { fprintf(stderr, "%s\n", seal_errmsg()); return 1; }
    test_loss(dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_pad");
}
