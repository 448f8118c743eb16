/* pyrandom.c: MT19937 as in CPython's Modules/_randommodule.c and the
 * Random methods of Lib/random.py (3.11) built on it. */
#include "seal/pyrandom.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define MT_M 397
#define MATRIX_A 0x9908b0dfU
#define UPPER_MASK 0x80000000U
#define LOWER_MASK 0x7fffffffU

static void init_genrand(py_random *r, uint32_t s) {
    uint32_t *mt = r->mt;
    mt[0] = s;
    for (int i = 1; i < PYRANDOM_N; i++) mt[i] = 1812433253U * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint32_t)i;
    r->index = PYRANDOM_N;
}

void seal_pyrandom_seed_words(py_random *r, const uint32_t *key, size_t n) {
    uint32_t *mt = r->mt;
    init_genrand(r, 19650218U);
    size_t i = 1, j = 0;
    for (size_t k = n > PYRANDOM_N ? n : PYRANDOM_N; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j; /* non linear */
        i++, j++;
        if (i >= PYRANDOM_N) { mt[0] = mt[PYRANDOM_N - 1]; i = 1; }
        if (j >= n) j = 0;
    }
    for (size_t k = PYRANDOM_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= PYRANDOM_N) { mt[0] = mt[PYRANDOM_N - 1]; i = 1; }
    }
    mt[0] = 0x80000000U; /* MSB is 1, assuring a non-zero initial array */
    r->index = PYRANDOM_N;
}

void seal_pyrandom_seed(py_random *r, unsigned long long seed) {
    /* CPython: key = 32-bit words of abs(seed), at least one word. */
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    seal_pyrandom_seed_words(r, key, key[1] ? 2 : 1);
}

static void regenerate(py_random *r) {
    static const uint32_t mag01[2] = {0, MATRIX_A};
    uint32_t *mt = r->mt, y;
    int kk;
    for (kk = 0; kk < PYRANDOM_N - MT_M; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 1];
    }
    for (; kk < PYRANDOM_N - 1; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (MT_M - PYRANDOM_N)] ^ (y >> 1) ^ mag01[y & 1];
    }
    y = (mt[PYRANDOM_N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[PYRANDOM_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1];
    r->index = 0;
}

uint32_t seal_pyrandom_u32(py_random *r) {
    if (r->index >= PYRANDOM_N) regenerate(r);
    uint32_t y = r->mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

uint64_t seal_pyrandom_getrandbits(py_random *r, int k) {
    if (k <= 0) return 0;
    if (k <= 32) return seal_pyrandom_u32(r) >> (32 - k);
    /* CPython fills 32-bit words least significant first; the last (partial)
     * word keeps the top bits of its draw. */
    uint64_t lo = seal_pyrandom_u32(r);
    uint64_t hi = seal_pyrandom_u32(r) >> (64 - (k > 64 ? 64 : k));
    return lo | hi << 32;
}

double seal_pyrandom_random(py_random *r) {
    uint32_t a = seal_pyrandom_u32(r) >> 5, b = seal_pyrandom_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

uint64_t seal_pyrandom_randbelow(py_random *r, uint64_t n) {
    if (n == 0) return 0;
    int k = 64 - __builtin_clzll(n); /* n.bit_length() */
    uint64_t x = seal_pyrandom_getrandbits(r, k);
    while (x >= n) x = seal_pyrandom_getrandbits(r, k);
    return x;
}

void seal_pyrandom_shuffle(py_random *r, void *base, size_t n, size_t elem_size) {
    unsigned char *x = base, tmp[64];
    for (size_t i = n > 0 ? n - 1 : 0; i >= 1; i--) {
        size_t j = (size_t)seal_pyrandom_randbelow(r, (uint64_t)i + 1);
        if (j == i) continue;
        unsigned char *a = x + i * elem_size, *b = x + j * elem_size;
        for (size_t off = 0; off < elem_size; off += sizeof tmp) { /* swap in chunks: any element size */
            size_t m = elem_size - off < sizeof tmp ? elem_size - off : sizeof tmp;
            memcpy(tmp, a + off, m), memcpy(a + off, b + off, m), memcpy(b + off, tmp, m);
        }
    }
}

/* The size test of CPython 3.11's sample(): setsize = 21, plus
 * 4 ** ceil(log(3k, 4)) when k > 5; the pool branch when n <= setsize. */
static size_t sample_setsize(size_t k) {
    size_t size = 21;
    if (k > 5) {
        size_t p = 1;
        while (p < 3 * k) p *= 4; /* 4 ** ceil(log4(3k)) */
        size += p;
    }
    return size;
}

int seal_pyrandom_sample(py_random *r, size_t n, size_t k, size_t *out) {
    if (k > n) return -1;
    if (n <= sample_setsize(k)) {
        size_t *pool = seal_malloc(sizeof *pool * (n ? n : 1));
        for (size_t i = 0; i < n; i++) pool[i] = i;
        for (size_t i = 0; i < k; i++) {
            size_t j = (size_t)seal_pyrandom_randbelow(r, (uint64_t)(n - i));
            out[i] = pool[j];
            pool[j] = pool[n - i - 1];
        }
        free(pool);
        return 0;
    }
    unsigned char *taken = seal_calloc(n, 1);
    for (size_t i = 0; i < k; i++) {
        size_t j;
        do j = (size_t)seal_pyrandom_randbelow(r, (uint64_t)n);
        while (taken[j]);
        taken[j] = 1;
        out[i] = j;
    }
    free(taken);
    return 0;
}
