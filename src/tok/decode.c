/* decode.c: ids -> text through the tokenizer.json decoder chain, one token
 * at a time so that the same code serves streaming and whole decodes.
 *
 * HF decoders map a list of token strings to a list of strings; Fuse and
 * ByteLevel join the list into one. Per-token steps before the join are run
 * on each token; after the join only Strip (at the start of the text) and
 * single-character Replace are allowed, which are exact per token too.
 * Bytes then go through a UTF-8 sink that holds back incomplete sequences
 * and turns invalid ones into U+FFFD (maximal subparts, like
 * String::from_utf8_lossy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "util/err.h"

static int one_char(json_t *v, char out[8], size_t *len) {
    if (!json_is_string(v)) return -1;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (!n || n > 4 || (size_t)seal_utf8_len((unsigned char)s[0]) != n) return -1;
    memcpy(out, s, n);
    *len = n;
    return 0;
}

static int add_dec(seal_tokenizer *t, json_t *j, const char *where, int *fused) {
    const char *type = seal_jstr(j, "type");
    if (!type) return seal_err("%s: missing \"type\"", where);
    if (!strcmp(type, "Sequence")) {
        json_t *arr = json_object_get(j, "decoders");
        if (!json_is_array(arr)) return seal_err("%s: Sequence without a \"decoders\" array", where);
        size_t i; json_t *x;
        json_array_foreach(arr, i, x) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.decoders[%zu]", where, i);
            if (add_dec(t, x, sub, fused)) return -1;
        }
        return 0;
    }
    decstep d = {0};
    d.fused = *fused;
    if (!strcmp(type, "ByteLevel")) {
        if (*fused) return seal_err("%s: ByteLevel after Fuse/ByteLevel is not supported", where);
        d.type = DEC_BYTELEVEL;
        *fused = 2;
    } else if (!strcmp(type, "Fuse")) {
        d.type = DEC_FUSE;
        if (!*fused) *fused = 1;
    } else if (!strcmp(type, "ByteFallback")) {
        if (*fused) return seal_err("%s: ByteFallback after Fuse/ByteLevel is not supported", where);
        d.type = DEC_BYTEFALLBACK;
    } else if (!strcmp(type, "Replace")) {
        json_t *pat = json_object_get(json_object_get(j, "pattern"), "String"), *c = json_object_get(j, "content");
        if (!json_is_string(pat) || !json_string_length(pat))
            return seal_err("%s: Replace supports only non-empty {\"String\": ...} patterns", where);
        if (!json_is_string(c)) return seal_err("%s: Replace without a \"content\" string", where);
        d.type = DEC_REPLACE;
        d.pat = seal_jdup(pat, &d.pat_len);
        d.content = seal_jdup(c, &d.content_len);
        if (*fused && (*fused == 2 || (size_t)seal_utf8_len((unsigned char)d.pat[0]) != d.pat_len)) {
            free(d.pat); free(d.content);
            return seal_err("%s: Replace after Fuse/ByteLevel is supported only for a one-character pattern after Fuse", where);
        }
        size_t g = (d.content_len + d.pat_len - 1) / d.pat_len;
        if (g > 1) t->dec_growth *= g;
    } else if (!strcmp(type, "Strip")) {
        d.type = DEC_STRIP;
        if (one_char(json_object_get(j, "content"), d.ch, &d.ch_len)) return seal_err("%s: Strip content must be one character", where);
        json_t *st = json_object_get(j, "start"), *sp = json_object_get(j, "stop");
        d.start = json_is_integer(st) ? (int)json_integer_value(st) : 0;
        d.stop = json_is_integer(sp) ? (int)json_integer_value(sp) : 0;
        if (d.start < 0 || d.stop < 0) return seal_err("%s: Strip start/stop must be >= 0", where);
        if (*fused && d.stop) return seal_err("%s: Strip with stop > 0 after Fuse is not supported", where);
    } else if (!strcmp(type, "Metaspace")) {
        if (*fused) return seal_err("%s: Metaspace after Fuse/ByteLevel is not supported", where);
        d.type = DEC_METASPACE;
        json_t *r = json_object_get(j, "replacement");
        if (!r) { memcpy(d.ch, "\xe2\x96\x81", 3); d.ch_len = 3; }
        else if (one_char(r, d.ch, &d.ch_len)) return seal_err("%s: Metaspace replacement must be one character", where);
        const char *scheme = seal_jstr(j, "prepend_scheme");
        d.prepend_never = scheme ? !strcmp(scheme, "never") : !seal_jbool(j, "add_prefix_space", 1);
    } else {
        return seal_err("%s: decoder type \"%s\" is not supported", where, type);
    }
    t->dec = seal_realloc(t->dec, (size_t)(t->n_dec + 1) * sizeof *t->dec);
    t->dec[t->n_dec++] = d;
    return 0;
}

int seal_dec_parse(seal_tokenizer *t, json_t *j, const char *where) {
    t->dec_growth = 1;
    if (!j || json_is_null(j)) { t->dec_none = 1; return 0; }
    int fused = 0;
    return add_dec(t, j, where, &fused);
}

void seal_dec_free(seal_tokenizer *t) {
    for (int i = 0; i < t->n_dec; i++) { free(t->dec[i].pat); free(t->dec[i].content); }
    free(t->dec);
}

/* ---- streaming ---- */

