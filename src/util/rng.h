/* rng.h: a small, fast, seedable random generator (xoshiro256**, seeded by
 * splitmix64), so runs are reproducible from one 64-bit seed on any platform. */
#ifndef SEAL_UTIL_RNG_H
#define SEAL_UTIL_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } seal_rng;

/* The splitmix64 finaliser: a bijective mix of z in which every input bit
 * reaches every output bit. A stateless hash for counters and seeds (the
 * seeding below, the LoRA dropout mask); not for untrusted keys. */
uint64_t seal_mix64(uint64_t z);

void seal_rng_seed(seal_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t seal_rng_u64(seal_rng *r);
/* Uniform in [0, 1) with 24 (float) or 53 (double) random bits. */
float seal_rng_float(seal_rng *r);
double seal_rng_double(seal_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t seal_rng_below(seal_rng *r, uint64_t n);
/* Standard normal (Box-Muller). */
double seal_rng_normal(seal_rng *r);

#endif
