/* bench_arc_ttt.c: one ARC test-time-training run (issue: SEAL few-shot ARC)
 * with the reference's oracle configuration (all four tool groups, leave-n
 * {1, 2}, output-token loss, lr 1e-4, 2 epochs, LoRA r128 a16 on q, v, gate,
 * up, down, batch 2, cosine, 11 warmup steps) on one real ARC task, through
 * seal_arc_ttt_dataset and seal_arc_ttt_train exactly as `seal arc` calls
 * them.
 *
 *   bench_arc_ttt --model DIR [--tokenizer DIR] --task FILE:ID --name NAME [--threads N] [--steps S]
 *
 * Building the set (augment, dedupe, render, tokenize, cap) is timed whole.
 * Training is timed for S optimizer steps (default: all of them); with S
 * smaller than the run's total (a 1B model on a laptop CPU takes hours), the
 * figure also projects the whole run from the measured seconds per step.
 * Prints one JSON line {"name": "arc_ttt_NAME", "value": seconds, ...}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/config.h"
#include "bench_util.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "seal/arc_ttt.h"
#include "util/err.h"

static const char *usage =
    "usage: bench_arc_ttt --model DIR [--tokenizer DIR] --task FILE:ID --name NAME [--threads N] [--steps S]\n"
    "  --model DIR      model directory (any dtype)\n"
    "  --tokenizer DIR  directory with tokenizer.json and tokenizer_config.json (default: the model's)\n"
    "  --task FILE:ID   a Kaggle challenges file and one task id in it\n"
    "  --name NAME      figure name: arc_ttt_NAME\n"
    "  --threads N      kernel threads (default 2)\n"
    "  --steps S        optimizer steps to time (default 0: the whole run)\n";

static void load_task(const char *spec, arc_set *set) {
    char file[4096];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof file) seal_die("--task: expected FILE:ID");
    memcpy(file, spec, (size_t)(colon - spec));
    file[colon - spec] = 0;
    if (seal_arc_load(set, file, NULL) || seal_arc_select_ids(set, colon + 1)) seal_die("%s", seal_errmsg());
}

int main(int argc, char **argv) {
    const char *dir = NULL, *tokdir = NULL, *name = NULL, *task = NULL;
    int threads = 2;
    long steps = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage, stdout); return 0; }
        if (!v) { fputs(usage, stderr); return 1; }
        if (!strcmp(a, "--model")) dir = v;
        else if (!strcmp(a, "--tokenizer")) tokdir = v;
        else if (!strcmp(a, "--task")) task = v;
        else if (!strcmp(a, "--name")) name = v;
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--steps")) steps = atol(v);
        else { fputs(usage, stderr); return 1; }
        i++;
    }
    if (!dir || !name || !task || threads < 1 || steps < 0) { fputs(usage, stderr); return 1; }
    seal_model m;
    if (seal_model_load(&m, dir)) seal_die("%s", seal_errmsg());
    seal_tokenizer *tok = seal_tok_load(tokdir ? tokdir : dir);
    chat_template tpl;
    if (!tok || seal_chat_load(&tpl, tokdir ? tokdir : dir)) seal_die("%s", seal_errmsg());
    tpl.date_today = 0;
    arc_set set;
    load_task(task, &set);
    seal_pool *pool = seal_pool_create(threads);
    if (!pool) seal_die("thread pool: %s", seal_errmsg());
    arc_config c = {.groups = 15, .strategy = ARC_LOSS_OUTPUT_TOKENS, .lr = 1e-4, .epochs = 2, .status = ARC_CFG_OK};
    arc_ttt_opts o = seal_arc_ttt_defaults();
    train_dataset ds = {0};
    arc_ttt_info info;
    double t0 = seal_now();
    if (seal_arc_ttt_dataset(&set.sub[0].t, &c, tok, &tpl, m.cfg.vocab, &o, &ds, &info)) seal_die("%s", seal_errmsg());
    double t_build = seal_now() - t0;
    long total = ((long)ds.n + o.batch - 1) / o.batch * c.epochs;
    printf("# %s: %d TTT tasks, %d dropped as too long, %d examples, %ld tokens per epoch (padded), %ld steps, "
           "set built in %.2f s\n", name, info.tasks, info.dropped_long, info.examples, info.tokens, total, t_build);
    fflush(stdout);
    seal_adapter a;
    double t1 = seal_now();
    if (seal_arc_ttt_train(&m, pool, &ds, &c, &o, steps, &a, &info)) seal_die("%s", seal_errmsg());
    double t_train = seal_now() - t1, per_step = info.steps ? t_train / (double)info.steps : 0;
    printf("{\"name\": \"arc_ttt_%s\", \"shape\": \"%s\", \"value\": %.4g, \"unit\": \"s\", \"engine\": \"seal\", "
           "\"threads\": %d, \"task\": \"%s\", \"ttt_tasks\": %d, \"examples\": %d, \"tokens_per_epoch\": %ld, "
           "\"epochs\": 2, \"steps_total\": %ld, \"steps_timed\": %ld, \"s_per_step\": %.4g, \"build_s\": %.4g, "
           "\"projected_run_s\": %.4g, \"loss_first\": %.4g, \"loss_last\": %.4g}\n",
           name, dir, t_build + t_train, threads, task, info.tasks, info.examples, info.tokens, total, info.steps,
           per_step, t_build, t_build + per_step * (double)total, info.loss_first, info.loss_last);
    seal_adapter_free(&a);
    seal_dataset_free(&ds);
    seal_arc_set_free(&set);
    seal_pool_destroy(pool);
    seal_tok_free(tok);
    seal_model_free(&m);
    return 0;
}
