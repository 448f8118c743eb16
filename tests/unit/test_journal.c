/* test_journal.c: seal/journal.c, the append-only record that lets a killed
 * run resume: append, reload, a torn last line cut off, a record durable once
 * seal_journal_put returns (a SIGKILL right after loses nothing), thread safety. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "seal/journal.h"
#include "util/err.h"
#include "util/fsutil.h"

static char dir[] = "/tmp/seal_test_journal_XXXXXX";
static char path[256];

static char *file_text(size_t *len) {
    size_t n;
    char *t = seal_read_file(path, &n);
    if (len) *len = t ? n : 0;
    return t;
}

static void append_raw(const char *text) {
    FILE *f = fopen(path, "a");
    fputs(text, f);
    fclose(f);
}

static long long rec_int(journal *j, const char *key, const char *field) {
    return json_integer_value(json_object_get(seal_journal_get(j, key), field));
}

static void test_append_and_reload(void) {
    unlink(path);
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_size(&j) == 0 && seal_journal_get(&j, "a") == NULL);
    CHECK(seal_journal_put(&j, "a", json_pack("{s:i, s:s}", "v", 1, "text", "caf\xc3\xa9")) == 0);
    CHECK(seal_journal_put(&j, "b", json_pack("{s:i}", "v", 2)) == 0);
    CHECK(seal_journal_size(&j) == 2 && rec_int(&j, "b", "v") == 2);
    CHECK(!strcmp(json_string_value(json_object_get(seal_journal_get(&j, "a"), "key")), "a"));
    /* A key twice is refused and nothing is appended. */
    CHECK_ERR(seal_journal_put(&j, "a", json_pack("{s:i}", "v", 3)), "record \"a\" already present");
    /* A record json_pack could not build (NULL) writes nothing: before, "(null)"
     * was appended, and on reload every record after it was dropped. */
    CHECK_ERR(seal_journal_put(&j, "n", json_pack("{s:f}", "x", (double)NAN)), "record \"n\" cannot be encoded as JSON");
    /* On disk already (before close): one compact ASCII line a record. */
    char *t = file_text(NULL);
    CHECK_MSG(t && !strcmp(t, "{\"v\":1,\"text\":\"caf\\u00E9\",\"key\":\"a\"}\n{\"v\":2,\"key\":\"b\"}\n"), "file: %s", t);
    free(t);
    seal_journal_close(&j);

    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_size(&j) == 2 && rec_int(&j, "a", "v") == 1 && rec_int(&j, "b", "v") == 2);
    CHECK(!strcmp(json_string_value(json_object_get(seal_journal_get(&j, "a"), "text")), "caf\xc3\xa9"));
    CHECK_ERR(seal_journal_put(&j, "b", json_object()), "already present"); /* reloaded keys count */
    CHECK(seal_journal_put(&j, "c", json_pack("{s:i}", "v", 4)) == 0);
    seal_journal_close(&j);
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_size(&j) == 3 && rec_int(&j, "c", "v") == 4);
    seal_journal_close(&j);
}

/* A kill mid-write leaves a line without its newline: cut off on open, and the
 * next record starts on a clean line. */
static void test_torn_tail(const char *tail) {
    unlink(path);
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_put(&j, "a", json_pack("{s:i}", "v", 1)) == 0);
    seal_journal_close(&j);
    size_t good;
    free(file_text(&good));
    append_raw(tail);
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK_MSG(seal_journal_size(&j) == 1 && seal_journal_get(&j, "x") == NULL, "tail \"%s\"", tail);
    size_t now;
    free(file_text(&now));
    CHECK_MSG(now == good, "tail \"%s\": file is %zu bytes, want the %zu of the whole records", tail, now, good);
    CHECK(seal_journal_put(&j, "b", json_pack("{s:i}", "v", 2)) == 0);
    seal_journal_close(&j);
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK_MSG(seal_journal_size(&j) == 2 && rec_int(&j, "b", "v") == 2, "tail \"%s\"", tail);
    seal_journal_close(&j);
}

/* From the first line that is not a keyed record on, the file is dropped (it
 * was written after the torn one); the records before it survive. */
static void test_bad_line(void) {
    unlink(path);
    append_raw("{\"key\":\"a\",\"v\":1}\n{\"v\":2}\n{\"key\":\"c\",\"v\":3}\n");
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_size(&j) == 1 && rec_int(&j, "a", "v") == 1 && !seal_journal_get(&j, "c"));
    seal_journal_close(&j);
    char *t = file_text(NULL);
    CHECK_MSG(t && !strcmp(t, "{\"key\":\"a\",\"v\":1}\n"), "file: %s", t);
    free(t);
}

/* seal_journal_put returns only once the line is in the file: a process killed
 * right after loses nothing. */
static void test_survives_kill(void) {
    unlink(path);
    pid_t pid = fork();
    if (pid == 0) {
        journal j;
        if (seal_journal_open(&j, path) || seal_journal_put(&j, "done", json_pack("{s:i}", "v", 7))) _exit(1);
        raise(SIGKILL); /* no close, no exit handlers, no stdio flush */
        _exit(2);
    }
    int st;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK(seal_journal_size(&j) == 1 && rec_int(&j, "done", "v") == 7);
    seal_journal_close(&j);
}

typedef struct { journal *j; int id; } writer;

static void *write_many(void *arg) {
    writer *w = arg;
    for (int i = 0; i < 50; i++) {
        char key[32];
        snprintf(key, sizeof key, "t%d-%d", w->id, i);
        if (seal_journal_put(w->j, key, json_pack("{s:i, s:i}", "t", w->id, "i", i))) return arg;
    }
    return NULL;
}

static void test_threads(void) {
    unlink(path);
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    pthread_t th[4];
    writer w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (writer){&j, i};
        pthread_create(&th[i], NULL, write_many, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        CHECK(r == NULL);
    }
    seal_journal_close(&j);
    CHECK(seal_journal_open(&j, path) == 0); /* every line whole: all 200 reload */
    CHECK(seal_journal_size(&j) == 200 && rec_int(&j, "t3-49", "i") == 49);
    seal_journal_close(&j);
}

static void test_errors(void) {
    journal j;
    CHECK_ERR(seal_journal_open(&j, "/nonexistent-dir/journal.jsonl"), "/nonexistent-dir/journal.jsonl: cannot open");
    seal_journal_close(&j);
}

int main(void) {
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    test_append_and_reload();
    test_torn_tail("{\"key\":\"x\",\"v\":");   /* cut mid-record */
    test_torn_tail("{\"key\":\"x\",\"v\":9}"); /* whole JSON, newline not yet written */
    test_torn_tail("\xff\xfe");
    test_bad_line();
    test_survives_kill();
    test_threads();
    test_errors();
    unlink(path);
    rmdir(dir);
    return check_report("test_journal");
}
