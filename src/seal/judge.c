#include "seal/judge.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seal/grade.h"
#include "seal/journal.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/strbuf.h"

enum { MAX_REPLY_BYTES = 1 << 20 };

struct seal_judge {
    seal_judge_opts o;
    char *url, *model, *key, *cache_path; /* owned copies */
    int chat;
    journal cache;
    int cache_open;
    long sent, cached;
    int in_flight;
    pthread_mutex_t mu;
    pthread_cond_t slot;
};

seal_judge_opts seal_judge_defaults(void) {
    return (seal_judge_opts){.timeout_s = 60, .retries = 3, .concurrency = 4, .backoff_s = 0.5};
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static int ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

static int check_opts(const seal_judge_opts *o) {
    if (!o->url || (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)))
        return seal_err("--judge-url: \"%s\" is not an http:// or https:// URL", o->url ? o->url : "");
    if (!o->model || !*o->model) return seal_err("--judge-url needs --judge-model NAME (the model the endpoint serves)");
    if (!(o->timeout_s > 0) || o->retries < 0 || o->concurrency < 1 || !(o->backoff_s >= 0))
        return seal_err("judge: the timeout and concurrency must be positive, the retries and backoff >= 0");
    return 0;
}

seal_judge *seal_judge_open(const seal_judge_opts *o) {
    if (check_opts(o)) return NULL;
    pthread_once(&curl_once, curl_init);
    seal_judge *j = seal_calloc(1, sizeof *j);
    j->o = *o;
    j->chat = !ends_with(o->url, "/completions") || ends_with(o->url, "/chat/completions");
    if (j->chat && !ends_with(o->url, "/chat/completions")) {
        size_t n = strlen(o->url);
        j->url = seal_malloc(n + 32);
        snprintf(j->url, n + 32, "%s%s", o->url, o->url[n - 1] == '/' ? "chat/completions" : "/chat/completions");
    } else {
        j->url = seal_strdup(o->url);
    }
    j->model = seal_strdup(o->model);
    j->key = o->api_key ? seal_strdup(o->api_key) : NULL;
    j->cache_path = o->cache_path ? seal_strdup(o->cache_path) : NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->slot, NULL);
    /* an existing cache is read now; a new one is created by the first verdict */
    if (j->cache_path && seal_is_file(j->cache_path)) {
        if (seal_journal_open(&j->cache, j->cache_path)) {
            seal_err_prefix("judge cache");
            seal_judge_close(j);
            return NULL;
        }
        j->cache_open = 1;
    }
    return j;
}

void seal_judge_close(seal_judge *j) {
    if (!j) return;
    if (j->cache_open) seal_journal_close(&j->cache);
    pthread_cond_destroy(&j->slot);
    pthread_mutex_destroy(&j->mu);
    free(j->url); free(j->model); free(j->key); free(j->cache_path);
    free(j);
}

const char *seal_judge_api(const seal_judge *j) { return j->chat ? "chat" : "completions"; }
const char *seal_judge_model(const seal_judge *j) { return j->model; }

void seal_judge_counts(seal_judge *j, long *sent, long *cached) {
    pthread_mutex_lock(&j->mu);
    *sent = j->sent;
    *cached = j->cached;
    pthread_mutex_unlock(&j->mu);
}

/* The cache key: the API, the model and the prompt. */
static void cache_key(const seal_judge *j, const char *prompt, char key[24]) {
    uint64_t h = seal_fnv1a64(FNV1A64_INIT, seal_judge_api(j), strlen(seal_judge_api(j)) + 1);
    h = seal_fnv1a64(h, j->model, strlen(j->model) + 1);
    h = seal_fnv1a64(h, prompt, strlen(prompt));
    snprintf(key, 24, "%016llx", (unsigned long long)h);
}

/* ---- one HTTP exchange ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
    strbuf *b = ctx;
    if (b->len + size * n > MAX_REPLY_BYTES) return 0; /* abort: no judge reply is this long */
    seal_strbuf_put(b, p, size * n);
    return size * n;
}

static char *request_body(const seal_judge *j, const char *prompt) {
    json_t *r = j->chat ? json_pack("{s:s, s:[{s:s, s:s}], s:f, s:i}", "model", j->model, "messages", "role", "user",
                                    "content", prompt, "temperature", 0.0, "max_tokens", 8)
                        : json_pack("{s:s, s:s, s:f, s:i}", "model", j->model, "prompt", prompt, "temperature", 0.0,
                                    "max_tokens", 8);
    char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return s;
}

/* POST once: 0 with *status and the body, or -1 + seal_err for a transport
 * failure (timeout, refused connection). */
