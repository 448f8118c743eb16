/* api.c: OpenAI request bodies -> jobs, and jobs -> response bodies, as the
 * OpenAI API (and vLLM, llama.cpp) define them.
 *
 * Every field is checked for its type and range, and anything seal cannot do
 * is refused with 400 naming the field, never silently ignored: echo,
 * best_of > n, nonzero presence/frequency penalties, logit_bias, tools,
 * logprobs with stream.
 * Fields that do not change the output (user, stream_options, ...) are
 * ignored, as OpenAI-compatible servers do. A JSON null counts as absent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "util/err.h"
#include "util/json_load.h"
#include "util/rng.h"
#include "util/utf8.h"

typedef struct {
    char *msg;
    size_t cap;
} errbuf;

static int bad(errbuf *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(errbuf *e, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, e->cap, fmt, ap);
    va_end(ap);
    return status;
}

static json_t *field(json_t *body, const char *name) {
    json_t *v = json_object_get(body, name);
    return v && !json_is_null(v) ? v : NULL;
}

/* A number field in [lo, hi] into *out (left as is when absent). */
static int get_real(json_t *body, const char *name, double lo, double hi, double *out, errbuf *e) {
    json_t *v = field(body, name);
    if (!v) return 0;
    if (!json_is_number(v)) return bad(e, 400, "'%s' must be a number", name);
    double x = json_number_value(v);
    if (!(x >= lo && x <= hi)) return bad(e, 400, "'%s' is %g: it must be in [%g, %g]", name, x, lo, hi);
    *out = x;
    return 0;
}

static int get_int(json_t *body, const char *name, long long lo, long long hi, long long *out, errbuf *e) {
    json_t *v = field(body, name);
    if (!v) return 0;
    if (!json_is_integer(v)) return bad(e, 400, "'%s' must be an integer", name);
    long long x = json_integer_value(v);
    if (x < lo || x > hi) return bad(e, 400, "'%s' is %lld: it must be in [%lld, %lld]", name, x, lo, hi);
    *out = x;
    return 0;
}

static int get_bool(json_t *body, const char *name, int *out, errbuf *e) {
    json_t *v = field(body, name);
    if (!v) return 0;
    if (!json_is_boolean(v)) return bad(e, 400, "'%s' must be true or false", name);
    *out = json_is_true(v);
    return 0;
}

/* Fields whose only supported value is the default. */
static int refuse_unsupported(json_t *body, errbuf *e) {
    double pen = 0;
    const char *pens[] = {"presence_penalty", "frequency_penalty"};
    for (int i = 0; i < 2; i++) {
        if (get_real(body, pens[i], -2, 2, &pen, e)) return 400;
        if (pen != 0) return bad(e, 400, "'%s' is not supported by seal serve (use repetition_penalty)", pens[i]);
    }
    int flag = 0;
    if (get_bool(body, "echo", &flag, e)) return 400;
    if (flag) return bad(e, 400, "'echo' is not supported by seal serve");
    const char *never[] = {"logit_bias", "tools", "functions", "response_format", "suffix", "guided_json"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (field(body, never[i])) return bad(e, 400, "'%s' is not supported by seal serve", never[i]);
    return 0;
}

static int parse_stops(json_t *body, gen_key *k, errbuf *e) {
    json_t *v = field(body, "stop");
    if (!v) return 0;
    json_t *one[1] = {v};
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_array(v) && !json_is_string(v)) return bad(e, 400, "'stop' must be a string or an array of strings");
    if (n > SERVE_MAX_STOPS) return bad(e, 400, "'stop' has %zu strings: at most %d", n, SERVE_MAX_STOPS);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_is_array(v) ? json_array_get(v, i) : one[0];
        if (!json_is_string(s)) return bad(e, 400, "'stop' must be a string or an array of strings");
        size_t len = json_string_length(s);
        if (len == 0 || len > SERVE_MAX_STOP_LEN || strlen(json_string_value(s)) != len)
            return bad(e, 400, "'stop' strings must be 1 to %d bytes (no NUL)", SERVE_MAX_STOP_LEN);
        k->stops[k->n_stops++] = seal_strdup(json_string_value(s));
    }
    return 0;
}

