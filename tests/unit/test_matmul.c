/* test_matmul: seal_matmul() against seal_matmul_ref() (and seal_matmul_t() against
 * seal_matmul_t_ref()) for F32/BF16/F16 weights (stored
 * at a 2-byte-misaligned address) over awkward shapes, and the determinism
 * contract: a token's output is bit-identical alone or in any batch, and for
 * any thread count. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "kern/matmul.h"
#include "rt/threadpool.h"
#include "util/err.h"

#define MAX_N 130

static uint32_t rng = 1;
static float frand(void) { /* uniform in [-1, 1) */
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

typedef struct {
    unsigned char *buf; /* owns the storage; w.data = buf + 2 */
    seal_mat w;
    float *wf; /* [rows][cols]: the weights as f32, for magnitudes */
} test_mat;

static test_mat make_mat(seal_dtype dt, int rows, int cols) {
    test_mat m;
    size_t n = (size_t)rows * cols;
    m.wf = seal_malloc(n * sizeof(float) + 4);
    for (size_t i = 0; i < n; i++) m.wf[i] = frand();
    m.buf = seal_malloc(n * seal_dtype_size(dt) + 8);
    seal_from_f32(m.buf + 2, dt, m.wf, n); /* misaligned for every dtype */
    seal_to_f32(m.wf, m.buf + 2, dt, n);   /* the values actually stored */
    m.w = (seal_mat){.data = m.buf + 2, .dtype = dt, .rows = rows, .cols = cols};
    return m;
}

static void free_mat(test_mat *m) {
    free(m->buf);
    free(m->wf);
}

/* |y - ref| within 1e-5 of sum_k |x||w| (+ |bias|) for every element. */
static int near_ref(const float *y, const float *ref, const float *x, const test_mat *m,
                    const float *bias, int n) {
    int rows = m->w.rows, cols = m->w.cols;
    for (int t = 0; t < n; t++)
        for (int o = 0; o < rows; o++) {
            double mag = bias ? fabs(bias[o]) : 0;
            for (int k = 0; k < cols; k++) mag += fabs(x[t * cols + k] * m->wf[(size_t)o * cols + k]);
            double err = fabs(y[t * rows + o] - ref[t * rows + o]);
            if (!(err <= 1e-5 * mag + 1e-30)) {
                fprintf(stderr, "  %s %dx%d n=%d t=%d o=%d: %.9g vs ref %.9g (mag %g)\n",
                        seal_dtype_name(m->w.dtype), rows, cols, n, t, o, y[t * rows + o],
                        ref[t * rows + o], mag);
                return 0;
            }
        }
    return 1;
}

static void test_shape(seal_pool *pool1, seal_pool *pool2, seal_dtype dt, int rows, int cols,
                       const int *ns, int n_ns) {
    test_mat m = make_mat(dt, rows, cols);
    float *x = seal_malloc((size_t)MAX_N * cols * sizeof(float));
    float *bias = seal_malloc((size_t)rows * sizeof(float));
    float *y = seal_malloc((size_t)MAX_N * rows * sizeof(float));
    float *y2 = seal_malloc((size_t)MAX_N * rows * sizeof(float));
    float *ref = seal_malloc((size_t)MAX_N * rows * sizeof(float));
    float *alone = seal_malloc((size_t)MAX_N * rows * sizeof(float));
    for (int i = 0; i < MAX_N * cols; i++) x[i] = frand();
    for (int i = 0; i < rows; i++) bias[i] = frand();

    for (int with_bias = 0; with_bias < 2; with_bias++) {
        const float *b = with_bias ? bias : NULL;
        int max_n = 0;
        for (int i = 0; i < n_ns; i++) max_n = ns[i] > max_n ? ns[i] : max_n;
        /* Each token alone (decode), on 2 threads: the reference bits. */
        for (int t = 0; t < max_n; t++)
            seal_matmul(pool2, alone + (size_t)t * rows, x + (size_t)t * cols, &m.w, b, 1);
        for (int i = 0; i < n_ns; i++) {
            int n = ns[i];
            seal_matmul_ref(ref, x, &m.w, b, n);
            seal_matmul(pool1, y, x, &m.w, b, n);
            CHECK_MSG(near_ref(y, ref, x, &m, b, n), "%s %dx%d n=%d bias=%d",
                      seal_dtype_name(dt), rows, cols, n, with_bias);
            seal_matmul(pool2, y2, x, &m.w, b, n);
            CHECK_MSG(!memcmp(y, y2, (size_t)n * rows * sizeof(float)),
                      "thread count changed bits: %s %dx%d n=%d", seal_dtype_name(dt), rows, cols, n);
            CHECK_MSG(!memcmp(y, alone, (size_t)n * rows * sizeof(float)),
                      "batch changed bits: %s %dx%d n=%d", seal_dtype_name(dt), rows, cols, n);
            seal_matmul(NULL, y2, x, &m.w, b, n);
            CHECK(!memcmp(y, y2, (size_t)n * rows * sizeof(float)));
        }
    }
    free(x), free(bias), free(y), free(y2), free(ref), free(alone);
    free_mat(&m);
}