void seal_tok_stream_init(tok_stream *s, const seal_tokenizer *t, int skip_special) {
    memset(s, 0, sizeof *s);
    s->tok = t;
    s->skip_special = skip_special;
    for (int i = 0; i < t->n_dec; i++)
        if (t->dec[i].type == DEC_STRIP && t->dec[i].fused) s->strip_left += t->dec[i].start;
}

void seal_tok_stream_free(tok_stream *s) {
    free(s->buf[0]);
    free(s->buf[1]);
    s->buf[0] = s->buf[1] = NULL;
    s->cap[0] = s->cap[1] = 0;
}

size_t seal_tok_stream_max_out(const seal_tokenizer *t) { return 3 * (t->max_piece_len * t->dec_growth + 8); }

typedef struct { char *p; size_t n, cap; int overflow; } outbuf;

static void out_put(outbuf *o, const void *p, size_t n) {
    if (o->n + n > o->cap) { o->overflow = 1; return; }
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void emit_fffd(outbuf *o) { out_put(o, "\xef\xbf\xbd", 3); }

/* The UTF-8 sink: complete characters go out, partial ones wait in pend. */
static void sink(tok_stream *s, const char *p, size_t n, outbuf *o) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (s->n_pend) {
            unsigned char lead = s->pend[0], lo = 0x80, hi = 0xBF;
            if (s->n_pend == 1) {
                if (lead == 0xE0) lo = 0xA0;
                else if (lead == 0xED) hi = 0x9F;
                else if (lead == 0xF0) lo = 0x90;
                else if (lead == 0xF4) hi = 0x8F;
            }
            if (c >= lo && c <= hi) {
                s->pend[s->n_pend++] = c;
                if (s->n_pend == s->need) { out_put(o, s->pend, (size_t)s->need); s->n_pend = 0; }
                continue;
            }
            emit_fffd(o); /* the sequence so far is a maximal invalid subpart */
            s->n_pend = 0;
        }
        if (c < 0x80) out_put(o, &c, 1);
        else if (c >= 0xC2 && c <= 0xF4) { s->pend[0] = c; s->n_pend = 1; s->need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }
        else emit_fffd(o);
    }
}

static void replace_all(const char *s, size_t n, const char *pat, size_t pl, const char *rep, size_t rl, tbuf *dst) {
    dst->len = 0;
    seal_tbuf_reserve(dst, n);
    for (size_t i = 0; i < n;) {
        if (i + pl <= n && !memcmp(s + i, pat, pl)) { tbuf_put(dst, rep, rl); i += pl; }
        else { tbuf_put(dst, s + i, 1); i++; }
    }
}

