/* seal synth: write a model with random weights (for tests and benchmarks). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/save.h"
#include "model/synth.h"
#include "tok/tokenizer.h"
#include "util/err.h"

static const char *usage =
    "usage: seal synth --shape NAME --out DIR [--dtype bf16|f16|f32] [--seed S] [--std X] [--tokenizer DIR]\n"
    "\n"
    "Write a Hugging Face model directory (config.json + model.safetensors) with\n"
    "random weights drawn from N(0, std^2), for tests and benchmarks.\n"
    "\n"
    "  --shape NAME   qwen2.5-0.5b | tiny | micro\n"
    "  --out DIR      output directory (created)\n"
    "  --dtype T      weight dtype (default bf16)\n"
    "  --seed S       random seed (default 0)\n"
    "  --std X        weight standard deviation (default 0.02)\n"
    "  --tokenizer DIR  size the vocabulary for DIR's tokenizer.json, take its EOS/BOS,\n"
    "                 and copy its tokenizer files into the model directory\n";

int cmd_synth(int argc, char **argv) {
    static struct option opts[] = {{"shape", 1, 0, 's'}, {"out", 1, 0, 'o'}, {"dtype", 1, 0, 'd'},
                                   {"seed", 1, 0, 'r'}, {"std", 1, 0, 'x'}, {"tokenizer", 1, 0, 'k'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *shape = NULL, *out = NULL, *dtype_name = "bf16", *tok_dir = NULL;
    unsigned long long seed = 0;
    double stdev = 0.02;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 's') shape = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 'd') dtype_name = optarg;
        else if (c == 'r') seed = strtoull(optarg, NULL, 10);
        else if (c == 'x') stdev = atof(optarg);
        else if (c == 'k') tok_dir = optarg;
        else if (c == 'h') return cli_usage(usage, 0);
        else return cli_usage(usage, 1);
    }
    if (!shape || !out || optind != argc) return cli_usage(usage, 1);
    seal_dtype dt;
    if (!strcasecmp(dtype_name, "bf16")) dt = SEAL_BF16;
    else if (!strcasecmp(dtype_name, "f16")) dt = SEAL_F16;
    else if (!strcasecmp(dtype_name, "f32")) dt = SEAL_F32;
    else { seal_err("--dtype: \"%s\" (expected bf16, f16 or f32)", dtype_name); return cli_fail(); }
    seal_config cfg;
    if (synth_shape(&cfg, shape)) return cli_fail();
    if (tok_dir) {
        seal_tokenizer *tok = tok_load(tok_dir);
        if (!tok) return cli_fail();
        cfg.vocab = tok_vocab_size(tok);
        cfg.bos_id = tok_bos_id(tok);
        cfg.n_eos = 0;
        if (tok_eos_id(tok) >= 0) cfg.eos_ids[cfg.n_eos++] = tok_eos_id(tok);
        tok_free(tok);
    }
    if (synth_write(out, &cfg, dt, seed, (float)stdev)) return cli_fail();
    if (tok_dir && (model_copy_side_files(tok_dir, out) || config_save_generation(&cfg, out))) return cli_fail();
    return 0;
}
