/* knowledge.h: SEAL knowledge incorporation end to end (paper §3.1, the
 * reference's knowledge-incorporation/ folder), as resumable runs.
 *
 * A run directory holds:
 *   config.json        the run record (util/run_record.h): every option that changes
 *                      the results, the inputs' fingerprints, the thread counts and
 *                      the version; a resume under anything else is refused
 *   inner.jsonl        one record per finished inner loop (condition, passage,
 *                      the model adapted, self-edit, sequences, answers,
 *                      correctness, accuracy), and one per dropped empty self-edit
 *   selfedits.jsonl    generated self-edits, per (generator, passage)
 *   baseline.jsonl     the frozen models' answers per passage ("base/<i>", "round-N/<i>")
 *   round-N/           sft.jsonl (the ReST-EM dataset), adapter/ (outer LoRA),
 *                      model/ (the merged generator), summary.json
 *   cpt.jsonl          `knowledge cpt` only: one record per finished condition (cpt.h)
 *   results.json, results.md, accuracy.svg
 * Everything finished is journaled before it counts, so a SIGKILL loses at
 * most the inner loops in flight; rerunning the command resumes.
 *
 * Conditions on the evaluation passages (names as in results.json):
 *   base               the frozen model, no finetuning
 *   passage            finetuned on the passage alone
 *   passage+self-edit  on the passage plus the base model's self-edits (mean over k)
 *   seal-round-N       on the passage plus self-edits of the round-N generator
 * The inner loops adapt the current policy, as the paper's Algorithm 1 and the
 * reference's TTT server (started on models/iterN): the base model for the
 * first three, the merged round-N model for seal-round-N (it writes the
 * self-edits, is finetuned on them and answers); inside ReST-EM round r, the
 * generator (round r-1's model) that wrote the ranked self-edits. Each
 * adapted model's frozen answers are journaled (baseline.jsonl, "round-N/<i>")
 * and every inner.jsonl record names its "inner_model". --inner-model base
 * (inner_model_base) adapts the base model everywhere: the rule before 0.7.
 * Empty self-edits are dropped before evaluation, as the reference does. */
#ifndef SEAL_SEAL_KNOWLEDGE_H
#define SEAL_SEAL_KNOWLEDGE_H

#include "gen/sampler.h"
#include "seal/inner.h"
#include "tok/prompts.h"
#include "seal/selfedit.h"

typedef struct {
    const char *model_dir;   /* base model: inner loops, baseline, round-0 generator */
    const char *train_path;  /* passages for ReST-EM rounds (rl) */
    const char *eval_path;   /* held-out passages */
    const char *run_dir;
    int rounds;              /* ReST-EM rounds (reference 2) */
    int passages_per_round;  /* new training passages each round (reference 50) */
    int k;                   /* self-edits per passage (reference 5) */
    int reps;                /* inner loops per self-edit when ranking (reference 3) */
    int eval_passages;       /* evaluation passages (reference 200); more than the file has is an error... */
    int eval_passages_at_most; /* ...unless this is set: then all of a smaller file (the CLI's default) */
    int eval_reps;           /* inner loops per self-edit in evaluation (reference 1) */
    unsigned long long subset_seed; /* Python random.seed for passage selection (42) */
    unsigned long long seed;        /* sampling and inner-loop seeds */
    self_edit_kind prompt;
    seal_sampling sampling;  /* reference: temperature 1.0, top-p 0.95 */
    int max_new_edit;        /* self-edit token cap (reference 8192) */
    int gen_batch;           /* passages per generation batch (bounds the KV cache) */
    seq_opts seq;
    inner_opts inner;
    int distractors;         /* other passages' sequences added to each inner loop (0, as the reference) */
    int sft_rank, sft_epochs, sft_batch, sft_accum; /* outer SFT (reference r64 a128 all, lr 3e-4, 2 ep, 1x10) */
    float sft_alpha;
    unsigned sft_targets;
    double sft_lr;
    int positive_gain_only;  /* keep the best self-edit only if it beats the baseline */
    int sft_data_parallel;   /* under MPI, the outer SFT's micro-batches over the ranks (docs/scale-out.md) */
    int inner_model_base;    /* 1: every inner loop adapts the base model (--inner-model base, the
                                old rule, an ablation); 0: the current policy (see above) */
    int workers;             /* inner loops run in parallel, one per worker (1..KN_MAX_WORKERS) */
    int model_transfer;      /* how ranks other than 0 read a round's model (continual: adapters)
                                rank 0 wrote: SEAL_TRANSFER_* (seal/transfer.h); not recorded */
    int threads;             /* kernel threads (inner loops: when workers == 1); 0: seal_threads_resolve */
    int quiet;
    const char *conditions;  /* comma list of conditions to evaluate (NULL: all) */
    const char *given_path;  /* JSON {title: self-edit text}: adds condition given_name */
    const char *given_name;  /* e.g. "passage+oracle" */
} knowledge_opts;

#define KN_MAX_WORKERS 64

/* The reference's defaults (seal-method.md), grading by exact match. */
knowledge_opts seal_knowledge_opts_defaults(void);

/* Evaluate base / passage / passage+self-edit, then run o->rounds ReST-EM
 * rounds, evaluating each round's generator; write the results (nothing is
 * printed but progress on stderr: the caller shows results.md). Resumable.
 * Every option and input is checked before the run directory is touched. */
int seal_knowledge_rl(const knowledge_opts *o);
/* The same without training: rounds = 0. */
int seal_knowledge_eval(const knowledge_opts *o);

#endif
