#include "gen/generate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern/ops.h"
#include "model/forward.h"
#include "util/err.h"

enum { LOGIT_ROWS = 16 };

const char *seal_gen_finish_name(int f) {
    return f == GEN_EOS ? "eos" : f == GEN_STOP ? "stop" : f == GEN_CONTEXT ? "context" : "length";
}

/* One sample being generated: its KV slot is its index in the slots array. */
typedef struct {
    int req, prompt_len;
    int limit;          /* new tokens at most: max_new, or fewer where the context ends first */
    int *hist;          /* prompt + generated ids [prompt_len + limit] */
    int n_new;
    int done;
    seal_sampler sampler;
    tok_stream ts;
    char *text;         /* decoded new text so far */
    size_t text_len, text_cap, emitted;
    gen_sample *out;
} slot;

typedef struct {
    const seal_model *m;
    const gen_params *p;
    slot *slots;
    int n_slots;
    size_t max_stop;    /* longest stop string */
    char *piece;        /* one token's decoded bytes */
    size_t piece_cap;
    gen_stream_fn stream;
    void *stream_ctx;
} gen_run;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int total_samples(const gen_request *reqs, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += reqs[i].n_samples;
    return s;
}

/* New tokens a prompt of n tokens may get: max_new, or what is left of
 * p->max_positions (positions 0 .. max_positions-1) when it is set. */
static int new_limit(const gen_params *p, int n) {
    int room = p->max_positions - n;
    return p->max_positions > 0 && room < p->max_new ? room : p->max_new;
}

/* KV positions the longest sample needs (never more than max_positions). */
static int max_positions(const gen_request *reqs, int n, const gen_params *p) {
    int mx = 0;
    for (int i = 0; i < n; i++) {
        int len = reqs[i].n + new_limit(p, reqs[i].n);
        mx = len > mx ? len : mx;
    }
    return mx;
}

static int prefill_cap(const gen_params *p, int n_slots) {
    int cap = p->prefill_cap > 0 ? p->prefill_cap : 256;
    return cap > n_slots ? cap : n_slots;
}

size_t seal_gen_memory(const seal_model *m, const gen_request *reqs, int n_reqs, const gen_params *p, int n_threads) {
    int S = total_samples(reqs, n_reqs), L = max_positions(reqs, n_reqs, p);
    return seal_kv_bytes(&m->cfg, S, L) + seal_fwd_bytes(&m->cfg, prefill_cap(p, S), L, n_threads) +
           sizeof(float) * (size_t)LOGIT_ROWS * m->cfg.vocab;
}

static void text_append(slot *s, const char *b, size_t n) {
    if (s->text_len + n + 1 > s->text_cap) {
        while (s->text_len + n + 1 > s->text_cap) s->text_cap *= 2; /* amortized: rare */
        s->text = seal_realloc(s->text, s->text_cap);
    }
    memcpy(s->text + s->text_len, b, n);
    s->text_len += n;
    s->text[s->text_len] = '\0';
}

size_t seal_gen_find_stop(const char *const *stops, int n_stops, const char *text, size_t len, size_t old_len) {
    for (int i = 0; i < n_stops; i++) {
        size_t sl = strlen(stops[i]);
        if (!sl || len < sl) continue;
        size_t from = old_len >= sl ? old_len - sl + 1 : 0;
        const char *hit = memmem(text + from, len - from, stops[i], sl);
        if (hit) return (size_t)(hit - text);
    }
    return SIZE_MAX;
}

static int find_stop(const gen_run *g, slot *s, size_t old_len) {
    size_t cut = seal_gen_find_stop(g->p->stops, g->p->n_stops, s->text, s->text_len, old_len);
    if (cut == SIZE_MAX) return 0;
    s->text_len = cut;
    s->text[cut] = '\0';
    return 1;
}

static void emit(gen_run *g, slot *s, int idx) {
    if (!g->stream || !s->text) return;
    size_t end = s->text_len;
    if (!s->done && g->max_stop > 1) end = s->text_len > g->max_stop - 1 ? s->text_len - (g->max_stop - 1) : 0;
    if (end > s->emitted) {
        g->stream(g->stream_ctx, s->req, idx, s->text + s->emitted, end - s->emitted);
        s->emitted = end;
    }
}

static int finish_slot(gen_run *g, slot *s, int idx, int why) {
    s->done = 1;
    s->out->finish = why;
    if (s->text && why != GEN_STOP) { /* flush held-back partial UTF-8 */
        size_t n;
        if (seal_tok_stream_flush(&s->ts, g->piece, g->piece_cap, &n)) return -1;
        text_append(s, g->piece, n);
    }
    emit(g, s, idx);
    return 0;
}

