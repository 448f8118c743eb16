#include "seal/journal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fsutil.h"

/* Index the complete lines of an existing journal; returns the byte length of
 * the valid prefix (a torn or unparsable tail is dropped). */
static long index_existing(journal *j, const char *text, size_t len) {
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        if (!nl) break; /* torn last line */
        json_error_t e;
        json_t *rec = json_loadb(text + at, (size_t)(nl - (text + at)), 0, &e);
        json_t *key = rec ? json_object_get(rec, "key") : NULL;
        if (!json_is_string(key)) { json_decref(rec); break; }
        json_object_set_new(j->index, json_string_value(key), rec);
        at = (size_t)(nl - text) + 1;
    }
    return (long)at;
}

int seal_journal_open(journal *j, const char *path) {
    memset(j, 0, sizeof *j);
    j->path = seal_strdup(path);
    j->index = json_object();
    pthread_mutex_init(&j->mu, NULL);
    long keep = 0;
    if (seal_is_file(path)) {
        size_t len;
        char *text = seal_read_file(path, &len);
        if (!text) return -1;
        keep = index_existing(j, text, len);
        free(text);
        if (truncate(path, keep) != 0) return seal_err("%s: cannot truncate a torn record", path);
    }
    j->f = fopen(path, "a");
    if (!j->f) return seal_err("%s: cannot open for appending", path);
    return 0;
}

void seal_journal_open_memory(journal *j) {
    memset(j, 0, sizeof *j);
    j->path = seal_strdup("(in memory)");
    j->index = json_object();
    pthread_mutex_init(&j->mu, NULL);
}

void seal_journal_close(journal *j) {
    if (j->f) fclose(j->f);
    json_decref(j->index);
    free(j->path);
    pthread_mutex_destroy(&j->mu);
    memset(j, 0, sizeof *j);
}

json_t *seal_journal_get(journal *j, const char *key) {
    pthread_mutex_lock(&j->mu);
    json_t *r = json_object_get(j->index, key);
    pthread_mutex_unlock(&j->mu);
    return r;
}

size_t seal_journal_size(journal *j) {
    pthread_mutex_lock(&j->mu);
    size_t n = json_object_size(j->index);
    pthread_mutex_unlock(&j->mu);
    return n;
}

int seal_journal_put(journal *j, const char *key, json_t *rec) {
    if (!json_is_object(rec)) { /* a json_pack that failed: a non-finite number or ill-formed UTF-8 */
        json_decref(rec);
        return seal_err("%s: record \"%s\" cannot be encoded as JSON", j->path, key);
    }
    json_object_set_new(rec, "key", json_string(key));
    char *line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    if (!line) rc = seal_err("%s: record \"%s\" cannot be encoded as JSON", j->path, key);
    else if (json_object_get(j->index, key)) rc = seal_err("%s: record \"%s\" already present", j->path, key);
    else if (j->f && (fprintf(j->f, "%s\n", line) < 0 || fflush(j->f) != 0 || fsync(fileno(j->f)) != 0))
        rc = seal_err("%s: cannot append", j->path);
    else json_object_set(j->index, key, rec);
    pthread_mutex_unlock(&j->mu);
    free(line);
    json_decref(rec);
    return rc;
}

int seal_journal_put_text(journal *j, const char *key, const char *text, size_t len) {
    json_error_t e;
    json_t *rec = json_loadb(text, len, 0, &e);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return seal_err("%s: the result for \"%s\" is not a JSON object (%s)", j->path, key, e.text);
    }
    return seal_journal_put(j, key, rec);
}
