/* dataset.h: training data, from JSONL rows to the train_batch the trainer
 * consumes, following TRL 0.18's SFTTrainer so that a run here and a run there
 * see the same token ids and the same loss positions.
 *
 * Rows (one JSON object per line, blank lines skipped, unknown keys ignored):
 *   {"text": "..."}                          loss on every token
 *   {"prompt": "...", "completion": "..."}   loss on the completion only
 *   {"input_ids": [...], "completion_mask": [...]}
 *                                            pre-tokenized (mask optional,
 *                                            default all 1; no EOS appended,
 *                                            as TRL does not touch such rows)
 *
 * Prompt/completion, exactly as TRL 0.18's tokenize():
 *   ids         = encode(prompt + completion [+ eos text])   (add_special on)
 *   prompt_len  = len(encode(prompt))
 *   mask        = 0 for the first prompt_len tokens, 1 after
 * When encode(prompt) is not a prefix of ids (a merge across the boundary),
 * TRL warns and still masks by length; so do we, counting the rows in
 * stats.prompt_mismatch and keeping the first one's description in
 * train_dataset.warning for the caller to print (library code never prints).
 *
 * EOS (append_eos, TRL's default): text / completion gets the tokenizer's
 * eos_token text appended unless it already ends with it, before encoding.
 * When the EOS token is not a special added token (its text would not encode
 * to it), or the tokenizer has no eos_token, the id (tokenizer's, else
 * opts.eos_id) is appended to the ids instead, unless they already end in it.
 *
 * Loss spans (opts.spans with n > 0; train/loss_spans.h): a "text" row's mask
 * is 1 only on the tokens of its marked spans, the text cut at the span
 * boundaries and encoded segment by segment (loss_spans.h says how that can
 * differ from encoding it whole; such rows are counted in
 * stats.span_resegmented). The EOS text, when appended, is part of the text
 * the markers are found in; an EOS id appended after is marked iff a span is
 * still open at the text's end. Prompt/completion and pre-tokenized rows are
 * not affected.
 *
 * Labels: the token at t+1 is a label (loss weight 1 on position t) iff
 * mask[t+1] == 1, inside one sequence; the first token is never a label.
 *
 * Layouts (batch_iter):
 *   default  one example = one sequence, sequences of different lengths laid
 *            end to end (no pad tokens, so pads are masked by construction);
 *            examples longer than max_len are truncated on the right first.
 *   packing  TRL's classic "wrapped" packing: the examples (EOS already
 *            inside each) concatenated in dataset order and cut into rows of
 *            exactly max_len tokens (the last one shorter); attention crosses
 *            example boundaries inside a row and the masks travel with their
 *            tokens. Examples are not truncated (as in TRL, which truncates
 *            only without packing). Rows, not examples, are shuffled.
 *   padded   (pad_to > 0, not with packing) the SEAL reference's TTT server
 *            (HF tokenizer with truncation=True, max_length=pad_to,
 *            padding="max_length", labels = input_ids): each example is
 *            truncated to pad_to (max_len is not used) and right-padded to exactly pad_to tokens
 *            with pad_id; the pads get attention_mask 0 (no query attends to
 *            them; they are still queries at positions n..pad_to-1) and, with
 *            pad_labels, labels: position t predicts the pad at t+1, from the
 *            last content token on, so a 20-token example carries pad_to-1
 *            label positions, pad_to-20 of them "predict pad". Without
 *            pad_labels the pads change nothing but the cost (their labels
 *            are masked, and no content query sees them). */
#ifndef SEAL_TRAIN_DATASET_H
#define SEAL_TRAIN_DATASET_H

#include <stdint.h>

#include "tok/tokenizer.h"
#include "train/backward.h"
#include "train/loss_spans.h"
#include "train/trainer.h"

typedef struct {
    int *ids;            /* [n] token ids, each in [0, vocab) */
    unsigned char *mask; /* [n] completion mask: 1 = a label (except at index 0) */
    int n;               /* >= 1 */
    int n_attn;          /* tokens before the right pads (attended): n unless padded */
} train_example;

typedef struct {
    long examples;        /* rows added */
    long tokens;          /* sum of n (after truncation) */
    long loss_tokens;     /* sum over examples of mask[1..n) (per-example layout) */
    long truncated;       /* examples cut to max_len */
    long prompt_mismatch; /* prompt rows where encode(prompt) is not a prefix */
    long pad_tokens;      /* pads added (padded layout), counted in tokens too */
    long span_resegmented; /* loss spans: text rows whose segment-wise ids differ from encoding them whole */
} dataset_stats;

typedef struct {
    train_example *ex; /* [n] in the order added */
    int n, cap;
    dataset_stats stats;
    int max_len, packing, pad_to; /* the options of the first add; later adds must agree */
    int configured;
    char warning[320];    /* first prompt/prefix mismatch ("" if none) */
} train_dataset;

typedef struct {
    int append_eos; /* 1: append EOS to text / completion rows (TRL default) */
    int max_len;    /* > 0: truncation length, or packed row length with packing;
                       0: no limit (packing then needs max_len > 0) */
    int eos_id;     /* EOS id when the tokenizer has none (model config's), -1: none */
    int vocab;      /* > 0: every id must be in [0, vocab) (the model's vocab size) */
    int packing;    /* 1: packed rows (see above) */
    int pad_to;     /* > 0: the padded layout (see above); 0: none */
    int pad_labels; /* padded layout: 1 = pads are labels (the reference), 0 = masked */
    int pad_id;     /* padded layout: the pad token (the reference: EOS) */
    const seal_loss_spans *spans; /* NULL or n == 0: loss on every token of a text row */
} dataset_opts;