static int post_once(const seal_judge *j, const char *body, long *status, strbuf *reply) {
    CURL *c = curl_easy_init();
    if (!c) return seal_err("judge: cannot start a libcurl session");
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[1024];
    if (j->key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", j->key);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(j->o.timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) return seal_err("%s", curl_easy_strerror(rc));
    return 0;
}

/* The reply's text: choices[0].message.content (chat) or choices[0].text.
 * Malloc'd, or NULL + seal_err quoting the start of the body. */
static char *reply_text(const seal_judge *j, const strbuf *b) {
    json_t *r = json_loadb(b->s ? b->s : "", b->len, 0, NULL);
    json_t *c0 = json_array_get(json_object_get(r, "choices"), 0);
    json_t *t = j->chat ? json_object_get(json_object_get(c0, "message"), "content") : json_object_get(c0, "text");
    char *s = json_is_string(t) ? seal_strdup(json_string_value(t)) : NULL;
    json_decref(r);
    if (!s)
        seal_err("judge %s answered something that is not an OpenAI %s response: \"%.200s\"", j->url,
                 j->chat ? "chat completion" : "completion", b->s ? b->s : "");
    return s;
}

static void pause_s(double s) {
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}

/* Ask, retrying what may pass (transport failures, 408, 429, 5xx). */
static char *ask_remote(seal_judge *j, const char *prompt) {
    char *body = request_body(j, prompt), *text = NULL;
    if (!body) { seal_err("judge: cannot encode the prompt as JSON (ill-formed UTF-8?)"); return NULL; }
    double wait = j->o.backoff_s;
    char last[512] = "";
    for (int attempt = 0; attempt <= j->o.retries && !text; attempt++) {
        if (attempt) { pause_s(wait); wait = wait * 2 > 8 ? 8 : wait * 2; }
        strbuf reply = {0};
        long status = 0;
        pthread_mutex_lock(&j->mu);
        j->sent++;
        pthread_mutex_unlock(&j->mu);
        if (post_once(j, body, &status, &reply)) {
            snprintf(last, sizeof last, "%s", seal_errmsg());
        } else if (status == 200) {
            text = reply_text(j, &reply);
            seal_strbuf_free(&reply);
            if (!text) break; /* garbage: asking again would not help */
        } else if (status == 408 || status == 429 || status >= 500) {
            snprintf(last, sizeof last, "HTTP %ld: %.200s", status, reply.s ? reply.s : "");
        } else {
            seal_err("judge %s refused the request: HTTP %ld: %.300s", j->url, status, reply.s ? reply.s : "");
            seal_strbuf_free(&reply);
            break;
        }
        seal_strbuf_free(&reply);
        if (!text && last[0] && attempt == j->o.retries)
            seal_err("judge %s failed %d times; the last: %s", j->url, j->o.retries + 1, last);
    }
    free(body);
    return text;
}

static int cache_put(seal_judge *j, const char *key, const char *reply, int verdict) {
    if (!j->cache_path) return 0;
    if (!j->cache_open) {
        if (seal_journal_open(&j->cache, j->cache_path)) return seal_err_prefix("judge cache");
        j->cache_open = 1;
    }
    if (seal_journal_get(&j->cache, key)) return 0; /* another thread asked the same prompt */
    json_t *rec = json_pack("{s:s, s:b}", "reply", reply, "correct", verdict);
    if (!rec) rec = json_pack("{s:n, s:b}", "reply", "correct", verdict); /* a reply that is not UTF-8 */
    return seal_journal_put(&j->cache, key, rec);
}

int seal_judge_ask(seal_judge *j, const char *prompt, int *correct) {
    char key[24];
    cache_key(j, prompt, key);
    pthread_mutex_lock(&j->mu);
    json_t *hit = j->cache_open ? seal_journal_get(&j->cache, key) : NULL;
    if (hit) {
        *correct = json_is_true(json_object_get(hit, "correct"));
        j->cached++;
        pthread_mutex_unlock(&j->mu);
        return 0;
    }
    while (j->in_flight >= j->o.concurrency) pthread_cond_wait(&j->slot, &j->mu);
    j->in_flight++;
    pthread_mutex_unlock(&j->mu);
    char *reply = ask_remote(j, prompt);
    pthread_mutex_lock(&j->mu);
    j->in_flight--;
    pthread_cond_signal(&j->slot);
    int rc = reply ? 0 : -1;
    if (reply) {
        *correct = seal_grade_parse_verdict(reply);
        rc = cache_put(j, key, reply, *correct);
    }
    pthread_mutex_unlock(&j->mu);
    free(reply);
    return rc;
}
