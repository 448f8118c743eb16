/* serve.c: the HTTP side of `seal serve` (libmicrohttpd, one thread per
 * connection): bodies read up to a cap, the API key, routing, JSON replies
 * and server-sent events. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt/threadpool.h"
#include "serve/serve_internal.h"
#include "model/peft.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/utf8.h"

seal_serve_opts seal_serve_defaults(void) {
    return (seal_serve_opts){.host = "127.0.0.1", .port = 8000, .max_batch = 64, .max_queue = 256,
                             .max_tokens = 4096, .max_n = 16, .max_body = 1 << 20, .max_connections = 512,
                             .timeout_s = 30, .adapt_threads = 1, .adapt_queue = 4, .adapt_edit_tokens = 1024};
}

/* One connection's request: its body, then (streaming) where the events are. */
typedef struct {
    seal_server *s;
    seal_serve_guard *guard;
    strbuf body;
    int too_large, answered;
    job *j;
    size_t *sent;      /* [n] text bytes already sent per sample */
    int *fin_sent;     /* [n] final chunk sent */
    int finished;      /* [DONE] written */
    strbuf pending;    /* formatted events not yet handed to the library */
    size_t pend_off;
} conn;

/* ---- replies ---- */

static enum MHD_Result reply(seal_server *s, struct MHD_Connection *c, int status, json_t *body) {
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) { text = seal_strdup("{\"error\":{\"message\":\"cannot encode the response\",\"type\":\"server_error\"}}"); status = 500; }
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    pthread_mutex_lock(&s->mu);
    s->requests++;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static enum MHD_Result reply_error(seal_server *s, struct MHD_Connection *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result reply_error(seal_server *s, struct MHD_Connection *c, int status, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reply(s, c, status, seal_serve_error_body(status, msg));
}

/* ---- the API key ---- */

/* Compare in time that depends only on the key's length, never on where the
 * first difference is (so a client cannot learn the key byte by byte). */
static int key_matches(const char *want, const char *got) {
    size_t wn = strlen(want), gn = strlen(got);
    unsigned diff = wn != gn;
    for (size_t i = 0; i < wn; i++) diff |= (unsigned char)want[i] ^ (unsigned char)(i < gn ? got[i] : 0);
    return diff == 0;
}

static int authorized(seal_server *s, struct MHD_Connection *c) {
    if (!s->o.api_key) return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7)) return 0;
    return key_matches(s->o.api_key, h + 7);
}

/* ---- streaming (server-sent events) ---- */

/* Bytes of t[0..n) that end on a character boundary: a character still being
 * generated is held back (a stop string's hold-back can cut one). */
static size_t utf8_safe_end(const char *t, size_t n) {
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)t[n - back];
        if ((c & 0xC0) == 0x80) continue;
        return c >= 0xC0 && (size_t)seal_utf8_len(c) > back ? n - back : n;
    }
    return n;
}

static void put_event(conn *cs, json_t *v) {
    char *t = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    seal_strbuf_puts(&cs->pending, "data: ");
    seal_strbuf_puts(&cs->pending, t ? t : "{\"error\":{\"message\":\"cannot encode a chunk\"}}");
    seal_strbuf_puts(&cs->pending, "\n\n");
    free(t);
}

/* Format every event available now into cs->pending; under srv->mu. Returns
 * whether anything was written. */
static int format_events(conn *cs) {
    job *j = cs->j;
    if (j->failed) {
        put_event(cs, seal_serve_error_body(j->status, j->error ? j->error : "generation failed"));
        seal_strbuf_puts(&cs->pending, "data: [DONE]\n\n");
        cs->finished = 1;
        return 1;
    }
    int wrote = 0, all = 1;
    for (int i = 0; i < j->n; i++) {
        if (cs->fin_sent[i]) continue;
        const strbuf *t = &j->text[i];
        int fin = j->done ? j->finish[i] : -1;
        size_t end = fin >= 0 ? t->len : utf8_safe_end(t->s, t->len);
        if (end > cs->sent[i] || fin >= 0) {
            put_event(cs, seal_serve_chunk(cs->s, j, i, t->s + cs->sent[i], end - cs->sent[i], fin, cs->sent[i] == 0));
            cs->sent[i] = end;
            cs->fin_sent[i] = fin >= 0;
            wrote = 1;
        }
        all &= cs->fin_sent[i];
    }
    if (all) {
        seal_strbuf_puts(&cs->pending, "data: [DONE]\n\n");
        cs->finished = 1;
        wrote = 1;
    }
    return wrote;
}

