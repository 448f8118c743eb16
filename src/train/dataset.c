/* dataset.c: JSONL rows -> tokenized, masked examples -> micro-batches.
 * See dataset.h for the TRL 0.18 rules followed here. */
#include "train/dataset.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/rng.h"

void seal_dataset_opts_default(dataset_opts *o) {
    o->append_eos = 1;
    o->max_len = 1024; /* TRL 0.18 SFTConfig.max_length */
    o->eos_id = -1;
    o->vocab = 0;
    o->packing = 0;
    o->pad_to = 0;
    o->pad_labels = 0;
    o->pad_id = -1;
    o->spans = NULL;
}

/* ---- examples ---- */

/* The layout options are a property of the whole dataset (the iterator reads
 * them), so the first add fixes them and later adds must agree. */
static int check_opts(train_dataset *d, const dataset_opts *o) {
    if (o->max_len < 0) return seal_err("max_len %d is negative", o->max_len);
    if (o->packing && o->max_len <= 0) return seal_err("packing needs max_len > 0 (the packed row length)");
    if (o->vocab < 0) return seal_err("vocab %d is negative", o->vocab);
    if (o->pad_to < 0) return seal_err("pad_to %d is negative", o->pad_to);
    if (o->pad_to > 0 && o->packing) return seal_err("padding (pad_to %d) and packing exclude each other", o->pad_to);
    if (o->pad_to > 0 && (o->pad_id < 0 || (o->vocab > 0 && o->pad_id >= o->vocab)))
        return seal_err("pad_to %d: pad token id %d is not in the vocabulary", o->pad_to, o->pad_id);
    if (d->configured && (d->packing != !!o->packing || d->max_len != o->max_len || d->pad_to != o->pad_to))
        return seal_err("dataset options changed between examples (max_len %d -> %d, packing %d -> %d, pad_to %d -> %d)",
                        d->max_len, o->max_len, d->packing, !!o->packing, d->pad_to, o->pad_to);
    return 0;
}

/* The padded layout: truncate (ids, mask, *n) to pad_to and right-pad them to
 * it with pad_id, labelled iff pad_labels; *n_attn gets the content length. */
static void pad_example(int **ids, unsigned char **mask, int *n, int *n_attn, train_dataset *d, const dataset_opts *o) {
    if (*n > o->pad_to) {
        *n = o->pad_to;
        d->stats.truncated++;
    }
    *n_attn = *n;
    if (*n == o->pad_to) return;
    *ids = seal_realloc(*ids, (size_t)o->pad_to * sizeof **ids);
    *mask = seal_realloc(*mask, (size_t)o->pad_to);
    for (int i = *n; i < o->pad_to; i++) {
        (*ids)[i] = o->pad_id;
        (*mask)[i] = (unsigned char)!!o->pad_labels;
    }
    d->stats.pad_tokens += o->pad_to - *n;
    *n = o->pad_to;
}

/* Append an example, taking ownership of ids and mask (freed on error). */
static int push_example(train_dataset *d, int *ids, unsigned char *mask, int n, const dataset_opts *o) {
    int rc = check_opts(d, o);
    if (!rc && n <= 0) rc = seal_err("empty example (no tokens)");
    for (int i = 0; !rc && i < n; i++) {
        if (ids[i] < 0 || (o->vocab > 0 && ids[i] >= o->vocab))
            rc = o->vocab > 0 ? seal_err("token id %d at position %d is outside the vocabulary [0, %d)", ids[i], i, o->vocab)
                              : seal_err("token id %d at position %d is negative", ids[i], i);
    }
    if (rc) {
        free(ids);
        free(mask);
        return -1;
    }
    int n_attn = n;
    if (o->pad_to > 0) pad_example(&ids, &mask, &n, &n_attn, d, o);
    else if (!o->packing && o->max_len > 0 && n > o->max_len) {
        n = n_attn = o->max_len; /* right truncation, as TRL's truncate_dataset (EOS may go) */
        d->stats.truncated++;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->ex = seal_realloc(d->ex, (size_t)d->cap * sizeof *d->ex);
    }
    d->ex[d->n++] = (train_example){ids, mask, n, n_attn};
    d->configured = 1;
    d->max_len = o->max_len;
    d->packing = !!o->packing;
    d->pad_to = o->pad_to;
    d->stats.examples++;
    d->stats.tokens += n;
    for (int i = 1; i < n; i++) d->stats.loss_tokens += mask[i];
    return 0;
}

