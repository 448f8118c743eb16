/* bpe_train.c: byte-level BPE training (HF BpeTrainer's algorithm) and the
 * tokenizer.json / tokenizer_config.json writer. See bpe_train.h.
 *
 * Data layout. Every distinct pre-tokenized word is one entry of `words`
 * (bytes -> word index, first-seen order) with its count. Training gives each
 * word a run of symbol ids in one flat array, shrunk in place as merges apply.
 * Pairs live in a pairmap (left, right) -> pair index; per pair: its weighted
 * count and the list of words that (may) contain it. Merging pair (a, b):
 * visit only that pair's words, rewrite each left to right (non-overlapping,
 * as HF's Word::merge), and apply the count deltas of the neighbour pairs.
 * The max-heap is lazy, as in HF: counts that dropped are noticed when popped
 * and pushed back with the true count; pairs that gained are pushed again. */
#include "tok/bpe_train.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "util/err.h"
#include "util/fsutil.h"

const char SEAL_BPE_TRAIN_PATTERN[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
    "\\s+(?!\\S)|\\s+";
const char SEAL_BPE_TRAIN_PATTERN_SPACE_AFTER[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d) ?|\\p{L}+ ?|\\p{N}|[^\\s\\p{L}\\p{N}]+ ?|\\s*[\\r\\n]+|\\s+";

#define MAX_VOCAB (1 << 24) /* seal_tok_load's id limit */

typedef struct { int *w; int n, cap; } wlist;                 /* word indices, may repeat or be stale */
typedef struct { long long count; int a, b, pair; } hentry;   /* heap entry */

struct bpe_trainer {
    int vocab_size;
    long long min_frequency, model_max_length;
    char **special; size_t *special_len; int n_special; /* [0] is <|endoftext|> */
    size_t *special_next;                              /* add_text scratch: next occurrence of each */

    char *pattern;
    tregex re;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit_stack;

    /* counting */
    strmap words;            /* word bytes -> word index (= entry index) */
    long long *wcount; int cap_words;
    long long n_bytes, n_docs, n_words;

    /* training */
    int trained;
    int *sym;                /* all words' symbols; word w at sym[woff[w] .. + wlen[w]) */
    size_t *woff; int *wlen;
    int *wstamp;             /* last merge that rewrote the word */
    strmap tokens;           /* raw token bytes -> id (= entry index) */
    int *merge_a, *merge_b; int n_merges, cap_merges;
    int byte_id[256];

    pairmap pairs;           /* (a, b) -> pair index, stored in the slot's rank */
    int *pa, *pb; long long *pcount; wlist *pwords; int *pstamp; int n_pairs, cap_pairs;
    int *touched; int n_touched, cap_touched; /* pairs whose count rose in this merge */
    int stamp;
    hentry *heap; int n_heap, cap_heap;
};

/* ---- setup ---- */

static int add_special(bpe_trainer *t, const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (!n) return seal_err("special token %d is empty", t->n_special);
    if (seal_utf8_check(s, n) < n) return seal_err("special token \"%s\" is not valid UTF-8", s);
    for (int i = 0; i < t->n_special; i++) if (!strcmp(t->special[i], s)) return 0;
    t->special = seal_realloc(t->special, (size_t)(t->n_special + 1) * sizeof *t->special);
    t->special_len = seal_realloc(t->special_len, (size_t)(t->n_special + 1) * sizeof *t->special_len);
    t->special[t->n_special] = seal_strdup(s);
    t->special_len[t->n_special++] = n;
    return 0;
}

bpe_trainer *seal_bpe_trainer_new(const bpe_train_opts *o) {
    bpe_trainer *t = seal_calloc(1, sizeof *t);
    t->vocab_size = o->vocab_size;
    t->min_frequency = o->min_frequency;
    t->model_max_length = o->model_max_length > 0 ? o->model_max_length : 2048;
    int rc = add_special(t, BPE_TRAIN_EOS);
    for (int i = 0; !rc && i < o->n_special; i++) rc = add_special(t, o->special[i]);
    if (!rc && (o->vocab_size < 256 + t->n_special || o->vocab_size > MAX_VOCAB))
        rc = seal_err("vocab size %d is out of range: the 256 byte tokens and %d special token(s) need at least %d "
                      "(at most %d)", o->vocab_size, t->n_special, 256 + t->n_special, MAX_VOCAB);
    t->pattern = seal_strdup(o->pattern ? o->pattern : SEAL_BPE_TRAIN_PATTERN);
    if (!rc) rc = seal_tregex_compile(&t->re, t->pattern, strlen(t->pattern), "pre-tokenizer");
    if (rc) {
        seal_bpe_trainer_free(t);
        return NULL;
    }
    t->md = pcre2_match_data_create(4, NULL);
    t->mc = pcre2_match_context_create(NULL);
    t->jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
    if (!t->md || !t->mc || !t->jit_stack) seal_die("out of memory creating PCRE2 match data");
    pcre2_jit_stack_assign(t->mc, NULL, t->jit_stack);
    t->special_next = seal_calloc((size_t)t->n_special, sizeof *t->special_next);
    seal_strmap_init(&t->words, 1 << 12);
    return t;
}

void seal_bpe_trainer_free(bpe_trainer *t) {
    if (!t) return;
    for (int i = 0; i < t->n_special; i++) free(t->special[i]);
    free(t->special); free(t->special_len); free(t->special_next);
    if (t->re.code) seal_tregex_free(&t->re);
    free(t->pattern);
    pcre2_match_data_free(t->md);
    pcre2_match_context_free(t->mc);
    pcre2_jit_stack_free(t->jit_stack);
    seal_strmap_free(&t->words);
    free(t->wcount);
    free(t->sym); free(t->woff); free(t->wlen); free(t->wstamp);
    if (t->trained) { seal_strmap_free(&t->tokens); seal_pairmap_free(&t->pairs); }
    free(t->merge_a); free(t->merge_b);
    for (int i = 0; i < t->n_pairs; i++) free(t->pwords[i].w);
    free(t->pa); free(t->pb); free(t->pcount); free(t->pwords); free(t->pstamp);
    free(t->touched); free(t->heap);
    free(t);
}

/* ---- counting words ---- */

static void count_word(bpe_trainer *t, const char *s, size_t n) {
    int w = seal_strmap_get(&t->words, s, n);
    if (w < 0) {
        w = t->words.n;
        if (w == t->cap_words) {
            t->cap_words = t->cap_words ? 2 * t->cap_words : 1 << 12;
            t->wcount = seal_realloc(t->wcount, (size_t)t->cap_words * sizeof *t->wcount);
        }
        t->wcount[w] = 0;
        seal_strmap_put(&t->words, s, n, w);
    }
    t->wcount[w]++;
    t->n_words++;
}

/* The Split pre-tokenizer with behavior Isolated: matches and the gaps
 * between them are all words (ByteLevel without regex keeps them whole). */
static int split_words(bpe_trainer *t, const char *s, size_t n) {
    size_t pos = 0, start = 0, ms, me;
    while (start < n) {
        int r = seal_tregex_next(&t->re, t->md, t->mc, s, n, start, &ms, &me);
        if (r < 0) return -1;
        if (!r || ms >= n) break;
        if (me == ms) { start = ms + (size_t)seal_utf8_len((unsigned char)s[ms]); continue; }
        if (ms > pos) count_word(t, s + pos, ms - pos);
        count_word(t, s + ms, me - ms);
        pos = start = me;
    }
    if (pos < n) count_word(t, s + pos, n - pos);
    return 0;
}

int seal_bpe_trainer_add_text(bpe_trainer *t, const char *s, size_t n) {
    if (t->trained) return seal_err("bpe_trainer_add_text after training");
    size_t bad = seal_utf8_check(s, n);
    if (bad < n) return seal_err("text is not valid UTF-8 (byte %zu)", bad);
    t->n_bytes += (long long)n;
    t->n_docs++;
    /* Special tokens cut the text as encode's added-token split does: leftmost,
     * then longest. special_next caches each one's next occurrence (n: none;
     * SIZE_MAX: not searched yet). */
    for (int k = 0; k < t->n_special; k++) t->special_next[k] = SIZE_MAX;
    size_t i = 0;
    while (i < n) {
        size_t best = n, best_len = 0;
        for (int k = 0; k < t->n_special; k++) {
            if (t->special_next[k] == SIZE_MAX || t->special_next[k] < i) {
                const char *p = memmem(s + i, n - i, t->special[k], t->special_len[k]);
                t->special_next[k] = p ? (size_t)(p - s) : n;
            }
            size_t at = t->special_next[k];
            if (at < n && (at < best || (at == best && t->special_len[k] > best_len))) {
                best = at;
                best_len = t->special_len[k];
            }
        }
        if (best > i && split_words(t, s + i, best - i)) return -1;
        if (!best_len) break;
        i = best + best_len;
    }
    return 0;
}

/* JSONL by extension, or when the first non-blank line is an object with a
 * string "text" (a text file that merely starts with '{', e.g. code, stays text). */
static int is_jsonl(const char *path, const char *buf, size_t n) {
    size_t pl = strlen(path);
    if (pl >= 6 && !strcmp(path + pl - 6, ".jsonl")) return 1;
    size_t i = 0;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) i++;
    if (i == n || buf[i] != '{') return 0;
    const char *nl = memchr(buf + i, '\n', n - i);
    json_t *row = json_loadb(buf + i, nl ? (size_t)(nl - buf) - i : n - i, JSON_ALLOW_NUL, NULL);
    int yes = json_is_string(json_object_get(row, "text"));
    json_decref(row);
    return yes;
}