/* Wait (under srv->mu) for the job to make progress, at most 100 ms: then
 * look whether the client hung up, and if so cancel the job (the scheduler
 * frees its slots at its next step). Returns 1 when the client is gone. */
static int wait_job(conn *cs) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 100000000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    if (pthread_cond_timedwait(&cs->j->cv, &cs->s->mu, &until) == 0) return 0;
    if (!seal_serve_guard_hungup(cs->guard)) return 0;
    cs->j->cancel = 1;
    pthread_cond_signal(&cs->s->work);
    return 1;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    conn *cs = cls;
    seal_server *s = cs->s;
    if (cs->pend_off == cs->pending.len) {
        if (cs->finished) return MHD_CONTENT_READER_END_OF_STREAM;
        seal_strbuf_clear(&cs->pending);
        cs->pend_off = 0;
        pthread_mutex_lock(&s->mu);
        int gone = 0;
        while (!gone && !format_events(cs)) gone = wait_job(cs);
        pthread_mutex_unlock(&s->mu);
        if (gone) return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = cs->pending.len - cs->pend_off;
    n = n < max ? n : max;
    memcpy(buf, cs->pending.s + cs->pend_off, n);
    cs->pend_off += n;
    return (ssize_t)n;
}

static enum MHD_Result reply_stream(seal_server *s, struct MHD_Connection *c, conn *cs) {
    cs->sent = seal_calloc((size_t)cs->j->n, sizeof *cs->sent);
    cs->fin_sent = seal_calloc((size_t)cs->j->n, sizeof *cs->fin_sent);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, cs, NULL);
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    pthread_mutex_lock(&s->mu);
    s->requests++;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- routes ---- */

static json_t *parse_body(conn *cs, char *msg, size_t cap) {
    json_error_t e;
    json_t *v = json_loadb(cs->body.s ? cs->body.s : "", cs->body.len, 0, &e);
    if (!v) snprintf(msg, cap, "the request body is not valid JSON: %s (line %d, column %d)", e.text, e.line, e.column);
    return v;
}

static enum MHD_Result generate_route(seal_server *s, struct MHD_Connection *c, conn *cs, int chat) {
    char msg[1024];
    json_t *body = parse_body(cs, msg, sizeof msg);
    if (!body) return reply_error(s, c, 400, "%s", msg);
    int st = seal_serve_parse_request(s, body, chat, &cs->j, msg, sizeof msg);
    json_decref(body);
    if (st) return reply_error(s, c, st, "%s", msg);
    if (seal_serve_enqueue(s, cs->j))
        return reply_error(s, c, s->stopping ? 503 : 429, s->stopping ? "the server is shutting down"
                                                                      : "too many requests waiting: retry later");
    if (cs->j->stream) return reply_stream(s, c, cs);
    job *j = cs->j;
    pthread_mutex_lock(&s->mu);
    int gone = 0;
    while (!j->done && !gone) gone = wait_job(cs);
    pthread_mutex_unlock(&s->mu);
    if (gone) return MHD_NO; /* nobody to answer: the library closes the connection */
    if (j->failed) return reply_error(s, c, j->status, "%s", j->error);
    return reply(s, c, 200, seal_serve_response(s, j));
}

/* vLLM's bodies: {"lora_name": N, "lora_path": P} and {"lora_name": N}; its
 * replies are plain text on success. */
