/* outer_sft.h: the M-step both experiments share: a LoRA finetuned on
 * (prompt, completion) rows with the loss on the completion (EOS appended,
 * TRL's rule), saved as a PEFT adapter and merged into a new model directory.
 * Knowledge's ReST-EM rounds (seal-method.md §2.6) and ARC's behaviour cloning
 * (§3.8) differ only in the settings. */
#ifndef SEAL_SEAL_OUTER_SFT_H
#define SEAL_SEAL_OUTER_SFT_H

#include <jansson.h>

#include "rt/threadpool.h"
#include "tok/tokenizer.h"
#include "train/optim.h"

typedef struct {
    int rank;
    float alpha;
    unsigned targets;         /* MOD_* bits */
    int epochs, batch, grad_accum;
    double lr;
    sched_kind schedule;
    unsigned long long data_seed, init_seed; /* batch order; A's initial values */
    int quiet;
    int data_parallel; /* one of the MPI ranks training together (train/trainer.h) */
    const char *expect_fingerprint; /* NULL, or the weights gen_dir must hold (seal_st_set_fingerprint, %016llx):
                                     * another rank's copy that differs is an error, not a silent mistake */
} seal_sft_opts;

/* Train on rows (a JSON array of {"prompt", "completion"} objects, at least
 * one) over the model in gen_dir, save the adapter to adapter_dir and the
 * merged model to model_dir (written beside it and renamed into place).
 * 0, or -1 + seal_err. */
int seal_outer_sft(const char *gen_dir, seal_pool *pool, const seal_tokenizer *tok, json_t *rows,
                   const seal_sft_opts *o, const char *adapter_dir, const char *model_dir);

#endif
