/* cpt.h: SEAL's continued-pretraining (multi-passage) variant of knowledge
 * incorporation (seal-method.md §2.7; paper Table 2, "CPT" columns): one
 * finetune over the training sequences of all n passages at once, then every
 * question of those passages is answered without its passage in context.
 *
 * Two settings, as the reference's two scripts:
 *   CPT_LORA  (v1, CPT.py): LoRA r=32, alpha=64, dropout 0 on q_proj,v_proj,
 *             3 epochs, lr 1e-3, batch 4 x accumulation 2; each completion is
 *             one document and the passage follows EVERY completion
 *             (build_train_sequences with split_newlines off: per completion
 *             "{title}\n{completion}" then "{title}\n{context}", so n*k*2
 *             sequences when no completion contains "---").
 *   CPT_FULL  (v2, CPT_fullFT.py, the default): full finetune of an f32 copy,
 *             1 epoch, lr 7e-5, batch 4 x accumulation 2, warmup ratio 0.03,
 *             weight decay 0, linear decay; the passage ONCE per passage,
 *             after its first completion (n*(k+1) sequences).
 * Both drop empty completions, as the reference does; a passage left with
 * none trains on the reference's fallback [""]: the passage once (lora: after
 * a "{title}\n" sequence, the original code's empty segment).
 *
 * Conditions (names in results.json), each ONE finetune of the base model:
 *   base               the frozen model
 *   passage            the passages alone, each once (the fallback above:
 *                      cpt_naive.json's 400 sequences for 200 passages in
 *                      lora, n in full)
 *   <given name>       fixed self-edits {title: text} (--given-self-edits)
 *   passage+self-edit  the passages plus the base model's k self-edits each
 *   <generator name>   the passages plus k self-edits of another model
 *
 * The run directory is the one knowledge.h describes, plus cpt.jsonl: one
 * record per finished condition (its sequences, training loss, answers and
 * per-passage correctness), so a killed run resumes without redoing it.
 *
 * Under mpirun (docs/scale-out.md) rank 0 generates the self-edits and hands
 * out the finetuned conditions, one per rank at a time; results.json is the
 * one a single process writes, byte for byte.
 *
 * The headline is per-question accuracy, as the paper's CPT figures; the mean
 * of per-passage accuracies follows as a second figure (report.h). */
#ifndef SEAL_SEAL_CPT_H
#define SEAL_SEAL_CPT_H

#include "seal/knowledge.h"

typedef enum { CPT_FULL, CPT_LORA } cpt_mode;

#define CPT_MAX_GENERATORS 8

typedef struct {
    knowledge_opts k;    /* model, eval, run dir, -k, seeds, sampling, seq, inner (finetune + grading), given */
    cpt_mode mode;
    int passages;        /* n (reference 200) */
    int eval_questions;  /* > 0: per-question accuracy on this many questions drawn as v2 does
                          * (random.seed(42); random.shuffle(questions)[:N]); 0: all */
    double warmup_ratio; /* of the optimizer steps (full: 0.03, LoRA: 0) */
    int n_generators;
    const char *gen_name[CPT_MAX_GENERATORS], *gen_dir[CPT_MAX_GENERATORS];
} cpt_opts;

/* The reference's settings for mode (see above); seq: split_newlines off. */
cpt_opts seal_cpt_opts_defaults(cpt_mode mode);

/* "lora" | "full"; -1 + seal_err otherwise. */
int seal_cpt_mode_parse(const char *s, cpt_mode *mode);


/* Run (or resume) the conditions; write results.json ("metric":
 * "per-question", "mode", each condition's accuracy over every question, or
 * over the eval_questions sampled ones, then also "eval_questions": N and
 * "eval_question_sample": their flat indices in the shuffle's order; and its
 * passage_mean), results.md, accuracy.svg. */
int seal_knowledge_cpt(const cpt_opts *o);

#endif