/* Append a sampled token to a slot and decide whether it is finished. */
static int accept(gen_run *g, int si, int id) {
    slot *s = &g->slots[si];
    s->hist[s->prompt_len + s->n_new++] = id;
    for (int i = 0; i < g->p->n_eos; i++)
        if (id == g->p->eos_ids[i]) return finish_slot(g, s, si, GEN_EOS);
    /* An id the tokenizer has no text for (a model's padding rows past the
     * tokenizer's ids: Qwen2.5 has 151,936 rows for 151,665 ids) adds no text,
     * as HF's decode skips ids it does not know; an untrained model samples them. */
    if (s->text && seal_tok_piece(g->p->tok, id)) {
        size_t n, old = s->text_len;
        if (seal_tok_stream_push(&s->ts, id, g->piece, g->piece_cap, &n)) return -1;
        text_append(s, g->piece, n);
        if (g->p->n_stops && find_stop(g, s, old)) return finish_slot(g, s, si, GEN_STOP);
    }
    if (s->n_new >= s->limit) return finish_slot(g, s, si, s->limit < g->p->max_new ? GEN_CONTEXT : GEN_LENGTH);
    emit(g, s, si);
    return 0;
}

static int check_requests(const seal_model *m, const gen_request *reqs, int n, const gen_params *p) {
    if (n <= 0) return seal_err("generate: no prompts");
    if (p->max_new <= 0) return seal_err("generate: max new tokens must be > 0");
    if (seal_sampling_check(&p->sampling)) return -1;
    if (p->n_stops && !p->tok) return seal_err("generate: stop strings need a tokenizer");
    for (int r = 0; r < n; r++) {
        if (reqs[r].n <= 0) return seal_err("generate: prompt %d is empty", r);
        if (p->max_positions > 0 && reqs[r].n >= p->max_positions)
            return seal_err("generate: prompt %d has %d tokens: no room left in the model's context of %d positions",
                            r, reqs[r].n, p->max_positions);
        if (reqs[r].n_samples <= 0) return seal_err("generate: prompt %d asks for %d samples", r, reqs[r].n_samples);
        for (int i = 0; i < reqs[r].n; i++)
            if (reqs[r].ids[i] < 0 || reqs[r].ids[i] >= m->cfg.vocab)
                return seal_err("generate: prompt %d: token id %d out of range [0, %d)", r, reqs[r].ids[i], m->cfg.vocab);
    }
    return 0;
}

static void slots_init(gen_run *g, const gen_request *reqs, int n_reqs, gen_sample *out) {
    int k = 0;
    for (int r = 0; r < n_reqs; r++)
        for (int i = 0; i < reqs[r].n_samples; i++, k++) {
            slot *s = &g->slots[k];
            memset(s, 0, sizeof *s);
            s->req = r;
            s->prompt_len = reqs[r].n;
            s->limit = new_limit(g->p, reqs[r].n);
            s->hist = seal_malloc(sizeof(int) * (size_t)(reqs[r].n + s->limit));
            memcpy(s->hist, reqs[r].ids, sizeof(int) * (size_t)reqs[r].n);
            seal_sampler_init(&s->sampler, &g->p->sampling, g->m->cfg.vocab, reqs[r].seed + (uint64_t)i);
            if (g->p->tok) {
                seal_tok_stream_init(&s->ts, g->p->tok, 1);
                s->text_cap = 256 + (size_t)s->limit * 8;
                s->text = seal_malloc(s->text_cap);
                s->text[0] = '\0';
            }
            s->out = &out[k];
            memset(s->out, 0, sizeof *s->out);
        }
}

static void slots_free(gen_run *g, int keep_outputs) {
    for (int k = 0; k < g->n_slots; k++) {
        slot *s = &g->slots[k];
        if (keep_outputs) {
            s->out->ids = seal_malloc(sizeof(int) * (size_t)(s->n_new ? s->n_new : 1));
            memcpy(s->out->ids, s->hist + s->prompt_len, sizeof(int) * (size_t)s->n_new);
            s->out->n = s->n_new;
            s->out->text = s->text;
            s->out->text_len = s->text_len;
            s->text = NULL;
        }
        free(s->hist);
        free(s->text);
        seal_sampler_free(&s->sampler);
        if (g->p->tok) seal_tok_stream_free(&s->ts);
    }
}