/* The sampling settings: generation_config.json's defaults, then the request. */
static int parse_sampling(seal_server *s, json_t *body, seal_sampling *sp, errbuf *e) {
    const seal_gen_defaults *d = &s->gdef;
    double t = d->do_sample == 0 ? 0.0 : d->temperature, top_p = d->top_p, min_p = d->min_p,
           rep = d->repetition_penalty;
    long long top_k = d->top_k;
    if (get_real(body, "temperature", 0, 100, &t, e) || get_real(body, "top_p", 0, 1, &top_p, e) ||
        get_real(body, "min_p", 0, 1, &min_p, e) || get_real(body, "repetition_penalty", 0.01, 100, &rep, e) ||
        get_int(body, "top_k", -1, 1 << 22, &top_k, e))
        return 400;
    if (top_p <= 0) return bad(e, 400, "'top_p' must be > 0");
    *sp = seal_sampling_defaults();
    sp->temperature = (float)t;
    sp->top_p = (float)top_p;
    sp->min_p = (float)min_p;
    sp->repetition_penalty = (float)rep;
    sp->top_k = top_k < 0 ? 0 : (int)top_k; /* vLLM: -1 = off */
    return 0;
}

/* The completions prompt: a string, or token ids; also a one-element array of
 * either (several prompts in one request are refused). */
static int completion_prompt(seal_server *s, json_t *body, job *j, errbuf *e) {
    json_t *p = field(body, "prompt");
    if (!p) return bad(e, 400, "'prompt' is required");
    if (json_is_array(p) && json_array_size(p) == 1 && !json_is_integer(json_array_get(p, 0)))
        p = json_array_get(p, 0);
    if (json_is_string(p)) {
        if (!s->tok) return bad(e, 400, "the model has no tokenizer.json: send 'prompt' as token ids");
        if (seal_tok_encode(s->tok, json_string_value(p), json_string_length(p), 1, &j->prompt_ids, &j->n_ids))
            return bad(e, 400, "cannot tokenize 'prompt': %s", seal_errmsg());
        return 0;
    }
    if (!json_is_array(p)) return bad(e, 400, "'prompt' must be a string or an array of token ids");
    size_t n = json_array_size(p);
    if (n > (size_t)s->m.cfg.max_pos) return bad(e, 400, "'prompt' has %zu tokens: more than the model's context", n);
    j->prompt_ids = seal_malloc(sizeof(int) * (n ? n : 1));
    j->n_ids = (int)n;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(p, i);
        if (!json_is_integer(v)) return bad(e, 400, "'prompt' holds several prompts: send one per request");
        json_int_t id = json_integer_value(v);
        if (id < 0 || id >= s->m.cfg.vocab)
            return bad(e, 400, "'prompt' token id %lld is out of range [0, %d)", (long long)id, s->m.cfg.vocab);
        j->prompt_ids[i] = (int)id;
    }
    return 0;
}

/* A message's content: a string, or an array of {"type": "text", "text"}
 * parts joined by newlines (as vLLM joins them). */
static int message_content(json_t *c, strbuf *out, errbuf *e) {
    if (!c) { seal_strbuf_puts(out, ""); return 0; }
    if (json_is_string(c)) { seal_strbuf_put(out, json_string_value(c), json_string_length(c)); return 0; }
    if (!json_is_array(c)) return bad(e, 400, "a message's 'content' must be a string or an array of text parts");
    seal_strbuf_puts(out, "");
    for (size_t i = 0; i < json_array_size(c); i++) {
        json_t *part = json_array_get(c, i), *type = json_object_get(part, "type"), *text = json_object_get(part, "text");
        if (!json_is_string(type) || strcmp(json_string_value(type), "text") || !json_is_string(text))
            return bad(e, 400, "only text content parts are supported ({\"type\": \"text\", \"text\": ...})");
        if (i) seal_strbuf_puts(out, "\n");
        seal_strbuf_put(out, json_string_value(text), json_string_length(text));
    }
    return 0;
}

