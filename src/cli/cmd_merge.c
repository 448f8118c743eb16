/* seal merge: fold a PEFT LoRA adapter into a copy of its base model. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "model/merge.h"
#include "util/err.h"
#include "util/fsutil.h"

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

/* Merge into a temp directory beside out and rename it into place, so that
 * out never holds a half-written model; a killed merge's temp directory is
 * removed by the next run. */
static int merge_into(const char *model, const char *adapter, const char *out, progress_ctx *pc) {
    char *tmp = seal_outdir_begin(out);
    if (!tmp) return -1;
    if (seal_merge_adapter_progress(model, adapter, tmp, on_progress, pc)) {
        seal_outdir_abort(tmp);
        return -1;
    }
    return seal_outdir_commit(tmp, out);
}

int cmd_merge(int argc, char **argv) {
    const char *model = NULL, *adapter = NULL, *out = NULL;
    int force = 0;
    progress_ctx pc = {0};
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &model, "DIR", "base model directory", CLI_REQUIRED),
        CLI_OPT_STR("adapter", 0, &adapter, "ADIR", "PEFT LoRA adapter directory", CLI_REQUIRED),
        CLI_OPT_STR("out", 0, &out, "OUT", "output directory (written whole, then renamed into place)", CLI_REQUIRED),
        CLI_OPT_FLAG("force", 0, &force, "replace an existing non-empty OUT", 0),
        CLI_OPT_FLAG("quiet", 'q', &pc.quiet, "no progress on stderr", 0),
        {0}};
    const cli_spec spec = {
        "seal merge", "-m DIR --adapter ADIR --out OUT [--force] [--quiet]",
        "Write OUT as a full Hugging Face model directory: the base model DIR with the\n"
        "PEFT LoRA adapter in ADIR (adapter_config.json + adapter_model.safetensors)\n"
        "merged in, W' = W + scale * B A for every adapted projection (scale =\n"
        "lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora). Merged matrices keep\n"
        "the base model's dtype (B A summed in double, added to W, rounded once;\n"
        "bf16/f16 round to nearest even); every other tensor, the shard layout,\n"
        "config.json, the generation config and the tokenizer files are copied\n"
        "unchanged. OUT is written as a temp directory beside it (.seal-tmp-PID-*) and\n"
        "renamed into place at the end; an existing non-empty OUT is replaced only with\n"
        "--force, and OUT may never be (or lie inside) DIR or ADIR.\n",
        opts, 0, 0, NULL};
    int prc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (prc != CLI_CONTINUE) return prc;
    const char *inputs[] = {model, adapter, NULL};
    if (seal_output_check(out, "--out", force, inputs)) return cli_fail();
    pc.tty = isatty(2);
    clock_gettime(CLOCK_MONOTONIC, &pc.t0);
    if (merge_into(model, adapter, out, &pc)) {
        if (pc.open) fputc('\n', stderr);
        return cli_fail();
    }
    if (!pc.quiet)
        fprintf(stderr, "merged %s into %s: %d matrices changed, written to %s (%.1fs)\n", adapter, model,
                pc.n_merged, out, seconds_since(&pc.t0));
    return 0;
}
