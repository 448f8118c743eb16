/* seal merge: fold a PEFT LoRA adapter into a copy of its base model. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/merge.h"
#include "util/err.h"

static const char *usage =
    "usage: seal merge -m DIR --adapter ADIR --out OUT [--quiet]\n"
    "\n"
    "Write OUT as a full Hugging Face model directory: the base model DIR with the\n"
    "PEFT LoRA adapter in ADIR (adapter_config.json + adapter_model.safetensors)\n"
    "merged in, W' = W + scale * B A for every adapted projection (scale =\n"
    "lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora). Merged matrices keep\n"
    "the base model's dtype (B A summed in double, added to W, rounded once;\n"
    "bf16/f16 round to nearest even); every other tensor, the shard layout,\n"
    "config.json, the generation config and the tokenizer files are copied\n"
    "unchanged.\n"
    "\n"
    "  -m, --model DIR     base model directory\n"
    "      --adapter ADIR  PEFT LoRA adapter directory\n"
    "      --out OUT       output directory (created; must not already hold a model)\n"
    "  -q, --quiet         no progress on stderr\n";

/* Progress: one line rewritten in place on a terminal (at most 10 times a
 * second); in a log, a line per tenth of the tensors. */
typedef struct { int quiet, tty, open, n_merged; struct timespec t0; double last; } progress_ctx;

static double seconds_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void on_progress(void *ctx, int done, int total, const char *name, int merged) {
    progress_ctx *p = ctx;
    p->n_merged += merged;
    if (p->quiet) return;
    double s = seconds_since(&p->t0);
    if (p->tty) {
        if (done < total && s - p->last < 0.1) return;
        fprintf(stderr, "\r\033[K[%d/%d] %6.1fs %-5s %.60s", done, total, s, merged ? "merge" : "copy", name);
        p->open = done < total;
        if (!p->open) fputc('\n', stderr);
    } else {
        int step = total >= 10 ? total / 10 : 1;
        if (done % step && done < total) return;
        fprintf(stderr, "merge: %d/%d tensors, %.1fs\n", done, total, s);
    }
    p->last = s;
    fflush(stderr);
}

int cmd_merge(int argc, char **argv) {
    static struct option opts[] = {{"model", 1, 0, 'm'}, {"adapter", 1, 0, 'a'}, {"out", 1, 0, 'o'},
                                   {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *adapter = NULL, *out = NULL;
    progress_ctx pc = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:qh", opts, NULL)) != -1) {
        if (c == 'm') model = optarg;
        else if (c == 'a') adapter = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 'q') pc.quiet = 1;
        else if (c == 'h') return cli_usage(usage, 0);
        else return cli_usage(usage, 1);
    }
    if (!model || !adapter || !out || optind != argc) return cli_usage(usage, 1);
    pc.tty = isatty(2);
    clock_gettime(CLOCK_MONOTONIC, &pc.t0);
    if (merge_adapter_progress(model, adapter, out, on_progress, &pc)) {
        if (pc.open) fputc('\n', stderr);
        return cli_fail();
    }
    if (!pc.quiet)
        fprintf(stderr, "merged %s into %s: %d matrices changed, written to %s (%.1fs)\n", adapter, model,
                pc.n_merged, out, seconds_since(&pc.t0));
    return 0;
}