/* seal_matmul_t: the same checks for y [n][cols] = dy [n][rows] . W. */
static void test_shape_t(seal_pool *pool1, seal_pool *pool2, seal_dtype dt, int rows, int cols,
                         const int *ns, int n_ns) {
    test_mat m = make_mat(dt, rows, cols);
    float *dy = seal_malloc((size_t)MAX_N * rows * sizeof(float));
    float *y = seal_malloc((size_t)MAX_N * cols * sizeof(float));
    float *y2 = seal_malloc((size_t)MAX_N * cols * sizeof(float));
    float *ref = seal_malloc((size_t)MAX_N * cols * sizeof(float));
    float *alone = seal_malloc((size_t)MAX_N * cols * sizeof(float));
    for (int i = 0; i < MAX_N * rows; i++) dy[i] = frand();
    int max_n = 0;
    for (int i = 0; i < n_ns; i++) max_n = ns[i] > max_n ? ns[i] : max_n;
    for (int t = 0; t < max_n; t++)
        seal_matmul_t(pool2, alone + (size_t)t * cols, dy + (size_t)t * rows, &m.w, 1);
    for (int i = 0; i < n_ns; i++) {
        int n = ns[i], bad = 0;
        seal_matmul_t_ref(ref, dy, &m.w, n);
        seal_matmul_t(pool1, y, dy, &m.w, n);
        for (int t = 0; t < n && !bad; t++)
            for (int c = 0; c < cols && !bad; c++) {
                double mag = 0;
                for (int o = 0; o < rows; o++) mag += fabs(dy[t * rows + o] * m.wf[(size_t)o * cols + c]);
                double err = fabs(y[t * cols + c] - ref[t * cols + c]);
                if (!(err <= 1e-5 * mag + 1e-30)) {
                    bad = 1;
                    fprintf(stderr, "  t=%d c=%d: %.9g vs ref %.9g\n", t, c, y[t * cols + c], ref[t * cols + c]);
                }
            }
        CHECK_MSG(!bad, "matmul_t %s %dx%d n=%d", seal_dtype_name(dt), rows, cols, n);
        seal_matmul_t(pool2, y2, dy, &m.w, n);
        CHECK_MSG(!memcmp(y, y2, (size_t)n * cols * sizeof(float)),
                  "matmul_t: thread count changed bits: %s %dx%d n=%d", seal_dtype_name(dt), rows, cols, n);
        CHECK_MSG(!memcmp(y, alone, (size_t)n * cols * sizeof(float)),
                  "matmul_t: batch changed bits: %s %dx%d n=%d", seal_dtype_name(dt), rows, cols, n);
    }
    free(dy), free(y), free(y2), free(ref), free(alone);
    free_mat(&m);
}