static int add_jsonl(bpe_trainer *t, const char *path, const char *buf, size_t n) {
    long long docs = t->n_docs;
    size_t i = 0;
    for (long line = 1; i < n; line++) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - buf) : n, j = i;
        while (j < end && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\r')) j++;
        if (j < end) {
            json_error_t e;
            json_t *row = json_loadb(buf + i, end - i, JSON_ALLOW_NUL, &e);
            json_t *text = json_object_get(row, "text");
            int rc;
            if (!row) rc = seal_err("%s line %ld: not valid JSON: %s", path, line, e.text);
            else if (!json_is_string(text)) rc = seal_err("%s line %ld: expected an object with a string \"text\"", path, line);
            else if ((rc = seal_bpe_trainer_add_text(t, json_string_value(text), json_string_length(text))))
                seal_err_prefix("%s line %ld", path, line);
            json_decref(row);
            if (rc) return -1;
        }
        i = end + 1;
    }
    if (t->n_docs == docs) return seal_err("%s: no JSONL rows (no text to train on)", path);
    return 0;
}

int seal_bpe_trainer_add_file(bpe_trainer *t, const char *path) {
    size_t n;
    char *buf = seal_read_file(path, &n);
    if (!buf) return -1;
    int rc;
    if (!n) rc = seal_err("%s: empty file (no text to train on)", path);
    else if (is_jsonl(path, buf, n)) rc = add_jsonl(t, path, buf, n);
    else if ((rc = seal_bpe_trainer_add_text(t, buf, n))) seal_err_prefix("%s", path);
    free(buf);
    return rc;
}