int seal_dataset_add_ids(train_dataset *d, const int *ids, const unsigned char *mask, int n, const dataset_opts *o) {
    if (n < 0) return seal_err("negative example length %d", n);
    int *ic = seal_malloc((size_t)(n ? n : 1) * sizeof *ic);
    unsigned char *mc = seal_malloc((size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        ic[i] = ids[i];
        mc[i] = mask ? mask[i] != 0 : 1;
    }
    return push_example(d, ic, mc, n, o);
}

/* How EOS gets appended: as text before encoding (*text, TRL's way, valid when
 * the EOS is a special added token, which the tokenizer splits out of any text
 * verbatim) or as an id after (*id). Both unset when append_eos is off. */
static int eos_plan(const seal_tokenizer *tok, const dataset_opts *o, const char **text, int *id) {
    *text = NULL;
    *id = -1;
    if (!o->append_eos) return 0;
    int e = tok ? seal_tok_eos_id(tok) : -1;
    if (e >= 0 && seal_tok_is_special(tok, e) && seal_tok_piece(tok, e)) *text = seal_tok_piece(tok, e);
    else if (e >= 0) *id = e;
    else if (o->eos_id >= 0) *id = o->eos_id;
    else return seal_err("append_eos: no EOS token (tokenizer_config.json has no eos_token and no eos id was given)");
    return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return k <= n && !memcmp(s + n - k, suffix, k);
}

/* encode(a + b + c) with the tokenizer's default special-token handling. */
static int encode3(const seal_tokenizer *tok, const char *a, size_t na, const char *b, size_t nb, const char *c,
                   size_t nc, int **ids, int *n) {
    char *buf = seal_malloc(na + nb + nc + 1);
    memcpy(buf, a, na);
    memcpy(buf + na, b, nb);
    memcpy(buf + na + nb, c, nc);
    int rc = seal_tok_encode(tok, buf, na + nb + nc, 1, ids, n);
    free(buf);
    return rc;
}

/* ids[0..*n) gets `id` appended unless it already ends with it (ids is
 * realloc'd; the mask buffer is sized by the caller from the final n). */
static void append_id(int **ids, int *n, int id) {
    if (*n > 0 && (*ids)[*n - 1] == id) return;
    *ids = seal_realloc(*ids, (size_t)(*n + 1) * sizeof **ids);
    (*ids)[(*n)++] = id;
}

/* A text row under loss spans (dataset.h): the markers are found in text + tail. */
static int add_spans_text(train_dataset *d, const seal_tokenizer *tok, const char *text, size_t len,
                          const char *tail, int eos_id, const dataset_opts *o) {
    size_t nt = strlen(tail);
    char *buf = seal_malloc(len + nt + 1);
    memcpy(buf, text, len);
    memcpy(buf + len, tail, nt + 1);
    int *ids, n, differs, open;
    unsigned char *mask;
    int rc = seal_loss_spans_encode(o->spans, tok, buf, len + nt, &ids, &mask, &n, &differs, &open);
    free(buf);
    if (rc) return -1;
    if (eos_id >= 0 && !(n > 0 && ids[n - 1] == eos_id)) {
        append_id(&ids, &n, eos_id);
        mask = seal_realloc(mask, (size_t)n);
        mask[n - 1] = (unsigned char)open;
    }
    if (n == 0) return free(ids), free(mask), seal_err("empty example after tokenization");
    if (push_example(d, ids, mask, n, o)) return -1;
    d->stats.span_resegmented += differs;
    return 0;
}

static int add_text_n(train_dataset *d, const seal_tokenizer *tok, const char *text, size_t len,
                      const dataset_opts *o) {
    if (!tok) return seal_err("\"text\" rows need a tokenizer (none given)");
    const char *eos_text;
    int eos_id, *ids, n;
    if (eos_plan(tok, o, &eos_text, &eos_id)) return -1;
    const char *tail = eos_text && !ends_with(text, len, eos_text) ? eos_text : "";
    if (o->spans && o->spans->n > 0) return add_spans_text(d, tok, text, len, tail, eos_id, o);
    if (encode3(tok, text, len, tail, strlen(tail), "", 0, &ids, &n)) return -1;
    if (eos_id >= 0) append_id(&ids, &n, eos_id);
    unsigned char *mask = seal_malloc((size_t)(n ? n : 1));
    memset(mask, 1, (size_t)(n ? n : 1));
    if (n == 0) return free(ids), free(mask), seal_err("empty example after tokenization");
    return push_example(d, ids, mask, n, o);
}

int seal_dataset_add_text(train_dataset *d, const seal_tokenizer *tok, const char *text, const dataset_opts *o) {
    return add_text_n(d, tok, text, strlen(text), o);
}

/* TRL 0.18 tokenize(), prompt-completion branch. `where` names the row for
 * the mismatch warning (NULL from memory). */
static int add_pc_n(train_dataset *d, const seal_tokenizer *tok, const char *p, size_t np, const char *c, size_t nc,
                    const dataset_opts *o, const char *where) {
    if (!tok) return seal_err("\"prompt\"/\"completion\" rows need a tokenizer (none given)");
    const char *eos_text;
    int eos_id, *ids, n, *pids, pn;
    if (eos_plan(tok, o, &eos_text, &eos_id)) return -1;
    const char *tail = eos_text && !ends_with(c, nc, eos_text) ? eos_text : "";
    if (encode3(tok, p, np, c, nc, tail, strlen(tail), &ids, &n)) return -1;
    if (seal_tok_encode(tok, p, np, 1, &pids, &pn)) return free(ids), -1;
    if (eos_id >= 0) append_id(&ids, &n, eos_id);
    int mismatch = pn > n || memcmp(ids, pids, (size_t)pn * sizeof *ids);
    free(pids);
    if (n == 0) return free(ids), seal_err("empty example after tokenization");
    unsigned char *mask = seal_malloc((size_t)n);
    for (int i = 0; i < n; i++) mask[i] = i >= pn;
    if (push_example(d, ids, mask, n, o)) return -1;
    if (mismatch && !d->stats.prompt_mismatch++)
        snprintf(d->warning, sizeof d->warning,
                 "%s%sthe tokenized prompt (%d tokens) is not a prefix of the tokenized prompt+completion; "
                 "masking the first %d tokens anyway, as TRL does",
                 where ? where : "", where ? ": " : "", pn, pn < n ? pn : n);
    return 0;
}

int seal_dataset_add_prompt_completion(train_dataset *d, const seal_tokenizer *tok, const char *prompt,
                                  const char *completion, const dataset_opts *o) {
    return add_pc_n(d, tok, prompt, strlen(prompt), completion, strlen(completion), o, NULL);
}

void seal_dataset_free(train_dataset *d) {
    for (int i = 0; i < d->n; i++) {
        free(d->ex[i].ids);
        free(d->ex[i].mask);
    }
    free(d->ex);
    memset(d, 0, sizeof *d);
}

uint64_t seal_dataset_fingerprint(const train_dataset *d) {
    uint64_t h = FNV1A64_INIT;
    for (int i = 0; i < d->n; i++) {
        const train_example *e = &d->ex[i];
        h = seal_fnv1a64(h, &e->n, sizeof e->n);
        h = seal_fnv1a64(h, e->ids, (size_t)e->n * sizeof *e->ids);
        h = seal_fnv1a64(h, e->mask, (size_t)e->n);
        if (e->n_attn != e->n) h = seal_fnv1a64(h, &e->n_attn, sizeof e->n_attn); /* unpadded: as before */
    }
    return h;
}

/* ---- JSONL ---- */

/* A field, with JSON null read as absent (exports of datasets whose rows
 * mix forms write null for the other form's columns). */
static json_t *field(json_t *row, const char *key) {
    json_t *v = json_object_get(row, key);
    return v && !json_is_null(v) ? v : NULL;
}

static int add_ids_row(train_dataset *d, json_t *jids, json_t *jmask, const dataset_opts *o) {
    if (!json_is_array(jids)) return seal_err("\"input_ids\" is not an array");
    size_t n = json_array_size(jids);
    if (n > INT_MAX) return seal_err("\"input_ids\" has too many tokens");
    if (jmask && !json_is_array(jmask)) return seal_err("\"completion_mask\" is not an array");
    if (jmask && json_array_size(jmask) != n)
        return seal_err("\"completion_mask\" has %zu entries but \"input_ids\" has %zu", json_array_size(jmask), n);
    int *ids = seal_malloc((n ? n : 1) * sizeof *ids);
    unsigned char *mask = seal_malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(jids, i);
        json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
        if (!json_is_integer(v) || x < 0 || x > INT_MAX || (o->vocab > 0 && x >= o->vocab)) {
            free(ids), free(mask);
            if (!json_is_integer(v)) return seal_err("\"input_ids\"[%zu] is not an integer", i);
            return seal_err("\"input_ids\"[%zu] = %lld is outside the vocabulary [0, %d)", i, (long long)x,
                            o->vocab > 0 ? o->vocab : INT_MAX);
        }
        ids[i] = (int)x;
        mask[i] = 1;
        if (!jmask) continue;
        json_t *m = json_array_get(jmask, i);
        if (json_is_boolean(m)) mask[i] = json_is_true(m);
        else if (json_is_integer(m) && (json_integer_value(m) == 0 || json_integer_value(m) == 1))
            mask[i] = (unsigned char)json_integer_value(m);
        else {
            free(ids), free(mask);
            return seal_err("\"completion_mask\"[%zu] is not 0 or 1", i);
        }
    }
    if (n == 0) return free(ids), free(mask), seal_err("\"input_ids\" is empty");
    return push_example(d, ids, mask, (int)n, o);
}

