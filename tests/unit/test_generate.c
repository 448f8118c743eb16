/* Batched generation: k samples of one prompt (one shared prefill) and several
 * prompts decoded together give, sample for sample, exactly the tokens each
 * gets generated alone with its per-sample seed; EOS and length stop. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "gen/generate.h"
#include "model/synth.h"
#include "util/err.h"

enum { MAX_NEW = 24 };

static int same(const gen_sample *a, const gen_sample *b) {
    return a->n == b->n && a->finish == b->finish && memcmp(a->ids, b->ids, sizeof(int) * (size_t)a->n) == 0;
}

int main(void) {
    char dir[] = "/tmp/seal-test-generate-XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    seal_config cfg;
    seal_synth_shape(&cfg, "micro");
    if (seal_synth_write(dir, &cfg, SEAL_BF16, 11, 0.3f)) { fprintf(stderr, "%s\n", seal_errmsg()); return 1; }
    seal_model m;
    CHECK(seal_model_load(&m, dir) == 0);
    seal_pool *pool = seal_pool_create(2);

    int p0[] = {1, 20, 30, 40, 50, 60, 70}, p1[] = {1, 99}, p2[] = {1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    gen_request reqs[3] = {{p0, 7, 4, 100}, {p1, 2, 1, 200}, {p2, 12, 3, 300}};
    int eos = 3;
    gen_params p = {.max_new = MAX_NEW, .sampling = seal_sampling_defaults(), .eos_ids = &eos, .n_eos = 1, .prefill_cap = 5};
    p.sampling.top_p = 0.9f;
    gen_sample batched[8];
    gen_stats st;
    CHECK(seal_generate(&m, pool, reqs, 3, &p, batched, NULL, NULL, &st) == 0);
    CHECK(st.kv_bytes > 0 && st.generated_tokens > 0);

    /* each sample alone: request r, sample i == seed + i, one sample */
    int k = 0, n_eos = 0, n_len = 0;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < reqs[r].n_samples; i++, k++) {
            gen_request alone = {reqs[r].ids, reqs[r].n, 1, reqs[r].seed + (uint64_t)i};
            gen_sample one;
            p.prefill_cap = 64;
            CHECK(seal_generate(&m, pool, &alone, 1, &p, &one, NULL, NULL, NULL) == 0);
            CHECK_MSG(same(&one, &batched[k]), "request %d sample %d differs alone vs batched", r, i);
            n_eos += one.finish == GEN_EOS;
            n_len += one.finish == GEN_LENGTH;
            if (one.finish == GEN_LENGTH) CHECK(one.n == MAX_NEW);
            if (one.finish == GEN_EOS) CHECK(one.ids[one.n - 1] == eos);
            seal_gen_sample_free(&one);
        }
    CHECK(n_len > 0);
    /* samples of one prompt must differ from each other (different seeds) */
    CHECK(!same(&batched[0], &batched[1]) || !same(&batched[1], &batched[2]));
    for (int i = 0; i < 8; i++) seal_gen_sample_free(&batched[i]);

    /* greedy is deterministic and seed-independent */
    p.sampling.temperature = 0;
    gen_request g1 = {p0, 7, 2, 1}, g2 = {p0, 7, 1, 999};
    gen_sample a[2], b;
    CHECK(seal_generate(&m, pool, &g1, 1, &p, a, NULL, NULL, NULL) == 0);
    CHECK(seal_generate(&m, pool, &g2, 1, &p, &b, NULL, NULL, NULL) == 0);
    CHECK(same(&a[0], &a[1]) && same(&a[0], &b));
    seal_gen_sample_free(&a[0]); seal_gen_sample_free(&a[1]); seal_gen_sample_free(&b);

    /* the context ends generation: a sample with room for 5 new tokens stops
     * there with GEN_CONTEXT (counted), its batch mate with room runs to
     * max_new; a prompt that fills the context is an error */
    p.max_positions = 12;
    gen_request ctx[2] = {{p0, 7, 1, 5}, {p1, 2, 1, 6}};
    gen_sample c[2];
    p.max_new = 8;
    p.n_eos = 0;
    CHECK_MSG(seal_generate(&m, pool, ctx, 2, &p, c, NULL, NULL, &st) == 0, "%s", seal_errmsg());
    CHECK(c[0].finish == GEN_CONTEXT && c[0].n == 12 - 7);
    CHECK(c[1].finish == GEN_LENGTH && c[1].n == 8);
    CHECK(st.context_stops == 1);
    CHECK(!strcmp(seal_gen_finish_name(GEN_CONTEXT), "context"));
    seal_gen_sample_free(&c[0]); seal_gen_sample_free(&c[1]);
    CHECK_ERR(seal_generate(&m, pool, &reqs[2], 1, &p, c, NULL, NULL, NULL), "no room left in the model's context of 12");
    /* without the limit (the SEAL loops' long passages) samples run past
     * max_position_embeddings, and are counted */
    int max_pos = m.cfg.max_pos;
    m.cfg.max_pos = 12;
    p.max_positions = 0;
    CHECK(seal_generate(&m, pool, ctx, 2, &p, c, NULL, NULL, &st) == 0);
    CHECK(c[0].finish == GEN_LENGTH && c[0].n == 8 && st.past_context == 1 && st.context_stops == 0);
    seal_gen_sample_free(&c[0]); seal_gen_sample_free(&c[1]);
    m.cfg.max_pos = max_pos;
    p.n_eos = 1;
    p.max_new = MAX_NEW;

    /* bad requests are errors */
    int bad[] = {1, 100000};
    gen_request rb = {bad, 2, 1, 0};
    gen_sample o;
    CHECK_ERR(seal_generate(&m, pool, &rb, 1, &p, &o, NULL, NULL, NULL), "out of range");
    p.max_new = 0;
    CHECK_ERR(seal_generate(&m, pool, &g2, 1, &p, &o, NULL, NULL, NULL), "max new");

    seal_pool_destroy(pool);
    seal_model_free(&m);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_generate");
}
