/* merge.h: fold a LoRA adapter into a copy of its base model, giving a plain
 * Hugging Face model directory that any loader reads without the adapter. */
#ifndef SEAL_MODEL_MERGE_H
#define SEAL_MODEL_MERGE_H

#include "model/adapter.h"
#include "model/model.h"

/* Called after each tensor is written: done/total tensors so far, its name,
 * and whether it was merged (1) or copied (0). */
typedef void (*merge_progress_fn)(void *ctx, int done, int total, const char *name, int merged);

/* Write OUT_DIR (created if needed; it must not already hold a model, and
 * must not be MODEL_DIR) as MODEL_DIR with W' = W + scale * B A for every
 * adapted projection of the PEFT adapter in ADAPTER_DIR:
 *  - B A is summed in double, added to W, and rounded once into the tensor's
 *    own dtype (via f32; BF16/F16 round to nearest even), so a BF16 model
 *    stays BF16;
 *  - every other tensor is copied bit-exactly, with the same names, order,
 *    shards (model.safetensors.index.json copied as is) and __metadata__;
 *  - config.json is copied as is (torch_dtype kept), and so are
 *    generation_config.json, the tokenizer files (tokenizer.json,
 *    tokenizer_config.json, special_tokens_map.json, vocab.json, merges.txt,
 *    added_tokens.json) and chat_template.jinja when present.
 * Memory: the base stays mmapped; one block of output rows is materialized at
 * a time (a few MiB), never a whole model. Each file is written to a temp
 * file and renamed into place. -1 + message naming the file on failure. */
int seal_merge_adapter(const char *model_dir, const char *adapter_dir, const char *out_dir);

/* The same, reporting progress through fn (may be NULL). */
int seal_merge_adapter_progress(const char *model_dir, const char *adapter_dir, const char *out_dir,
                           merge_progress_fn fn, void *ctx);

/* The same in memory: W += scale * B A for every adapted projection of the
 * loaded model m, whose matrices must be owned f32 (seal_model_to_f32), each
 * delta summed in double as above; then every merged matrix is rounded to
 * round_to and back (SEAL_BF16 for a BF16 model: what a merge saved in the
 * model's own dtype and reloaded would hold; SEAL_F32: no rounding). The
 * same adapters merged in the same order give the same bits. -1 + seal_err
 * when the model is not in memory or the shapes differ. */
int seal_merge_adapter_in_memory(seal_model *m, const seal_adapter *a, seal_dtype round_to);

#endif