/* Small integers make every sum exact, so matmul must equal ref exactly. */
static void test_exact(seal_pool *pool) {
    const seal_dtype dts[] = {SEAL_F32, SEAL_BF16, SEAL_F16};
    for (int d = 0; d < 3; d++) {
        int rows = 6, cols = 21, n = 5;
        float wf[6 * 21], x[5 * 21], bias[6], y[5 * 6], ref[5 * 6];
        uint16_t wbuf[6 * 21 * 2 + 1];
        for (int i = 0; i < rows * cols; i++) wf[i] = (float)((i * 7) % 9 - 4);
        for (int i = 0; i < n * cols; i++) x[i] = (float)((i * 5) % 7 - 3);
        for (int i = 0; i < rows; i++) bias[i] = (float)i;
        seal_from_f32(wbuf + 1, dts[d], wf, (size_t)rows * cols);
        seal_mat w = {.data = wbuf + 1, .dtype = dts[d], .rows = rows, .cols = cols};
        seal_matmul(pool, y, x, &w, bias, n);
        seal_matmul_ref(ref, x, &w, bias, n);
        CHECK(!memcmp(y, ref, sizeof y));
        double want = bias[4];
        for (int k = 0; k < cols; k++) want += x[2 * cols + k] * wf[4 * cols + k];
        CHECK(y[2 * rows + 4] == (float)want);
        CHECK(seal_mat_at(&w, 4, 7) == wf[4 * cols + 7]);
        float row[21];
        seal_mat_row(&w, 5, row);
        CHECK(!memcmp(row, wf + 5 * cols, sizeof row));
    }
    /* A dtype matmul cannot read poisons the output instead of guessing. */
    float y[4] = {0}, x[2] = {1, 1};
    int32_t data[4] = {1, 2, 3, 4};
    seal_mat bad = {.data = data, .dtype = SEAL_I32, .rows = 2, .cols = 2};
    seal_matmul(pool, y, x, &bad, NULL, 1);
    CHECK(isnan(y[0]) && isnan(y[1]));
}

int main(void) {
    seal_pool *pool1 = seal_pool_create(1), *pool2 = seal_pool_create(2);
    if (!pool1 || !pool2) {
        fprintf(stderr, "test_matmul: %s\n", seal_errmsg());
        return 1;
    }
    test_exact(pool2);

    const int all_n[] = {1, 2, 3, 4, 7, 37, 64, 130};
    const int few_n[] = {1, 3, 7, 37};
    /* rows x cols: cols % 8 != 0 (stories260K has 172), rows % 4 != 0, tiny
     * matrices (serial), big enough ones to split across threads, and cols
     * large enough that the tokens come in several blocks. */
    static const int shapes[][2] = {{1, 1}, {5, 13}, {7, 172}, {67, 172}, {602, 172},
                                    {9, 8}, {40, 896}, {13, 4100}};
    const seal_dtype dts[] = {SEAL_F32, SEAL_BF16, SEAL_F16};
    for (int d = 0; d < 3; d++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int big = shapes[s][0] * shapes[s][1] > 20000;
            test_shape(pool1, pool2, dts[d], shapes[s][0], shapes[s][1], big ? few_n : all_n,
                       big ? 4 : 8);
        }
    /* More tokens than one block holds (72 at cols = 896; 15 at 4100, which
     * n = 37 above already covers), with the ragged last block. */
    const int long_n[] = {64, 130};
    test_shape(pool1, pool2, SEAL_BF16, 40, 896, long_n, 2);

    /* seal_matmul_t: columns in whole 32-wide panels, ragged vectors and a scalar
     * tail; rows (its reduction) odd; enough work to split across threads. */
    const int t_big_n[] = {1, 7, 37, 130};
    static const int shapes_t[][2] = {{1, 1}, {13, 5}, {172, 7}, {7, 172}, {96, 75}, {300, 200}};
    for (int d = 0; d < 3; d++)
        for (size_t s = 0; s < sizeof shapes_t / sizeof shapes_t[0]; s++)
            test_shape_t(pool1, pool2, dts[d], shapes_t[s][0], shapes_t[s][1],
                         shapes_t[s][0] * shapes_t[s][1] > 20000 ? t_big_n : all_n,
                         shapes_t[s][0] * shapes_t[s][1] > 20000 ? 4 : 8);

    seal_pool_destroy(pool1);
    seal_pool_destroy(pool2);
    return check_report("test_matmul");
}