/* One non-blank line. Errors are bare; the caller adds file and line. */
static int add_row(train_dataset *d, const char *line, size_t len, const seal_tokenizer *tok, const dataset_opts *o,
                   const char *where) {
    json_error_t e;
    json_t *row = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!row) return seal_err("not valid JSON: %s (column %d)", e.text, e.column);
    int rc;
    json_t *text = field(row, "text"), *prompt = field(row, "prompt"), *completion = field(row, "completion");
    json_t *ids = field(row, "input_ids"), *mask = field(row, "completion_mask");
    int forms = !!text + !!(prompt || completion) + !!ids;
    if (!json_is_object(row)) rc = seal_err("not a JSON object");
    else if (forms == 0) rc = seal_err("no \"text\", \"prompt\"/\"completion\" or \"input_ids\" field");
    else if (forms > 1)
        rc = seal_err("more than one row form (%s%s%s)", text ? "\"text\" " : "",
                      prompt || completion ? "\"prompt\"/\"completion\" " : "", ids ? "\"input_ids\"" : "");
    else if (mask && !ids) rc = seal_err("\"completion_mask\" without \"input_ids\"");
    else if (ids) rc = add_ids_row(d, ids, mask, o);
    else if (text) {
        rc = !json_is_string(text) ? seal_err("\"text\" is not a string")
                                   : add_text_n(d, tok, json_string_value(text), json_string_length(text), o);
    } else if (!prompt || !completion) rc = seal_err("missing \"%s\"", prompt ? "completion" : "prompt");
    else if (!json_is_string(prompt)) rc = seal_err("\"prompt\" is not a string");
    else if (!json_is_string(completion)) rc = seal_err("\"completion\" is not a string");
    else
        rc = add_pc_n(d, tok, json_string_value(prompt), json_string_length(prompt), json_string_value(completion),
                      json_string_length(completion), o, where);
    json_decref(row);
    return rc;
}

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

