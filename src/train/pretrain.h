/* pretrain.h: full-parameter training of a Llama model from random
 * initialisation, as one run in a directory: a held-out split of the
 * documents, AdamW with warmup and cosine decay, periodic checkpoints, a record
 * of what shapes the run (DIR/pretrain_run.json), and resume after a kill.
 *
 *   seal_pretrain_opts o;
 *   seal_pretrain_opts_default(&o);
 *   if (seal_pretrain_config_load(&o.cfg, "cfg.json", NULL)) return -1;
 *   o.data = "corpus.jsonl"; o.out = "run"; o.threads = 4;
 *   seal_pretrain_result r;
 *   if (seal_pretrain_run(&o, &r)) ...   // seal_errmsg() says why
 *
 * DIR afterwards: pretrain_log.jsonl (a line per step; eval lines carry
 * "eval_loss"), checkpoint/ (weights, optimizer state and data position, every
 * checkpoint_every steps), checkpoints/step-N/ (with keep_checkpoints), and at
 * the end the model as a Hugging Face directory (config.json,
 * model.safetensors, tokenizer files, generation_config.json).
 *
 * Under mpirun (docs/scale-out.md) every rank trains the same model on its
 * share of each batch's rows (train_opts.split_rows), the gradients summed in
 * rank order; rank 0 alone writes DIR. The rank count is recorded like the
 * thread count: a resume under another one is refused unless
 * allow_config_change. DIR must be on a filesystem every rank shares. */
#ifndef SEAL_TRAIN_PRETRAIN_H
#define SEAL_TRAIN_PRETRAIN_H

#include "model/config.h"
#include "train/loss_spans.h"
#include "util/dtype.h"

/* The run's config: CONFIG.json's "model" and "train" objects and its
 * tokenizer directory. vocab_size, bos and eos come from the tokenizer. */
typedef struct {
    seal_config model;
    char tokenizer[4096];   /* directory of tokenizer.json */
    long steps;             /* optimizer steps in all */
    int batch_size;         /* rows (packing rows) or documents per step */
    int seq_len;            /* tokens per row; longest document (packing documents) */
    int pack_rows;          /* packing "rows" (1) or "documents" (0) */
    int file_order;         /* order "file" (1): every epoch in the file's order, a curriculum; "shuffled" (0) */
    double lr, warmup_steps, weight_decay, beta1, beta2, max_grad_norm;
    int eval_every;         /* held-out loss every N steps (and at the end) */
    double eval_fraction;   /* share of the documents held out, [0, 1) */
    int checkpoint_every;   /* 0: only at the end */
    int keep_checkpoints;   /* also keep DIR/checkpoints/step-N */
    unsigned long long seed;
    double init_std;        /* std of the random weights */
    seal_dtype save_dtype;  /* of the final model (checkpoints are F32) */
    seal_loss_spans loss_spans; /* n == 0: loss on every token; else on the marked spans only
                                   (train/loss_spans.h; documents without one are left out) */
} seal_pretrain_config;

/* The defaults: steps 1000, batch_size 8, seq_len 256, lr 1e-3, warmup 100,
 * weight_decay 0.1, betas 0.9/0.95, max_grad_norm 1, eval_every 200,
 * eval_fraction 0.01, checkpoint_every 200, seed 1234, init_std 0.02, F32,
 * packing rows, no loss spans. The model shape has no default (all zero). */
void seal_pretrain_config_default(seal_pretrain_config *c);

/* Read a CONFIG.json ({"model": {...}, "tokenizer": DIR, "train": {...}}) over
 * the defaults and check every value's type and bounds (seal_pretrain_config_check).
 * "tokenizer" is relative to the config's directory; tokenizer_dir, when not
 * NULL, replaces it. -1 + seal_err naming the file and the field. */
int seal_pretrain_config_load(seal_pretrain_config *c, const char *path, const char *tokenizer_dir);

/* Bounds of every field, checked before anything is allocated, so that a
 * mistyped size ("hidden_size": 1e9) is named instead of running out of
 * memory; also refuses a model whose weights and optimizer state would not fit
 * in this machine's memory. what names the source in messages (the file). */
int seal_pretrain_config_check(const seal_pretrain_config *c, const char *what);

typedef struct {
    seal_pretrain_config cfg;
    const char *data;        /* {"text": ...} JSONL */
    const char *out;         /* the run directory */
    int threads;             /* kernel threads, > 0 */
    int allow_config_change; /* resume even though the record differs (a longer steps extends the schedule) */
    int force;               /* start afresh in a non-empty DIR that is not this run (its contents are removed) */
    long exit_after_step;    /* test hook: _exit(137) right after this step, like a SIGKILL (-1: never) */
} seal_pretrain_opts;

void seal_pretrain_opts_default(seal_pretrain_opts *o);

typedef struct {
    long steps;          /* steps done in all (with those before a resume) */
    long resumed_from;   /* the checkpoint's step, or 0 */
    double train_loss;   /* of the last step */
    double eval_loss;    /* the last held-out loss (NAN without held-out documents) */
    int train_docs, eval_docs;
    long long n_params;
} seal_pretrain_result;

/* Run (or resume) the pretraining of o->out. Everything is read and checked
 * before the directory is claimed: a non-empty DIR that is neither a run of
 * this config nor empty is refused without o->force; a run under other values
 * (see DIR/pretrain_run.json: the train values but eval_every,
 * checkpoint_every, keep_checkpoints and save_dtype, and the documents) is
 * refused naming each change unless o->allow_config_change. Progress goes to
 * stderr. 0 and *res filled (res may be NULL), or -1 + seal_err. */
int seal_pretrain_run(const seal_pretrain_opts *o, seal_pretrain_result *res);

#endif
