/* seal: one CLI for the whole engine. `seal <command> --help` for each. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "kern/isa.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "util/err.h"
#include "util/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"info", cmd_info, "describe a Hugging Face model directory"},
    {"score", cmd_score, "log-probabilities of a token sequence under a model"},
    {"generate", cmd_generate, "sample continuations of a prompt (batched, streaming)"},
    {"sandbox", cmd_sandbox, "measure the tiny-model sandbox: probe | oracle | faithfulness"},
    {"knowledge", cmd_knowledge, "SEAL knowledge incorporation: eval | rl (ReST-EM) | cpt | continual"},
    {"arc", cmd_arc, "SEAL few-shot ARC: eval | rl (self-edits choose tools; test-time training)"},
    {"pretrain", cmd_pretrain, "train a Llama model from scratch (checkpoints, resume)"},
    {"train", cmd_train, "finetune with LoRA or fully on a JSONL dataset"},
    {"tokenize", cmd_tokenize, "text on stdin to token ids"},
    {"detokenize", cmd_detokenize, "token ids on stdin to text"},
    {"tokenizer", cmd_tokenizer, "train a byte-level BPE tokenizer (tokenizer train ...)"},
    {"chat-template", cmd_chat_template, "render messages with the model's chat template"},
    {"synth", cmd_synth, "write a model with random weights (tests, benchmarks)"},
    {"merge", cmd_merge, "merge a LoRA adapter into a full model directory"},
    {"world", cmd_world, "generate the synthetic knowledge world (sandbox data)"},
    {"serve", cmd_serve, "an OpenAI-compatible HTTP server (completions, chat, LoRA by name)"},
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out, "usage: seal <command> [options]   (seal <command> --help for details; seal --version)\n\ncommands:\n");
    for (int i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

/* A command's output is only delivered once stdout is flushed and closed
 * without error: a full disk (`--json > /dev/full`) must not exit 0. */
static int finish_stdout(int rc) {
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "seal: cannot write standard output: %s\n", strerror(errno ? errno : EIO));
        return rc ? rc : 1;
    }
    return rc;
}

/* Does the command spread its work over MPI ranks (docs/scale-out.md)? The
 * others run on rank 0 alone while the other ranks leave at once. */
static int spreads(int argc, char **argv) {
    const char *sub = argc > 2 ? argv[2] : "";
    if (!strcmp(argv[1], "knowledge"))
        return !strcmp(sub, "eval") || !strcmp(sub, "rl") || !strcmp(sub, "cpt") || !strcmp(sub, "continual");
    if (!strcmp(argv[1], "arc")) return !strcmp(sub, "eval") || !strcmp(sub, "rl");
    return !strcmp(argv[1], "train") || !strcmp(argv[1], "pretrain");
}

static int dispatch(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { usage(stdout); return finish_stdout(0); }
    if (!strcmp(argv[1], "--version")) { printf("seal %s\n", SEAL_VERSION); return finish_stdout(0); }
    /* A forced kernel path the CPU lacks (SEAL_KERNEL) is refused up front. */
    if (seal_kernel_init()) {
        fprintf(stderr, "seal: %s\n", seal_errmsg());
        return 1;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return finish_stdout(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "seal: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (seal_rank_init(&argc, &argv)) {
        fprintf(stderr, "seal: %s\n", seal_errmsg());
        return 2;
    }
    int rc = 0;
    if (seal_rank() == 0) rc = dispatch(argc, argv);
    else if (argc >= 2 && spreads(argc, argv)) {
        /* only rank 0 prints a command's output; the others' errors still reach stderr, named by rank */
        if (!freopen("/dev/null", "w", stdout)) return 2;
        rc = dispatch(argc, argv);
        if (rc && rc != 2) fprintf(stderr, "seal: (rank %d) exited with status %d\n", seal_rank(), rc);
    }
    seal_farm_stop();
    seal_rank_finalize();
    return rc;
}
