/* ops.h: the small element-wise and row-wise kernels of the forward pass,
 * over flat f32 buffers. Each has a fixed accumulation order, so results do
 * not depend on batching or threading. */
#ifndef SEAL_KERN_OPS_H
#define SEAL_KERN_OPS_H

#include <stddef.h>

#include "rt/threadpool.h"

/* sum_i a[i]*b[i], 8 lane partial sums, fixed reduction order. */
float seal_vec_dot(const float *a, const float *b, int n);
/* y[i] += a * x[i] */
void seal_vec_axpy(float *y, float a, const float *x, int n);

/* out [n][d] = x * rsqrt(mean(x^2) + eps) * w, per row (out may alias x). */
void seal_rmsnorm_forward(float *out, const float *x, const float *w, int n, int d, float eps);

/* Rotate one head vector in place, HF "rotate_half" convention:
 * (x1, x2) -> (x1*cos - x2*sin, x2*cos + x1*sin) with halves of length hd/2. */
void seal_rope_rotate(float *x, const float *cos, const float *sin, int hd);
/* cos/sin [hd/2] for position pos from inv_freq [hd/2], computed in double. */
void seal_rope_angles(float *cos, float *sin, const double *inv_freq, int half, int pos);

/* gate [n] = silu(gate) * up */
void seal_swiglu_forward(float *gate, const float *up, int n);
/* h [n] = silu(gate) * up (h may alias gate), split over the pool's threads
 * in fixed chunks: element for element what seal_swiglu_forward computes. */
void seal_swiglu_forward_pool(seal_pool *pool, float *h, const float *gate, const float *up, size_t n);

/* Backward of seal_rmsnorm_forward for one batch: given x [n][d], w [d], the saved
 * rstd [n] (1/sqrt(mean(x^2)+eps)) and dy [n][d], accumulates dx [n][d] +=
 * dL/dx and, if dw != NULL, dw [d] += dL/dw. */
void seal_rmsnorm_backward(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd, int n, int d);
/* 1/sqrt(mean(x^2)+eps) per row (the value seal_rmsnorm_forward used). */
void seal_rmsnorm_rstd(float *rstd, const float *x, int n, int d, float eps);

/* Backward of seal_rope_rotate (a rotation by -angle), in place on the gradient. */
void seal_rope_rotate_back(float *dx, const float *cos, const float *sin, int hd);

/* Backward of seal_swiglu_forward: from the pre-activation gate g and up u [n] and
 * dh = dL/d(silu(g)*u), write dg and du (dg may alias dh). */
void seal_swiglu_backward(float *dg, float *du, const float *dh, const float *g, const float *u, int n);
/* seal_swiglu_backward split over the pool's threads in fixed chunks. */
void seal_swiglu_backward_pool(seal_pool *pool, float *dg, float *du, const float *dh, const float *g, const float *u, size_t n);

/* In place: x = log_softmax(x)[target] for one row of logits; returns the
 * log-probability of target (max-shifted, summed in double). */
double seal_log_softmax_at(const float *logits, int n, int target);
/* Index of the largest logit (first on ties; NaNs are passed over unless x[0]
 * is NaN, which gives 0). seal_argmax_ref is the scalar definition and oracle;
 * seal_argmax (two vector passes: the maximum, then its first index) returns
 * the same index for every input. n >= 1. */
int seal_argmax(const float *x, int n);
int seal_argmax_ref(const float *x, int n);
/* Index of the first NaN or infinite element of x[n], or -1 when all are
 * finite. Generation and scoring check each row of logits with it: weights
 * that hold NaN would otherwise sample garbage or print "nan". */
int seal_first_nonfinite(const float *x, int n);

#endif
