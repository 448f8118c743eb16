#include "tok/hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* A fast 64-bit hash over 8-byte words; keys are short token strings. It
 * borrows splitmix64's multipliers but is not its finaliser (seal_mix64): it
 * folds in a word at a time with other shifts, so it stays its own function.
 * Only the tables' layout depends on it, never a stored value. */
static uint64_t tok_hash_bytes(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    h = (h ^ v ^ ((uint64_t)n << 56)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static uint32_t table_size(int expected) {
    uint32_t size = 16;
    while (size < (uint32_t)expected * 2u) size <<= 1;
    return size;
}

void seal_strmap_init(strmap *m, int expected) {
    memset(m, 0, sizeof *m);
    uint32_t size = table_size(expected);
    m->slot = seal_calloc(size, sizeof *m->slot);
    m->mask = size - 1;
    m->cap = expected > 8 ? expected : 8;
    m->e = seal_malloc((size_t)m->cap * sizeof *m->e);
    m->keys_cap = (size_t)m->cap * 8;
    m->keys = seal_malloc(m->keys_cap);
}

void seal_strmap_free(strmap *m) {
    free(m->slot);
    free(m->e);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

void seal_strmap_clear(strmap *m) {
    memset(m->slot, 0, ((size_t)m->mask + 1) * sizeof *m->slot);
    m->n = 0;
    m->keys_len = 0;
}

static uint32_t *find_slot(const strmap *m, uint64_t h, const void *key, size_t len) {
    for (uint32_t i = (uint32_t)h & m->mask;; i = (i + 1) & m->mask) {
        uint32_t s = m->slot[i];
        if (!s) return &m->slot[i];
        const strmap_entry *e = &m->e[s - 1];
        if (e->hash == h && e->len == len && !memcmp(m->keys + e->off, key, len)) return &m->slot[i];
    }
}

static void grow_table(strmap *m) {
    uint32_t size = (m->mask + 1) * 2;
    free(m->slot);
    m->slot = seal_calloc(size, sizeof *m->slot);
    m->mask = size - 1;
    for (int k = 0; k < m->n; k++) {
        uint32_t i = (uint32_t)m->e[k].hash & m->mask;
        while (m->slot[i]) i = (i + 1) & m->mask;
        m->slot[i] = (uint32_t)k + 1;
    }
}

void seal_strmap_put(strmap *m, const void *key, size_t len, int32_t val) {
    uint64_t h = tok_hash_bytes(key, len);
    uint32_t *s = find_slot(m, h, key, len);
    if (*s) { m->e[*s - 1].val = val; return; }
    if (m->n == m->cap) {
        m->cap *= 2;
        m->e = seal_realloc(m->e, (size_t)m->cap * sizeof *m->e);
    }
    if (m->keys_len + len > m->keys_cap) {
        while (m->keys_len + len > m->keys_cap) m->keys_cap *= 2;
        m->keys = seal_realloc(m->keys, m->keys_cap);
    }
    memcpy(m->keys + m->keys_len, key, len);
    m->e[m->n] = (strmap_entry){h, (uint32_t)m->keys_len, (uint32_t)len, val};
    m->keys_len += len;
    *s = (uint32_t)++m->n;
    if ((uint32_t)m->n * 2 > m->mask + 1) grow_table(m);
}

int32_t seal_strmap_get(const strmap *m, const void *key, size_t len) {
    uint32_t s = *find_slot(m, tok_hash_bytes(key, len), key, len);
    return s ? m->e[s - 1].val : -1;
}

void seal_pairmap_init(pairmap *m, int expected) {
    uint32_t size = table_size(expected);
    m->slot = seal_malloc(size * sizeof *m->slot);
    for (uint32_t i = 0; i < size; i++) m->slot[i].rank = -1;
    m->mask = size - 1;
    m->n = 0;
}

void seal_pairmap_free(pairmap *m) {
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void pairmap_grow(pairmap *m) {
    pairmap old = *m;
    seal_pairmap_init(m, (int)(old.mask + 1));
    for (uint32_t i = 0; i <= old.mask; i++)
        if (old.slot[i].rank >= 0)
            seal_pairmap_put(m, (int)(old.slot[i].key >> 32), (int)(uint32_t)old.slot[i].key, old.slot[i].rank,
                        old.slot[i].id);
    free(old.slot);
}

void seal_pairmap_put(pairmap *m, int left, int right, int rank, int id) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    uint32_t i = (uint32_t)(h >> 32) & m->mask;
    while (m->slot[i].rank >= 0 && m->slot[i].key != key) i = (i + 1) & m->mask;
    if (m->slot[i].rank < 0) m->n++;
    m->slot[i] = (pairmap_slot){key, rank, id};
    if ((uint32_t)m->n * 2 > m->mask + 1) pairmap_grow(m);
}
