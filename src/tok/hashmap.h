/* hashmap.h: the two hash maps the tokenizer needs, open addressing with
 * linear probing, load factor <= 1/2.
 *   strmap:  byte string -> int32 (vocab, BPE piece cache); keys are copied
 *            into one arena, so a map is 3 allocations however many keys.
 *   pairmap: (left id, right id) -> (merge rank, merged id). */
#ifndef SEAL_TOK_HASHMAP_H
#define SEAL_TOK_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t hash;
    uint32_t off, len; /* key bytes: keys[off .. off+len) */
    int32_t val;
} strmap_entry;

typedef struct {
    uint32_t *slot;    /* [mask+1] entry index + 1, 0 = empty */
    uint32_t mask;
    strmap_entry *e;   /* [cap] entries in insertion order */
    int n, cap;
    char *keys;        /* key arena */
    size_t keys_len, keys_cap;
} strmap;


/* An empty map sized for about `expected` keys (it grows as needed). */
void seal_strmap_init(strmap *m, int expected);
void seal_strmap_free(strmap *m);
/* Forget all keys, keep the memory. */
void seal_strmap_clear(strmap *m);
/* Insert key -> val, overwriting an existing key's value. */
void seal_strmap_put(strmap *m, const void *key, size_t len, int32_t val);
/* The value of key, or -1 when absent. */
int32_t seal_strmap_get(const strmap *m, const void *key, size_t len);

typedef struct {
    uint64_t key;      /* (left << 32) | right */
    int32_t rank;      /* -1 = empty slot */
    int32_t id;        /* id of the merged token */
} pairmap_slot;

typedef struct {
    pairmap_slot *slot;
    uint32_t mask;
    int n;
} pairmap;

void seal_pairmap_init(pairmap *m, int expected);
void seal_pairmap_free(pairmap *m);
/* Insert or overwrite (a later merge of the same pair wins, as in HF). */
void seal_pairmap_put(pairmap *m, int left, int right, int rank, int id);
/* The slot for (left, right), or NULL when that pair has no merge. */
static inline const pairmap_slot *pairmap_get(const pairmap *m, int left, int right) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    for (uint32_t i = (uint32_t)(h >> 32) & m->mask;; i = (i + 1) & m->mask) {
        const pairmap_slot *s = &m->slot[i];
        if (s->rank < 0) return NULL;
        if (s->key == key) return s;
    }
}

#endif
