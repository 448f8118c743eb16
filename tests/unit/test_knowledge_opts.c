/* test_knowledge_opts.c: the knowledge library checks its options as a C
 * caller may set them (the CLI's table is not the only guard): a non-finite
 * learning rate, alpha, temperature or top-p, and a worker count out of range,
 * are refused naming the option before anything is written; and a journal
 * refuses a record json_pack could not build instead of writing "(null)". */
#include <math.h>
#include <unistd.h>

#include "check.h"
#include "seal/cpt.h"
#include "seal/journal.h"
#include "seal/knowledge.h"
#include "util/err.h"
#include "util/fsutil.h"

static char run_dir[256];

static knowledge_opts base_opts(void) {
    knowledge_opts o = seal_knowledge_opts_defaults();
    o.model_dir = "/nonexistent/model";
    o.eval_path = "/nonexistent/eval.json";
    o.train_path = "/nonexistent/train.json";
    o.run_dir = run_dir;
    o.quiet = 1;
    return o;
}

#define REFUSED(call, needle) do { CHECK_ERR(call, needle); CHECK_MSG(!seal_is_dir(run_dir), "%s claimed", run_dir); } while (0)

static void test_eval_rl(void) {
    knowledge_opts o = base_opts();
    o.inner.lr = NAN;
    REFUSED(seal_knowledge_eval(&o), "--inner-lr");
    o = base_opts(), o.inner.lr = INFINITY;
    REFUSED(seal_knowledge_eval(&o), "--inner-lr");
    o = base_opts(), o.inner.alpha = NAN;
    REFUSED(seal_knowledge_eval(&o), "--inner-alpha");
    o = base_opts(), o.sampling.temperature = INFINITY;
    REFUSED(seal_knowledge_eval(&o), "--temperature");
    o = base_opts(), o.sampling.top_p = NAN;
    REFUSED(seal_knowledge_eval(&o), "--top-p");
    o = base_opts(), o.inner.f1_threshold = NAN;
    REFUSED(seal_knowledge_eval(&o), "--f1-threshold");
    o = base_opts(), o.workers = 100;
    REFUSED(seal_knowledge_eval(&o), "--workers: need 1 <= N <= 64 (got 100)");
    o = base_opts(), o.workers = 0;
    REFUSED(seal_knowledge_eval(&o), "--workers: need 1 <= N <= 64 (got 0)");
    o = base_opts(), o.sft_lr = NAN;
    REFUSED(seal_knowledge_rl(&o), "--sft-lr");
    o = base_opts(), o.sft_alpha = INFINITY;
    REFUSED(seal_knowledge_rl(&o), "--sft-alpha");
    o = base_opts(), o.train_path = NULL;
    REFUSED(seal_knowledge_rl(&o), "--train");
}

static void test_cpt(void) {
    cpt_opts c = seal_cpt_opts_defaults(CPT_FULL);
    c.k = base_opts();
    c.k.inner.lr = NAN;
    REFUSED(seal_knowledge_cpt(&c), "--inner-lr");
    c = seal_cpt_opts_defaults(CPT_LORA);
    c.k = base_opts();
    c.warmup_ratio = NAN;
    REFUSED(seal_knowledge_cpt(&c), "--inner-warmup-ratio");
}

static void test_journal_null(const char *dir) {
    char *path = seal_path_join(dir, "j.jsonl");
    journal j;
    CHECK(seal_journal_open(&j, path) == 0);
    CHECK_ERR(seal_journal_put(&j, "a/1", NULL), "record \"a/1\" cannot be encoded");
    CHECK(seal_journal_size(&j) == 0);
    seal_journal_close(&j);
    size_t n = 1;
    char *text = seal_read_file(path, &n);
    CHECK_MSG(text && n == 0, "the journal holds \"%s\"", text ? text : "(unreadable)");
    free(text);
    free(path);
}

int main(void) {
    char dir[] = "/tmp/test_knowledge_opts.XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("mkdtemp failed");
    snprintf(run_dir, sizeof run_dir, "%s/run", dir);
    test_eval_rl();
    test_cpt();
    test_journal_null(dir);
    seal_rm_rf(dir);
    return check_report("test_knowledge_opts");
}
