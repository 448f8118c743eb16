/* outer_sft.c: see outer_sft.h. */
#include "seal/outer_sft.h"

#include <stdlib.h>
#include <string.h>

#include "model/merge.h"
#include "model/model.h"
#include "model/peft.h"
#include "rt/rank.h"
#include "seal/transfer.h"
#include "train/dataset.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"

static int load_rows(train_dataset *ds, const seal_model *g, const seal_tokenizer *tok, json_t *rows) {
    dataset_opts dopt;
    seal_dataset_opts_default(&dopt);
    dopt.max_len = 0; /* the reference: max_length = the longest example */
    dopt.vocab = g->cfg.vocab;
    dopt.eos_id = g->cfg.n_eos ? g->cfg.eos_ids[0] : -1;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *p = json_string_value(json_object_get(row, "prompt"));
        const char *c = json_string_value(json_object_get(row, "completion"));
        if (!p || !c) return seal_err("outer SFT row %zu: needs string \"prompt\" and \"completion\"", i);
        if (seal_dataset_add_prompt_completion(ds, tok, p, c, &dopt)) return -1;
    }
    return ds->n ? 0 : seal_err("outer SFT: no example");
}

static int save_and_merge(const seal_adapter *a, const char *gen_dir, const char *adapter_dir, const char *model_dir) {
    size_t n = strlen(model_dir);
    char *tmp = seal_malloc(n + 5);
    memcpy(tmp, model_dir, n);
    memcpy(tmp + n, ".tmp", 5);
    int rc = seal_peft_save(a, adapter_dir, gen_dir, SEAL_F32);
    if (rc == 0) rc = seal_rm_rf(tmp) || seal_merge_adapter(gen_dir, adapter_dir, tmp) || seal_replace_dir(tmp, model_dir) ? -1 : 0;
    free(tmp);
    return rc;
}

int seal_outer_sft(const char *gen_dir, seal_pool *pool, const seal_tokenizer *tok, json_t *rows,
                   const seal_sft_opts *o, const char *adapter_dir, const char *model_dir) {
    seal_model g;
    int rc = seal_model_load(&g, gen_dir), loaded = rc == 0;
    if (rc == 0 && o->expect_fingerprint) rc = seal_transfer_check_model(&g, gen_dir, o->expect_fingerprint);
    /* data-parallel: every rank gets here before the first gradient sum, so one that cannot train ends them all */
    if (o->data_parallel && seal_rank_any_failed(rc, "read the generator of the outer SFT")) rc = -1;
    if (rc) {
        if (loaded) seal_model_free(&g);
        return -1;
    }
    train_dataset ds = {0};
    seal_adapter a = {0};
    batch_iter it = {0};
    int have_it = 0;
    rc = load_rows(&ds, &g, tok, rows);
    if (rc == 0) rc = seal_batch_iter_init(&it, &ds, o->batch, o->data_seed, 1);
    have_it = rc == 0;
    if (rc == 0) rc = seal_adapter_init(&a, &g.cfg, o->rank, o->alpha, 0, 0.0f, o->targets, o->init_seed);
    if (rc == 0) {
        train_opts to = seal_train_opts_defaults();
        to.lr = o->lr;
        to.epochs = o->epochs;
        to.grad_accum = o->grad_accum;
        to.schedule = o->schedule;
        to.quiet = o->quiet;
        to.data_parallel = o->data_parallel;
        batch_source src = seal_batch_iter_source(&it);
        train_result tr;
        rc = seal_train_run(&g, pool, &a, &src, &to, &tr);
        if (rc == 0 && adapter_dir) rc = save_and_merge(&a, gen_dir, adapter_dir, model_dir);
    }
    if (a.store) seal_adapter_free(&a);
    if (have_it) seal_batch_iter_free(&it);
    seal_dataset_free(&ds);
    seal_model_free(&g);
    return rc;
}
