/* tok_internal.h: the tokenizer's data structures, shared by tokenizer.c
 * (loading, encode orchestration), normalize.c, pretok.c, added.c, bpe.c and
 * decode.c. Not a public header. */
#ifndef SEAL_TOK_INTERNAL_H
#define SEAL_TOK_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tok/hashmap.h"
#include "tok/tok_util.h"
#include "tok/tokenizer.h"

/* ---- regex (PCRE2, compiled once with JIT) ---- */
typedef struct { pcre2_code *code; int jit; } tregex;
int seal_tregex_compile(tregex *re, const char *pattern, size_t len, const char *what);
void seal_tregex_free(tregex *re);
/* Next match in s[0..n) at or after *start: 1 (match at [*ms,*me)), 0 none, -1 error. */
int seal_tregex_next(const tregex *re, pcre2_match_data *md, pcre2_match_context *mc,
                const char *s, size_t n, size_t start, size_t *ms, size_t *me);

/* ---- normalizers ---- */
enum { NORM_NFC, NORM_NFD, NORM_NFKC, NORM_NFKD, NORM_PREPEND, NORM_REPLACE, NORM_STRIP };
typedef struct {
    int type;
    char *a; size_t a_len;   /* Prepend: text; Replace: pattern */
    char *b; size_t b_len;   /* Replace: content */
    int left, right;         /* Strip */
} normalizer;

/* ---- pre-tokenizers ---- */
enum { PT_SPLIT, PT_BYTELEVEL, PT_METASPACE };
enum { SPLIT_REMOVED, SPLIT_ISOLATED, SPLIT_MERGED_PREV, SPLIT_MERGED_NEXT, SPLIT_CONTIGUOUS };
typedef struct {
    int type;
    tregex re;               /* Split; ByteLevel with use_regex */
    int has_re;
    char *lit; size_t lit_len; /* Split on a literal string (String pattern, Metaspace) */
    int behavior, invert;
    int add_prefix_space;    /* ByteLevel */
    char repl[8]; size_t repl_len; /* Metaspace replacement char */
    int prepend_scheme;      /* Metaspace: 0 always, 1 first, 2 never */
    int split;               /* Metaspace */
} pretok;

/* ---- decoders ---- */
enum { DEC_BYTELEVEL, DEC_REPLACE, DEC_BYTEFALLBACK, DEC_FUSE, DEC_STRIP, DEC_METASPACE };
typedef struct {
    int type;
    char *pat; size_t pat_len;       /* Replace */
    char *content; size_t content_len;
    char ch[8]; size_t ch_len;       /* Strip content, Metaspace replacement */
    int start, stop;                 /* Strip */
    int prepend_never;               /* Metaspace */
    int fused;                       /* runs after a Fuse/ByteLevel step: on the whole text */
} decstep;

typedef struct {
    char *content; size_t len;
    int id, special, lstrip, rstrip, single_word, normalized;
} added_token;

/* Matches added tokens in text: leftmost, then longest. */
typedef struct {
    int *by_byte[256];       /* token indices whose (matched) content starts with this byte, longest first */
    int n_by_byte[256];
    char **text; size_t *len;/* matched form of each token (normalized content for the normalized set) */
} added_matcher;

/* A segment of input: an added token (id >= 0) or text to tokenize (id -1). */
typedef struct { size_t off, len; int id; } segment;

/* ---- BPE model ---- */
typedef struct {
    strmap vocab;            /* model token string -> id */
    pairmap merges;
    int unk_id, byte_fallback, fuse_unk, ignore_merges;
    int byte_level;          /* input pieces are raw bytes shown through the GPT-2 byte map */
    int bl_id[256];          /* byte_level: id of each byte's mapped char, -1 if absent */
    int fb_id[256];          /* byte_fallback: id of <0xXX>, -1 if absent */
    int ascii_id[128];       /* not byte_level: id of each one-char ASCII token, -1 if absent */
    char bl_str[256][2];     /* byte_level: UTF-8 of each byte's mapped char */
    int bl_len[256];
} bpe_model;

/* Scratch and cache used by encode; guarded by `lock`. */
typedef struct {
    pthread_mutex_t lock;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit_stack;
    tbuf norm_a, norm_b, tmp;
    pieces pa, pb;
    segment *seg; int n_seg, cap_seg;
    segment *seg2; int n_seg2, cap_seg2;
    struct split_mark { size_t s, e; int m; } *marks; int cap_marks;
    /* BPE merge state */
    struct bpe_sym { int id, prev, next; } *sym; int cap_sym;
    struct bpe_merge { int rank, pos, id; } *heap; int cap_heap;
    /* piece -> ids cache: value = offset into cache_ids holding [n, id...] */
    strmap cache;
    ivec cache_ids;
} tok_work;