/* Logits of a NaN or inf weight would sample garbage: refuse them. */
static int check_logits(const float *row, int V, int pos) {
    int bad = seal_first_nonfinite(row, V);
    if (bad < 0) return 0;
    return seal_err("generate: the model's logit for token %d at position %d is %g, not a finite number "
                    "(the weights hold NaN or inf?)", bad, pos, (double)row[bad]);
}

/* Sample from logits rows for slots idx[0..n). */
static int sample_rows(gen_run *g, seal_fwd *f, const float *hidden, const int *idx, int n, float *logits) {
    int V = g->m->cfg.vocab;
    for (int r = 0; r < n; r += LOGIT_ROWS) {
        int rows = n - r < LOGIT_ROWS ? n - r : LOGIT_ROWS;
        seal_fwd_logits(f, hidden + (size_t)r * g->m->cfg.hidden, rows, logits);
        for (int i = 0; i < rows; i++) {
            slot *s = &g->slots[idx[r + i]];
            if (check_logits(logits + (size_t)i * V, V, s->prompt_len + s->n_new - 1)) return -1;
            int id = seal_sampler_next(&s->sampler, logits + (size_t)i * V, s->hist, s->prompt_len + s->n_new);
            if (accept(g, idx[r + i], id)) return -1;
        }
    }
    return 0;
}

/* Run tokens through the forward pass in chunks of f->cap (outputs unused). */
static int run_chunked(seal_fwd *f, seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos, float *hidden) {
    for (int at = 0; at < n; at += f->cap) {
        int len = n - at < f->cap ? n - at : f->cap;
        if (seal_fwd_tokens(f, kv, len, tok + at, seq + at, pos + at, hidden)) return -1;
    }
    return 0;
}

/* Prefill: all requests' prompts but their last tokens go through shared
 * forward calls, into the slot of each request's first sample. Then the last
 * prompt tokens run together; their logits give every sample its first token,
 * and the prompt's KV rows are copied to the request's other samples. */
static int prefill(gen_run *g, seal_fwd *f, seal_kvcache *kv, const gen_request *reqs, int n_reqs, float *hidden,
                   float *logits, float *row, gen_stats *st) {
    int total = 0, n = 0, V = g->m->cfg.vocab, H = g->m->cfg.hidden;
    for (int r = 0; r < n_reqs; r++) total += reqs[r].n;
    int *tok = seal_malloc(sizeof(int) * (size_t)total), *seq = seal_malloc(sizeof(int) * (size_t)total),
        *pos = seal_malloc(sizeof(int) * (size_t)total), *firsts = seal_malloc(sizeof(int) * (size_t)n_reqs);
    for (int r = 0, first = 0; r < n_reqs; first += reqs[r].n_samples, r++) {
        firsts[r] = first;
        for (int i = 0; i + 1 < reqs[r].n; i++, n++) { tok[n] = reqs[r].ids[i]; seq[n] = first; pos[n] = i; }
    }
    int rc = run_chunked(f, kv, n, tok, seq, pos, hidden);
    st->prefill_tokens += n;
    for (int r0 = 0; r0 < n_reqs && rc == 0; r0 += f->cap) {
        int len = n_reqs - r0 < f->cap ? n_reqs - r0 : f->cap;
        for (int i = 0; i < len; i++) {
            const gen_request *q = &reqs[r0 + i];
            tok[i] = q->ids[q->n - 1]; seq[i] = firsts[r0 + i]; pos[i] = q->n - 1;
        }
        rc = seal_fwd_tokens(f, kv, len, tok, seq, pos, hidden);
        st->prefill_tokens += len;
        for (int i = 0; i < len && rc == 0; i++) {
            const gen_request *q = &reqs[r0 + i];
            seal_fwd_logits(f, hidden + (size_t)i * H, 1, logits);
            rc = check_logits(logits, V, q->n - 1);
            for (int k = 0; k < q->n_samples && rc == 0; k++) {
                int si = firsts[r0 + i] + k;
                if (k > 0) seal_kv_copy_seq(kv, si, firsts[r0 + i], q->n);
                slot *s = &g->slots[si];
                memcpy(row, logits, sizeof(float) * (size_t)V);
                rc = accept(g, si, seal_sampler_next(&s->sampler, row, s->hist, s->prompt_len));
            }
        }
    }
    free(tok); free(seq); free(pos); free(firsts);
    return rc;
}

