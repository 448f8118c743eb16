#include "util/rng.h"

#include <math.h>

uint64_t seal_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* splitmix64: a Weyl sequence (step: the golden ratio) through the finaliser. */
static uint64_t splitmix64(uint64_t *x) { return seal_mix64(*x += 0x9e3779b97f4a7c15ull); }

void seal_rng_seed(seal_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t seal_rng_u64(seal_rng *r) {
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

float seal_rng_float(seal_rng *r) { return (float)(seal_rng_u64(r) >> 40) * (1.0f / 16777216.0f); }
double seal_rng_double(seal_rng *r) { return (double)(seal_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0); }

uint64_t seal_rng_below(seal_rng *r, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do x = seal_rng_u64(r); while (x >= limit);
    return x % n;
}

double seal_rng_normal(seal_rng *r) {
    double u1 = seal_rng_double(r), u2 = seal_rng_double(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