int seal_dataset_load_jsonl(train_dataset *d, const char *path, const seal_tokenizer *tok, const dataset_opts *o) {
    size_t len;
    char *buf = seal_read_file(path, &len);
    if (!buf) return -1;
    train_dataset before = *d; /* scalars, for rolling back (ex[] beyond before.n is ours) */
    int rc = 0;
    long line = 0;
    char where[300];
    for (size_t i = 0; i < len && !rc;) {
        size_t j = i;
        while (j < len && buf[j] != '\n') j++;
        line++;
        if (!is_blank(buf + i, j - i)) {
            snprintf(where, sizeof where, "file %s: line %ld", path, line);
            if (add_row(d, buf + i, j - i, tok, o, where)) rc = seal_err_prefix("%s", where);
        }
        i = j + 1;
    }
    free(buf);
    if (!rc && d->n == before.n) rc = seal_err("file %s: no examples (empty dataset)", path);
    if (!rc && d->stats.loss_tokens == before.stats.loss_tokens)
        rc = seal_err("file %s: no label tokens: no example has a token to learn (empty completions, an all-zero "
                      "completion_mask, %severything truncated by max_len)", path,
                      o->spans && o->spans->n ? "no text with a marked span (loss_spans), " : "");
    if (rc) {
        for (int i = before.n; i < d->n; i++) {
            free(d->ex[i].ids);
            free(d->ex[i].mask);
        }
        before.ex = d->ex; /* possibly moved by realloc */
        before.cap = d->cap;
        *d = before;
    }
    return rc;
}

