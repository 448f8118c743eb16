/* inner.h: SEAL's inner loop. A self-edit's training sequences are applied to
 * the model by finetuning a fresh LoRA adapter (or, for tiny models, a full
 * copy of the weights), then the passage's questions are answered greedily
 * without the passage in context, and the answers graded. The base weights are
 * never modified: the adapter lives beside them and is discarded.
 *
 * Reference defaults (seal-method.md §2.4): LoRA r=32, alpha=64, dropout 0 on
 * q_proj and v_proj, 10 epochs, lr 1e-3, batch 1, linear decay to 0, no
 * warmup, AdamW, max_grad_norm 1 (HF Trainer default), sequences up to 2048
 * tokens; answers: the verbatim answer prompt with "Topic: {title}", greedy,
 * 64 new tokens, stop at EOS. Padding: the reference pads every sequence to
 * 2048 with EOS and leaves those labels unmasked; seal masks padding (there is
 * none: sequences are laid end to end) and appends one EOS to each sequence,
 * which keeps the "stop after the fact" signal without diluting the loss
 * 2000-fold (see docs/seal.md). pad_to > 0 is the reference's way instead
 * (dataset.h's padded layout): no EOS appended, each sequence truncated and
 * right-padded with EOS to pad_to, pads unattended, labelled with pad_labels. */
#ifndef SEAL_SEAL_INNER_H
#define SEAL_SEAL_INNER_H

#include "gen/generate.h"
#include "model/adapter.h"
#include "model/model.h"
#include "seal/judge.h"
#include "seal/squad.h"
#include "tok/tokenizer.h"
#include "train/dataset.h"
#include "train/trainer.h"

typedef enum { GRADE_EM, GRADE_F1, GRADE_JUDGE } grader_kind;

typedef struct {
    int full;            /* full finetune of an f32 copy instead of LoRA */
    int rank;
    float alpha, dropout;
    unsigned targets;
    double lr, weight_decay, max_grad_norm;
    int epochs, batch_size, grad_accum, max_len;
    sched_kind schedule;
    int append_eos;      /* ignored with pad_to (the reference appends none; its first pad is the EOS) */
    int pad_to;          /* > 0: pad every sequence to this many tokens (<= the model's context) */
    int pad_labels;      /* with pad_to: the pads are labels (the reference) */
    int max_new;         /* answer tokens */
    grader_kind grader;
    double f1_threshold; /* GRADE_F1: correct when F1 >= this */
    const seal_model *judge; /* GRADE_JUDGE: a local model answering the grading prompt */
    const seal_tokenizer *judge_tok;
    seal_judge *judge_remote; /* GRADE_JUDGE: instead, an OpenAI-compatible endpoint (seal/judge.h) */
} inner_opts;

/* The reference's defaults (LoRA r32/a64 on q,v; 10 epochs; lr 1e-3; ...), EM grading. */
inner_opts seal_inner_opts_defaults(void);

/* The dataset options of the inner loop's training sequences for model m:
 * EOS appended (packed, the default) or EOS padding to o->pad_to. -1 +
 * seal_err when pad_to exceeds the model's context (max_position_embeddings)
 * or the model has no EOS to pad with. */
int seal_inner_dataset_opts(const inner_opts *o, const seal_model *m, dataset_opts *d);

typedef struct {
    int n_q;
    char **answers;   /* [n_q] stripped answers, malloc'd */
    unsigned char *correct;
    double accuracy;
    double train_loss_first, train_loss_last;
    long train_steps;
    double seconds;
} qa_result;

void seal_qa_result_free(qa_result *r);

/* Answer the passage's questions greedily (adapter may be NULL: the frozen
 * model) and grade them. All questions decode together in one batch. */
int seal_answer_questions(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_adapter *adapter,
                     const seal_passage *p, const inner_opts *o, qa_result *r);

/* The training half of seal_inner_loop: finetune a fresh LoRA adapter *a
 * (seeded with seed) on seqs, or with o->full a full f32 *copy of m; r gets
 * the training loss and steps (no answers). m is left bitwise unchanged. On
 * success the caller owns *a (o->full: *copy) and frees it; on failure
 * nothing is left to free. For callers that keep the adapter (the continual
 * experiment merges it). */
int seal_inner_train(seal_model *m, seal_pool *pool, const seal_tokenizer *tok, char *const *seqs, int n_seqs,
                     const inner_opts *o, unsigned long long seed, seal_model *copy, seal_adapter *a, qa_result *r);

/* Finetune on seqs (a fresh adapter seeded with seed, or a full copy), then
 * answer and grade. The model m is left bitwise unchanged. */
int seal_inner_loop(seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_passage *p,
               char *const *seqs, int n_seqs, const inner_opts *o, unsigned long long seed, qa_result *r);

#endif
