/* squad.c: SEAL passage files (SEAL's list format and official SQuAD v1.1),
 * the seed-k subset selection, and the writer. */
#include "seal/squad.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal/pyrandom.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"

/* ---- loading ---------------------------------------------------------- */

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* obj[key] as a fresh copy in *out; where names the record for the error. */
static int req_string(const json_t *obj, const char *key, const char *path, const char *where, char **out) {
    const json_t *v = json_object_get(obj, key);
    if (!v) return seal_err("%s: %s: missing \"%s\"", path, where, key);
    if (!json_is_string(v)) return seal_err("%s: %s: \"%s\" is %s, expected a string", path, where, key, json_kind(v));
    *out = seal_strdup(json_string_value(v));
    return 0;
}

/* obj[key] as a list (borrowed) in *out. */
static int req_array(const json_t *obj, const char *key, const char *path, const char *where, json_t **out) {
    json_t *v = json_object_get(obj, key);
    if (!v) return seal_err("%s: %s: missing \"%s\"", path, where, key);
    if (!json_is_array(v)) return seal_err("%s: %s: \"%s\" is %s, expected a list", path, where, key, json_kind(v));
    *out = v;
    return 0;
}

static void passage_free(seal_passage *p) {
    for (int i = 0; i < p->n_qa; i++) free(p->qa[i].question), free(p->qa[i].answer);
    free(p->qa), free(p->title), free(p->context);
    memset(p, 0, sizeof *p);
}

void seal_passages_free(seal_passages *ps) {
    for (int i = 0; i < ps->n; i++) passage_free(&ps->p[i]);
    free(ps->p);
    ps->p = NULL, ps->n = 0;
}

/* Room for the questions of a list of size n (fails only past INT_MAX). */
static int alloc_qa(seal_passage *p, size_t n, const char *path, const char *where) {
    if (n > INT_MAX) return seal_err("%s: %s: too many questions (%zu)", path, where, n);
    p->qa = n ? seal_calloc(n, sizeof *p->qa) : NULL;
    return 0;
}

/* One record of SEAL's format: {"title", "context", "questions": [{"question", "answer"}]}. */
static int load_seal_record(seal_passage *p, const json_t *rec, const char *path, size_t ri) {
    char where[64], qwhere[96];
    snprintf(where, sizeof where, "record %zu", ri);
    if (!json_is_object(rec)) return seal_err("%s: %s is %s, expected an object", path, where, json_kind(rec));
    json_t *qs;
    if (req_string(rec, "title", path, where, &p->title) || req_string(rec, "context", path, where, &p->context) ||
        req_array(rec, "questions", path, where, &qs) || alloc_qa(p, json_array_size(qs), path, where))
        return -1;
    size_t qi;
    json_t *q;
    json_array_foreach(qs, qi, q) {
        snprintf(qwhere, sizeof qwhere, "%s: question %zu", where, qi);
        if (!json_is_object(q)) return seal_err("%s: %s is %s, expected an object", path, qwhere, json_kind(q));
        seal_qa *qa = &p->qa[p->n_qa++];
        if (req_string(q, "question", path, qwhere, &qa->question) || req_string(q, "answer", path, qwhere, &qa->answer))
            return -1;
    }
    return 0;
}

static int load_seal_format(seal_passages *ps, const json_t *root, const char *path) {
    size_t n = json_array_size(root);
    if (n > INT_MAX) return seal_err("%s: too many records (%zu)", path, n);
    ps->p = n ? seal_calloc(n, sizeof *ps->p) : NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = load_seal_record(&ps->p[i], json_array_get(root, i), path, i);
        ps->n = (int)i + 1; /* count the partial record too, so that seal_passages_free frees it */
        if (rc) return -1;
    }
    return 0;
}