static int chat_prompt(seal_server *s, json_t *body, job *j, errbuf *e) {
    json_t *msgs = field(body, "messages");
    if (!json_is_array(msgs) || json_array_size(msgs) == 0)
        return bad(e, 400, "'messages' must be a non-empty array");
    if (!s->has_chat || !s->tok) return bad(e, 400, "the model has no chat template: use /v1/completions");
    size_t n = json_array_size(msgs);
    if (n > 1024) return bad(e, 400, "'messages' has %zu messages: at most 1024", n);
    chat_msg *cm = seal_calloc(n, sizeof *cm);
    strbuf *texts = seal_calloc(n, sizeof *texts);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *m = json_array_get(msgs, i), *role = json_object_get(m, "role");
        const char *r = json_is_string(role) ? json_string_value(role) : "";
        if (strcmp(r, "system") && strcmp(r, "user") && strcmp(r, "assistant"))
            rc = bad(e, 400, "messages[%zu]: 'role' must be \"system\", \"user\" or \"assistant\"", i);
        else if (!(rc = message_content(field(m, "content"), &texts[i], e)))
            cm[i] = (chat_msg){r, texts[i].s};
    }
    if (!rc) {
        char *text = seal_chat_render(&s->chat, cm, (int)n, 1);
        if (seal_tok_encode(s->tok, text, strlen(text), 0, &j->prompt_ids, &j->n_ids))
            rc = bad(e, 400, "cannot tokenize the messages: %s", seal_errmsg());
        free(text);
    }
    for (size_t i = 0; i < n; i++) seal_strbuf_free(&texts[i]);
    free(texts); free(cm);
    return rc;
}

/* Completions: "logprobs": N (0..5 alternatives); chat: "logprobs": true with
 * "top_logprobs": N. Not with streaming (they are computed after the text). */
static int parse_logprobs(json_t *body, int chat, job *j, errbuf *e) {
    long long top = -1;
    j->logprobs = -1;
    if (chat) {
        int on = 0;
        if (get_bool(body, "logprobs", &on, e)) return 400;
        if (!on && field(body, "top_logprobs")) return bad(e, 400, "'top_logprobs' needs 'logprobs': true");
        if (!on) return 0;
        top = 0;
        if (get_int(body, "top_logprobs", 0, 5, &top, e)) return 400;
    } else if (get_int(body, "logprobs", 0, 5, &top, e)) {
        return 400;
    }
    if (top >= 0 && j->stream) return bad(e, 400, "'logprobs' with 'stream' is not supported by seal serve");
    j->logprobs = (int)top;
    return 0;
}

/* 'model': the served name or an adapter's (a reference is taken). */
static int pick_model(seal_server *s, json_t *body, job *j, errbuf *e) {
    json_t *v = field(body, "model");
    if (v && !json_is_string(v)) return bad(e, 400, "'model' must be a string");
    const char *name = v ? json_string_value(v) : s->name;
    j->model = seal_strdup(name);
    if (!strcmp(name, s->name)) return 0;
    if (!(j->key.lora = seal_serve_lora_get(s, name))) return bad(e, 404, "The model `%s` does not exist.", name);
    return 0;
}

static int parse_limits(seal_server *s, json_t *body, int chat, job *j, errbuf *e) {
    long long max_tokens = chat ? s->o.max_tokens : 16, n = 1, best_of = 0, seed = -1;
    if (get_int(body, "max_tokens", 1, s->o.max_tokens, &max_tokens, e)) return 400;
    if (chat && get_int(body, "max_completion_tokens", 1, s->o.max_tokens, &max_tokens, e)) return 400;
    if (get_int(body, "n", 1, s->o.max_n, &n, e) || get_int(body, "best_of", 1, s->o.max_n, &best_of, e)) return 400;
    if (best_of && best_of != n) return bad(e, 400, "'best_of' other than 'n' is not supported by seal serve");
    if (get_int(body, "seed", 0, INT64_MAX, &seed, e)) return 400;
    if (get_bool(body, "stream", &j->stream, e) || get_bool(body, "ignore_eos", &j->key.ignore_eos, e)) return 400;
    j->key.max_new = (int)max_tokens;
    j->n = (int)n;
    /* no seed: a fresh one per request, as OpenAI servers draw */
    j->seed = seed >= 0 ? (uint64_t)seed : seal_mix64((uint64_t)time(NULL) * 1000003u + (uint64_t)j->id);
    return 0;
}

