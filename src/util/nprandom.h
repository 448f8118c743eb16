/* nprandom.h: NumPy's legacy RandomState (np.random.seed / RandomState(seed)),
 * bit for bit, for the draws SEAL's ARC reference makes: its augmenters'
 * generator, colour permutations, demonstration shuffles, subtask subsets and
 * the 250-example cap all come from it (seal-method.md §3, §7). Not for speed
 * or quality: util/rng.h is the engine's own generator; seal/pyrandom.h is
 * CPython's `random`.
 *
 * MT19937 seeded as NumPy 1.x's _legacy_seeding does for an int seed in
 * [0, 2**32) (init_genrand); draws follow numpy/random/_mt19937 and
 * distributions.c's legacy paths (masked rejection sampling for bounded
 * integers). Checked against /usr/bin/python3's numpy in the tests. */
#ifndef SEAL_UTIL_NPRANDOM_H
#define SEAL_UTIL_NPRANDOM_H

#include <stddef.h>
#include <stdint.h>

#define NPRANDOM_N 624

typedef struct {
    uint32_t mt[NPRANDOM_N];
    int pos;          /* next word of mt to temper; NPRANDOM_N = regenerate first */
} np_random;

/* np.random.RandomState(seed) / np.random.seed(seed), 0 <= seed < 2**32. */
void seal_nprandom_seed(np_random *r, uint32_t seed);
/* The next raw 32-bit output. */
uint32_t seal_nprandom_u32(np_random *r);
/* rand() / random_sample(): a 53-bit double in [0, 1) from two words. */
double seal_nprandom_rand(np_random *r);
/* randint(low, high) with the default int64 dtype, low < high: masked
 * rejection sampling on 32-bit draws when high - low - 1 fits 32 bits, else
 * on 64-bit ones. The array form randint(low, high, size=k) draws the same
 * sequence as k scalar calls. Only the default dtype: NumPy's int8/int16 (and
 * bool) dtypes draw from buffered 8/16-bit words instead. high <= low returns
 * low and draws nothing (NumPy raises ValueError). */
int64_t seal_nprandom_randint(np_random *r, int64_t low, int64_t high);
/* shuffle(x) on n elements of elem_size bytes: for i from n-1 down to 1, swap
 * x[i] with x[random_interval(i)] (legacy path). */
void seal_nprandom_shuffle(np_random *r, void *base, size_t n, size_t elem_size);
/* permutation(n) into out[0..n): arange(n) shuffled. */
void seal_nprandom_permutation(np_random *r, int *out, int n);
/* choice(n, size=k, replace=...) without p into out[0..k): with replacement
 * randint(0, n, k); without, permutation(n)[:k], drawn whole, so out must then
 * hold n ints (out[k..n) is scratch). -1 if k > n without replacement, k < 0
 * or n < 1 (nothing drawn). */
int seal_nprandom_choice(np_random *r, int n, int k, int replace, int *out);

#endif
