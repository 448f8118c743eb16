/* synth.h: models with random weights, for tests and benchmarks.
 * A synthetic model is a normal Hugging Face directory (config.json +
 * model.safetensors) that any tool, seal or transformers, can load. */
#ifndef SEAL_MODEL_SYNTH_H
#define SEAL_MODEL_SYNTH_H

#include <stdint.h>

#include "model/config.h"
#include "model/model.h"
#include "util/dtype.h"

/* Fill cfg with a named shape: "qwen2.5-0.5b" (hidden 896, 24 layers, 14 heads,
 * 2 KV heads, FFN 4864, vocab 151936, tied), "tiny" (Llama, hidden 256, 6
 * layers, 8 heads, 4 KV heads, FFN 704, vocab 4096), "micro" (Llama, hidden
 * 64, 2 layers, for unit tests). -1 for an unknown name. */
int seal_synth_shape(seal_config *cfg, const char *name);

/* Write DIR/config.json and DIR/model.safetensors with weights drawn from
 * N(0, std^2) (norm weights 1 + N(0, 0.1^2), biases N(0, std^2)), stored in
 * dtype (F32, BF16 or F16). Deterministic for a seed. */
int seal_synth_write(const char *dir, const seal_config *cfg, seal_dtype dtype, uint64_t seed, float std);

/* The same model, built in memory as F32 (as seal_model_load + seal_model_to_f32 would
 * give it from a seal_synth_write(..., SEAL_F32, seed, std) directory, bit for bit:
 * the same tensors drawn in the same order), with no file written. m owns
 * every buffer; free it with seal_model_free. 0, or -1 + seal_err for a shape
 * whose sizes overflow. */
int seal_synth_init(seal_model *m, const seal_config *cfg, uint64_t seed, float std);

#endif
