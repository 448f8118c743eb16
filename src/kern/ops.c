#include "kern/ops.h"
#include "kern/vexp.h"

#include <math.h>
#include <string.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2 1
#endif

float seal_vec_dot(const float *a, const float *b, int n) {
    int i = 0;
#ifdef HAVE_AVX2
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s);
#else
    float lanes[8] = {0};
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) lanes[l] += a[i + l] * b[i + l];
    float sum = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
#endif
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

void seal_vec_axpy(float *y, float a, const float *x, int n) {
    int i = 0;
#ifdef HAVE_AVX2
    __m256 va = _mm256_set1_ps(a);
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
#endif
    for (; i < n; i++) y[i] = fmaf(a, x[i], y[i]);
}

void seal_rmsnorm_forward(float *out, const float *x, const float *w, int n, int d, float eps) {
    for (int t = 0; t < n; t++) {
        const float *xr = x + (long)t * d;
        float *o = out + (long)t * d, r;
        seal_rmsnorm_rstd(&r, xr, 1, d, eps);
        for (int i = 0; i < d; i++) o[i] = xr[i] * r * w[i];
    }
}

void seal_rmsnorm_rstd(float *rstd, const float *x, int n, int d, float eps) {
    for (int t = 0; t < n; t++) {
        const float *xr = x + (long)t * d;
        double ss = 0.0;
        for (int i = 0; i < d; i++) ss += (double)xr[i] * xr[i];
        rstd[t] = (float)(1.0 / sqrt(ss / d + eps));
    }
}

/* y = x*r*w with r = (mean(x^2)+eps)^-1/2:
 * dx = r*(w*dy) - x * r^3/d * sum(w*dy*x),  dw = sum_t dy*x*r. */
void seal_rmsnorm_backward(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd, int n, int d) {
    for (int t = 0; t < n; t++) {
        const float *xr = x + (long)t * d, *g = dy + (long)t * d;
        float *o = dx + (long)t * d, r = rstd[t];
        double dot = 0.0;
        for (int i = 0; i < d; i++) dot += (double)g[i] * w[i] * xr[i];
        float k = (float)(dot * r * r * r / d);
        for (int i = 0; i < d; i++) o[i] += r * w[i] * g[i] - k * xr[i];
        if (dw)
            for (int i = 0; i < d; i++) dw[i] += g[i] * xr[i] * r;
    }
}

void seal_rope_angles(float *c, float *s, const double *inv_freq, int half, int pos) {
    for (int i = 0; i < half; i++) {
        double a = pos * inv_freq[i];
        c[i] = (float)cos(a);
        s[i] = (float)sin(a);
    }
}

void seal_rope_rotate(float *x, const float *c, const float *s, int hd) {
    int half = hd / 2;
    for (int i = 0; i < half; i++) {
        float x1 = x[i], x2 = x[i + half];
        x[i] = x1 * c[i] - x2 * s[i];
        x[i + half] = x2 * c[i] + x1 * s[i];
    }
}

void seal_rope_rotate_back(float *x, const float *c, const float *s, int hd) {
    int half = hd / 2;
    for (int i = 0; i < half; i++) {
        float x1 = x[i], x2 = x[i + half];
        x[i] = x1 * c[i] + x2 * s[i];
        x[i + half] = x2 * c[i] - x1 * s[i];
    }
}

/* The SIMD loops below compute exactly these expressions lane by lane. */
static inline float sigmoid_ref(float g) { return 1.0f / (1.0f + seal_exp_ref(-g)); }

void seal_swiglu_backward(float *dg, float *du, const float *dh, const float *g, const float *u, int n) {
    int i = 0;
#ifdef VEXP_AVX2
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i), d = _mm256_loadu_ps(dh + i);
        __m256 sig = _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, gv))));
        _mm256_storeu_ps(du + i, _mm256_mul_ps(d, _mm256_mul_ps(gv, sig)));
        __m256 t = _mm256_add_ps(one, _mm256_mul_ps(gv, _mm256_sub_ps(one, sig)));
        _mm256_storeu_ps(dg + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(d, _mm256_loadu_ps(u + i)), sig), t));
    }
