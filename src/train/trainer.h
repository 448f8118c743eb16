/* trainer.h: the supervised finetuning loop shared by `seal train`, the SEAL
 * inner loop and the ReST-EM outer loop: epochs of micro-batches, gradient
 * accumulation, clipping, AdamW with a schedule, per-step logging. LoRA mode
 * trains an adapter over frozen base weights; full mode trains every weight of
 * a seal_model_to_f32'd model. */
#ifndef SEAL_TRAIN_TRAINER_H
#define SEAL_TRAIN_TRAINER_H

#include <stdio.h>

#include "train/backward.h"
#include "train/optim.h"

typedef struct {
    double lr, weight_decay, beta1, beta2, eps, max_grad_norm;
    sched_kind schedule;
    long warmup_steps;   /* used when > 0, else warmup_ratio */
    double warmup_ratio; /* of the total optimizer steps, rounded up (HF) */
    int epochs, grad_accum;
    long max_steps;      /* stop after this many optimizer steps (0 = no limit) */
    unsigned long long seed; /* LoRA dropout masks */
    int recompute;       /* per-layer activation recomputation */
    FILE *log;           /* JSONL record of every optimizer step, or NULL */
    int quiet;           /* no progress bar */
    const char *dump_grads; /* write step 1's gradients (normalized, before clipping) here, or NULL */
    /* 1: this process is one of seal_rank_size() MPI ranks training the same
     * model on the same data with the same options (docs/scale-out.md): rank r
     * takes micro-batches r, r + size, ... of each optimizer step, and the
     * gradients, losses and label counts are summed over the ranks in rank
     * order (seal_rank_sum_f32), so that every rank takes the same step. The
     * sum's order differs from one process's, so the curve equals the
     * single-process one to float tolerance. A rank whose micro-batch fails
     * (bad data) leaves the others waiting: the data is checked first. */
    int data_parallel;
    /* With data_parallel: split each micro-batch's sequences (rows) over the
     * ranks instead of the micro-batches: rank r takes sequences
     * [r * n / size, (r + 1) * n / size) of every micro-batch of n (pretrain,
     * whose step is one micro-batch of batch_size rows). Labels never cross a
     * sequence, so the same label tokens are summed, grouped by rank. Dropout
     * masks are drawn per sub-batch: use it where there is no dropout. */
    int split_rows;
} train_opts;

/* HF TrainingArguments defaults: lr 5e-5, AdamW(0.9, 0.999, 1e-8), wd 0,
 * max_grad_norm 1, linear schedule, no warmup, 3 epochs, grad_accum 1. */
train_opts seal_train_opts_defaults(void);

/* Where micro-batches come from: batches(ctx) per epoch, next(ctx, epoch, i,
 * &batch) fills micro-batch i of that epoch (label weights 1 or 0; the trainer
 * normalizes by the label count of each accumulated step). */
typedef struct {
    void *ctx;
    int (*batches)(void *ctx);
    int (*next)(void *ctx, int epoch, int i, train_batch *b);
    int max_tokens, max_seqs, max_len; /* largest micro-batch, for sizing buffers */
} batch_source;

typedef struct {
    long steps;
    double first_loss, last_loss, seconds, tokens_per_s; /* first_loss, last_loss: single steps */
    double first_epoch_loss, last_epoch_loss; /* mean step loss of the first and of the last epoch trained */
    long tokens;
    size_t activation_bytes;
    int stopped_nonfinite; /* a NaN/inf loss or gradient stopped the run; weights are the last good ones */
} train_result;

/* A training run that callers can drive step by step (pretraining with
 * evaluation and checkpoints; the SEAL loops): everything seal_train_run holds. */
typedef struct {
    seal_model *m;
    seal_adapter *a;
    const train_opts *o;
    train_ctx tc;
    train_grads g;
    param_list pl;
    adamw opt;
    long step, total, warmup, tokens;
    long tokens0;           /* tokens already trained when this process began (resume) */
    int epoch, next_batch;  /* where the data stream stands */
    double t0;
    int *sub_seq, *sub_start; /* split_rows: this rank's share of a micro-batch, renumbered */
} train_session;

int seal_train_session_init(train_session *s, seal_model *m, seal_pool *pool, seal_adapter *a, const batch_source *src,
                       const train_opts *o);
void seal_train_session_free(train_session *s);
/* One optimizer step over the next grad_accum micro-batches (crossing into
 * the next epoch when one ends). *loss: mean NLL over their label tokens.
 * Returns 1 after a step, 0 when the run is complete (total steps reached),
 * -1 on error (a non-finite loss or gradient: weights untouched by it). */
int seal_train_session_step(train_session *s, const batch_source *src, double *loss, double *grad_norm, double *lr);
/* Mean NLL per label token over every batch of epoch 0 of src (forward only). */
int seal_train_session_eval(train_session *s, const batch_source *src, double *mean_nll);
/* Optimizer state and data position to path (safetensors: m and v per
 * parameter, metadata step/epoch/next_batch/tokens/adam_t); atomic. */
int seal_train_session_save_state(const train_session *s, const char *path);
int seal_train_session_load_state(train_session *s, const char *path);

/* Train; the adapter a (LoRA) or the model's f32 weights (full, a == NULL) are
 * updated in place. 0 on success; -1 + seal_err on bad input or a non-finite
 * loss (then res->stopped_nonfinite = 1 and the weights are those before the
 * bad step). */
int seal_train_run(seal_model *m, seal_pool *pool, seal_adapter *a, const batch_source *src, const train_opts *o,
              train_result *res);

/* Optimizer steps seal_train_run will take. */
long seal_train_total_steps(const batch_source *src, const train_opts *o);

#endif
