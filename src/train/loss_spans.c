/* loss_spans.c: marked spans of a document and their tokens (see loss_spans.h). */
#include "train/loss_spans.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

int seal_loss_spans_check(const seal_loss_spans *s, const char *what) {
    if (s->n < 0 || s->n > SEAL_LOSS_SPANS_MAX)
        return seal_err("%s: loss_spans: %d pairs, expected 0 to %d", what, s->n, SEAL_LOSS_SPANS_MAX);
    for (int i = 0; i < s->n; i++) {
        const char *m[2] = {s->start[i], s->end[i]}, *name[2] = {"start", "end"};
        for (int k = 0; k < 2; k++)
            if (!m[k][0] || !memchr(m[k], 0, SEAL_LOSS_SPANS_MARKER_MAX))
                return seal_err("%s: loss_spans[%d].%s: expected 1 to %d bytes", what, i, name[k],
                                SEAL_LOSS_SPANS_MARKER_MAX - 1);
    }
    return 0;
}

/* One pair's spans, OR-ed into marked. 1 if its last span is left open. */
static int mark_pair(const char *start, const char *end, const char *text, size_t len, unsigned char *marked) {
    size_t ns = strlen(start), ne = strlen(end), pos = 0;
    while (pos < len) {
        const char *hit = memmem(text + pos, len - pos, start, ns);
        if (!hit) return 0;
        size_t a = (size_t)(hit - text) + ns;
        const char *close = memmem(text + a, len - a, end, ne);
        size_t b = close ? (size_t)(close - text) + ne : len;
        memset(marked + a, 1, b - a);
        if (!close) return 1;
        pos = b;
    }
    return 0;
}

int seal_loss_spans_mark(const seal_loss_spans *s, const char *text, size_t len, unsigned char *marked) {
    int open = 0;
    memset(marked, 0, len);
    for (int k = 0; k < s->n; k++) open |= mark_pair(s->start[k], s->end[k], text, len, marked);
    return open;
}

/* ids/mask grown to hold n + more entries. */
static void reserve(int **ids, unsigned char **mask, int *cap, int need) {
    if (need <= *cap) return;
    while (*cap < need) *cap = *cap ? 2 * *cap : 64;
    *ids = seal_realloc(*ids, (size_t)*cap * sizeof **ids);
    *mask = seal_realloc(*mask, (size_t)*cap);
}

static void append(int **ids, unsigned char **mask, int *n, int *cap, const int *src, int k, int m) {
    reserve(ids, mask, cap, *n + k);
    if (k) memcpy(*ids + *n, src, (size_t)k * sizeof *src);
    memset(*mask + *n, m, (size_t)k);
    *n += k;
}

/* Where the post-processor put the text's own ids (plain) inside whole:
 * the offset p with whole[p..p+np) == plain, or -1. */
static int find_plain(const int *whole, int nw, const int *plain, int np) {
    for (int p = 0; p + np <= nw; p++)
        if (!np || !memcmp(whole + p, plain, (size_t)np * sizeof *plain)) return p;
    return -1;
}

/* The segments' ids between the post-processor's prefix and suffix. */
static int encode_segments(const seal_tokenizer *tok, const char *text, size_t len, const unsigned char *marked,
                           int **ids, unsigned char **mask, int *n, int *cap) {
    for (size_t a = 0, b; a < len; a = b) {
        for (b = a + 1; b < len && marked[b] == marked[a];) b++;
        int *seg, ns;
        if (seal_tok_encode(tok, text + a, b - a, 0, &seg, &ns)) return -1;
        append(ids, mask, n, cap, seg, ns, marked[a]);
        free(seg);
    }
    return 0;
}

/* The offsets path: each of the text's own ids (plain) decoded alone must
 * give the next bytes of the text; then an id is trained iff one of its bytes
 * is marked. 1 when the pieces spell the text exactly (mask filled), else 0. */
static int mask_by_offsets(const seal_tokenizer *tok, const char *text, size_t len, const unsigned char *marked,
                           const int *plain, int np, unsigned char *mask) {
    size_t off = 0;
    for (int i = 0; i < np; i++) {
        char *piece;
        size_t k;
        if (seal_tok_decode(tok, plain + i, 1, 0, &piece, &k)) return 0;
        int same = k <= len - off && !memcmp(piece, text + off, k);
        free(piece);
        if (!same) return 0;
        mask[i] = memchr(marked + off, 1, k) != NULL;
        off += k;
    }
    return off == len;
}

int seal_loss_spans_encode(const seal_loss_spans *s, const seal_tokenizer *tok, const char *text, size_t len,
                           int **ids, unsigned char **mask, int *n, int *differs, int *open_end) {
    int *whole = NULL, *plain = NULL, nw = 0, np = 0, cap = 0, rc = -1;
    unsigned char *marked = seal_malloc(len ? len : 1);
    *ids = NULL, *mask = NULL, *n = 0, *differs = 0;
    *open_end = seal_loss_spans_mark(s, text, len, marked);
    if (seal_tok_encode(tok, text, len, 1, &whole, &nw) || seal_tok_encode(tok, text, len, 0, &plain, &np)) goto done;
    int p = find_plain(whole, nw, plain, np);
    if (p < 0) {
        seal_err("loss_spans: the tokenizer's post-processor does not keep the text's own ids in one piece");
        goto done;
    }
    append(ids, mask, n, &cap, whole, nw, 0);
    if (mask_by_offsets(tok, text, len, marked, plain, np, *mask + p)) {
        rc = 0;
        goto done;
    }
    *n = p; /* no offsets: the text's ids again, cut at the span boundaries */
    if (encode_segments(tok, text, len, marked, ids, mask, n, &cap)) goto done;
    append(ids, mask, n, &cap, whole + p + np, nw - p - np, 0);
    *differs = *n != nw || memcmp(*ids, whole, (size_t)nw * sizeof *whole);
    rc = 0;
done:
    if (rc) free(*ids), free(*mask), *ids = NULL, *mask = NULL, *n = 0;
    else if (!*ids) reserve(ids, mask, &cap, 1); /* non-NULL even when empty */
    free(whole), free(plain), free(marked);
    return rc;
}