#endif
    for (; i < n; i++) {
        float sig = sigmoid_ref(g[i]), silu = g[i] * sig, d = dh[i];
        du[i] = d * silu;
        dg[i] = d * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
    }
}

void seal_swiglu_forward(float *gate, const float *up, int n) {
    int i = 0;
#ifdef VEXP_AVX2
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
    }
#endif
    for (; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + seal_exp_ref(-g)) * up[i];
    }
}

/* Element-wise jobs split in chunks of SWIGLU_CHUNK (a chunk's result does
 * not depend on which thread runs it). */
enum { SWIGLU_CHUNK = 8192 };
typedef struct { float *h, *dg, *du; const float *gate, *up, *dh; size_t n; } swiglu_job;

static void swiglu_fwd_task(void *ctx, int task, int thread) {
    (void)thread;
    const swiglu_job *j = ctx;
    size_t lo = (size_t)task * SWIGLU_CHUNK, hi = lo + SWIGLU_CHUNK < j->n ? lo + SWIGLU_CHUNK : j->n;
    if (j->h != j->gate) memcpy(j->h + lo, j->gate + lo, sizeof(float) * (hi - lo));
    seal_swiglu_forward(j->h + lo, j->up + lo, (int)(hi - lo));
}

static void swiglu_bwd_task(void *ctx, int task, int thread) {
    (void)thread;
    const swiglu_job *j = ctx;
    size_t lo = (size_t)task * SWIGLU_CHUNK, hi = lo + SWIGLU_CHUNK < j->n ? lo + SWIGLU_CHUNK : j->n;
    seal_swiglu_backward(j->dg + lo, j->du + lo, j->dh + lo, j->gate + lo, j->up + lo, (int)(hi - lo));
}

void seal_swiglu_forward_pool(seal_pool *pool, float *h, const float *gate, const float *up, size_t n) {
    swiglu_job j = {.h = h, .gate = gate, .up = up, .n = n};
    seal_pool_run(pool, (int)((n + SWIGLU_CHUNK - 1) / SWIGLU_CHUNK), swiglu_fwd_task, &j);
}

void seal_swiglu_backward_pool(seal_pool *pool, float *dg, float *du, const float *dh, const float *g, const float *u, size_t n) {
    swiglu_job j = {.dg = dg, .du = du, .dh = dh, .gate = g, .up = u, .n = n};
    seal_pool_run(pool, (int)((n + SWIGLU_CHUNK - 1) / SWIGLU_CHUNK), swiglu_bwd_task, &j);
}

double seal_log_softmax_at(const float *logits, int n, int target) {
    float mx = logits[0];
    for (int i = 1; i < n; i++) mx = logits[i] > mx ? logits[i] : mx;
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += exp((double)logits[i] - mx);
    return (double)logits[target] - mx - log(sum);
}

int seal_first_nonfinite(const float *x, int n) {
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return -1;
}

int seal_argmax_ref(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

int seal_argmax(const float *x, int n) {
#ifdef HAVE_AVX2
    if (n < 16 || isnan(x[0])) return seal_argmax_ref(x, n);
    /* max_ps(v, m) returns m where v is NaN, and m starts from x[0] (not NaN),
     * so NaNs never enter m, as in the ref. */
    __m256 m8 = _mm256_set1_ps(x[0]);
    int i = 0;
    for (; i + 8 <= n; i += 8) m8 = _mm256_max_ps(_mm256_loadu_ps(x + i), m8);
    float lanes[8], mx = x[0];
    _mm256_storeu_ps(lanes, m8);
    for (int l = 0; l < 8; l++) mx = lanes[l] > mx ? lanes[l] : mx;
    for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    /* The ref keeps the first index whose value equals the maximum (x[0] is
     * not NaN, so its running best never is). */
    __m256 want = _mm256_set1_ps(mx);
    for (i = 0; i + 8 <= n; i += 8) {
        int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), want, _CMP_EQ_OQ));
        if (hit) return i + __builtin_ctz((unsigned)hit);
    }
    for (; i < n; i++)
        if (x[i] == mx) return i;
    return 0; /* not reached: mx is one of the elements */
#else
    return seal_argmax_ref(x, n);
#endif
}
