#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/progress.h"

train_opts train_opts_defaults(void) {
    return (train_opts){.lr = 5e-5, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .max_grad_norm = 1.0,
                        .schedule = SCHED_LINEAR, .epochs = 3, .grad_accum = 1};
}

long train_total_steps(const batch_source *src, const train_opts *o) {
    long per_epoch = (src->batches(src->ctx) + o->grad_accum - 1) / o->grad_accum;
    long total = per_epoch * o->epochs;
    return o->max_steps > 0 && o->max_steps < total ? o->max_steps : total;
}

static long warmup_of(const train_opts *o, long total) {
    if (o->warmup_steps > 0) return o->warmup_steps;
    return (long)ceil(o->warmup_ratio * (double)total);
}

static int check_opts(const train_opts *o) {
    if (!(o->lr >= 0) || o->epochs <= 0 || o->grad_accum <= 0) return seal_err("training: need lr >= 0, epochs > 0, grad_accum > 0");
    if (!(o->beta1 >= 0 && o->beta1 < 1 && o->beta2 >= 0 && o->beta2 < 1 && o->eps > 0))
        return seal_err("training: AdamW betas must be in [0, 1) and eps > 0");
    if (o->warmup_ratio < 0 || o->warmup_ratio > 1) return seal_err("training: warmup ratio must be in [0, 1]");
    return 0;
}

static void scale_grads(train_grads *g, float s) {
    for (size_t i = 0; i < g->n; i++) g->store[i] *= s;
}

static void log_step(const train_opts *o, long step, int epoch, double loss, double gnorm, double lr, long tokens,
                     double tok_s, double elapsed) {
    if (!o->log) return;
    fprintf(o->log, "{\"step\":%ld,\"epoch\":%d,\"loss\":%.6g,\"grad_norm\":%.6g,\"lr\":%.6g,\"tokens\":%ld,"
                    "\"tokens_per_s\":%.1f,\"elapsed_s\":%.3f}\n", step, epoch, loss, gnorm, lr, tokens, tok_s, elapsed);
    fflush(o->log);
}

int train_run(seal_model *m, seal_pool *pool, seal_adapter *a, const batch_source *src, const train_opts *o,
              train_result *res) {
    memset(res, 0, sizeof *res);
    if (check_opts(o)) return -1;
    int per_epoch = src->batches(src->ctx);
    if (per_epoch <= 0) return seal_err("training: the dataset has no batches");
    long total = train_total_steps(src, o), warmup = warmup_of(o, total);
    train_ctx tc;
    train_grads g;
    param_list pl;
    adamw opt;
    if (train_ctx_init(&tc, m, pool, a, src->max_tokens, src->max_seqs, src->max_len, o->recompute)) return -1;
    res->activation_bytes = train_ctx_bytes(&tc);
    grads_init(&g, m, a);
    params_build(&pl, m, a, &g);
    adamw_init(&opt, &pl, (adamw_hparams){o->lr, o->beta1, o->beta2, o->eps, o->weight_decay});

    seal_progress bar;
    if (!o->quiet) progress_start(&bar, "train", total, "step");
    double t0 = seal_now();
    int rc = 0;
    long step = 0;
    for (int epoch = 0; epoch < o->epochs && step < total && rc == 0; epoch++) {
        for (int i = 0; i < per_epoch && step < total && rc == 0;) {
            grads_zero(&g);
            double nll = 0;
            long labels = 0, tokens = 0;
            int micro = 0;
            for (; micro < o->grad_accum && i < per_epoch && rc == 0; micro++, i++) {
                train_batch b;
                double nll_b, w_loss;
                if (src->next(src->ctx, epoch, i, &b)) { rc = -1; break; }
                for (int t = 0; t < b.n; t++) labels += b.weight[t] != 0.0f;
                tokens += b.n;
                rc = train_step_grads(&tc, &b, &g, o->seed ? o->seed * 1000003ull + (unsigned long long)step + 1 : 0, &w_loss, &nll_b);
                nll += w_loss;
            }
            if (rc) break;
            if (labels == 0) continue; /* nothing to learn in these micro-batches */
            scale_grads(&g, 1.0f / (float)labels);
            double loss = nll / labels;
            if (step == 0 && o->dump_grads && params_write_grads(&pl, o->dump_grads)) { rc = -1; break; }
            double gnorm = clip_grad_norm(&pl, o->max_grad_norm);
            if (!isfinite(loss) || !isfinite(gnorm)) {
                res->stopped_nonfinite = 1;
                rc = seal_err("training stopped at step %ld: loss %g, gradient norm %g (not finite); the weights are those of step %ld",
                              step + 1, loss, gnorm, step);
                break;
            }
            double lr = o->lr * sched_factor(o->schedule, step, total, warmup);
            adamw_step(&opt, &pl, lr);
            step++;
            res->tokens += tokens;
            if (step == 1) res->first_loss = loss;
            res->last_loss = loss;
            double el = seal_now() - t0;
            log_step(o, step, epoch, loss, gnorm, lr, tokens, res->tokens / (el > 0 ? el : 1e-9), el);
            if (!o->quiet) {
                char status[96];
                snprintf(status, sizeof status, "loss %.4f lr %.2e %.0f tok/s", loss, lr, res->tokens / (el > 0 ? el : 1e-9));
                progress_update(&bar, step, status);
            }
        }
    }
    res->steps = step;
    res->seconds = seal_now() - t0;
    res->tokens_per_s = res->seconds > 0 ? res->tokens / res->seconds : 0;
    if (!o->quiet && rc == 0) {
        char status[96];
        snprintf(status, sizeof status, "loss %.4f, %.0f tok/s", res->last_loss, res->tokens_per_s);
        progress_finish(&bar, step, status);
    }
    adamw_free(&opt);
    params_free(&pl);
    grads_free(&g);
    train_ctx_free(&tc);
    return rc;
}