/* ---- pairs and the heap ---- */

static int pair_index(bpe_trainer *t, int a, int b) {
    const pairmap_slot *s = pairmap_get(&t->pairs, a, b);
    if (s) return s->rank;
    int q = t->n_pairs++;
    if (q == t->cap_pairs) {
        t->cap_pairs = t->cap_pairs ? 2 * t->cap_pairs : 1 << 14;
        size_t c = (size_t)t->cap_pairs;
        t->pa = seal_realloc(t->pa, c * sizeof *t->pa);
        t->pb = seal_realloc(t->pb, c * sizeof *t->pb);
        t->pcount = seal_realloc(t->pcount, c * sizeof *t->pcount);
        t->pwords = seal_realloc(t->pwords, c * sizeof *t->pwords);
        t->pstamp = seal_realloc(t->pstamp, c * sizeof *t->pstamp);
    }
    t->pa[q] = a;
    t->pb[q] = b;
    t->pcount[q] = 0;
    t->pwords[q] = (wlist){0};
    t->pstamp[q] = -1;
    seal_pairmap_put(&t->pairs, a, b, q, 0);
    return q;
}

/* Pair (a, b) gained f occurrences in word w. */
static void pair_inc(bpe_trainer *t, int a, int b, long long f, int w) {
    int q = pair_index(t, a, b);
    t->pcount[q] += f;
    wlist *l = &t->pwords[q];
    if (!l->n || l->w[l->n - 1] != w) {
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 4;
            l->w = seal_realloc(l->w, (size_t)l->cap * sizeof *l->w);
        }
        l->w[l->n++] = w;
    }
    if (t->pstamp[q] != t->stamp) {
        t->pstamp[q] = t->stamp;
        if (t->n_touched == t->cap_touched) {
            t->cap_touched = t->cap_touched ? 2 * t->cap_touched : 1 << 10;
            t->touched = seal_realloc(t->touched, (size_t)t->cap_touched * sizeof *t->touched);
        }
        t->touched[t->n_touched++] = q;
    }
}