int seal_serve_parse_request(seal_server *s, json_t *body, int chat, job **out, char *msg, size_t cap) {
    errbuf e = {msg, cap};
    if (!json_is_object(body)) return bad(&e, 400, "the request body must be a JSON object");
    job *j = seal_calloc(1, sizeof *j);
    pthread_cond_init(&j->cv, NULL);
    j->refs = 1;
    j->chat = chat;
    j->created = (long)time(NULL);
    pthread_mutex_lock(&s->mu);
    j->id = ++s->next_id;
    pthread_mutex_unlock(&s->mu);
    int rc = refuse_unsupported(body, &e);
    if (!rc) rc = parse_limits(s, body, chat, j, &e);
    if (!rc) rc = parse_logprobs(body, chat, j, &e);
    if (!rc) rc = parse_sampling(s, body, &j->key.sampling, &e);
    if (!rc) rc = parse_stops(body, &j->key, &e);
    if (!rc && j->key.n_stops && !s->tok) rc = bad(&e, 400, "'stop' needs the model's tokenizer");
    if (!rc) rc = pick_model(s, body, j, &e);
    if (!rc) rc = chat ? chat_prompt(s, body, j, &e) : completion_prompt(s, body, j, &e);
    if (!rc && j->n_ids == 0) rc = bad(&e, 400, "the prompt is empty");
    if (!rc && j->n_ids >= s->m.cfg.max_pos)
        rc = bad(&e, 400, "This model's maximum context length is %d tokens; the prompt has %d.", s->m.cfg.max_pos,
                 j->n_ids);
    if (rc) { seal_serve_job_release(s, j); return rc; }
    j->text = seal_calloc((size_t)j->n, sizeof *j->text);
    j->finish = seal_malloc(sizeof(int) * (size_t)j->n);
    j->n_tokens = seal_calloc((size_t)j->n, sizeof(int));
    for (int i = 0; i < j->n; i++) {
        j->finish[i] = -1;
        /* room for the whole text up front: the stream callback appends per token */
        j->text[i].cap = 64 + (size_t)j->key.max_new * 16;
        j->text[i].s = seal_malloc(j->text[i].cap);
        j->text[i].s[0] = '\0';
    }
    *out = j;
    return 0;
}

/* ---- responses ---- */

json_t *seal_serve_json_text(const char *s, size_t n) {
    size_t len;
    char *clean = seal_utf8_sanitize(s ? s : "", s ? n : 0, &len, NULL);
    json_t *v = json_stringn(clean, len);
    free(clean);
    return v;
}

static const char *finish_reason(int f) { return f == GEN_EOS || f == GEN_STOP ? "stop" : "length"; }

static json_t *head(const seal_server *s, const job *j, const char *object) {
    (void)s;
    char id[48];
    snprintf(id, sizeof id, "%s-%ld", j->chat ? "chatcmpl" : "cmpl", j->id);
    return json_pack("{s:s, s:s, s:I, s:s}", "id", id, "object", object, "created", (json_int_t)j->created,
                     "model", j->model);
}

/* One token's text (special tokens shown), ill-formed UTF-8 replaced. */
static json_t *token_text(const seal_server *s, int id) {
    char *t = NULL;
    size_t n = 0;
    if (seal_tok_decode(s->tok, &id, 1, 0, &t, &n)) return json_string("");
    json_t *v = seal_serve_json_text(t, n);
    free(t);
    return v;
}

/* The logprobs of sample i: OpenAI's completions shape ({"tokens",
 * "token_logprobs", "top_logprobs", "text_offset"}) or chat's ({"content":
 * [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}). */
static json_t *logprobs_json(const seal_server *s, const job *j, int i) {
    int n = j->n_tokens[i], top = j->logprobs;
    json_t *toks = json_array(), *lps = json_array(), *tops = json_array(), *offs = json_array(), *content = json_array();
    size_t off = 0;
    for (int k = 0; k < n; k++) {
        json_t *t = token_text(s, j->gen_ids[i][k]), *alts = j->chat ? json_array() : json_object();
        for (int q = 0; q < top; q++) {
            json_t *qt = token_text(s, j->top_ids[i][(size_t)k * top + q]);
            double v = j->top_lp[i][(size_t)k * top + q];
            if (j->chat) json_array_append_new(alts, json_pack("{s:o, s:o}", "token", qt, "logprob", seal_json_real(v)));
            else { json_object_set_new(alts, json_string_value(qt), seal_json_real(v)); json_decref(qt); }
        }
        if (j->chat) {
            json_array_append_new(content, json_pack("{s:O, s:o, s:o}", "token", t, "logprob", seal_json_real(j->lp[i][k]),
                                                     "top_logprobs", alts));
        } else {
            json_array_append(toks, t);
            json_array_append_new(lps, seal_json_real(j->lp[i][k]));
            json_array_append_new(tops, alts);
            json_array_append_new(offs, json_integer((json_int_t)off));
        }
        off += strlen(json_string_value(t));
        json_decref(t);
    }
    if (j->chat) {
        json_decref(toks); json_decref(lps); json_decref(tops); json_decref(offs);
        return json_pack("{s:o}", "content", content);
    }
    json_decref(content);
    return json_pack("{s:o, s:o, s:o, s:o}", "tokens", toks, "token_logprobs", lps, "top_logprobs", tops,
                     "text_offset", offs);
}

