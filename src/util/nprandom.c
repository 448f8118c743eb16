/* nprandom.c: NumPy 1.x's legacy RandomState, bit for bit. The sources
 * followed are numpy/random/src/mt19937/mt19937.{c,h} (seeding, generation,
 * tempering, next_double), distributions.c's random_interval (shuffle) and
 * random_bounded_uint64_fill with use_masked=1 (randint), and mtrand.pyx's
 * permutation / choice, which are built from those two. */
#include "util/nprandom.h"

#include <string.h>

#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

/* mt19937_seed: Knuth's multiplier, as init_genrand; the first draw regenerates. */
void seal_nprandom_seed(np_random *r, uint32_t seed) {
    r->mt[0] = seed;
    for (int i = 1; i < NPRANDOM_N; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->pos = NPRANDOM_N;
}

/* mt19937_gen: the twist over all 624 words at once. */
static void mt_generate(np_random *r) {
    uint32_t *mt = r->mt;
    for (int i = 0; i < NPRANDOM_N; i++) {
        uint32_t y = (mt[i] & MT_UPPER) | (mt[(i + 1) % NPRANDOM_N] & MT_LOWER);
        mt[i] = mt[(i + MT_M) % NPRANDOM_N] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    r->pos = 0;
}

uint32_t seal_nprandom_u32(np_random *r) {
    if (r->pos >= NPRANDOM_N) mt_generate(r);
    uint32_t y = r->mt[r->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* next_uint64 of the MT19937 bit generator: the first word is the high half. */
static uint64_t nprandom_u64(np_random *r) {
    uint64_t hi = seal_nprandom_u32(r);
    return hi << 32 | seal_nprandom_u32(r);
}

/* mt19937_next_double: 27 high bits of one word, 26 of the next. */
double seal_nprandom_rand(np_random *r) {
    int32_t a = (int32_t)(seal_nprandom_u32(r) >> 5), b = (int32_t)(seal_nprandom_u32(r) >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

/* The smallest all-ones mask covering max (gen_mask). */
static uint64_t gen_mask(uint64_t max) {
    uint64_t m = max;
    m |= m >> 1; m |= m >> 2; m |= m >> 4; m |= m >> 8; m |= m >> 16; m |= m >> 32;
    return m;
}

/* A value in [0, max] by masked rejection: 32-bit draws while max fits 32
 * bits, else 64-bit ones. random_interval (shuffle) and the masked bounded
 * draws of randint consume the generator identically for every max. */
static uint64_t nprandom_interval(np_random *r, uint64_t max) {
    if (max == 0) return 0;   /* no draw at all, as NumPy */
    uint64_t mask = gen_mask(max), v;
    if (max <= 0xffffffffu) {
        do v = seal_nprandom_u32(r) & mask; while (v > max);
    } else {
        do v = nprandom_u64(r) & mask; while (v > max);
    }
    return v;
}

int64_t seal_nprandom_randint(np_random *r, int64_t low, int64_t high) {
    if (high <= low) return low;   /* NumPy raises; a caller's slip must not wrap the range */
    uint64_t rng = (uint64_t)high - (uint64_t)low - 1u;   /* closed range, as _rand_int64 */
    return (int64_t)((uint64_t)low + nprandom_interval(r, rng));
}

void seal_nprandom_shuffle(np_random *r, void *base, size_t n, size_t elem_size) {
    unsigned char *x = base, tmp[64];
    for (size_t i = n > 0 ? n - 1 : 0; i >= 1; i--) {
        size_t j = (size_t)nprandom_interval(r, i);
        if (j == i) continue;   /* NumPy swaps an element with itself: no effect */
        for (size_t off = 0; off < elem_size; off += sizeof tmp) {   /* any size, no allocation */
            size_t k = elem_size - off < sizeof tmp ? elem_size - off : sizeof tmp;
            memcpy(tmp, x + i * elem_size + off, k);
            memcpy(x + i * elem_size + off, x + j * elem_size + off, k);
            memcpy(x + j * elem_size + off, tmp, k);
        }
    }
}

void seal_nprandom_permutation(np_random *r, int *out, int n) {
    for (int i = 0; i < n; i++) out[i] = i;
    if (n > 0) seal_nprandom_shuffle(r, out, (size_t)n, sizeof *out);
}

/* choice: with replacement randint(0, n, size=k); without, permutation(n)[:k]
 * (the whole permutation is drawn, so out is its scratch and holds n). */
int seal_nprandom_choice(np_random *r, int n, int k, int replace, int *out) {
    if (n < 1 || k < 0 || (!replace && k > n)) return -1;
    if (replace)
        for (int i = 0; i < k; i++) out[i] = (int)seal_nprandom_randint(r, 0, n);
    else
        seal_nprandom_permutation(r, out, n);
    return 0;
}
