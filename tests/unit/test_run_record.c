/* test_run_record.c: the run record (src/util/run_record.h): a changed resume
 * is refused naming each key on its own line, the thread count included; a
 * non-finite setting is refused before anything is written; an older record
 * resumes without the keys it lacks; reals read back bit-exact. */
#include <unistd.h>

#include "check.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/run_record.h"

static void build(seal_run_record *r, double lr, int threads, int rank) {
    seal_run_record_init(r);
    CHECK(seal_run_record_real(r, "inner_lr", lr) == 0);
    CHECK(seal_run_record_int(r, "inner_rank", rank) == 0);
    CHECK(seal_run_record_str(r, "prompt", "implications") == 0);
    CHECK(seal_run_record_str(r, "given", NULL) == 0); /* NULL: not recorded */
    CHECK(seal_run_record_int(r, "train.steps", 10) == 0);
    CHECK(seal_run_record_threads(r, threads, "openblas exact") == 0);
}

static void test_claim_and_refuse(const char *dir) {
    char *path = seal_path_join(dir, "config.json");
    seal_run_record r;
    build(&r, 0.1, 4, 32); /* 0.1 is not exact in binary: must read back bit-exact */
    CHECK(seal_run_record_claim(&r, path, "hint", NULL, NULL) == 0);
    CHECK(seal_is_file(path));
    CHECK(seal_run_record_claim(&r, path, "hint", NULL, NULL) == 0); /* the same: resumes */
    seal_run_record_free(&r);

    build(&r, 3e-4, 2, 32);
    CHECK(seal_run_record_int(&r, "train.seq_len", 8) == 0);
    CHECK(seal_run_record_claim(&r, path, "use a new --run directory", NULL, NULL) != 0);
    const char *m = seal_errmsg();
    CHECK_MSG(strstr(m, "config.json: this run was started with other options or inputs (use a new --run directory):\n"), "%s", m);
    CHECK_MSG(strstr(m, "\n  inner_lr 0.1 -> 0.0003"), "%s", m);
    CHECK_MSG(strstr(m, "\n  threads 4 -> 2 (the thread count changes the training arithmetic"), "%s", m);
    CHECK_MSG(strstr(m, "\n  train.seq_len (none) -> 8"), "%s", m);
    CHECK_MSG(!strstr(m, "inner_rank") && !strstr(m, "prompt"), "unchanged keys named: %s", m);
    seal_run_record_free(&r);

    build(&r, 0.1 + 1e-12, 4, 32); /* differs past 6 digits: shown to 17 */
    CHECK(seal_run_record_claim(&r, path, "hint", NULL, NULL) != 0);
    CHECK_MSG(strstr(seal_errmsg(), "inner_lr 0.10000000000000001 -> 0.10000000000100001"), "%s", seal_errmsg());
    seal_run_record_free(&r);
    free(path);
}

static void test_non_finite(void) {
    seal_run_record r;
    seal_run_record_init(&r);
    CHECK_ERR(seal_run_record_real(&r, "inner_lr", NAN), "inner_lr: nan is not a finite number");
    CHECK_ERR(seal_run_record_real(&r, "sft_alpha", INFINITY), "sft_alpha: inf is not a finite number");
    CHECK_ERR(seal_run_record_json(&r, "temperature", NULL), "temperature");
    CHECK(json_object_size(r.root) == 1); /* only seal_version */
    seal_run_record_free(&r);
}

/* A record from before the version key: keys it never had are not checked. */
static void test_legacy(const char *dir) {
    char *path = seal_path_join(dir, "old.json");
    const char *old = "{\"inner_lr\": 0.10000000000000001, \"inner_rank\": 32, \"prompt\": \"implications\", "
                      "\"train\": {\"steps\": 10}}";
    CHECK(seal_write_file_atomic(path, old, strlen(old)) == 0);
    const char *new_keys[] = {"threads", "arithmetic", "seal_version", "answer_tokens", NULL};
    seal_run_record r;
    build(&r, 0.1, 4, 32);
    CHECK(seal_run_record_int(&r, "answer_tokens", 16) == 0);
    strbuf note = {0};
    CHECK_MSG(seal_run_record_claim(&r, path, "hint", new_keys, &note) == 0, "%s", seal_errmsg());
    CHECK_MSG(note.s && strstr(note.s, "without threads, arithmetic, seal_version, answer_tokens"), "%s", note.s ? note.s : "");
    CHECK(seal_run_record_claim(&r, path, "hint", NULL, NULL) != 0); /* without new_keys they count */
    seal_run_record_free(&r);
    build(&r, 0.1, 4, 64); /* an old key still counts */
    CHECK(seal_run_record_claim(&r, path, "hint", new_keys, NULL) != 0);
    CHECK_MSG(strstr(seal_errmsg(), "inner_rank 32 -> 64"), "%s", seal_errmsg());
    seal_run_record_free(&r);
    seal_strbuf_free(&note);
    free(path);
}

static void test_unreadable(const char *dir) {
    char *path = seal_path_join(dir, "bad.json");
    CHECK(seal_write_file_atomic(path, "{oops", 5) == 0);
    seal_run_record r;
    build(&r, 0.1, 1, 1);
    CHECK_ERR(seal_run_record_claim(&r, path, "hint", NULL, NULL), "bad.json: unreadable");
    seal_run_record_free(&r);
    free(path);
}

int main(void) {
    char dir[] = "/tmp/test_run_record.XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("mkdtemp failed");
    test_claim_and_refuse(dir);
    test_non_finite();
    test_legacy(dir);
    test_unreadable(dir);
    seal_rm_rf(dir);
    return check_report("test_run_record");
}
