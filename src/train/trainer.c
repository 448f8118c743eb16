#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "rt/rank.h"
#include "util/err.h"
#include "util/progress.h"

train_opts seal_train_opts_defaults(void) {
    return (train_opts){.lr = 5e-5, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .max_grad_norm = 1.0,
                        .schedule = SCHED_LINEAR, .epochs = 3, .grad_accum = 1};
}

long seal_train_total_steps(const batch_source *src, const train_opts *o) {
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

static void log_step(const train_opts *o, long step, int epoch, double loss, double gnorm, double lr, long tokens,
                     double tok_s, double elapsed) {
    if (!o->log) return;
    fprintf(o->log, "{\"step\":%ld,\"epoch\":%d,\"loss\":%.6g,\"grad_norm\":%.6g,\"lr\":%.6g,\"tokens\":%ld,"
                    "\"tokens_per_s\":%.1f,\"elapsed_s\":%.3f}\n", step, epoch, loss, gnorm, lr, tokens, tok_s, elapsed);
    fflush(o->log);
}

int seal_train_session_init(train_session *s, seal_model *m, seal_pool *pool, seal_adapter *a, const batch_source *src,
                       const train_opts *o) {
    memset(s, 0, sizeof *s);
    if (check_opts(o)) return -1;
    if (src->batches(src->ctx) <= 0) return seal_err("training: the dataset has no batches");
    s->m = m;
    s->a = a;
    s->o = o;
    s->total = seal_train_total_steps(src, o);
    s->warmup = warmup_of(o, s->total);
    if (seal_train_ctx_init(&s->tc, m, pool, a, src->max_tokens, src->max_seqs, src->max_len, o->recompute)) return -1;
    seal_grads_init(&s->g, m, a);
    seal_params_build(&s->pl, m, a, &s->g);
    seal_adamw_init(&s->opt, &s->pl, (adamw_hparams){o->lr, o->beta1, o->beta2, o->eps, o->weight_decay});
    if (o->data_parallel && o->split_rows) {
        s->sub_seq = seal_malloc(sizeof(int) * (size_t)(src->max_tokens > 0 ? src->max_tokens : 1));
        s->sub_start = seal_malloc(sizeof(int) * (size_t)(src->max_seqs > 0 ? src->max_seqs : 1));
    }
    s->t0 = seal_now();
    return 0;
}

void seal_train_session_free(train_session *s) {
    seal_adamw_free(&s->opt);
    seal_params_free(&s->pl);
    seal_grads_free(&s->g);
    seal_train_ctx_free(&s->tc);
    free(s->sub_seq);
    free(s->sub_start);
    memset(s, 0, sizeof *s);
}

/* Data parallel: the step's gradients, loss and counts summed over the ranks
 * (trainer.h, data_parallel). */
static int sum_over_ranks(train_session *s, double *nll, long *labels, long *tokens) {
    double v[3] = {*nll, (double)*labels, (double)*tokens};
    if (seal_rank_sum_f32(s->g.store, s->g.n) || seal_rank_sum_f64(v, 3)) return -1;
    *nll = v[0], *labels = (long)v[1], *tokens = (long)v[2];
    return 0;
}

/* split_rows: rank me of ranks takes its share of b's sequences, renumbered
 * into the session's buffers (*b becomes a view; n 0 when it has none). */
static void own_rows(train_session *s, train_batch *b, int me, int ranks) {
    int a = (int)((long)b->n_seq * me / ranks), e = (int)((long)b->n_seq * (me + 1) / ranks);
    if (a == e) { b->n = b->n_seq = 0; return; }
    int t0 = b->start[a], t1 = b->start[e - 1] + b->len[e - 1];
    for (int t = t0; t < t1; t++) s->sub_seq[t - t0] = b->seq[t] - a;
    for (int q = a; q < e; q++) s->sub_start[q - a] = b->start[q] - t0;
    b->tok += t0, b->pos += t0, b->weight += t0, b->seq = s->sub_seq;
    b->start = s->sub_start, b->len += a, b->n_seq = e - a, b->n = t1 - t0;
    if (b->vis) b->vis += a;
}

/* Gradients of the next grad_accum micro-batches, summed (unnormalized);
 * data parallel, this rank's share of them, then the sum over the ranks. */
static int accumulate(train_session *s, const batch_source *src, double *nll, long *labels, long *tokens) {
    int per_epoch = src->batches(src->ctx);
    int ranks = s->o->data_parallel ? seal_rank_size() : 1, me = ranks > 1 ? seal_rank() : 0;
    int split = ranks > 1 && s->o->split_rows; /* every rank reads every micro-batch, and takes its rows */
    seal_grads_zero(&s->g);
    for (int micro = 0; micro < s->o->grad_accum; micro++) {
        if (s->next_batch >= per_epoch) {
            if (micro > 0) break; /* HF: an epoch's last step may have fewer micro-batches */
            s->epoch++;
            s->next_batch = 0;
        }
        if (!split && micro % ranks != me) { /* another rank's micro-batch */
            if (++s->next_batch >= per_epoch) break;
            continue;
        }
        train_batch b;
        double nll_b, w_loss;
        if (src->next(src->ctx, s->epoch, s->next_batch, &b)) return -1;
        s->next_batch++;
        if (split) own_rows(s, &b, me, ranks);
        for (int t = 0; t < b.n; t++) *labels += b.weight[t] != 0.0f;
        *tokens += b.n;
        unsigned long long dseed = s->o->seed ? s->o->seed * 1000003ull + (unsigned long long)s->step + 1 : 0;
        if (b.n && seal_train_step_grads(&s->tc, &b, &s->g, dseed, &w_loss, &nll_b)) return -1;
        *nll += b.n ? w_loss : 0;
        if (s->next_batch >= per_epoch) break;
    }
    return ranks > 1 ? sum_over_ranks(s, nll, labels, tokens) : 0;
}

int seal_train_session_step(train_session *s, const batch_source *src, double *loss, double *gnorm_out, double *lr_out) {
    if (s->step >= s->total) return 0;
    double nll = 0;
    long labels = 0, tokens = 0;
    do {
        if (accumulate(s, src, &nll, &labels, &tokens)) return -1;
    } while (labels == 0 && s->epoch < s->o->epochs); /* nothing to learn in these batches: take the next */
    if (labels == 0) return seal_err("training: no label tokens left in the data");
    for (size_t i = 0; i < s->g.n; i++) s->g.store[i] *= 1.0f / (float)labels;
    *loss = nll / labels;
    if (s->step == 0 && s->o->dump_grads && seal_params_write_grads(&s->pl, s->o->dump_grads)) return -1;
    double gnorm = seal_clip_grad_norm(&s->pl, s->o->max_grad_norm);
    if (!isfinite(*loss) || !isfinite(gnorm))
        return seal_err("training stopped at step %ld: loss %g, gradient norm %g (not finite); the weights are those of step %ld",
                        s->step + 1, *loss, gnorm, s->step);
    double lr = s->o->lr * seal_sched_factor(s->o->schedule, s->step, s->total, s->warmup);
    seal_adamw_step(&s->opt, &s->pl, lr);
    s->step++;
    s->tokens += tokens;
    if (gnorm_out) *gnorm_out = gnorm;
    if (lr_out) *lr_out = lr;
    double el = seal_now() - s->t0;
    log_step(s->o, s->step, s->epoch, *loss, gnorm, lr, tokens, (s->tokens - s->tokens0) / (el > 0 ? el : 1e-9), el);
    return 1;
}

int seal_train_session_eval(train_session *s, const batch_source *src, double *mean_nll) {
    double nll = 0;
    long count = 0;
    int n = src->batches(src->ctx);
    for (int i = 0; i < n; i++) {
        train_batch b;
        if (src->next(src->ctx, 0, i, &b) || seal_train_forward_loss(&s->tc, &b, &nll, &count)) return -1;
    }
    if (count == 0) return seal_err("evaluation: no label tokens");
    *mean_nll = nll / count;
    return 0;
}

int seal_train_session_save_state(const train_session *s, const char *path) {
    const param_list *pl = &s->pl;
    st_write_tensor *t = seal_calloc((size_t)pl->n * 2 + 1, sizeof *t);
    char **names = seal_calloc((size_t)pl->n * 2 + 1, sizeof(char *));
    size_t off = 0;
    for (int i = 0; i < pl->n; i++) {
        for (int k = 0; k < 2; k++) {
            char n[160];
            snprintf(n, sizeof n, "%s.%s", pl->p[i].name, k ? "exp_avg_sq" : "exp_avg");
            names[2 * i + k] = seal_strdup(n);
            t[2 * i + k] = (st_write_tensor){.name = names[2 * i + k], .dtype = SEAL_F32, .ndim = 1,
                                             .data = (k ? s->opt.v : s->opt.m) + off};
            t[2 * i + k].shape[0] = (int64_t)pl->p[i].n;
        }
        off += pl->p[i].n;
    }
    char v[5][32];
    snprintf(v[0], 32, "%ld", s->step);
    snprintf(v[1], 32, "%d", s->epoch);
    snprintf(v[2], 32, "%d", s->next_batch);
    snprintf(v[3], 32, "%ld", s->tokens);
    snprintf(v[4], 32, "%ld", s->opt.t);
    const char *mk[5] = {"step", "epoch", "next_batch", "tokens", "adam_t"}, *mv[5] = {v[0], v[1], v[2], v[3], v[4]};
    int rc = seal_st_write(path, t, pl->n * 2, mk, mv, 5);
    for (int i = 0; i < pl->n * 2; i++) free(names[i]);
    free(names);
    free(t);
    return rc;
}

static long meta_long(const st_file *f, const char *key, int *ok) {
    for (int i = 0; i < f->n_meta; i++)
        if (!strcmp(f->meta_keys[i], key)) return atol(f->meta_values[i]);
    *ok = 0;
    return 0;
}

int seal_train_session_load_state(train_session *s, const char *path) {
    st_file f;
    if (seal_st_open(&f, path)) return -1;
    int ok = 1, rc = 0;
    long step = meta_long(&f, "step", &ok), epoch = meta_long(&f, "epoch", &ok), nb = meta_long(&f, "next_batch", &ok),
         tokens = meta_long(&f, "tokens", &ok), adam_t = meta_long(&f, "adam_t", &ok);
    if (!ok) rc = seal_err("%s: missing training-state metadata (step, epoch, next_batch, tokens, adam_t)", path);
    size_t off = 0;
    for (int i = 0; rc == 0 && i < s->pl.n; i++) {
        for (int k = 0; rc == 0 && k < 2; k++) {
            char n[160];
            snprintf(n, sizeof n, "%s.%s", s->pl.p[i].name, k ? "exp_avg_sq" : "exp_avg");
            const st_tensor *t = NULL;
            for (int j = 0; j < f.n_tensors && !t; j++)
                if (!strcmp(f.tensors[j].name, n)) t = &f.tensors[j];
            if (!t || t->dtype != SEAL_F32 || (size_t)seal_st_numel(t) != s->pl.p[i].n)
                rc = seal_err("%s: tensor %s missing or of the wrong size (the run's parameters changed?)", path, n);
            else memcpy((k ? s->opt.v : s->opt.m) + off, t->data, sizeof(float) * s->pl.p[i].n);
        }
        off += s->pl.p[i].n;
    }
    if (rc == 0) {
        s->step = step;
        s->epoch = (int)epoch;
        s->next_batch = (int)nb;
        s->tokens = s->tokens0 = tokens;
        s->opt.t = adam_t;
    }
    seal_st_close(&f);
    return rc;
}

int seal_train_run(seal_model *m, seal_pool *pool, seal_adapter *a, const batch_source *src, const train_opts *o,
              train_result *res) {
    memset(res, 0, sizeof *res);
    train_session s;
    if (seal_train_session_init(&s, m, pool, a, src, o)) return -1;
    res->activation_bytes = seal_train_ctx_bytes(&s.tc);
    seal_progress bar;
    if (!o->quiet) seal_progress_start(&bar, "train", s.total, "step");
    int rc, first_epoch = -1, last_epoch = -1;
    double loss, gnorm, lr, sum[2] = {0, 0}; /* losses summed over the first and the current epoch */
    long count[2] = {0, 0};
    while ((rc = seal_train_session_step(&s, src, &loss, &gnorm, &lr)) == 1) {
        if (s.step == 1) res->first_loss = loss;
        res->last_loss = loss;
        int epoch = s.epoch; /* the epoch of the step's data, as the log records it */
        if (first_epoch < 0) first_epoch = epoch;
        if (epoch != last_epoch) { sum[1] = 0; count[1] = 0; last_epoch = epoch; }
        if (epoch == first_epoch) { sum[0] += loss; count[0]++; }
        sum[1] += loss;
        count[1]++;
        res->first_epoch_loss = sum[0] / (double)count[0];
        res->last_epoch_loss = sum[1] / (double)count[1];
        if (!o->quiet) {
            char status[96];
            double el = seal_now() - s.t0;
            snprintf(status, sizeof status, "loss %.4f lr %.2e %.0f tok/s", loss, lr, s.tokens / (el > 0 ? el : 1e-9));
            seal_progress_update(&bar, s.step, status);
        }
    }
    res->stopped_nonfinite = rc < 0 && strstr(seal_errmsg(), "not finite") != NULL;
    res->steps = s.step;
    res->tokens = s.tokens;
    res->seconds = seal_now() - s.t0;
    res->tokens_per_s = res->seconds > 0 ? res->tokens / res->seconds : 0;
    if (!o->quiet && rc == 0) {
        char status[96];
        snprintf(status, sizeof status, "loss %.4f, %.0f tok/s", res->last_loss, res->tokens_per_s);
        seal_progress_finish(&bar, s.step, status);
    }
    seal_train_session_free(&s);
    return rc;
}
