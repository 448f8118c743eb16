/* config.h: a model's architecture as read from a Hugging Face config.json.
 *
 * Supported: LlamaForCausalLM (rope_scaling null or type "llama3", head_dim,
 * attention_bias, mlp_bias) and Qwen2ForCausalLM (q/k/v biases, no sliding
 * window), with GQA and tied or untied embeddings. Anything else that would
 * change the computation is refused with a message naming the field, never
 * silently ignored. */
#ifndef SEAL_MODEL_CONFIG_H
#define SEAL_MODEL_CONFIG_H

typedef enum { ARCH_LLAMA, ARCH_QWEN2 } seal_arch;

typedef struct {
    seal_arch arch;
    char arch_name[64];  /* "LlamaForCausalLM" ... */
    char model_type[32]; /* "llama" | "qwen2" */
    int hidden;          /* hidden_size */
    int ffn;             /* intermediate_size */
    int n_layers, n_heads, n_kv_heads, head_dim;
    int vocab;
    int max_pos;         /* max_position_embeddings */
    double rms_eps, rope_theta;
    int tie_embeddings;
    int qkv_bias, o_bias, mlp_bias;
    /* rope_scaling type llama3 (rope_llama3 = 0 when absent) */
    int rope_llama3;
    double rope_factor, rope_low_freq_factor, rope_high_freq_factor;
    int rope_original_max_pos;
    int bos_id;          /* -1 if absent */
    int eos_ids[8], n_eos;
    char torch_dtype[16];
} seal_config;

/* Parse DIR/config.json into cfg. -1 with a message naming the file and field. */
int seal_config_load(seal_config *cfg, const char *dir);
/* Parse a config.json given as text (path used in messages only). */
int seal_config_parse(seal_config *cfg, const char *json_text, const char *path);

/* DIR/generation_config.json, when present: its eos_token_id(s) are added to
 * cfg->eos_ids, and its sampling defaults returned (fields absent stay as
 * given: the caller pre-fills its own defaults). 0 if the file is absent;
 * -1 + message if it is present but malformed. */
typedef struct {
    int do_sample;           /* -1 when absent */
    double temperature, top_p, min_p, repetition_penalty;
    int top_k;
    int max_new_tokens;
} seal_gen_defaults;
int seal_config_load_generation(seal_config *cfg, const char *dir, seal_gen_defaults *defaults);

/* Write DIR/generation_config.json with cfg's bos/eos ids (no sampling defaults). */
int seal_config_save_generation(const seal_config *cfg, const char *dir);

/* Write cfg as DIR/config.json in Hugging Face's layout (atomically). */
int seal_config_save(const seal_config *cfg, const char *dir);

/* inv_freq[i] for i < head_dim/2, including llama3 scaling, in double. */
void seal_config_rope_inv_freq(const seal_config *cfg, double *inv_freq);

#endif