/* TRL 0.18's defaults: append_eos 1, max_len 1024, no packing, no padding, no
 * loss spans; eos_id and pad_id -1 and vocab 0 (no check) until the caller
 * knows the model. */
void seal_dataset_opts_default(dataset_opts *o);

/* A zeroed train_dataset ({0}) is an empty dataset; every add appends to it.
 * On error an add leaves d unchanged and returns -1 + seal_err. */

/* Read every row of a JSONL file (forms above). tok may be NULL when every row
 * is pre-tokenized. Errors name the file and the 1-based line ("file F: line
 * 3: ..."); a file without any example is an error too. All or nothing: on
 * error no row of this file is kept. */
int seal_dataset_load_jsonl(train_dataset *d, const char *path, const seal_tokenizer *tok, const dataset_opts *o);
/* One language-modeling example (loss on every token). */
int seal_dataset_add_text(train_dataset *d, const seal_tokenizer *tok, const char *text, const dataset_opts *o);
/* One prompt/completion example (loss on the completion, TRL's rule). */
int seal_dataset_add_prompt_completion(train_dataset *d, const seal_tokenizer *tok, const char *prompt,
                                  const char *completion, const dataset_opts *o);
/* One pre-tokenized example; mask NULL = all 1. ids/mask are copied. */
int seal_dataset_add_ids(train_dataset *d, const int *ids, const unsigned char *mask, int n, const dataset_opts *o);
void seal_dataset_free(train_dataset *d);
/* A 64-bit FNV-1a fingerprint of every example's ids and mask, in order: equal
 * datasets give equal values (to tell a resumed run that its data changed). */
uint64_t seal_dataset_fingerprint(const train_dataset *d);

/* The batch arrays, allocated once for the largest possible micro-batch.
 * weight is writable: the trainer may rescale it in place (e.g. by
 * 1 / label tokens of the accumulated batch). */
typedef struct {
    int *tok, *seq, *pos; /* [cap_tok] */
    int *start, *len, *vis; /* [cap_seq] */
    float *weight;        /* [cap_tok] */
    int cap_tok, cap_seq;
} batch_buf;

/* Walks a dataset in micro-batches of batch_size items (examples, or packed
 * rows), epoch by epoch. The order of epoch e is a Fisher-Yates shuffle of the
 * identity seeded with seed + e (identity without shuffle), so it depends only
 * on (seed, e): an interrupted run resumes with seal_batch_iter_seek. The dataset
 * must outlive the iterator and not change under it. */
typedef struct {
    const train_dataset *d;
    int batch_size, shuffle;
    uint64_t seed;
    int n_items;         /* examples, or packed rows */
    int *order;          /* [n_items] item order of epoch `epoch` */
    int *item_labels;    /* [n_items] label tokens of each item */
    long epoch;          /* epoch `order` belongs to (LONG_MIN before the first) */
    int next;            /* index in order of the next item to emit */
    int max_seq_len;     /* longest item */
    int *pk_ids;         /* packing: [pk_n] all examples concatenated */
    unsigned char *pk_mask;
    long pk_n;
    int row_len;         /* packing: max_len */
    batch_buf buf;
} batch_iter;

/* 0, or -1 + seal_err (empty dataset, batch_size < 1, packing without max_len). */
int seal_batch_iter_init(batch_iter *it, const train_dataset *d, int batch_size, uint64_t seed, int shuffle);
void seal_batch_iter_free(batch_iter *it);
/* Micro-batches per epoch: ceil(items / batch_size) (the last may be partial). */
int seal_batch_iter_epoch_batches(const batch_iter *it);
/* Sizes for seal_train_ctx_init: most tokens in one batch, most sequences, longest sequence. */
int seal_batch_iter_max_tokens(const batch_iter *it);
int seal_batch_iter_max_seqs(const batch_iter *it);
int seal_batch_iter_max_len(const batch_iter *it);
/* Fill the next micro-batch of epoch `epoch` into it->buf and *out (asking for
 * another epoch than the current one starts that epoch from its first batch).
 * *label_tokens (may be NULL) gets the number of weighted positions, i.e. the
 * sum of weight[]. Returns 1, or 0 once the epoch is exhausted (out untouched).
 * Allocates nothing. */
int seal_batch_iter_next(batch_iter *it, long epoch, train_batch *out, int *label_tokens);
/* Position the iterator at micro-batch `batch` of epoch `epoch` (resume). */
void seal_batch_iter_seek(batch_iter *it, long epoch, int batch);
/* Label tokens in the next n_batches micro-batches of epoch `epoch` (from the
 * current position, or from its start if that epoch is not the current one),
 * without consuming them: the denominator for gradient accumulation. */
long seal_batch_iter_peek_labels(batch_iter *it, long epoch, int n_batches);

/* The trainer's view of an iterator: micro-batch i of epoch e, seeking when
 * asked out of order (a resumed run). The iterator must outlive the source. */
batch_source seal_batch_iter_source(batch_iter *it);

#endif