static enum MHD_Result lora_route(seal_server *s, struct MHD_Connection *c, conn *cs, int load) {
    if (!s->o.allow_runtime_lora)
        return reply_error(s, c, 404, "runtime LoRA loading is off: start seal serve with --allow-runtime-lora");
    char msg[1024];
    json_t *body = parse_body(cs, msg, sizeof msg);
    if (!body) return reply_error(s, c, 400, "%s", msg);
    json_t *name = json_object_get(body, "lora_name"), *path = json_object_get(body, "lora_path");
    int st;
    if (!json_is_string(name) || !json_string_length(name) || (load && !json_is_string(path))) {
        snprintf(msg, sizeof msg, "%s", load ? "both 'lora_name' and 'lora_path' must be strings"
                                             : "'lora_name' must be a non-empty string");
        st = 400;
    } else if (load)
        st = seal_serve_lora_load(s, json_string_value(name), json_string_value(path), msg, sizeof msg);
    else
        st = seal_serve_lora_unload(s, json_string_value(name), msg, sizeof msg);
    if (!st)
        snprintf(msg, sizeof msg, "Success: LoRA adapter '%s' %s successfully.", json_string_value(name),
                 load ? "added" : "removed");
    json_decref(body);
    if (st) return reply_error(s, c, st, "%s", msg);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* POST /v1/adapt: 202 and the queued job. */
static enum MHD_Result adapt_submit(seal_server *s, struct MHD_Connection *c, conn *cs) {
    char msg[1024];
    json_t *body = parse_body(cs, msg, sizeof msg);
    if (!body) return reply_error(s, c, 400, "%s", msg);
    adapt_job *j = NULL;
    int st = seal_serve_adapt_parse(s, body, &j, msg, sizeof msg);
    json_decref(body);
    if (!st) st = seal_serve_adapt_submit(s, j, msg, sizeof msg);
    if (st) return reply_error(s, c, st, "%s", msg);
    pthread_mutex_lock(&s->mu);
    json_t *r = seal_serve_adapt_json(j); /* j stays alive: only finished jobs are pruned */
    pthread_mutex_unlock(&s->mu);
    return reply(s, c, 202, r);
}

/* GET /v1/adapt, GET /v1/adapt/ID, POST /v1/adapt/ID/cancel. */
static enum MHD_Result adapt_route(seal_server *s, struct MHD_Connection *c, conn *cs, const char *url, int get) {
    if (!strcmp(url, "/v1/adapt")) {
        if (!get) return adapt_submit(s, c, cs);
        json_t *data = json_array();
        pthread_mutex_lock(&s->mu);
        for (adapt_job *q = s->adapt_jobs; q; q = q->next) json_array_append_new(data, seal_serve_adapt_json(q));
        pthread_mutex_unlock(&s->mu);
        return reply(s, c, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
    }
    char id[64];
    const char *rest = url + strlen("/v1/adapt/"), *slash = strchr(rest, '/');
    int cancel = slash && !strcmp(slash, "/cancel");
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    if ((slash && !cancel) || n >= sizeof id) return reply_error(s, c, 404, "no route %s", url);
    if (cancel == get) return reply_error(s, c, 405, "%s", cancel ? "use POST" : "use GET");
    memcpy(id, rest, n);
    id[n] = '\0';
    pthread_mutex_lock(&s->mu);
    adapt_job *j = seal_serve_adapt_find(s, id);
    if (j && cancel) {
        j->cancel = 1;
        if (j->status == ADAPT_QUEUED) j->status = ADAPT_CANCELLED;
    }
    json_t *r = j ? seal_serve_adapt_json(j) : NULL;
    pthread_mutex_unlock(&s->mu);
    return r ? reply(s, c, 200, r) : reply_error(s, c, 404, "no adaptation job %s", id);
}

/* GET /metrics: Prometheus text, as vLLM's /metrics (seal's own names). */
static enum MHD_Result metrics(seal_server *s, struct MHD_Connection *c) {
    char t[512];
    pthread_mutex_lock(&s->mu);
    snprintf(t, sizeof t,
             "# TYPE seal_requests_waiting gauge\nseal_requests_waiting %d\n"
             "# TYPE seal_samples_running gauge\nseal_samples_running %d\n"
             "# TYPE seal_decode_steps_total counter\nseal_decode_steps_total %ld\n"
             "# TYPE seal_samples_cancelled_total counter\nseal_samples_cancelled_total %ld\n"
             "# TYPE seal_merges_total counter\nseal_merges_total %ld\n",
             s->queued, s->running, s->batches, s->cancelled_samples, s->merges);
    pthread_mutex_unlock(&s->mu);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(t), t, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result route(seal_server *s, struct MHD_Connection *c, conn *cs, const char *url, const char *method) {
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    if (!strcmp(url, "/health")) return get ? reply(s, c, 200, json_object()) : reply_error(s, c, 405, "use GET");
    if (!strcmp(url, "/metrics")) return get ? metrics(s, c) : reply_error(s, c, 405, "use GET");
    if (strncmp(url, "/v1/", 4)) return reply_error(s, c, 404, "no route %s", url);
    if (!authorized(s, c)) return reply_error(s, c, 401, "a valid API key is required (Authorization: Bearer KEY)");
    static const char *posts[] = {"/v1/completions", "/v1/chat/completions", "/v1/load_lora_adapter",
                                  "/v1/unload_lora_adapter"};
    if (!strcmp(url, "/v1/models")) return get ? reply(s, c, 200, seal_serve_models(s)) : reply_error(s, c, 405, "use GET");
    if (!strcmp(url, "/v1/adapt") || !strncmp(url, "/v1/adapt/", 10)) {
        if (!get && !post) return reply_error(s, c, 405, "use GET or POST");
        if (cs->too_large) return reply_error(s, c, 413, "the request body is larger than %d bytes", s->o.max_body);
        return adapt_route(s, c, cs, url, get);
    }
    for (int i = 0; i < 4; i++) {
        if (strcmp(url, posts[i])) continue;
        if (!post) return reply_error(s, c, 405, "use POST");
        if (cs->too_large) return reply_error(s, c, 413, "the request body is larger than %d bytes", s->o.max_body);
        return i < 2 ? generate_route(s, c, cs, i == 1) : lora_route(s, c, cs, i == 2);
    }
    return reply_error(s, c, 404, "no route %s", url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **con_cls) {
    (void)version;
    seal_server *s = cls;
    conn *cs = *con_cls;
    if (!cs) {
        cs = *con_cls = seal_calloc(1, sizeof *cs);
        cs->s = s;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        cs->guard = ci ? ci->socket_context : NULL;
        return MHD_YES;
    }
    if (*size) {
        if (cs->body.len + *size > (size_t)s->o.max_body) cs->too_large = 1;
        else seal_strbuf_put(&cs->body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (cs->answered) return MHD_YES;
    cs->answered = 1;
    seal_serve_guard_mark(s, cs->guard, 1);
    return route(s, c, cs, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
    (void)c; (void)t;
    conn *cs = *con_cls;
    if (!cs) return;
    seal_serve_guard_mark(cls, cs->guard, 0);
    if (cs->j) { /* a stream cut short (the client went away): stop its samples */
        seal_server *s = cls;
        pthread_mutex_lock(&s->mu);
        if (!cs->j->done) { cs->j->cancel = 1; pthread_cond_signal(&s->work); }
        pthread_mutex_unlock(&s->mu);
    }
    seal_serve_job_release(cls, cs->j);
    seal_strbuf_free(&cs->body);
    seal_strbuf_free(&cs->pending);
    free(cs->sent); free(cs->fin_sent); free(cs);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx, enum MHD_ConnectionNotificationCode t) {
    seal_server *s = cls;
    if (t == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_ctx = ci ? seal_serve_guard_add(s, ci->connect_fd) : NULL;
    } else {
        seal_serve_guard_remove(s, *socket_ctx);
        *socket_ctx = NULL;
    }
}

/* ---- start and stop ---- */

static char *served_name(const seal_serve_opts *o) {
    if (o->served_name) return seal_strdup(o->served_name);
    char *d = seal_strdup(o->model_dir);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/') d[--n] = '\0';
    const char *slash = strrchr(d, '/');
    char *name = seal_strdup(slash && slash[1] ? slash + 1 : d);
    free(d);
    return name;
}

static int check_opts(const seal_serve_opts *o) {
    if (!o->model_dir) return seal_err("serve: no model directory");
    if (o->max_batch < 1 || o->max_queue < 1 || o->max_tokens < 1 || o->max_n < 1 || o->max_body < 1 ||
        o->max_connections < 1 || o->timeout_s < 1 || o->port < 0 || o->port > 65535)
        return seal_err("serve: every limit must be positive and the port in [0, 65535]");
    if (o->adapt_threads < 0 || o->adapt_queue < 1 || o->adapt_edit_tokens < 1 || o->adapt_memory_mb < 0)
        return seal_err("serve: --adapt-threads and --adapt-memory must be >= 0, --adapt-queue and --adapt-edit-tokens >= 1");
    if (o->max_n > o->max_batch) return seal_err("serve: --max-n %d is more than --max-batch %d", o->max_n, o->max_batch);
    if (o->api_key && !*o->api_key) return seal_err("serve: the API key is empty");
    return 0;
}

/* The model, tokenizer, chat template and the EOS ids `seal generate` uses. */
static int load_model(seal_server *s) {
    const char *dir = s->o.model_dir;
    if (seal_model_load(&s->m, dir)) return -1;
    s->weights_dtype = s->m.dtype;
    s->gdef = (seal_gen_defaults){.do_sample = -1, .temperature = 1.0, .top_p = 1.0, .repetition_penalty = 1.0};
    if (seal_config_load_generation(&s->m.cfg, dir, &s->gdef)) return -1;
    char *tj = seal_path_join(dir, "tokenizer.json");
    int has_tok = seal_is_file(tj);
    free(tj);
    if (has_tok && !(s->tok = seal_tok_load(dir))) return -1;
    if (s->tok && seal_tok_eos_id(s->tok) >= 0 && s->m.cfg.n_eos < 8) {
        int e = seal_tok_eos_id(s->tok), seen = 0;
        for (int i = 0; i < s->m.cfg.n_eos; i++) seen |= s->m.cfg.eos_ids[i] == e;
        if (!seen) s->m.cfg.eos_ids[s->m.cfg.n_eos++] = e;
    }
    s->has_chat = s->tok && seal_chat_load(&s->chat, dir) == 0;
    return 0;
}

static int start_http(seal_server *s) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->o.port)};
    if (inet_pton(AF_INET, s->o.host, &a.sin_addr) != 1)
        return seal_err("serve: --host %s is not a numeric IPv4 address", s->o.host);
    s->http = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                               0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                               MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.max_connections,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout_s,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    if (!s->http) return seal_err("serve: cannot listen on %s:%d (in use, or not allowed?)", s->o.host, s->o.port);
    return 0;
}

seal_server *seal_serve_start(const seal_serve_opts *o) {
    if (check_opts(o)) return NULL;
    seal_server *s = seal_calloc(1, sizeof *s);
    s->o = *o;
    s->name = served_name(o);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_mutex_init(&s->guard_mu, NULL);
    pthread_cond_init(&s->guard_cv, NULL);
    int rc = load_model(s);
    for (int i = 0; i < o->n_lora && rc == 0; i++) {
        char msg[1024];
        if (seal_serve_lora_load(s, o->lora_names[i], o->lora_dirs[i], msg, sizeof msg))
            rc = seal_err("serve: --lora %s=%s: %s", o->lora_names[i], o->lora_dirs[i], msg);
    }
    int threads = 0;
    if (rc == 0) rc = seal_threads_resolve(o->threads, &threads);
    if (rc == 0 && !(s->pool = seal_pool_create(threads))) rc = -1;
    if (rc == 0) rc = seal_serve_sched_start(s);
    if (rc == 0) rc = seal_serve_guard_start(s);
    if (rc == 0) rc = seal_serve_adapt_start(s);
    if (rc == 0) rc = start_http(s);
    if (rc) { seal_serve_stop(s); return NULL; }
    return s;
}

int seal_serve_port(const seal_server *s) {
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->http, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : s->o.port;
}

void seal_serve_counts(const seal_server *s, long *requests, long *batches) {
    seal_server *m = (seal_server *)s; /* the mutex only */
    pthread_mutex_lock(&m->mu);
    *requests = s->requests;
    *batches = s->batches;
    pthread_mutex_unlock(&m->mu);
}

void seal_serve_stop(seal_server *s) {
    if (!s) return;
    seal_serve_sched_stop(s); /* the running batch ends; queued requests get 503 */
    if (s->http) MHD_stop_daemon(s->http);
    seal_serve_guard_stop(s);
    seal_serve_adapt_stop(s); /* after the scheduler: s->stopping is set */
    while (s->loras) {
        lora_entry *e = s->loras;
        s->loras = e->next;
        seal_serve_lora_release(s, e);
    }
    if (s->pool) seal_pool_destroy(s->pool);
    if (s->tok) seal_tok_free(s->tok);
    if (s->m.cfg.vocab) seal_model_free(&s->m);
    free(s->merge_err);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->guard_cv);
    pthread_mutex_destroy(&s->guard_mu);
    pthread_mutex_destroy(&s->mu);
    free(s->name);
    free(s);
}
