/* seal info: describe a model directory. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "kern/isa.h"
#include "model/model.h"
#include "util/err.h"

int cmd_info(int argc, char **argv) {
    const char *dir = NULL;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &dir, "DIR", "model directory", CLI_REQUIRED),
        CLI_OPT_FLAG("json", 0, &as_json, "one JSON object instead of text", 0),
        {0}};
    const cli_spec spec = {"seal info", "-m DIR [--json]",
                           "Load a Hugging Face model directory (config.json, model.safetensors or a\n"
                           "sharded index) and print its architecture, sizes, parameter count and dtype.\n"
                           "Every tensor is validated; an unsupported architecture or option is refused.\n"
                           "Also prints the kernel path and compute mode products run on (SEAL_KERNEL,\n"
                           "SEAL_COMPUTE; see docs/kernels.md).\n",
                           opts, 0, 0, NULL};
    int prc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (prc != CLI_CONTINUE) return prc;
    seal_model m;
    if (seal_model_load(&m, dir)) return cli_fail();
    const seal_config *k = &m.cfg;
    if (as_json) {
        json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:b, s:b, s:b, s:I, s:s, s:I, s:i}",
            "architecture", k->arch_name, "model_type", k->model_type, "hidden_size", k->hidden,
            "intermediate_size", k->ffn, "num_hidden_layers", k->n_layers, "num_attention_heads", k->n_heads,
            "num_key_value_heads", k->n_kv_heads, "head_dim", k->head_dim, "vocab_size", k->vocab,
            "max_position_embeddings", k->max_pos, "rope_theta", k->rope_theta, "rms_norm_eps", k->rms_eps,
            "tie_word_embeddings", k->tie_embeddings, "qkv_bias", k->qkv_bias, "rope_scaling_llama3", k->rope_llama3,
            "parameters", (json_int_t)m.n_params, "dtype", seal_dtype_name(m.dtype),
            "weight_bytes", (json_int_t)m.weights.total_bytes, "files", m.weights.n_files);
        json_object_set_new(o, "kernel", json_string(seal_isa_name(seal_kernel_isa())));
        json_object_set_new(o, "kernel_best", json_string(seal_isa_name(seal_isa_best())));
        json_object_set_new(o, "compute", json_string(seal_compute_name(seal_kernel_mode())));
        char *s = json_dumps(o, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("model        %s\n", dir);
        printf("architecture %s (%s)\n", k->arch_name, k->model_type);
        printf("parameters   %lld (%.3f B)\n", m.n_params, m.n_params / 1e9);
        printf("dtype        %s, %d file(s), %.1f MB\n", seal_dtype_name(m.dtype), m.weights.n_files, m.weights.total_bytes / 1e6);
        printf("layers       %d, hidden %d, ffn %d\n", k->n_layers, k->hidden, k->ffn);
        printf("attention    %d heads, %d kv heads (GQA %d), head_dim %d%s\n", k->n_heads, k->n_kv_heads,
               k->n_heads / k->n_kv_heads, k->head_dim, k->qkv_bias ? ", qkv bias" : "");
        printf("vocab        %d, embeddings %s\n", k->vocab, k->tie_embeddings ? "tied" : "untied");
        printf("rope         theta %g%s, max positions %d\n", k->rope_theta, k->rope_llama3 ? ", llama3 scaling" : "", k->max_pos);
        printf("rms_norm_eps %g\n", k->rms_eps);
        printf("kernels      %s (best on this CPU: %s), compute %s\n", seal_isa_name(seal_kernel_isa()),
               seal_isa_name(seal_isa_best()), seal_compute_name(seal_kernel_mode()));
    }
    seal_model_free(&m);
    return 0;
}