/* One SQuAD paragraph -> one record: title with '_' -> ' ', the first gold answer of each question. */
static int load_squad_paragraph(seal_passage *p, const json_t *para, const char *title, const char *path,
                                const char *where) {
    char qwhere[320];
    if (!json_is_object(para)) return seal_err("%s: %s is %s, expected an object", path, where, json_kind(para));
    json_t *qas;
    if (req_string(para, "context", path, where, &p->context) || req_array(para, "qas", path, where, &qas) ||
        alloc_qa(p, json_array_size(qas), path, where))
        return -1;
    p->title = seal_strdup(title);
    for (char *c = p->title; *c; c++)
        if (*c == '_') *c = ' ';
    size_t qi;
    json_t *q;
    json_array_foreach(qas, qi, q) {
        const json_t *id = json_is_object(q) ? json_object_get(q, "id") : NULL;
        if (json_is_string(id)) snprintf(qwhere, sizeof qwhere, "%s: qas[%zu] (id \"%s\")", where, qi, json_string_value(id));
        else snprintf(qwhere, sizeof qwhere, "%s: qas[%zu]", where, qi);
        if (!json_is_object(q)) return seal_err("%s: %s is %s, expected an object", path, qwhere, json_kind(q));
        seal_qa *qa = &p->qa[p->n_qa++];
        json_t *answers;
        if (req_string(q, "question", path, qwhere, &qa->question) || req_array(q, "answers", path, qwhere, &answers))
            return -1;
        if (json_array_size(answers) == 0)
            return seal_err("%s: %s: question has no answers (\"answers\" is empty)", path, qwhere);
        const json_t *a0 = json_array_get(answers, 0);
        if (!json_is_object(a0)) return seal_err("%s: %s: answers[0] is %s, expected an object", path, qwhere, json_kind(a0));
        strncat(qwhere, ": answers[0]", sizeof qwhere - strlen(qwhere) - 1);
        if (req_string(a0, "text", path, qwhere, &qa->answer)) return -1;
    }
    return 0;
}

static int load_squad_format(seal_passages *ps, const json_t *root, const char *path) {
    json_t *data;
    if (req_array(root, "data", path, "top level", &data)) return -1;
    size_t ai, cap = 0;
    json_t *art;
    json_array_foreach(data, ai, art) {
        char where[256];
        snprintf(where, sizeof where, "data[%zu]", ai);
        if (!json_is_object(art)) return seal_err("%s: %s is %s, expected an object", path, where, json_kind(art));
        char *title;
        json_t *paras;
        if (req_string(art, "title", path, where, &title)) return -1;
        if (req_array(art, "paragraphs", path, where, &paras)) return free(title), -1;
        size_t pi;
        json_t *para;
        json_array_foreach(paras, pi, para) {
            if (ps->n == INT_MAX) return free(title), seal_err("%s: too many paragraphs", path);
            if ((size_t)ps->n == cap) {
                cap = cap ? 2 * cap : 256;
                ps->p = seal_realloc(ps->p, cap * sizeof *ps->p);
            }
            seal_passage *p = &ps->p[ps->n++];
            memset(p, 0, sizeof *p);
            snprintf(where, sizeof where, "data[%zu] (\"%.80s\") paragraphs[%zu] (record %d)", ai, title, pi, ps->n - 1);
            if (load_squad_paragraph(p, para, title, path, where)) return free(title), -1;
        }
        free(title);
    }
    return 0;
}

int seal_passages_load(seal_passages *ps, const char *path) {
    memset(ps, 0, sizeof *ps);
    json_t *root = seal_json_load_file(path, JSON_DECODE_ANY);
    if (!root) return -1;
    int rc;
    if (json_is_array(root)) rc = load_seal_format(ps, root, path);
    else if (json_is_object(root)) rc = load_squad_format(ps, root, path);
    else
        rc = seal_err("%s: top level is %s, expected a list of passages (SEAL format) or an object with \"data\" "
                      "(SQuAD v1.1 format)", path, json_kind(root));
    json_decref(root);
    if (rc) seal_passages_free(ps);
    return rc;
}

/* ---- selection -------------------------------------------------------- */