struct seal_tokenizer {
    char path[1024];
    bpe_model bpe;
    char **piece;            /* [n_ids] token string by id, NULL for holes */
    char *piece_arena;       /* the strings piece[] points into */
    unsigned char *special;  /* [n_ids] 1 if added special token */
    int n_ids;
    size_t max_piece_len;
    normalizer *norm; int n_norm;
    pretok *pt; int n_pt;
    decstep *dec; int n_dec;
    int dec_none;            /* no decoder: tokens joined with spaces */
    size_t dec_growth;       /* how much Replace steps can grow a token */
    added_token *added; int n_added;
    strmap added_map;        /* content -> id */
    added_matcher match_raw, match_norm;
    int has_norm_added;
    ivec post_pre, post_post; /* ids the post-processor puts before / after the sequence */
    int bos_id, eos_id, pad_id;
    int fast_loaded;         /* vocab and merges came through seal_tok_fast_load (tests check this) */
    tok_work *work;
};

/* normalize.c */
int seal_norm_parse(seal_tokenizer *t, json_t *j, const char *where);
/* Apply the normalizer chain to in[0..n), result in work->norm_a (may alias nothing). */
void seal_norm_apply(const seal_tokenizer *t, tok_work *w, const char *in, size_t n, tbuf *out);

/* pretok.c */
int seal_pretok_parse(seal_tokenizer *t, json_t *j, const char *where);
void seal_pretok_free(pretok *p);
/* Split one text section into model-ready pieces, in w->pa. -1 + seal_err on regex failure. */
int seal_pretok_apply(const seal_tokenizer *t, tok_work *w, const char *s, size_t n, int at_start);

/* added.c */
void seal_added_build(seal_tokenizer *t);
void seal_added_free(seal_tokenizer *t);
/* Split s[0..n) into segments with the raw (normalized=0) or normalized set. */
void seal_added_split(const seal_tokenizer *t, const added_matcher *m, int normalized_set, const char *s, size_t n,
                 segment **seg, int *n_seg, int *cap_seg);

/* bpe.c */
#define BPE_MAX_ID (1 << 24) /* vocab ids are in [0, BPE_MAX_ID) */
/* Parse the BPE model object. preloaded: t->bpe.vocab and merges are already
 * filled (by seal_tok_fast_load), so model's vocab and merges are placeholders. */
int seal_bpe_parse(seal_tokenizer *t, json_t *model, const char *where, int preloaded);
/* Record (a, b) as merge number `rank`. Returns -1, or which token is missing
 * from the vocab: 0 a, 1 b, 2 their concatenation (then left in cat). */
int seal_bpe_add_merge(bpe_model *m, tbuf *cat, const char *a, size_t al, const char *b, size_t bl, int rank);
void seal_bpe_free(bpe_model *m);
void seal_bpe_set_byte_level(seal_tokenizer *t);
/* Append the ids of one pre-tokenized piece to out. */
void seal_bpe_encode_piece(const seal_tokenizer *t, tok_work *w, const char *p, size_t n, ivec *out);
/* GPT-2's byte <-> printable codepoint map (bytes_to_unicode). */
static inline int byte_to_cp(int b) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) return b;
    return b <= 32 ? 256 + b : b == 173 ? 323 : b + 162;
}
/* Inverse of byte_to_cp, -1 for codepoints outside the map. */
static inline int cp_to_byte(int cp) {
    if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255)) return cp;
    if (cp >= 256 && cp <= 288) return cp - 256;
    if (cp >= 289 && cp <= 322) return cp - 162;
    return cp == 323 ? 173 : -1;
}

/* decode.c */
int seal_dec_parse(seal_tokenizer *t, json_t *j, const char *where);
void seal_dec_free(seal_tokenizer *t);

/* load_fast.c */
/* The document of tokenizer.json `path` with model.vocab and model.merges
 * parsed straight into t->bpe and replaced by {} and [] in the returned tree.
 * NULL (t->bpe untouched) when the file is not plain enough for the fast
 * path, or SEAL_TOK_SLOW_LOAD is set to something other than 0: the caller
 * then parses the file with jansson alone. */
json_t *seal_tok_fast_load(seal_tokenizer *t, const char *path);

#endif
