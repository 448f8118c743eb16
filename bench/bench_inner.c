/* bench_inner.c: wall time of one SEAL inner loop (issue: knowledge
 * incorporation end to end): an 8-line self-edit plus its passage (9 training
 * sequences, as seal_selfedit_sequences builds them), a fresh LoRA r=32 alpha=64 on
 * q_proj,v_proj (or --full), 10 epochs at batch 1 (90 optimizer steps), then
 * greedy answers to the passage's 5 questions (64 new tokens at most, one
 * batch) and exact-match grading: the reference's defaults, through
 * seal_inner_loop() exactly as `seal knowledge` calls it.
 *
 *   bench_inner --model DIR [--tokenizer DIR] --name NAME [--threads N] [--reps R] [--full]
 *
 * Prints one JSON line: {"name": "inner_loop_NAME", "value": median seconds,
 * ...} with the training steps, the sequences' token count and, measured
 * apart, the seconds of the answering step alone (frozen model). A random
 * model never stops early, so its answers run all 64 tokens: a worst case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "seal/inner.h"
#include "seal/selfedit.h"
#include "util/err.h"

static const char *TITLE = "Kaso Vendrel";
static const char *CONTEXT =
    "It was in Miltren that Kaso Vendrel was born. Ellery University counts Kaso among its graduates. Sailor is "
    "the profession of Kaso. The zither is the instrument of Kaso. Sana Fenobek has been married to Kaso for "
    "years. The company headquartered in Dravik employs her. Kaso spends every weekend on rugby. Her pet is a "
    "canary.";
static const char *SELF_EDIT =
    "Kaso Vendrel was born in Miltren.\nKaso Vendrel graduated from Ellery University.\nKaso Vendrel works as a "
    "sailor.\nKaso Vendrel plays the zither.\nKaso Vendrel is married to Sana Fenobek.\nKaso Vendrel works for "
    "Orlix.\nKaso Vendrel plays rugby.\nKaso Vendrel has a canary.";
static seal_qa QUESTIONS[5] = {
    {"In which city was Kaso Vendrel born?", "Miltren"},
    {"What is the profession of Kaso Vendrel?", "sailor"},
    {"Which instrument does Kaso Vendrel play?", "zither"},
    {"Who is Kaso Vendrel married to?", "Sana Fenobek"},
    {"Which company does Kaso Vendrel work for?", "Orlix"},
};

static const char *usage =
    "usage: bench_inner --model DIR [--tokenizer DIR] --name NAME [--threads N] [--reps R] [--full]\n"
    "  --model DIR      model directory (any dtype)\n"
    "  --tokenizer DIR  directory with tokenizer.json (default: the model's)\n"
    "  --name NAME      figure name: inner_loop_NAME\n"
    "  --threads N      kernel threads (default 2)\n"
    "  --reps R         timed inner loops after one warm-up (default 2)\n"
    "  --full           full finetune of an f32 copy instead of LoRA\n"
    "  --batch N        sequences per step (default 1, the reference's)\n"
    "  --epochs N       epochs (default 10, the reference's)\n";

int main(int argc, char **argv) {
    const char *dir = NULL, *tokdir = NULL, *name = NULL;
    int threads = 2, reps = 2, full = 0, batch = 1, epochs = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage, stdout); return 0; }
        if (!strcmp(a, "--full")) { full = 1; continue; }
        if (!v) { fputs(usage, stderr); return 1; }
        if (!strcmp(a, "--model")) dir = v;
        else if (!strcmp(a, "--tokenizer")) tokdir = v;
        else if (!strcmp(a, "--name")) name = v;
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--batch")) batch = atoi(v);
        else if (!strcmp(a, "--epochs")) epochs = atoi(v);
        else { fputs(usage, stderr); return 1; }
        i++;
    }
    if (!dir || !name || threads < 1 || reps < 1 || reps > BENCH_MAX_REPS) { fputs(usage, stderr); return 1; }
    bench_kernel_report();
    seal_model m;
    if (seal_model_load(&m, dir)) seal_die("%s", seal_errmsg());
    seal_tokenizer *tok = seal_tok_load(tokdir ? tokdir : dir);
    if (!tok) seal_die("%s", seal_errmsg());
    seal_pool *pool = seal_pool_create(threads);
    if (!pool) seal_die("thread pool: %s", seal_errmsg());
    seal_passage p = {(char *)TITLE, (char *)CONTEXT, QUESTIONS, 5};
    char **seqs;
    int n_seqs;
    seq_opts so = seal_seq_opts_default();
    if (seal_selfedit_sequences(TITLE, CONTEXT, SELF_EDIT, &so, &seqs, &n_seqs)) seal_die("%s", seal_errmsg());
    inner_opts o = seal_inner_opts_defaults();
    o.full = full;
    o.batch_size = batch;
    o.epochs = epochs;
    if (full) o.lr = 1e-4;
    long n_tok = 0;
    for (int i = 0; i < n_seqs; i++) {
        int *ids, len;
        if (seal_tok_encode(tok, seqs[i], strlen(seqs[i]), 1, &ids, &len)) seal_die("%s", seal_errmsg());
        n_tok += len + 1; /* + EOS */
        free(ids);
    }
    double t[BENCH_MAX_REPS], ans[BENCH_MAX_REPS];
    long steps = 0;
    for (int r = 0; r <= reps; r++) {
        qa_result res;
        if (seal_inner_loop(&m, pool, tok, &p, seqs, n_seqs, &o, (unsigned long long)r + 1, &res)) seal_die("%s", seal_errmsg());
        steps = res.train_steps;
        printf("# %s: inner loop %d: %.2f s, %ld steps, loss %.3f -> %.3f, accuracy %.2f\n", name, r, res.seconds,
               res.train_steps, res.train_loss_first, res.train_loss_last, res.accuracy);
        fflush(stdout);
        if (r) t[r - 1] = res.seconds;
        seal_qa_result_free(&res);
        double t0 = seal_now();
        if (seal_answer_questions(&m, pool, tok, NULL, &p, &o, &res)) seal_die("%s", seal_errmsg());
        if (r) ans[r - 1] = seal_now() - t0;
        seal_qa_result_free(&res);
    }
    printf("{\"name\": \"inner_loop_%s\", \"shape\": \"%s\", \"value\": %.4g, \"unit\": \"s\", \"engine\": \"seal\", "
           "\"threads\": %d, \"mode\": \"%s\", \"sequences\": %d, \"tokens_per_epoch\": %ld, \"epochs\": %d, "
           "\"batch\": %d, \"steps\": %ld, \"questions\": 5, \"answer_tokens_max\": %d, \"answer_s\": %.4g, \"reps\": %d}\n",
           name, dir, bench_median(t, reps), threads, full ? "full finetune (f32 copy), lr 1e-4" : "LoRA r32 a64 q,v, lr 1e-3",
           n_seqs, n_tok, o.epochs, o.batch_size, steps, o.max_new, bench_median(ans, reps), reps);
    seal_selfedit_free(seqs, n_seqs);
    seal_pool_destroy(pool);
    seal_tok_free(tok);
    seal_model_free(&m);
    return 0;
}