/* ---- batches ---- */

static int item_len(const batch_iter *it, int i) {
    if (!it->pk_ids) return it->d->ex[i].n;
    long left = it->pk_n - (long)i * it->row_len;
    return left < it->row_len ? (int)left : it->row_len;
}

static void item_span(const batch_iter *it, int i, const int **ids, const unsigned char **mask, int *n) {
    *n = item_len(it, i);
    if (it->pk_ids) {
        *ids = it->pk_ids + (long)i * it->row_len;
        *mask = it->pk_mask + (long)i * it->row_len;
    } else {
        *ids = it->d->ex[i].ids;
        *mask = it->d->ex[i].mask;
    }
}

static int cmp_desc(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

int seal_batch_iter_init(batch_iter *it, const train_dataset *d, int batch_size, uint64_t seed, int shuffle) {
    memset(it, 0, sizeof *it);
    if (d->n == 0) return seal_err("batch_iter: empty dataset");
    if (batch_size < 1) return seal_err("batch_iter: batch size %d < 1", batch_size);
    it->d = d;
    it->batch_size = batch_size;
    it->seed = seed;
    it->shuffle = shuffle;
    it->epoch = LONG_MIN;
    it->n_items = d->n;
    if (d->packing) {
        long rows = (d->stats.tokens + d->max_len - 1) / d->max_len;
        if (rows > INT_MAX) return seal_err("batch_iter: %ld packed rows are too many", rows);
        it->row_len = d->max_len;
        it->n_items = (int)rows;
        it->pk_ids = seal_malloc((size_t)d->stats.tokens * sizeof *it->pk_ids);
        it->pk_mask = seal_malloc((size_t)d->stats.tokens);
        for (int i = 0; i < d->n; i++) {
            memcpy(it->pk_ids + it->pk_n, d->ex[i].ids, (size_t)d->ex[i].n * sizeof *it->pk_ids);
            memcpy(it->pk_mask + it->pk_n, d->ex[i].mask, (size_t)d->ex[i].n);
            it->pk_n += d->ex[i].n;
        }
    }
    /* Size the buffers once for the worst batch: the batch_size longest items. */
    int *lens = seal_malloc((size_t)it->n_items * sizeof *lens);
    it->item_labels = seal_malloc((size_t)it->n_items * sizeof *it->item_labels);
    for (int i = 0; i < it->n_items; i++) {
        const int *ids;
        const unsigned char *mask;
        int n, labels = 0;
        item_span(it, i, &ids, &mask, &n);
        for (int t = 1; t < n; t++) labels += mask[t];
        it->item_labels[i] = labels;
        lens[i] = n;
        if (n > it->max_seq_len) it->max_seq_len = n;
    }
    qsort(lens, (size_t)it->n_items, sizeof *lens, cmp_desc);
    int cap_seq = batch_size < it->n_items ? batch_size : it->n_items;
    long cap_tok = 0;
    for (int i = 0; i < cap_seq; i++) cap_tok += lens[i];
    free(lens);
    if (cap_tok > INT_MAX) {
        seal_batch_iter_free(it);
        return seal_err("batch_iter: a batch of %d sequences may hold %ld tokens, too many", cap_seq, cap_tok);
    }
    batch_buf *b = &it->buf;
    b->cap_tok = (int)cap_tok;
    b->cap_seq = cap_seq;
    b->tok = seal_malloc((size_t)cap_tok * sizeof *b->tok);
    b->seq = seal_malloc((size_t)cap_tok * sizeof *b->seq);
    b->pos = seal_malloc((size_t)cap_tok * sizeof *b->pos);
    b->weight = seal_malloc((size_t)cap_tok * sizeof *b->weight);
    b->start = seal_malloc((size_t)cap_seq * sizeof *b->start);
    b->len = seal_malloc((size_t)cap_seq * sizeof *b->len);
    b->vis = seal_malloc((size_t)cap_seq * sizeof *b->vis);
    it->order = seal_malloc((size_t)it->n_items * sizeof *it->order);
    return 0;
}

void seal_batch_iter_free(batch_iter *it) {
    batch_buf *b = &it->buf;
    free(b->tok), free(b->seq), free(b->pos), free(b->weight), free(b->start), free(b->len), free(b->vis);
    free(it->order), free(it->item_labels), free(it->pk_ids), free(it->pk_mask);
    memset(it, 0, sizeof *it);
}

int seal_batch_iter_epoch_batches(const batch_iter *it) {
    return (int)(((long)it->n_items + it->batch_size - 1) / it->batch_size);
}
int seal_batch_iter_max_tokens(const batch_iter *it) { return it->buf.cap_tok; }
int seal_batch_iter_max_seqs(const batch_iter *it) { return it->buf.cap_seq; }
int seal_batch_iter_max_len(const batch_iter *it) { return it->max_seq_len; }

/* The order of epoch e depends only on (seed, e): identity, then Fisher-Yates. */
static void set_epoch(batch_iter *it, long epoch) {
    for (int i = 0; i < it->n_items; i++) it->order[i] = i;
    if (it->shuffle) {
        seal_rng r;
        seal_rng_seed(&r, it->seed + (uint64_t)epoch);
        for (int i = it->n_items - 1; i > 0; i--) {
            int j = (int)seal_rng_below(&r, (uint64_t)i + 1), t = it->order[i];
            it->order[i] = it->order[j];
            it->order[j] = t;
        }
    }
    it->epoch = epoch;
    it->next = 0;
}

int seal_batch_iter_next(batch_iter *it, long epoch, train_batch *out, int *label_tokens) {
    if (epoch != it->epoch) set_epoch(it, epoch);
    if (it->next >= it->n_items) return 0;
    int k = it->n_items - it->next < it->batch_size ? it->n_items - it->next : it->batch_size;
    batch_buf *b = &it->buf;
    int t = 0, labels = 0;
    for (int s = 0; s < k; s++) {
        const int *ids;
        const unsigned char *mask;
        int n;
        int item = it->order[it->next + s];
        item_span(it, item, &ids, &mask, &n);
        b->start[s] = t;
        b->len[s] = n;
        b->vis[s] = it->pk_ids ? n : it->d->ex[item].n_attn;
        for (int j = 0; j < n; j++, t++) {
            b->tok[t] = ids[j];
            b->seq[t] = s;
            b->pos[t] = j;
            int w = j + 1 < n && mask[j + 1]; /* predicting ids[j+1], inside this sequence */
            b->weight[t] = (float)w;
            labels += w;
        }
    }
    it->next += k;
    *out = (train_batch){.n = t, .n_seq = k, .tok = b->tok, .seq = b->seq, .pos = b->pos,
                         .start = b->start, .len = b->len, .vis = b->vis, .weight = b->weight};
    if (label_tokens) *label_tokens = labels;
    return 1;
}

void seal_batch_iter_seek(batch_iter *it, long epoch, int batch) {
    set_epoch(it, epoch);
    long at = batch < 0 ? 0 : (long)batch * it->batch_size;
    it->next = at < it->n_items ? (int)at : it->n_items;
}

long seal_batch_iter_peek_labels(batch_iter *it, long epoch, int n_batches) {
    if (epoch != it->epoch) set_epoch(it, epoch);
    long end = it->next + (long)(n_batches < 0 ? 0 : n_batches) * it->batch_size, sum = 0;
    if (end > it->n_items) end = it->n_items;
    for (long i = it->next; i < end; i++) sum += it->item_labels[it->order[i]];
    return sum;
}

static int source_batches(void *ctx) { return seal_batch_iter_epoch_batches(ctx); }

static int source_next(void *ctx, int epoch, int i, train_batch *b) {
    batch_iter *it = ctx;
    if (it->epoch != epoch || it->next != i) seal_batch_iter_seek(it, epoch, i);
    return seal_batch_iter_next(it, epoch, b, NULL) ? 0 : seal_err("batch %d of epoch %d is missing", i, epoch);
}

batch_source seal_batch_iter_source(batch_iter *it) {
    return (batch_source){it, source_batches, source_next, seal_batch_iter_max_tokens(it), seal_batch_iter_max_seqs(it),
                          seal_batch_iter_max_len(it)};
}
