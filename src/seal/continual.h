/* continual.h: continual self-edits (paper Fig. 6, seal-method.md 2.8): how
 * much a model forgets of earlier passages as its own self-edits for later
 * ones are merged into its weights.
 *
 * For each of R orders (order r draws its n passages as the reference's
 * random.seed(subset_seed + r) then random.sample over the --eval file):
 *   row 0      the untouched model answers the questions of all n passages;
 *   step s     the current model writes ONE self-edit for passage s (the
 *              implications prompt by default, temperature 1, top-p 0.95), a
 *              fresh LoRA is trained on it (the knowledge inner loop's
 *              settings), the model with that adapter answers the questions of
 *              passages 1..s, and the adapter is merged into the weights
 *              (rounded to the model's own dtype, as the reference's bf16
 *              merge) before step s + 1.
 * The result is a lower-triangular matrix acc[s][j] (s = 0..n, j < n; j < s
 * for s >= 1), averaged over the orders with its standard deviation.
 *
 * Run directory: config.json (the run record), continual.jsonl (one record
 * per finished step: self-edit, sequences, answers, accuracies, adapter
 * fingerprint), selfedits.jsonl (the self-edits, cached), order-R/step-S/
 * adapter (each step's LoRA, f32 PEFT files), results.json, results.md and
 * forgetting.svg. A resume rebuilds the model of step s by merging the saved
 * adapters 1..s into the base again, which gives the same bits: no merged
 * model is ever written (a 7B merged model is ~15 GB per step, its r32 q,v
 * adapter ~40 MB). Everything else the knowledge run directory holds
 * (knowledge.h) is there too, empty.
 *
 * Under mpirun (docs/scale-out.md) the orders run side by side, a wave of one
 * step per order at a time; each step rebuilds its model from the saved
 * adapters as a resume does, and rank 0 saves every adapter and journals
 * every step, so results.json is the single process's, byte for byte. */
#ifndef SEAL_SEAL_CONTINUAL_H
#define SEAL_SEAL_CONTINUAL_H

#include "seal/knowledge.h"

#define CONTINUAL_MAX_PASSAGES 64

typedef struct {
    knowledge_opts k; /* model, eval, run, subset_seed, seed, prompt, sampling, max_new_edit, seq, inner, threads */
    int passages;     /* n passages per order (reference 8) */
    int orders;       /* R random orders (reference 8 jobs) */
} continual_opts;

/* The reference's settings: 8 passages, 8 orders, seeds 42 + r, one
 * implications self-edit per step (temperature 1, top-p 0.95), the inner loop
 * r32 a64 on q,v, 10 epochs, lr 1e-3. */
continual_opts seal_continual_opts_defaults(void);

/* -1 + seal_err naming the first bad option (as a C caller may set them). */
int seal_continual_check(const continual_opts *o);

/* Run (or resume) the experiment; write results.json, results.md and
 * forgetting.svg into the run directory. Every option and input is checked
 * before the run directory is touched. Progress on stderr unless quiet. */
int seal_knowledge_continual(const continual_opts *o);

#endif
