/* The decode step's kernels beside their scalar references:
 *   seal_attn_decode  bit-identical to seal_attn_decode_ref for head dims 8..128
 *                     (multiples of 8 take the SIMD path, others the ref), group
 *                     sizes 1..7, 1..70 positions (every residue of the 4-position
 *                     step), strided KV rows, with and without lse; the ref within
 *                     1e-5 of a softmax attention summed in double;
 *   seal_argmax       the ref's index on random rows of every length 1..300, and
 *                     on ties, -0/+0, infinities and NaN anywhere (x[0] NaN: 0). */
#include <stdint.h>

#include "check.h"
#include "kern/attention.h"
#include "kern/ops.h"
#include "util/rng.h"

enum { MAX_HD = 128, MAX_G = 7, MAX_POS = 70, KV_STRIDE = 3 * MAX_HD + 5 };

/* out[g] = softmax(scale q[g] . k_j) v_j in double, and its log sum exp. */
static void naive(double *out, double *lse, const float *q, const float *k, const float *v, int npos, int hd, int g,
                  float scale) {
    double s[MAX_POS], mx = -INFINITY, sum = 0;
    for (int j = 0; j < npos; j++) {
        s[j] = 0;
        for (int i = 0; i < hd; i++) s[j] += (double)q[g * hd + i] * k[j * KV_STRIDE + i];
        s[j] *= scale;
        mx = s[j] > mx ? s[j] : mx;
    }
    for (int j = 0; j < npos; j++) sum += exp(s[j] - mx);
    for (int i = 0; i < hd; i++) {
        out[i] = 0;
        for (int j = 0; j < npos; j++) out[i] += exp(s[j] - mx) / sum * v[j * KV_STRIDE + i];
    }
    *lse = mx + log(sum);
}

static void test_attn_decode(void) {
    static float q[MAX_G * MAX_HD], k[MAX_POS * KV_STRIDE], v[MAX_POS * KV_STRIDE], scores[MAX_POS];
    static float o1[MAX_G * MAX_HD], o2[MAX_G * MAX_HD], l1[MAX_G], l2[MAX_G];
    seal_rng r;
    seal_rng_seed(&r, 11);
    int cases = 0, mismatches = 0;
    double worst = 0;
    for (int hd = 8; hd <= MAX_HD; hd += hd < 64 ? 4 : 32)
        for (int group = 1; group <= MAX_G; group += 3)
            for (int npos = 1; npos <= MAX_POS; npos += npos < 12 ? 1 : 7) {
                for (int i = 0; i < group * hd; i++) q[i] = 2.0f * (seal_rng_float(&r) - 0.5f);
                for (int i = 0; i < npos * KV_STRIDE; i++)
                    k[i] = 2.0f * (seal_rng_float(&r) - 0.5f), v[i] = seal_rng_float(&r) - 0.5f;
                float scale = 1.0f / sqrtf((float)hd);
                int with_lse = cases % 2;
                seal_attn_decode(o1, with_lse ? l1 : NULL, q, k, v, KV_STRIDE, npos, hd, group, scale, scores);
                seal_attn_decode_ref(o2, with_lse ? l2 : NULL, q, k, v, KV_STRIDE, npos, hd, group, scale, scores);
                if (memcmp(o1, o2, sizeof(float) * (size_t)(group * hd)) ||
                    (with_lse && memcmp(l1, l2, sizeof(float) * (size_t)group))) {
                    if (mismatches++ < 5) fprintf(stderr, "attn_decode differs from its ref: hd %d group %d npos %d\n", hd, group, npos);
                }
                for (int g = 0; g < group; g++) {
                    double want[MAX_HD], lse;
                    naive(want, &lse, q, k, v, npos, hd, g, scale);
                    for (int i = 0; i < hd; i++) worst = fmax(worst, fabs(o2[g * hd + i] - want[i]));
                    if (with_lse) worst = fmax(worst, fabs(l2[g] - lse));
                }
                cases++;
            }
    CHECK_MSG(mismatches == 0, "%d of %d cases not bit-identical", mismatches, cases);
    CHECK_MSG(worst < 1e-5, "attn_decode_ref is %g from the double-precision softmax", worst);
}

static void check_argmax(const float *x, int n, const char *what) {
    int a = seal_argmax(x, n), b = seal_argmax_ref(x, n);
    CHECK_MSG(a == b, "%s, n %d: seal_argmax %d, ref %d", what, n, a, b);
}

static void test_argmax(void) {
    static float x[300];
    seal_rng r;
    seal_rng_seed(&r, 3);
    for (int n = 1; n <= 300; n++) {
        for (int i = 0; i < n; i++) x[i] = seal_rng_float(&r);
        check_argmax(x, n, "random");
        int at = (int)(seal_rng_float(&r) * n);
        x[at] = 2.0f;
        check_argmax(x, n, "one peak");
        x[n - 1] = 2.0f; /* a tie: the first wins */
        check_argmax(x, n, "tie");
        x[at] = NAN;
        check_argmax(x, n, "NaN inside");
        x[0] = NAN;
        check_argmax(x, n, "NaN first");
        CHECK(seal_argmax(x, n) == 0);
    }
    for (int i = 0; i < 40; i++) x[i] = -INFINITY;
    check_argmax(x, 40, "all -inf");
    x[33] = -0.0f, x[35] = 0.0f;
    check_argmax(x, 40, "-0 before +0");
    CHECK(seal_argmax(x, 40) == 33);
    x[20] = INFINITY;
    check_argmax(x, 40, "+inf");
    for (int i = 0; i < 40; i++) x[i] = NAN;
    x[0] = -1.0f;
    check_argmax(x, 40, "NaN but the first");
    CHECK(seal_argmax(x, 40) == 0);
}

int main(void) {
    test_attn_decode();
    test_argmax();
    return check_report("test_decode_kernels");
}