json_t *seal_serve_response(const seal_server *s, const job *j) {
    json_t *r = head(s, j, j->chat ? "chat.completion" : "text_completion"), *choices = json_array();
    long gen = 0;
    for (int i = 0; i < j->n; i++) {
        json_t *text = seal_serve_json_text(j->text[i].s, j->text[i].len), *c;
        json_t *lp = j->logprobs >= 0 && s->tok ? logprobs_json(s, j, i) : json_null();
        if (j->chat)
            c = json_pack("{s:i, s:{s:s, s:o}, s:o, s:s}", "index", i, "message", "role", "assistant", "content", text,
                          "logprobs", lp, "finish_reason", finish_reason(j->finish[i]));
        else
            c = json_pack("{s:i, s:o, s:o, s:s}", "index", i, "text", text, "logprobs", lp, "finish_reason",
                          finish_reason(j->finish[i]));
        json_array_append_new(choices, c);
        gen += j->n_tokens[i];
    }
    json_object_set_new(r, "choices", choices);
    json_object_set_new(r, "usage", json_pack("{s:i, s:I, s:I}", "prompt_tokens", j->n_ids, "completion_tokens",
                                              (json_int_t)gen, "total_tokens", (json_int_t)(gen + j->n_ids)));
    return r;
}

json_t *seal_serve_chunk(const seal_server *s, const job *j, int i, const char *delta, size_t len, int finish, int first) {
    json_t *r = head(s, j, j->chat ? "chat.completion.chunk" : "text_completion"), *c;
    json_t *reason = finish >= 0 ? json_string(finish_reason(finish)) : json_null();
    if (j->chat) {
        json_t *d = json_object();
        if (first) json_object_set_new(d, "role", json_string("assistant"));
        if (len || !first) json_object_set_new(d, "content", seal_serve_json_text(delta, len));
        else json_object_set_new(d, "content", json_string(""));
        c = json_pack("{s:i, s:o, s:n, s:o}", "index", i, "delta", d, "logprobs", "finish_reason", reason);
    } else {
        c = json_pack("{s:i, s:o, s:n, s:o}", "index", i, "text", seal_serve_json_text(delta, len), "logprobs",
                      "finish_reason", reason);
    }
    json_object_set_new(r, "choices", json_pack("[o]", c));
    return r;
}

json_t *seal_serve_models(seal_server *s) {
    json_t *data = json_array();
    long now = (long)time(NULL);
    json_array_append_new(data, json_pack("{s:s, s:s, s:I, s:s, s:s, s:n, s:i}", "id", s->name, "object", "model",
                                          "created", (json_int_t)now, "owned_by", "seal", "root", s->o.model_dir,
                                          "parent", "max_model_len", s->m.cfg.max_pos));
    pthread_mutex_lock(&s->mu);
    for (lora_entry *e = s->loras; e; e = e->next)
        json_array_append_new(data, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "id", e->name, "object", "model",
                                              "created", (json_int_t)now, "owned_by", "seal", "root", e->dir,
                                              "parent", s->name));
    pthread_mutex_unlock(&s->mu);
    return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

json_t *seal_serve_error_body(int status, const char *msg) {
    const char *type = status == 401 ? "authentication_error" : status == 404 ? "not_found_error"
                     : status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
    json_t *m = seal_serve_json_text(msg, strlen(msg));
    return json_pack("{s:{s:o, s:s, s:n, s:i}}", "error", "message", m, "type", type, "param", "code", status);
}
