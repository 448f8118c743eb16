/* arc_ttt.h: test-time training for one ARC task under one self-edit
 * (seal-method.md §3.4-§3.6): the TTT tasks its tools describe, rendered in
 * the model's chat template and tokenized as the reference does, then a fresh
 * LoRA trained on them. Also the one home of the task-to-text rendering that
 * evaluation (arc_solve.h) shares.
 *
 * Text (§3.5, §7): messages system / user / assistant (arc/format.h) through
 * the model's chat template with the generation prompt appended after the
 * answer (the reference's add_generation_prompt=True: an empty assistant
 * header trails every training text); Llama-3.2's date block is pinned to
 * "26 Jul 2024" (the reference writes the run's date). The training text is
 * encoded with special tokens, so a template that starts with BOS gives two
 * BOS tokens, as the reference's do; prompts at inference are encoded without
 * (one BOS). Loss: train_using_all_tokens masks nothing;
 * train_using_output_tokens masks everything up to the answer (the text the
 * template renders for system + user + generation prompt: for Llama 3 the
 * reference's "after the 3rd (128007, 271) pair"). Examples of max_len
 * tokens or more are dropped; over `cap` remain: RandomState(0)-shuffled and
 * capped. Every example is right-padded with the tokenizer's EOS
 * (<|eot_id|>) to the longest of the set, pads unattended and labelled, as
 * the reference's collator leaves them (pad_longest 0: no padding).
 *
 * Training (§3.6): LoRA r=128, alpha=16, dropout 0 on q, v, gate, up, down;
 * batch 2, AdamW (wd 0, grad-norm clip 1: HF's defaults), cosine with 11
 * warmup steps, lr and epochs from the self-edit. A is drawn from one seed for
 * the whole run (the reference restores one PEFT model's initial A before
 * every self-edit), B starts at zero. */
#ifndef SEAL_SEAL_ARC_TTT_H
#define SEAL_SEAL_ARC_TTT_H

#include "arc/config.h"
#include "arc/task.h"
#include "model/adapter.h"
#include "model/model.h"
#include "tok/chat.h"
#include "tok/tokenizer.h"
#include "train/dataset.h"

typedef struct {
    int rank;
    float alpha;
    unsigned targets;          /* MOD_* bits */
    int batch;
    long long warmup_steps;
    int max_steps;             /* the reference's budget: more optimizer steps than this -> 0 epochs */
    int cap;                   /* examples kept at most (250) */
    int max_len;               /* examples of this many tokens or more are dropped (8192) */
    int pad_longest;           /* 1: pad to the longest example with EOS, labelled (the reference) */
    int leave_n[2], n_leave;   /* leave-n task construction ({1, 2}) */
    unsigned long long seed;   /* A's initial values; the batch order */
    int progress;              /* show the trainer's progress bar (a TTT of a real model takes minutes) */
} arc_ttt_opts;

/* The reference's TTT settings above. */
arc_ttt_opts seal_arc_ttt_defaults(void);

typedef struct {
    int tasks;          /* TTT tasks built from the tools (before the length filter and cap) */
    int dropped_long;   /* of those, max_len tokens or more */
    int examples;       /* trained on */
    long tokens;        /* tokens per epoch, pads included */
    long steps;         /* optimizer steps taken */
    double loss_first, loss_last;
    double seconds;
    int nonfinite;      /* training stopped on a non-finite loss or gradient */
} arc_ttt_info;

/* The text of task t for the model's template: the messages, then (with
 * with_answer) the answer and the trailing generation prompt; without, the
 * prompt a prediction continues. malloc'd, or NULL + seal_err. */
char *seal_arc_render(const arc_task *t, const chat_template *tpl, int with_answer);
/* The TTT examples of self-edit c for task t's demonstrations into *ds
 * (empty on entry): built, filtered, capped, tokenized, masked and padded as
 * above; info gets the counts. c->status must be ARC_CFG_OK. 0, or -1 +
 * seal_err. */
int seal_arc_ttt_dataset(const arc_task *t, const arc_config *c, const seal_tokenizer *tok, const chat_template *tpl,
                         int vocab, const arc_ttt_opts *o, train_dataset *ds, arc_ttt_info *info);
/* Train a fresh adapter *a on ds with c's lr and epochs (c->epochs >= 1);
 * stop_after > 0 stops after that many optimizer steps (benchmarks; 0: the
 * whole run). m is not modified. On success the caller frees *a; a
 * non-finite loss fails with info->nonfinite set. */
int seal_arc_ttt_train(seal_model *m, seal_pool *pool, const train_dataset *ds, const arc_config *c,
                       const arc_ttt_opts *o, long stop_after, seal_adapter *a, arc_ttt_info *info);

#endif
