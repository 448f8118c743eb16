/* seal score: teacher-forced log-probabilities of a token sequence. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/peft.h"
#include "model/score.h"
#include "util/err.h"

static const char *usage =
    "usage: seal score -m DIR (--ids \"1 2 3 ...\" | --text TEXT) [--adapter DIR] [--json] [--threads N]\n"
    "\n"
    "Teacher-forced scoring: logprobs[i] = log p(ids[i+1] | ids[0..i]) and\n"
    "nll = -sum(logprobs). With --json prints {\"ids\":[...],\"logprobs\":[...],\"nll\":X}.\n"
    "\n"
    "  -m, --model DIR   model directory (config.json + safetensors)\n"
    "      --ids LIST    token ids, separated by spaces or commas (at least 2)\n"
    "      --text TEXT   text, tokenized with DIR's tokenizer (special tokens added as HF does)\n"
    "      --adapter DIR a PEFT LoRA adapter applied at run time\n"
    "      --json        machine-readable output\n"
    "  -t, --threads N   worker threads (default: all CPUs, or $SEAL_THREADS)\n"
    "      --chunk N     tokens per forward call (default 256; the KV cache carries\n"
    "                    the context across chunks, results do not depend on it)\n";

static void print_json(const int *ids, int n, const double *lp, double nll) {
    printf("{\"ids\":[");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("],\"logprobs\":[");
    for (int i = 0; i < n - 1; i++) printf("%s%.9g", i ? "," : "", lp[i]);
    printf("],\"nll\":%.9g}\n", nll);
}

static void print_text(const int *ids, int n, const double *lp, const int *am, double nll) {
    printf("%6s %8s %12s %8s\n", "pos", "id", "logprob", "argmax");
    for (int i = 0; i < n - 1; i++) printf("%6d %8d %12.6f %8d\n", i + 1, ids[i + 1], lp[i], am[i]);
    printf("nll %.6f over %d tokens, mean %.6f, perplexity %.4f\n", nll, n - 1, nll / (n - 1), exp(nll / (n - 1)));
}

int cmd_score(int argc, char **argv) {
    static struct option opts[] = {{"model", 1, 0, 'm'}, {"ids", 1, 0, 'i'}, {"text", 1, 0, 'x'}, {"adapter", 1, 0, 'a'}, {"json", 0, 0, 'j'},
                                   {"threads", 1, 0, 't'}, {"chunk", 1, 0, 'c'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = NULL, *ids_text = NULL, *text = NULL, *adapter_dir = NULL;
    int as_json = 0, threads = 0, chunk = 256, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:t:h", opts, NULL)) != -1) {
        if (c == 'm') dir = optarg;
        else if (c == 'i') ids_text = optarg;
        else if (c == 'x') text = optarg;
        else if (c == 'a') adapter_dir = optarg;
        else if (c == 'j') as_json = 1;
        else if (c == 't') threads = atoi(optarg);
        else if (c == 'c') chunk = atoi(optarg);
        else if (c == 'h') return cli_usage(usage, 0);
        else return cli_usage(usage, 1);
    }
    if (!dir || !ids_text == !text || optind != argc || chunk <= 0) return cli_usage(usage, 1);
    int *ids, n;
    if (ids_text ? cli_parse_ids(ids_text, &ids, &n) : cli_encode_text(dir, text, &ids, &n)) return cli_fail();
    if (n < 2) { free(ids); seal_err("--ids: need at least 2 tokens to score"); return cli_fail(); }

    seal_model m;
    seal_adapter ad = {0};
    if (model_load(&m, dir)) { free(ids); return cli_fail(); }
    if (adapter_dir && peft_load(&ad, &m.cfg, adapter_dir)) { free(ids); model_free(&m); return cli_fail(); }
    seal_pool *pool = seal_pool_create(cli_threads(threads));
    seal_kvcache kv = {0};
    seal_fwd f = {0};
    double *lp = seal_malloc(sizeof(double) * n);
    int *am = seal_malloc(sizeof(int) * n);
    int rc = kv_init(&kv, &m.cfg, 1, n) || fwd_init(&f, &m, pool, chunk < n ? chunk : n, n);
    if (rc == 0 && adapter_dir) fwd_set_adapter(&f, &ad);
    if (rc == 0) rc = score_sequence(&f, &kv, ids, n, lp, am);
    if (rc == 0) {
        double nll = 0;
        for (int i = 0; i < n - 1; i++) nll -= lp[i];
        if (as_json) print_json(ids, n, lp, nll);
        else print_text(ids, n, lp, am, nll);
    }
    int code = rc ? cli_fail() : 0;
    fwd_free(&f);
    kv_free(&kv);
    seal_pool_destroy(pool);
    if (adapter_dir) adapter_free(&ad);
    model_free(&m);
    free(lp);
    free(am);
    free(ids);
    return code;
}
