/* added.c: splitting text on added tokens (tokenizers' AddedVocabulary):
 * leftmost match, longest at that position, non-overlapping, with the
 * single_word / lstrip / rstrip rules. Tokens with normalized=false are
 * matched on the raw text, the others on the normalized text. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok/tok_internal.h"
#include "util/err.h"

static int cmp_len_desc_ctx_len(const void *a, const void *b, void *ctx) {
    const size_t *len = ctx;
    size_t la = len[*(const int *)a], lb = len[*(const int *)b];
    return la > lb ? -1 : la < lb ? 1 : *(const int *)a - *(const int *)b;
}

static void build_matcher(seal_tokenizer *t, added_matcher *m, int normalized_set) {
    memset(m, 0, sizeof *m);
    m->text = seal_calloc((size_t)t->n_added + 1, sizeof *m->text);
    m->len = seal_calloc((size_t)t->n_added + 1, sizeof *m->len);
    tok_work w;
    memset(&w, 0, sizeof w);
    for (int i = 0; i < t->n_added; i++) {
        added_token *a = &t->added[i];
        if (a->normalized != normalized_set) continue;
        if (normalized_set && t->n_norm) { /* match the content as the normalizer would write it */
            tbuf out = {0};
            seal_norm_apply(t, &w, a->content, a->len, &out);
            if (!out.len) { free(out.p); continue; }
            m->text[i] = out.p;
            m->len[i] = out.len;
        } else {
            m->text[i] = seal_malloc(a->len);
            memcpy(m->text[i], a->content, a->len);
            m->len[i] = a->len;
        }
        unsigned char c = (unsigned char)m->text[i][0];
        m->by_byte[c] = seal_realloc(m->by_byte[c], (size_t)(m->n_by_byte[c] + 1) * sizeof(int));
        m->by_byte[c][m->n_by_byte[c]++] = i;
        if (normalized_set) t->has_norm_added = 1;
    }
    free(w.norm_b.p);
    for (int c = 0; c < 256; c++)
        if (m->n_by_byte[c] > 1) qsort_r(m->by_byte[c], (size_t)m->n_by_byte[c], sizeof(int), cmp_len_desc_ctx_len, m->len);
}

void seal_added_build(seal_tokenizer *t) {
    build_matcher(t, &t->match_raw, 0);
    build_matcher(t, &t->match_norm, 1);
}

static void free_matcher(const seal_tokenizer *t, added_matcher *m) {
    for (int c = 0; c < 256; c++) free(m->by_byte[c]);
    if (m->text) for (int i = 0; i < t->n_added; i++) free(m->text[i]);
    free(m->text);
    free(m->len);
}

void seal_added_free(seal_tokenizer *t) {
    free_matcher(t, &t->match_raw);
    free_matcher(t, &t->match_norm);
}

static int is_word_cp(int cp) {
    utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
           (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

static size_t prev_char(const char *s, size_t i) {
    do i--; while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
    return i;
}

static void push_seg(segment **seg, int *n, int *cap, size_t off, size_t len, int id) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *seg = seal_realloc(*seg, (size_t)*cap * sizeof **seg);
    }
    (*seg)[(*n)++] = (segment){off, len, id};
}

void seal_added_split(const seal_tokenizer *t, const added_matcher *m, int normalized_set, const char *s, size_t n,
                 segment **seg, int *n_seg, int *cap_seg) {
    (void)normalized_set;
    *n_seg = 0;
    size_t done = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int best = -1;
        for (int k = 0; k < m->n_by_byte[c]; k++) {
            int idx = m->by_byte[c][k];
            if (m->len[idx] <= n - i && !memcmp(s + i, m->text[idx], m->len[idx])) { best = idx; break; }
        }
        if (best < 0) { i++; continue; }
        const added_token *a = &t->added[best];
        size_t ms = i, me = i + m->len[best];
        i = me;
        if (a->single_word) {
            size_t k = ms ? prev_char(s, ms) : 0, k2 = me;
            int word_before = ms > 0 && is_word_cp(seal_utf8_decode_valid(s, n, &k));
            int word_after = me < n && is_word_cp(seal_utf8_decode_valid(s, n, &k2));
            if (word_before || word_after) continue;
        }
        if (a->lstrip) {
            while (ms > done) {
                size_t k = prev_char(s, ms), k2 = k;
                if (!seal_is_unicode_ws(seal_utf8_decode_valid(s, n, &k2))) break;
                ms = k;
            }
        }
        if (a->rstrip) {
            while (me < n) {
                size_t k = me;
                if (!seal_is_unicode_ws(seal_utf8_decode_valid(s, n, &k))) break;
                me = k;
            }
            i = me;
        }
        if (ms > done) push_seg(seg, n_seg, cap_seg, done, ms - done, -1);
        push_seg(seg, n_seg, cap_seg, ms, me - ms, a->id);
        done = me;
    }
    if (done < n) push_seg(seg, n_seg, cap_seg, done, n - done, -1);
}