/* Pair (a, b), which a word contributed, lost f occurrences. */
static void pair_dec(bpe_trainer *t, int a, int b, long long f) {
    const pairmap_slot *s = pairmap_get(&t->pairs, a, b);
    if (s) t->pcount[s->rank] -= f;
}

/* x pops before y: higher count, then the smaller (a, b), as HF's Merge order. */
static inline int heap_before(const hentry *x, const hentry *y) {
    if (x->count != y->count) return x->count > y->count;
    return x->a != y->a ? x->a < y->a : x->b < y->b;
}

static void heap_push(bpe_trainer *t, int q) {
    if (t->n_heap == t->cap_heap) {
        t->cap_heap = t->cap_heap ? 2 * t->cap_heap : 1 << 14;
        t->heap = seal_realloc(t->heap, (size_t)t->cap_heap * sizeof *t->heap);
    }
    hentry x = {t->pcount[q], t->pa[q], t->pb[q], q}, *h = t->heap;
    int i = t->n_heap++;
    while (i > 0 && heap_before(&x, &h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = x;
}

static hentry heap_pop(bpe_trainer *t) {
    hentry *h = t->heap, top = h[0], last = h[--t->n_heap];
    int n = t->n_heap, i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(&h[c + 1], &h[c])) c++;
        if (!heap_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (n) h[i] = last;
    return top;
}

/* Push every pair whose count rose since the last flush (and is positive). */
static void flush_touched(bpe_trainer *t) {
    for (int i = 0; i < t->n_touched; i++)
        if (t->pcount[t->touched[i]] > 0) heap_push(t, t->touched[i]);
    t->n_touched = 0;
}

/* ---- training ---- */

/* Replace every (a, b) in word w by c, left to right, updating the counts of
 * the neighbouring pairs; pair p = (a, b) itself loses each occurrence. */
static void merge_word(bpe_trainer *t, int w, int a, int b, int c, int p) {
    int *s = t->sym + t->woff[w], len = t->wlen[w], o = 0, r = 0;
    long long f = t->wcount[w];
    while (r < len) {
        if (r + 1 < len && s[r] == a && s[r + 1] == b) {
            if (o > 0) { pair_dec(t, s[o - 1], a, f); pair_inc(t, s[o - 1], c, f, w); }
            if (r + 2 < len) { pair_dec(t, b, s[r + 2], f); pair_inc(t, c, s[r + 2], f, w); }
            t->pcount[p] -= f;
            s[o++] = c;
            r += 2;
        } else {
            s[o++] = s[r++];
        }
    }
    t->wlen[w] = o;
}

/* Ids 0..255: the bytes in the order of their GPT-2 codepoints (the order of
 * bytes_to_unicode's table, and of HF's sorted initial alphabet). */
static void init_tokens(bpe_trainer *t) {
    seal_strmap_init(&t->tokens, t->vocab_size < (1 << 16) ? t->vocab_size : 1 << 16);
    int id = 0;
    for (int cp = 0; cp < 324; cp++) {
        int b = cp_to_byte(cp);
        if (b < 0) continue;
        char c = (char)b;
        t->byte_id[b] = id;
        seal_strmap_put(&t->tokens, &c, 1, id++);
    }
}

static void init_words(bpe_trainer *t) {
    int nw = t->words.n;
    t->woff = seal_malloc((size_t)nw * sizeof *t->woff);
    t->wlen = seal_malloc((size_t)nw * sizeof *t->wlen);
    t->wstamp = seal_malloc((size_t)nw * sizeof *t->wstamp);
    t->sym = seal_malloc((t->words.keys_len ? t->words.keys_len : 1) * sizeof *t->sym);
    size_t off = 0;
    for (int w = 0; w < nw; w++) {
        const strmap_entry *e = &t->words.e[w];
        const unsigned char *p = (const unsigned char *)t->words.keys + e->off;
        t->woff[w] = off;
        t->wlen[w] = (int)e->len;
        t->wstamp[w] = -1;
        for (uint32_t k = 0; k < e->len; k++) t->sym[off + k] = t->byte_id[p[k]];
        off += e->len;
    }
}

int seal_bpe_trainer_train(bpe_trainer *t) {
    if (t->trained) return seal_err("bpe_trainer_train: already trained");
    if (!t->words.n) return seal_err("no training text (every document was empty)");
    for (int w = 0; w < t->words.n; w++)
        if (t->words.e[w].len > (1u << 30)) return seal_err("a pre-tokenized piece is over 1 GiB");
    t->trained = 1;
    init_tokens(t);
    init_words(t);
    seal_pairmap_init(&t->pairs, 1 << 14);
    t->stamp = 0;
    for (int w = 0; w < t->words.n; w++) {
        const int *s = t->sym + t->woff[w];
        for (int k = 0; k + 1 < t->wlen[w]; k++) pair_inc(t, s[k], s[k + 1], t->wcount[w], w);
    }
    flush_touched(t);

    int target = t->vocab_size - t->n_special;
    tbuf cat = {0};
    while (t->tokens.n < target && t->n_heap) {
        hentry top = heap_pop(t);
        long long cur = t->pcount[top.pair];
        if (cur != top.count) { /* stale: its count dropped since it was pushed */
            if (cur > 0) heap_push(t, top.pair);
            continue;
        }
        if (cur <= 0 || cur < t->min_frequency) break;
        /* The merged token; it may already exist (ab+c and a+bc). */
        const strmap_entry *ea = &t->tokens.e[top.a], *eb = &t->tokens.e[top.b];
        cat.len = 0;
        tbuf_put(&cat, t->tokens.keys + ea->off, ea->len);
        tbuf_put(&cat, t->tokens.keys + eb->off, eb->len);
        int c = seal_strmap_get(&t->tokens, cat.p, cat.len);
        if (c < 0) {
            c = t->tokens.n;
            seal_strmap_put(&t->tokens, cat.p, cat.len, c);
        }
        if (t->n_merges == t->cap_merges) {
            t->cap_merges = t->cap_merges ? 2 * t->cap_merges : 1024;
            t->merge_a = seal_realloc(t->merge_a, (size_t)t->cap_merges * sizeof *t->merge_a);
            t->merge_b = seal_realloc(t->merge_b, (size_t)t->cap_merges * sizeof *t->merge_b);
        }
        t->merge_a[t->n_merges] = top.a;
        t->merge_b[t->n_merges++] = top.b;

        t->stamp++;
        wlist l = t->pwords[top.pair]; /* nothing adds to this list while we walk it: c != a, b */
        t->pwords[top.pair] = (wlist){0};
        for (int i = 0; i < l.n; i++) {
            int w = l.w[i];
            if (t->wstamp[w] == t->stamp) continue;
            t->wstamp[w] = t->stamp;
            merge_word(t, w, top.a, top.b, c, top.pair);
        }
        free(l.w);
        t->pcount[top.pair] = 0;
        flush_touched(t);
    }
    free(cat.p);
    /* What is left of the pair tables is not needed after training. */
    for (int i = 0; i < t->n_pairs; i++) free(t->pwords[i].w);
    free(t->pwords); t->pwords = NULL;
    free(t->pa); free(t->pb); free(t->pcount); free(t->pstamp); free(t->touched); free(t->heap);
    t->pa = t->pb = t->pstamp = t->touched = NULL;
    t->pcount = NULL;
    t->heap = NULL;
    t->n_pairs = t->cap_pairs = t->n_touched = t->cap_touched = t->n_heap = t->cap_heap = 0;
    return 0;
}

void seal_bpe_trainer_stats(const bpe_trainer *t, bpe_train_stats *s) {
    s->n_bytes = t->n_bytes;
    s->n_docs = t->n_docs;
    s->n_words = t->n_words;
    s->n_unique = t->words.n;
    s->n_merges = t->n_merges;
    s->n_model = t->trained ? t->tokens.n : 256;
    s->n_special = t->n_special;
}

int seal_bpe_trainer_word(const bpe_trainer *t, int i, const char **bytes, size_t *len, long long *count, const int **ids,
                     int *n_ids) {
    if (i < 0 || i >= t->words.n) return -1;
    *bytes = t->words.keys + t->words.e[i].off;
    *len = t->words.e[i].len;
    *count = t->wcount[i];
    *ids = t->trained ? t->sym + t->woff[i] : NULL;
    *n_ids = t->trained ? t->wlen[i] : 0;
    return 0;
}

/* ---- writing ---- */

/* Token id's bytes through GPT-2's byte map: its tokenizer.json spelling. */
static json_t *token_string(const bpe_trainer *t, int id, tbuf *b) {
    const strmap_entry *e = &t->tokens.e[id];
    const unsigned char *p = (const unsigned char *)t->tokens.keys + e->off;
    b->len = 0;
    for (uint32_t k = 0; k < e->len; k++) {
        char u[4];
        tbuf_put(b, u, seal_utf8_put(u, (uint32_t)byte_to_cp(p[k])));
    }
    tbuf_put(b, "", 1);
    return json_string(b->p);
}

static json_t *byte_level(void) {
    return json_pack("{s:s, s:b, s:b, s:b}", "type", "ByteLevel", "add_prefix_space", 0, "trim_offsets", 0,
                     "use_regex", 0);
}

static char *dump(json_t *root, size_t *len) {
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s) seal_die("out of memory writing JSON");
    size_t n = strlen(s);
    char *out = seal_malloc(n + 2);
    memcpy(out, s, n);
    out[n] = '\n';
    out[n + 1] = 0;
    free(s);
    if (len) *len = n + 1;
    return out;
}

char *seal_bpe_trainer_tokenizer_json(const bpe_trainer *t, size_t *len) {
    if (!t->trained) { seal_err("bpe_trainer_tokenizer_json: not trained"); return NULL; }
    int n_model = t->tokens.n;
    json_t *added = json_array();
    for (int i = 0; i < t->n_special; i++)
        json_array_append_new(added, json_pack("{s:i, s:s, s:b, s:b, s:b, s:b, s:b}", "id", n_model + i, "content",
                                               t->special[i], "single_word", 0, "lstrip", 0, "rstrip", 0,
                                               "normalized", 0, "special", 1));
    json_t *split = json_pack("{s:s, s:{s:s}, s:s, s:b}", "type", "Split", "pattern", "Regex", t->pattern,
                              "behavior", "Isolated", "invert", 0);
    json_t *pretok = json_pack("{s:s, s:[oo]}", "type", "Sequence", "pretokenizers", split, byte_level());

    tbuf b = {0};
    json_t *vocab = json_object(), *merges = json_array();
    for (int id = 0; id < n_model; id++) {
        json_t *s = token_string(t, id, &b);
        json_object_set_new(vocab, json_string_value(s), json_integer(id));
        json_decref(s);
    }
    for (int i = 0; i < t->n_merges; i++)
        json_array_append_new(merges, json_pack("[oo]", token_string(t, t->merge_a[i], &b),
                                                token_string(t, t->merge_b[i], &b)));
    free(b.p);
    json_t *model = json_pack("{s:s, s:n, s:n, s:n, s:n, s:b, s:b, s:b, s:o, s:o}", "type", "BPE", "dropout",
                              "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk", 0,
                              "byte_fallback", 0, "ignore_merges", 0, "vocab", vocab, "merges", merges);
    json_t *root = json_pack("{s:s, s:n, s:n, s:o, s:n, s:o, s:o, s:o, s:o}", "version", "1.0", "truncation",
                             "padding", "added_tokens", added, "normalizer", "pre_tokenizer", pretok,
                             "post_processor", byte_level(), "decoder", byte_level(), "model", model);
    if (!root) seal_die("out of memory building tokenizer.json");
    return dump(root, len);
}

static char *bpe_trainer_config_json(const bpe_trainer *t, size_t *len) {
    if (!t->trained) { seal_err("bpe_trainer_config_json: not trained"); return NULL; }
    json_t *dec = json_object();
    for (int i = 0; i < t->n_special; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", t->tokens.n + i);
        json_object_set_new(dec, key, json_pack("{s:s, s:b, s:b, s:b, s:b, s:b}", "content", t->special[i], "lstrip",
                                                0, "normalized", 0, "rstrip", 0, "single_word", 0, "special", 1));
    }
    json_t *extra = json_array();
    for (int i = 1; i < t->n_special; i++) json_array_append_new(extra, json_string(t->special[i]));
    json_t *root = json_pack("{s:b, s:b, s:b, s:o, s:o, s:n, s:b, s:s, s:s, s:I, s:s, s:b, s:s, s:n}",
                             "add_bos_token", 0, "add_eos_token", 0, "add_prefix_space", 0, "added_tokens_decoder",
                             dec, "additional_special_tokens", extra, "bos_token", "clean_up_tokenization_spaces", 0,
                             "eos_token", BPE_TRAIN_EOS, "errors", "replace", "model_max_length",
                             (json_int_t)t->model_max_length, "pad_token", BPE_TRAIN_EOS, "split_special_tokens", 0,
                             "tokenizer_class", "PreTrainedTokenizerFast", "unk_token");
    if (!root) seal_die("out of memory building tokenizer_config.json");
    return dump(root, len);
}

int seal_bpe_trainer_save(const bpe_trainer *t, const char *dir) {
    size_t n1, n2;
    char *tj = seal_bpe_trainer_tokenizer_json(t, &n1);
    if (!tj) return -1;
    char *cj = bpe_trainer_config_json(t, &n2);
    char *p1 = seal_path_join(dir, "tokenizer.json"), *p2 = seal_path_join(dir, "tokenizer_config.json");
    int rc = seal_mkdir_p(dir) || seal_write_file_atomic(p1, tj, n1) || seal_write_file_atomic(p2, cj, n2) ? -1 : 0;
    free(tj); free(cj); free(p1); free(p2);
    return rc;
}