int seal_passages_select(const seal_passages *all, unsigned long long seed, int start, int n, int **indices) {
    *indices = NULL;
    if (start < 0 || n < 0 || start > all->n || n > all->n - start)
        return seal_err("passage subset [%d, %lld) is not inside the %d loaded passages", start, (long long)start + n,
                        all->n);
    /* random.shuffle's swaps depend only on the list length, so shuffling the
     * indices picks the same records as shuffling the records. */
    int *perm = seal_malloc((all->n ? (size_t)all->n : 1) * sizeof *perm);
    for (int i = 0; i < all->n; i++) perm[i] = i;
    py_random r;
    seal_pyrandom_seed(&r, seed);
    seal_pyrandom_shuffle(&r, perm, (size_t)all->n, sizeof *perm);
    memmove(perm, perm + start, (size_t)n * sizeof *perm);
    *indices = perm;
    return 0;
}

long seal_passages_count_questions(const seal_passages *ps, const int *indices, int n) {
    long total = 0;
    for (int i = 0; i < n; i++) total += ps->p[indices ? indices[i] : i].n_qa;
    return total;
}

/* ---- writing ---------------------------------------------------------- */

typedef struct { char *b; size_t n, cap; } strbuf;

static void sb_put(strbuf *s, const char *p, size_t n) {
    if (s->n + n + 1 > s->cap) {
        while (s->n + n + 1 > s->cap) s->cap = s->cap ? 2 * s->cap : 1 << 16;
        s->b = seal_realloc(s->b, s->cap);
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
static void sb_puts(strbuf *s, const char *p) { sb_put(s, p, strlen(p)); }

/* A JSON string as Python's json.dumps(ensure_ascii=False) writes it: only
 * '"', '\\' and C0 controls are escaped (\b \f \n \r \t, else \u00xx). */
static void sb_json_string(strbuf *s, const char *str) {
    sb_put(s, "\"", 1);
    const char *run = str;
    for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
        if (*c >= 0x20 && *c != '"' && *c != '\\') continue;
        sb_put(s, run, (size_t)((const char *)c - run));
        char esc[8];
        switch (*c) {
        case '"': sb_puts(s, "\\\""); break;
        case '\\': sb_puts(s, "\\\\"); break;
        case '\b': sb_puts(s, "\\b"); break;
        case '\f': sb_puts(s, "\\f"); break;
        case '\n': sb_puts(s, "\\n"); break;
        case '\r': sb_puts(s, "\\r"); break;
        case '\t': sb_puts(s, "\\t"); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", *c); sb_puts(s, esc);
        }
        run = (const char *)c + 1;
    }
    sb_puts(s, run);
    sb_put(s, "\"", 1);
}

static void sb_field(strbuf *s, const char *indent, const char *key, const char *val, int last) {
    sb_puts(s, indent);
    sb_json_string(s, key);
    sb_puts(s, ": ");
    sb_json_string(s, val);
    sb_puts(s, last ? "\n" : ",\n");
}

int seal_passages_save(const seal_passages *ps, const int *indices, int n, const char *path) {
    for (int i = 0; i < n; i++) {
        int k = indices ? indices[i] : i;
        if (k < 0 || k >= ps->n)
            return seal_err("%s: record index %d (entry %d) is outside the %d loaded passages", path, k, i, ps->n);
    }
    strbuf s = {0};
    /* json.dump(indent=2) layout: every container opens a line, empty lists are "[]". */
    sb_puts(&s, n ? "[\n" : "[]");
    for (int i = 0; i < n; i++) {
        const seal_passage *p = &ps->p[indices ? indices[i] : i];
        sb_puts(&s, "  {\n");
        sb_field(&s, "    ", "title", p->title, 0);
        sb_field(&s, "    ", "context", p->context, 0);
        sb_puts(&s, p->n_qa ? "    \"questions\": [\n" : "    \"questions\": []\n");
        for (int q = 0; q < p->n_qa; q++) {
            sb_puts(&s, "      {\n");
            sb_field(&s, "        ", "question", p->qa[q].question, 0);
            sb_field(&s, "        ", "answer", p->qa[q].answer, 1);
            sb_puts(&s, q + 1 < p->n_qa ? "      },\n" : "      }\n");
        }
        if (p->n_qa) sb_puts(&s, "    ]\n");
        sb_puts(&s, i + 1 < n ? "  },\n" : "  }\n");
    }
    if (n) sb_puts(&s, "]");
    int rc = seal_write_file_atomic(path, s.b, s.n);
    free(s.b);
    return rc;
}
