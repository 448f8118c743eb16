/* seal synth: write a model with random weights (for tests and benchmarks). */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "model/save.h"
#include "model/synth.h"
#include "tok/tokenizer.h"
#include "util/err.h"
#include "util/fsutil.h"

static int parse_dtype(const char *s, void *dst) {
    seal_dtype *dt = dst;
    if (!strcasecmp(s, "bf16")) *dt = SEAL_BF16;
    else if (!strcasecmp(s, "f16")) *dt = SEAL_F16;
    else if (!strcasecmp(s, "f32")) *dt = SEAL_F32;
    else return seal_err("--dtype: \"%s\" (expected bf16, f16 or f32)", s);
    return 0;
}

/* Size the vocabulary for the tokenizer and take its BOS/EOS. */
static int fit_tokenizer(seal_config *cfg, const char *tok_dir) {
    seal_tokenizer *tok = seal_tok_load(tok_dir);
    if (!tok) return -1;
    cfg->vocab = seal_tok_vocab_size(tok);
    cfg->bos_id = seal_tok_bos_id(tok);
    cfg->n_eos = 0;
    if (seal_tok_eos_id(tok) >= 0) cfg->eos_ids[cfg->n_eos++] = seal_tok_eos_id(tok);
    seal_tok_free(tok);
    return 0;
}

/* The whole model directory in a temp directory beside out, renamed onto out. */
static int write_model(const char *out, const seal_config *cfg, seal_dtype dt, unsigned long long seed, double stdev,
                       const char *tok_dir) {
    char *tmp = seal_outdir_begin(out);
    if (!tmp) return -1;
    if (seal_synth_write(tmp, cfg, dt, seed, (float)stdev) ||
        (tok_dir && (seal_model_copy_side_files(tok_dir, tmp) || seal_config_save_generation(cfg, tmp)))) {
        seal_outdir_abort(tmp);
        return -1;
    }
    return seal_outdir_commit(tmp, out);
}

int cmd_synth(int argc, char **argv) {
    const char *shape = NULL, *out = NULL, *tok_dir = NULL;
    seal_dtype dt = SEAL_BF16;
    unsigned long long seed = 0;
    double stdev = 0.02;
    int force = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("shape", 0, &shape, "NAME", "qwen2.5-0.5b | llama3.2-1b | llama3-micro | tiny | micro | sandbox", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("out", 0, &out, "DIR", "output directory (created; an existing non-empty one needs --force)",
                    CLI_REQUIRED),
        CLI_OPT_CUSTOM("dtype", 0, &dt, "T", "weight dtype (default bf16)", parse_dtype, "bf16|f16|f32", CLI_RESULT),
        CLI_OPT(CLI_U64, "seed", 0, &seed, "S", "random seed", 0, 0, CLI_RESULT),
        CLI_OPT(CLI_F64, "std", 0, &stdev, "X", "weight standard deviation", 0, 10, CLI_RESULT),
        CLI_OPT_STR("tokenizer", 0, &tok_dir, "DIR",
                    "size the vocabulary for DIR's tokenizer.json, take its EOS/BOS, and copy its tokenizer files "
                    "into the model directory", CLI_RESULT),
        CLI_OPT_FLAG("force", 0, &force, "replace an existing non-empty --out", 0),
        {0}};
    const cli_spec spec = {"seal synth", "--shape NAME --out DIR [options]",
                           "Write a Hugging Face model directory (config.json + model.safetensors) with\n"
                           "random weights drawn from N(0, std^2), for tests and benchmarks. The directory is\n"
                           "written beside DIR and renamed into place.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    seal_config cfg;
    const char *inputs[] = {tok_dir, NULL};
    if (seal_synth_shape(&cfg, shape) || (tok_dir && fit_tokenizer(&cfg, tok_dir)) ||
        seal_output_check(out, "--out", force, inputs) || write_model(out, &cfg, dt, seed, stdev, tok_dir))
        return cli_fail();
    return 0;
}
