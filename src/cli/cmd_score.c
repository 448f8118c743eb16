/* seal score: teacher-forced log-probabilities of a token sequence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "model/peft.h"
#include "model/score.h"
#include "util/err.h"

typedef struct {
    const char *dir, *ids_text, *text, *adapter_dir;
    int as_json, threads, chunk;
} score_opts;

/* The library refuses non-finite logits, so logprobs are finite; a sum of
 * very many can still overflow, and JSON has no inf or nan: refuse it. */
static int print_json(const int *ids, int n, const double *lp, double nll) {
    if (!isfinite(nll)) return seal_err("score: the total NLL is %g, not a finite number", nll);
    printf("{\"ids\":[");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("],\"logprobs\":[");
    for (int i = 0; i < n - 1; i++) printf("%s%.9g", i ? "," : "", lp[i]);
    printf("],\"nll\":%.9g}\n", nll);
    return 0;
}

static void print_text(const int *ids, int n, const double *lp, const int *am, double nll) {
    printf("%6s %8s %12s %8s\n", "pos", "id", "logprob", "argmax");
    for (int i = 0; i < n - 1; i++) printf("%6d %8d %12.6f %8d\n", i + 1, ids[i + 1], lp[i], am[i]);
    printf("nll %.6f over %d tokens, mean %.6f, perplexity %.4f\n", nll, n - 1, nll / (n - 1), exp(nll / (n - 1)));
}

static int parse(score_opts *o, int argc, char **argv) {
    *o = (score_opts){.chunk = 256};
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &o->dir, "DIR", "model directory (config.json + safetensors)", CLI_REQUIRED),
        CLI_OPT_STR("ids", 0, &o->ids_text, "LIST", "token ids, separated by spaces or commas (at least 2)", 0),
        CLI_OPT_STR("text", 0, &o->text, "TEXT",
                    "text, tokenized with DIR's tokenizer (special tokens added as HF does)", 0),
        CLI_OPT_STR("adapter", 0, &o->adapter_dir, "DIR", "a PEFT LoRA adapter applied at run time", CLI_RESULT),
        CLI_OPT_FLAG("json", 0, &o->as_json, "machine-readable output", 0),
        CLI_THREADS_OPT(&o->threads),
        CLI_OPT(CLI_INT, "chunk", 0, &o->chunk, "N",
                "tokens per forward call (the KV cache carries the context across chunks; results do not depend on it)",
                1, 1 << 20, 0),
        {0}};
    const cli_spec spec = {"seal score", "-m DIR (--ids \"1 2 3 ...\" | --text TEXT) [options]",
                           "Teacher-forced scoring: logprobs[i] = log p(ids[i+1] | ids[0..i]) and\n"
                           "nll = -sum(logprobs). With --json prints {\"ids\":[...],\"logprobs\":[...],\"nll\":X}.\n",
                           opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    if (!o->ids_text == !o->text) {
        fprintf(stderr, "seal score: give exactly one of --ids LIST and --text TEXT\n");
        return 2;
    }
    return CLI_CONTINUE;
}

/* The tokens to score: --ids as given, or --text through the tokenizer. */
static int score_input(const score_opts *o, int **ids, int *n) {
    if (o->ids_text ? cli_parse_ids(o->ids_text, ids, n) : cli_encode_text(o->dir, o->text, ids, n)) return -1;
    if (*n >= 2) return 0;
    free(*ids);
    *ids = NULL;
    if (o->ids_text) return seal_err("--ids: need at least 2 tokens to score (got %d)", *n);
    return seal_err("--text: \"%.40s\" encodes to %d token(s); scoring needs at least 2", o->text, *n);
}

int cmd_score(int argc, char **argv) {
    score_opts o;
    int prc = parse(&o, argc, argv), threads;
    if (prc != CLI_CONTINUE) return prc;
    if (seal_threads_resolve(o.threads, &threads)) return cli_fail();
    int *ids, n;
    if (score_input(&o, &ids, &n)) return cli_fail();

    seal_model m;
    seal_adapter ad = {0};
    if (seal_model_load(&m, o.dir)) { free(ids); return cli_fail(); }
    if (o.adapter_dir && seal_peft_load(&ad, &m.cfg, o.adapter_dir)) { free(ids); seal_model_free(&m); return cli_fail(); }
    seal_pool *pool = seal_pool_create(threads);
    seal_kvcache kv = {0};
    seal_fwd f = {0};
    double *lp = seal_malloc(sizeof(double) * n);
    int *am = seal_malloc(sizeof(int) * n);
    int rc = !pool || seal_kv_init(&kv, &m.cfg, 1, n) || seal_fwd_init(&f, &m, pool, o.chunk < n ? o.chunk : n, n);
    if (rc == 0 && o.adapter_dir) seal_fwd_set_adapter(&f, &ad);
    if (rc == 0) rc = seal_score_sequence(&f, &kv, ids, n, lp, am);
    if (rc == 0) {
        double nll = 0;
        for (int i = 0; i < n - 1; i++) nll -= lp[i];
        if (o.as_json) rc = print_json(ids, n, lp, nll);
        else print_text(ids, n, lp, am, nll);
    }
    int code = rc ? cli_fail() : 0;
    seal_fwd_free(&f);
    seal_kv_free(&kv);
    if (pool) seal_pool_destroy(pool);
    if (o.adapter_dir) seal_adapter_free(&ad);
    seal_model_free(&m);
    free(lp);
    free(am);
    free(ids);
    return code;
}
