/* save.h: write a loaded model back out as a Hugging Face model directory. */
#ifndef SEAL_MODEL_SAVE_H
#define SEAL_MODEL_SAVE_H

#include "model/model.h"

/* Write DIR/model.safetensors with every tensor of m (HF names, in dtype F32,
 * BF16 or F16, rounding to nearest even) and DIR/config.json, after copying
 * the tokenizer and generation files from src_dir when present. Atomic per
 * file; config.json last, so that a failed save never looks like a model.
 * For a whole directory that appears at once, write into seal_outdir_begin()'s
 * temp directory. */
int seal_model_save(const seal_model *m, const char *dir, seal_dtype dtype, const char *src_dir);

/* Copy the side files of a model directory (generation_config.json,
 * tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.json,
 * merges.txt, added_tokens.json, chat_template.jinja) that exist in from_dir
 * into to_dir, byte for byte, atomically. */
int seal_model_copy_side_files(const char *from_dir, const char *to_dir);
/* Copy from_dir/name to to_dir/name; a missing file is an error only if required. */
int seal_model_copy_file(const char *from_dir, const char *to_dir, const char *name, int required);

#endif