static int hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int seal_tok_stream_push(tok_stream *s, int id, char *out, size_t cap, size_t *out_len) {
    const seal_tokenizer *t = s->tok;
    outbuf o = {out, 0, cap, 0};
    *out_len = 0;
    if (id < 0 || id >= t->n_ids || !t->piece[id]) return seal_err("token id %d is not in the vocabulary", id);
    if (s->skip_special && t->special[id]) return 0;
    int first = s->n_tokens++ == 0;
    const char *cur = t->piece[id];
    size_t len = strlen(cur);
    if (t->dec_none) {
        if (!first) sink(s, " ", 1, &o);
        sink(s, cur, len, &o);
        *out_len = o.n;
        return o.overflow ? seal_err("decode: output buffer too small") : 0;
    }
    /* The two work buffers, as tbufs; written back to the stream at the end. */
    tbuf wb[2] = {{s->buf[0], 0, s->cap[0]}, {s->buf[1], 0, s->cap[1]}};
    tbuf *spare = &wb[0];
    int is_byte = 0; /* cur is raw bytes (ByteFallback / ByteLevel already applied) */
    for (int k = 0; k < t->n_dec; k++) {
        const decstep *d = &t->dec[k];
        switch (d->type) {
        case DEC_REPLACE:
            if (is_byte && !d->fused) break;
            replace_all(cur, len, d->pat, d->pat_len, d->content, d->content_len, spare);
            cur = spare->p; len = spare->len;
            spare = spare == &wb[0] ? &wb[1] : &wb[0];
            break;
        case DEC_BYTEFALLBACK: {
            int hi = len == 6 && !memcmp(cur, "<0x", 3) && cur[5] == '>' ? hexval(cur[3]) : -1, lo = hi >= 0 ? hexval(cur[4]) : -1;
            if (lo >= 0) {
                unsigned char byte = (unsigned char)(hi * 16 + lo);
                spare->len = 0;
                tbuf_put(spare, &byte, 1);
                cur = spare->p; len = 1; is_byte = 1;
                spare = spare == &wb[0] ? &wb[1] : &wb[0];
            }
            break;
        }
        case DEC_METASPACE:
            if (is_byte) break;
            /* HF: every replacement char becomes a space, except in the first token, where they are dropped. */
            replace_all(cur, len, d->ch, d->ch_len, " ", first && !d->prepend_never ? 0 : 1, spare);
            cur = spare->p; len = spare->len;
            spare = spare == &wb[0] ? &wb[1] : &wb[0];
            break;
        case DEC_STRIP:
            if (d->fused) {
                while (s->strip_left > 0 && len >= d->ch_len && !memcmp(cur, d->ch, d->ch_len)) {
                    cur += d->ch_len; len -= d->ch_len; s->strip_left--;
                }
                if (len) s->strip_left = 0;
            } else if (!is_byte) {
                for (int i = 0; i < d->start && len >= d->ch_len && !memcmp(cur, d->ch, d->ch_len); i++) {
                    cur += d->ch_len; len -= d->ch_len;
                }
                for (int i = 0; i < d->stop && len >= d->ch_len && !memcmp(cur + len - d->ch_len, d->ch, d->ch_len); i++)
                    len -= d->ch_len;
            }
            break;
        case DEC_BYTELEVEL: {
            if (is_byte) break;
            spare->len = 0;
            seal_tbuf_reserve(spare, len);
            size_t i = 0;
            while (i < len) {
                int b = cp_to_byte(seal_utf8_decode_valid(cur, len, &i));
                if (b < 0) break;
                spare->p[spare->len++] = (char)b;
            }
            if (i == len) { cur = spare->p; len = spare->len; spare = spare == &wb[0] ? &wb[1] : &wb[0]; }
            is_byte = 1; /* a token with chars outside the map stays as its raw bytes */
            break;
        }
        case DEC_FUSE:
            break;
        }
    }
    sink(s, cur, len, &o);
    for (int k = 0; k < 2; k++) { s->buf[k] = wb[k].p; s->cap[k] = wb[k].cap; }
    *out_len = o.n;
    return o.overflow ? seal_err("decode: output buffer too small") : 0;
}

int seal_tok_stream_flush(tok_stream *s, char *out, size_t cap, size_t *out_len) {
    outbuf o = {out, 0, cap, 0};
    if (s->n_pend) { emit_fffd(&o); s->n_pend = 0; }
    *out_len = o.n;
    return o.overflow ? seal_err("decode: output buffer too small") : 0;
}

int seal_tok_decode(const seal_tokenizer *t, const int *ids, int n, int skip_special, char **text, size_t *len) {
    tok_stream st, *s = &st;
    seal_tok_stream_init(s, t, skip_special);
    size_t max = seal_tok_stream_max_out(t), k;
    tbuf out = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        seal_tbuf_reserve(&out, max + 1);
        rc = seal_tok_stream_push(s, ids[i], out.p + out.len, out.cap - out.len, &k);
        out.len += k;
    }
    if (!rc) {
        seal_tbuf_reserve(&out, max + 1);
        rc = seal_tok_stream_flush(s, out.p + out.len, out.cap - out.len, &k);
        out.len += k;
    }
    seal_tok_stream_free(s);
    if (rc) { free(out.p); *text = NULL; *len = 0; return -1; }
    seal_tbuf_reserve(&out, 1);
    out.p[out.len] = 0;
    *text = out.p;
    *len = out.len;
    return 0;
}
