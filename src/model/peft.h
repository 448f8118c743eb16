/* peft.h: LoRA adapters in Hugging Face PEFT's on-disk format, so that an
 * adapter trained here loads in PEFT / vLLM (and llama.cpp after
 * convert_lora_to_gguf.py), and a PEFT adapter loads here.
 *
 * A PEFT LoRA adapter directory holds two files:
 *   adapter_config.json        LoraConfig as PEFT 0.15 saves it (json.dumps,
 *                              indent=2, sort_keys=True)
 *   adapter_model.safetensors  for each adapted linear layer, two tensors
 *     base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight [r][in]
 *     base_model.model.model.layers.N.self_attn.q_proj.lora_B.weight [out][r]
 *   (mlp.gate_proj / mlp.up_proj / mlp.down_proj for the MLP), with
 *   __metadata__ {"format": "pt"}, tensors sorted by name.
 * The delta is y += scale * B (A x), scale = lora_alpha / r, or
 * lora_alpha / sqrt(r) with use_rslora. */
#ifndef SEAL_MODEL_PEFT_H
#define SEAL_MODEL_PEFT_H

#include "model/adapter.h"
#include "model/config.h"
#include "util/dtype.h"

#define PEFT_CONFIG_FILE "adapter_config.json"
#define PEFT_WEIGHTS_FILE "adapter_model.safetensors"

/* Write DIR/adapter_config.json and DIR/adapter_model.safetensors (DIR is
 * created if needed) as PEFT 0.15 writes them: tensors in dtype (SEAL_F32 or
 * SEAL_BF16, rounded to nearest even), base_model_name_or_path set to
 * base_model_name (NULL writes null), inference_mode true. Each file is
 * replaced atomically (temp + rename). -1 + message naming the file. */
int seal_peft_save(const seal_adapter *a, const char *dir, const char *base_model_name, seal_dtype dtype);

/* Read the PEFT LoRA adapter in DIR for a model of config cfg into a (freshly
 * allocated; seal_adapter_free it). Anything that would change the computation and
 * that seal does not implement (DoRA, biases, rank/alpha patterns, a subset
 * of layers, extra trained modules such as embed_tokens or lm_head, regex
 * target_modules) is refused with a message naming the file and the field or
 * tensor; so is any tensor missing, unexpected, or shaped differently from
 * what cfg implies. F32, BF16 and F16 tensors are accepted (converted to f32).
 * On failure a is left empty (safe to seal_adapter_free). */
int seal_peft_load(seal_adapter *a, const seal_config *cfg, const char *dir);


#endif