/* One token per unfinished sample per step, all in one forward call. */
static int decode(gen_run *g, seal_fwd *f, seal_kvcache *kv, float *hidden, float *logits, gen_stats *st) {
    int S = g->n_slots;
    int *tok = seal_malloc(sizeof(int) * (size_t)S), *seq = seal_malloc(sizeof(int) * (size_t)S),
        *pos = seal_malloc(sizeof(int) * (size_t)S);
    int rc = 0;
    for (;;) {
        int n = 0;
        for (int k = 0; k < S; k++) {
            slot *s = &g->slots[k];
            if (s->done) continue;
            tok[n] = s->hist[s->prompt_len + s->n_new - 1];
            seq[n] = k;
            pos[n] = s->prompt_len + s->n_new - 1;
            n++;
        }
        if (n == 0) break;
        if ((rc = seal_fwd_tokens(f, kv, n, tok, seq, pos, hidden))) break;
        st->decode_steps++;
        if ((rc = sample_rows(g, f, hidden, seq, n, logits))) break;
    }
    free(tok); free(seq); free(pos);
    return rc;
}

int seal_generate(const seal_model *m, seal_pool *pool, const gen_request *reqs, int n_reqs, const gen_params *p,
             gen_sample *out, gen_stream_fn stream, void *stream_ctx, gen_stats *stats) {
    gen_stats local;
    gen_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    if (check_requests(m, reqs, n_reqs, p)) return -1;
    int S = total_samples(reqs, n_reqs), L = max_positions(reqs, n_reqs, p);
    gen_run g = {.m = m, .p = p, .n_slots = S, .stream = stream, .stream_ctx = stream_ctx};
    for (int i = 0; i < p->n_stops; i++) g.max_stop = strlen(p->stops[i]) > g.max_stop ? strlen(p->stops[i]) : g.max_stop;
    g.slots = seal_calloc((size_t)S, sizeof(slot));
    g.piece_cap = p->tok ? seal_tok_stream_max_out(p->tok) : 0;
    g.piece = seal_malloc(g.piece_cap + 1);
    slots_init(&g, reqs, n_reqs, out);

    seal_kvcache kv = {0};
    seal_fwd f = {0};
    int threads = pool ? seal_pool_threads(pool) : 1, cap = prefill_cap(p, S);
    int rc = seal_kv_init(&kv, &m->cfg, S, L);
    if (rc == 0) rc = seal_fwd_init(&f, m, pool, cap, L);
    if (rc == 0) seal_fwd_set_adapter(&f, p->adapter);
    st->kv_bytes = seal_kv_bytes(&m->cfg, S, L);
    st->scratch_bytes = seal_fwd_bytes(&m->cfg, cap, L, threads);
    float *hidden = seal_aligned_alloc(sizeof(float) * (size_t)cap * m->cfg.hidden);
    float *logits = seal_aligned_alloc(sizeof(float) * (size_t)LOGIT_ROWS * m->cfg.vocab);
    float *row = seal_aligned_alloc(sizeof(float) * (size_t)m->cfg.vocab);
    double t0 = now();
    if (rc == 0) rc = prefill(&g, &f, &kv, reqs, n_reqs, hidden, logits, row, st);
    double t1 = now();
    if (rc == 0) rc = decode(&g, &f, &kv, hidden, logits, st);
    st->prefill_seconds = t1 - t0;
    st->decode_seconds = now() - t1;
    for (int k = 0; k < S; k++) {
        st->generated_tokens += g.slots[k].n_new;
        st->context_stops += rc == 0 && out[k].finish == GEN_CONTEXT;
        st->past_context += g.slots[k].prompt_len + g.slots[k].n_new > m->cfg.max_pos;
    }
    slots_free(&g, rc == 0);
    free(hidden); free(logits); free(row); free(g.piece); free(g.slots);
    seal_fwd_free(&f);
    seal_kv_free(&kv);
    return rc;
}

void seal_gen_sample_free(gen_sample *s) {
    free(s->ids);
    free(s->text);
    memset(s, 0, sizeof *s);
}

int seal_gen_eos_ids(const seal_model *m, const seal_tokenizer *tok, int *ids) {
    int n = 0;
    for (int i = 0; i < m->cfg.n_eos && n < SEAL_GEN_MAX_EOS; i++) ids[n++] = m->cfg.eos_ids[i];
    int e = tok ? seal_tok_eos_id(tok) : -1, seen = 0;
    for (int i = 0; i < n; i++) seen |= ids[i] == e;
    if (e >= 0 && !seen && n < SEAL_GEN_MAX_EOS) ids[n++] = e;
    return n;
}
