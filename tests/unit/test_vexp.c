/* kern/vexp and the swiglu kernels built on it: seal_exp_ref within 2 ulp of libm
 * over its range; every SIMD loop bit-identical to its scalar reference. */
#include <stdint.h>

#include "check.h"
#include "kern/ops.h"
#include "kern/vexp.h"
#include "util/rng.h"

static int64_t ulp_diff(float a, float b) {
    int32_t ia, ib;
    memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
    return llabs((int64_t)ia - ib);
}

static int bits_equal(const float *a, const float *b, int n) { return memcmp(a, b, sizeof(float) * (size_t)n) == 0; }

static void test_exp_ref(void) {
    int64_t worst = 0;
    float at = 0;
    for (float x = -87.0f; x <= 88.37f; x += 0.0007f) {
        int64_t d = ulp_diff(seal_exp_ref(x), (float)exp((double)x));
        if (d > worst) worst = d, at = x;
    }
    CHECK_MSG(worst <= 2, "exp_ref %lld ulp off at %g", (long long)worst, at);
    CHECK(seal_exp_ref(0.0f) == 1.0f);
    CHECK(seal_exp_ref(-1000.0f) > 0.0f && seal_exp_ref(-1000.0f) < 2e-38f);
    CHECK(isfinite(seal_exp_ref(1000.0f)) && seal_exp_ref(1000.0f) > 1e38f);
    CHECK(isnan(seal_exp_ref(NAN)));
}

static void test_simd_equals_ref(void) {
    seal_rng r;
    seal_rng_seed(&r, 5);
    enum { N = 2051 };
    static float a[N], b[N], g[N], u[N], d[N], o1[N], o2[N], p1[N], p2[N];
    for (int n = 1; n <= N; n += 97) {
        for (int i = 0; i < n; i++) {
            a[i] = b[i] = 30.0f * (seal_rng_float(&r) - 0.5f);
            g[i] = 16.0f * (seal_rng_float(&r) - 0.5f), u[i] = seal_rng_float(&r) - 0.5f, d[i] = seal_rng_float(&r) - 0.5f;
        }
        CHECK(seal_max_f32(a, n) == seal_max_f32_ref(a, n));
        float s1 = seal_exp_shift_sum(a, n, 3.0f), s2 = seal_exp_shift_sum_ref(b, n, 3.0f);
        CHECK_MSG(s1 == s2 && bits_equal(a, b, n), "exp_shift_sum n=%d: %.9g vs %.9g", n, s1, s2);
        /* swiglu: the whole row (SIMD body) against one element at a time (the scalar tail) */
        memcpy(o1, g, sizeof(float) * n), memcpy(o2, g, sizeof(float) * n);
        seal_swiglu_forward(o1, u, n);
        for (int i = 0; i < n; i++) seal_swiglu_forward(o2 + i, u + i, 1);
        CHECK_MSG(bits_equal(o1, o2, n), "swiglu_forward n=%d", n);
        seal_swiglu_backward(o1, p1, d, g, u, n);
        for (int i = 0; i < n; i++) seal_swiglu_backward(o2 + i, p2 + i, d + i, g + i, u + i, 1);
        CHECK_MSG(bits_equal(o1, o2, n) && bits_equal(p1, p2, n), "swiglu_backward n=%d", n);
    }
}

int main(void) {
    test_exp_ref();
    test_simd_equals_ref();
    return check_report("test_vexp");
}
