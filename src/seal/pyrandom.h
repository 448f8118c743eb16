/* pyrandom.h: CPython's `random` module, bit for bit, for the few calls the
 * SEAL reference makes (random.seed(int), random.shuffle, random.sample,
 * getrandbits, randrange(n), random()). Used where seal must pick exactly the items the
 * Python reference picked, e.g. the seed-42 SQuAD subset. Not for speed or
 * quality: util/rng.h is the engine's own generator.
 *
 * The generator is MT19937 seeded as CPython 3.x's random_seed() does for an
 * int: init_by_array() over the 32-bit words of abs(seed), least significant
 * word first (seed 0 gives the one-word key [0]). Checked against
 * /usr/bin/python3 (3.11) in tests/unit/test_squad.c (recorded values) and
 * tests/seal/test_squad_data.sh (live). */
#ifndef SEAL_SEAL_PYRANDOM_H
#define SEAL_SEAL_PYRANDOM_H

#include <stddef.h>
#include <stdint.h>

#define PYRANDOM_N 624

typedef struct {
    uint32_t mt[PYRANDOM_N];
    int index; /* next word of mt to temper; PYRANDOM_N = regenerate first */
} py_random;

/* random.seed(seed) for a non-negative int seed < 2**64. */
void seal_pyrandom_seed(py_random *r, unsigned long long seed);
/* init_by_array(key[0..n)): random.seed(x) for any int x whose abs() has
 * these 32-bit words, least significant first (n >= 1). */
void seal_pyrandom_seed_words(py_random *r, const uint32_t *key, size_t n);

/* The next raw 32-bit output (genrand_uint32). */
uint32_t seal_pyrandom_u32(py_random *r);
/* random.getrandbits(k), 0 <= k <= 64 (k = 0 returns 0 and draws nothing). */
uint64_t seal_pyrandom_getrandbits(py_random *r, int k);
/* random.random(): 53-bit float in [0, 1). */
double seal_pyrandom_random(py_random *r);
/* random._randbelow(n) = random.randrange(n) for n > 0: rejection sampling
 * on getrandbits(n.bit_length()). n = 0 returns 0 and draws nothing. */
uint64_t seal_pyrandom_randbelow(py_random *r, uint64_t n);
/* random.shuffle(x) on an array of n elements of elem_size bytes each:
 * for i from n-1 down to 1, swap x[i] with x[randbelow(i + 1)]. */
void seal_pyrandom_shuffle(py_random *r, void *base, size_t n, size_t elem_size);
/* random.sample(range(n), k) into out[0..k), 0 <= k <= n: CPython's two
 * branches (a pool of n indices when that is smaller than a k-entry set,
 * else rejection of repeats), so the same indices come out. -1 if k > n. */
int seal_pyrandom_sample(py_random *r, size_t n, size_t k, size_t *out);

#endif
