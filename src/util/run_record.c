/* run_record.c: see run_record.h. */
#include "util/run_record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_diff.h"

#define THREADS_KEY "threads"
#define VERSION_KEY "seal_version"

void seal_run_record_init(seal_run_record *r) {
    r->root = json_object();
    json_object_set_new(r->root, VERSION_KEY, json_string(SEAL_VERSION));
}

void seal_run_record_free(seal_run_record *r) {
    json_decref(r->root);
    r->root = NULL;
}

/* The object that holds the last component of a dotted key (made as needed),
 * and that component in *leaf; NULL if a prefix names a non-object. */
static json_t *parent_of(json_t *root, const char *key, const char **leaf) {
    const char *dot;
    json_t *o = root;
    while ((dot = strchr(key, '.'))) {
        char part[128];
        snprintf(part, sizeof part, "%.*s", (int)(dot - key), key);
        json_t *sub = json_object_get(o, part);
        if (!sub) json_object_set_new(o, part, sub = json_object());
        if (!json_is_object(sub)) return NULL;
        o = sub, key = dot + 1;
    }
    *leaf = key;
    return o;
}

int seal_run_record_json(seal_run_record *r, const char *key, json_t *v) {
    if (!v) return seal_err("run record: %s: no value (a non-finite number?)", key);
    const char *leaf;
    json_t *o = parent_of(r->root, key, &leaf);
    if (!o) {
        json_decref(v);
        return seal_err("run record: %s: a prefix of the key holds a value", key);
    }
    json_object_set_new(o, leaf, v);
    return 0;
}

int seal_run_record_int(seal_run_record *r, const char *key, long long v) {
    return seal_run_record_json(r, key, json_integer((json_int_t)v));
}

int seal_run_record_real(seal_run_record *r, const char *key, double v) {
    if (!isfinite(v)) return seal_err("%s: %g is not a finite number", key, v);
    return seal_run_record_json(r, key, json_real(v));
}

int seal_run_record_str(seal_run_record *r, const char *key, const char *v) {
    return v ? seal_run_record_json(r, key, json_string(v)) : 0;
}

int seal_run_record_fingerprint(seal_run_record *r, const char *key, uint64_t h) {
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return seal_run_record_str(r, key, hex);
}

int seal_run_record_file(seal_run_record *r, const char *key, const char *path) {
    uint64_t h;
    if (seal_path_fingerprint(path, &h)) return -1;
    return seal_run_record_fingerprint(r, key, h);
}

int seal_run_record_threads(seal_run_record *r, int threads, const char *arithmetic) {
    return seal_run_record_int(r, THREADS_KEY, threads) || seal_run_record_str(r, "arithmetic", arithmetic) ? -1 : 0;
}

/* Is there a value at the dotted key? (Looks only: makes nothing.) */
static int has_dotted(const json_t *root, const char *key) {
    const char *dot;
    while (root && (dot = strchr(key, '.'))) {
        char part[128];
        snprintf(part, sizeof part, "%.*s", (int)(dot - key), key);
        root = json_object_get(root, part), key = dot + 1;
    }
    return root && json_object_get(root, key) != NULL;
}

static void del_dotted(json_t *root, const char *key) {
    const char *leaf;
    json_t *o = parent_of(root, key, &leaf);
    if (o) json_object_del(o, leaf);
}

/* One line for a changed thread count, with why it matters. */
static void diff_threads(json_t *was, json_t *now, strbuf *changes) {
    json_t *a = json_object_get(was, THREADS_KEY), *b = json_object_get(now, THREADS_KEY);
    if ((!a && !b) || (a && b && json_equal(a, b))) return;
    seal_strbuf_printf(changes, "  threads %lld -> %lld (the thread count changes the training arithmetic: BLAS splits its "
                  "sums by thread; resume with -t %lld)\n", a ? (long long)json_integer_value(a) : -1LL,
                  b ? (long long)json_integer_value(b) : -1LL, a ? (long long)json_integer_value(a) : -1LL);
    json_object_del(was, THREADS_KEY);
    json_object_del(now, THREADS_KEY);
}

int seal_run_record_compare(const seal_run_record *r, const char *path, const char *const *new_keys, int *found,
                            strbuf *changes, strbuf *unrecorded) {
    *found = seal_is_file(path);
    if (!*found) return 0;
    json_error_t e;
    json_t *was = json_load_file(path, 0, &e);
    if (!json_is_object(was)) {
        json_decref(was);
        return seal_err("%s: unreadable (line %d: %s)", path, e.line, e.text);
    }
    json_t *now = json_deep_copy(r->root);
    int legacy = !json_object_get(was, VERSION_KEY);
    for (int i = 0; legacy && new_keys && new_keys[i]; i++) {
        if (has_dotted(was, new_keys[i]) || !has_dotted(now, new_keys[i])) continue;
        del_dotted(now, new_keys[i]);
        seal_strbuf_printf(unrecorded, "%s%s", unrecorded->len ? ", " : "", new_keys[i]);
    }
    diff_threads(was, now, changes);
    strbuf lines = {0};
    seal_json_diff_sep(was, now, "\n  ", &lines);
    if (lines.len) seal_strbuf_printf(changes, "  %s\n", lines.s);
    seal_strbuf_free(&lines);
    json_decref(now);
    json_decref(was);
    return 0;
}

int seal_run_record_write(const seal_run_record *r, const char *path) {
    char *text = json_dumps(r->root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!text) return seal_err("%s: cannot encode the run record", path);
    strbuf s = {0};
    seal_strbuf_printf(&s, "%s\n", text);
    int rc = seal_write_file_atomic(path, s.s, s.len);
    free(text);
    seal_strbuf_free(&s);
    return rc;
}

int seal_run_record_claim(const seal_run_record *r, const char *path, const char *hint, const char *const *new_keys,
                          strbuf *note) {
    strbuf changes = {0}, unrecorded = {0};
    int found, rc = seal_run_record_compare(r, path, new_keys, &found, &changes, &unrecorded);
    if (rc == 0 && changes.len) {
        changes.s[--changes.len] = '\0'; /* no newline after the last line */
        rc = seal_err("%s: this run was started with other options or inputs (%s):\n%s", path, hint, changes.s);
    }
    if (rc == 0 && !found) rc = seal_run_record_write(r, path);
    if (rc == 0 && note && unrecorded.len)
        seal_strbuf_printf(note, "%s: recorded by an older seal without %s: these are not checked", path, unrecorded.s);
    seal_strbuf_free(&changes);
    seal_strbuf_free(&unrecorded);
    return rc;
}
