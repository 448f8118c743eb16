/* wgrad.h: weight gradients of a linear layer, f32.
 *     dW[o][c] += scale * sum_t dy[t][o] * x[t][c]      dW [rows][cols]
 * (the dW = dy^T x of y = x W^T), one OpenBLAS sgemm per pool thread (rows
 * of dW split across threads). seal_wgrad_ref is the readable oracle.
 * seal_wgrad_ref is the scalar oracle. Also the bias gradient db[o] += sum_t dy[t][o]. */
#ifndef SEAL_KERN_WGRAD_H
#define SEAL_KERN_WGRAD_H

#include "rt/threadpool.h"

void seal_wgrad(seal_pool *pool, float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale);
void seal_wgrad_ref(float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale);
void seal_bias_grad(float *db, const float *dy, int n, int rows);

#endif
