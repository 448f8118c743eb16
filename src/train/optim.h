/* optim.h: AdamW with PyTorch's semantics, learning-rate schedules as in
 * Hugging Face transformers, and gradient clipping by global norm.
 *
 * AdamW (torch.optim.AdamW): p -= lr*wd*p (decoupled decay), m = b1 m + (1-b1) g,
 * v = b2 v + (1-b2) g^2, p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 * Schedules (get_*_schedule_with_warmup): the lr multiplier at optimizer step k
 * (0-based) is k/warmup during warmup, then constant 1, linear
 * (total-k)/(total-warmup), or cosine 0.5(1+cos(pi*progress)), never below 0. */
#ifndef SEAL_TRAIN_OPTIM_H
#define SEAL_TRAIN_OPTIM_H

#include <stddef.h>

#include "train/backward.h"

/* One trainable tensor: weights, their gradient, and whether weight decay
 * applies (HF Trainer exempts biases and norm weights). */
typedef struct {
    char name[128];
    float *w, *g;
    size_t n;
    int rows, cols; /* shape: [rows][cols], or [rows] when cols == 0 */
    int decay;
} train_param;

typedef struct {
    train_param *p;
    int n;
    size_t total; /* floats over all params */
} param_list;

/* The trainable tensors of full mode (adapter == NULL: every weight of a
 * seal_model_to_f32'd model, with g's gradients) or LoRA mode (A and B of every
 * adapted module, named as PEFT names them). */
void seal_params_build(param_list *pl, seal_model *m, seal_adapter *a, train_grads *g);
void seal_params_free(param_list *pl);
/* Write every gradient as an F32 tensor named like its parameter (debugging
 * and the gradient-parity tests). */
int seal_params_write_grads(const param_list *pl, const char *path);

typedef enum { SCHED_CONSTANT, SCHED_LINEAR, SCHED_COSINE } sched_kind;
int seal_sched_parse(const char *name, sched_kind *k); /* "constant" | "linear" | "cosine" */
const char *seal_sched_name(sched_kind k);
/* lr multiplier at optimizer step k (0-based) of total steps. */
double seal_sched_factor(sched_kind k, long step, long total, long warmup);

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
} adamw_hparams;

typedef struct {
    adamw_hparams h;
    float *m, *v; /* [total] */
    long t;       /* steps taken */
} adamw;

void seal_adamw_init(adamw *o, const param_list *pl, adamw_hparams h);
void seal_adamw_free(adamw *o);
/* One update of every param with learning rate lr (already scheduled). */
void seal_adamw_step(adamw *o, const param_list *pl, double lr);

/* Scale gradients so their global norm is at most max_norm (torch's
 * clip_grad_norm_: factor max_norm / (norm + 1e-6) when below 1). Returns the
 * norm before clipping. max_norm <= 0 disables clipping. */
double seal_clip_grad_norm(const param_list *pl, double max_norm);

#endif
