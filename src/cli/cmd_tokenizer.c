/* seal tokenizer train: learn a byte-level BPE from text and write it as a
 * Hugging Face tokenizer.json + tokenizer_config.json (see tok/bpe_train.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "tok/bpe_train.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *usage =
    "usage: seal tokenizer train --data FILE --vocab-size N --out DIR\n"
    "                            [--special TOKEN]... [--min-frequency F] [--model-max-length N]\n"
    "                            [--pre-tokenizer qwen2|space-after] [--quiet]\n"
    "\n"
    "Train a byte-level BPE tokenizer (GPT-2 / Qwen2 style: a split regex, digits\n"
    "one at a time, no normalizer) and write DIR/tokenizer.json and\n"
    "DIR/tokenizer_config.json, loadable by seal and by Hugging Face tokenizers.\n"
    "\n"
    "  --data FILE           training text: plain text (one document), or JSONL with a\n"
    "                        string \"text\" per row (.jsonl, or a first line {\"text\": ...});\n"
    "                        may be given more than once\n"
    "  --vocab-size N        ids in all: 256 bytes + merges + special tokens\n"
    "  --out DIR             output directory (created if missing; files replaced atomically)\n"
    "  --special TOKEN       an extra special token (repeatable); <|endoftext|> is always\n"
    "                        the first one (eos and pad token)\n"
    "  --min-frequency F     stop merging when the best pair occurs fewer than F times (default 2)\n"
    "  --model-max-length N  model_max_length in tokenizer_config.json (default 2048)\n"
    "  --pre-tokenizer P     the split regex: qwen2 (default; a word carries the space\n"
    "                        before it) or space-after (a word carries the space after\n"
    "                        it, so it has the same ids after a space as at the start\n"
    "                        of a line, e.g. an answer after \"Answer:\\n\")\n"
    "  -q, --quiet           no summary on stderr\n";

static const char *top_usage =
    "usage: seal tokenizer train ...   (seal tokenizer train --help)\n";

static int parse_ll(const char *s, const char *flag, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return seal_err("%s: \"%s\" is not an integer in [%lld, %lld]", flag, s, lo, hi);
    *out = v;
    return 0;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int train(int argc, char **argv) {
    static struct option opts[] = {{"data", 1, 0, 'd'},         {"vocab-size", 1, 0, 'v'},
                                   {"out", 1, 0, 'o'},          {"special", 1, 0, 's'},
                                   {"min-frequency", 1, 0, 'f'}, {"model-max-length", 1, 0, 'L'},
                                   {"pre-tokenizer", 1, 0, 'p'},
                                   {"quiet", 0, 0, 'q'},        {"help", 0, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char **data = seal_calloc((size_t)argc + 1, sizeof *data), **special = seal_calloc((size_t)argc + 1, sizeof *special);
    const char *out = NULL, *pattern = BPE_TRAIN_PATTERN;
    int n_data = 0, n_special = 0, quiet = 0, rc = 0, c;
    long long vocab = -1, min_freq = 2, max_len = 2048;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (c == 'd') data[n_data++] = optarg;
        else if (c == 's') special[n_special++] = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 'v') rc = parse_ll(optarg, "--vocab-size", 1, 1 << 24, &vocab) ? 1 : 0;
        else if (c == 'f') rc = parse_ll(optarg, "--min-frequency", 0, (long long)1 << 62, &min_freq) ? 1 : 0;
        else if (c == 'L') rc = parse_ll(optarg, "--model-max-length", 1, (long long)1 << 40, &max_len) ? 1 : 0;
        else if (c == 'p' && !strcmp(optarg, "qwen2")) pattern = BPE_TRAIN_PATTERN;
        else if (c == 'p' && !strcmp(optarg, "space-after")) pattern = BPE_TRAIN_PATTERN_SPACE_AFTER;
        else if (c == 'p') rc = seal_err("--pre-tokenizer: \"%s\" is not qwen2 or space-after", optarg) ? 1 : 0;
        else if (c == 'q') quiet = 1;
        else if (c == 'h') rc = 3;
        else rc = 2;
    }
    if (!rc && optind != argc) fprintf(stderr, "seal: unexpected argument '%s'\n", argv[optind]);
    else if (!rc && (!n_data || vocab < 0 || !out)) fprintf(stderr, "seal: --data, --vocab-size and --out are required\n");
    if (rc || optind != argc || !n_data || vocab < 0 || !out) {
        free(data);
        free(special);
        return rc == 1 ? cli_fail() : rc == 3 ? cli_usage(usage, 0) : cli_usage(usage, 1);
    }

    bpe_train_opts o = {.vocab_size = (int)vocab, .min_frequency = min_freq, .special = special,
                        .n_special = n_special, .model_max_length = max_len, .pattern = pattern};
    bpe_trainer *t = bpe_trainer_new(&o);
    double t0 = now_s(), t1 = t0, t2 = t0;
    rc = !t;
    for (int i = 0; !rc && i < n_data; i++) rc = bpe_trainer_add_file(t, data[i]) != 0;
    if (!rc) { t1 = now_s(); rc = bpe_trainer_train(t) != 0; }
    if (!rc) { t2 = now_s(); rc = bpe_trainer_save(t, out) != 0; }
    if (rc) {
        rc = cli_fail();
    } else if (!quiet) {
        bpe_train_stats s;
        bpe_trainer_stats(t, &s);
        fprintf(stderr, "read %.2f MB, %lld documents, %lld words (%d distinct) in %.2fs\n", (double)s.n_bytes / 1e6,
                s.n_docs, s.n_words, s.n_unique, t1 - t0);
        fprintf(stderr, "learned %d merges in %.2fs: vocab %d = %d model tokens + %d special\n", s.n_merges, t2 - t1,
                s.n_model + s.n_special, s.n_model, s.n_special);
        if (s.n_model + s.n_special < vocab)
            fprintf(stderr, "note: stopped below --vocab-size %lld: no pair left occurring at least %lld times\n", vocab,
                    min_freq > 1 ? min_freq : 1);
        char *path = seal_path_join(out, "tokenizer.json");
        fprintf(stderr, "wrote %s and tokenizer_config.json (%.2fs in all)\n", path, now_s() - t0);
        free(path);
    }
    bpe_trainer_free(t);
    free(data);
    free(special);
    return rc;
}

int cmd_tokenizer(int argc, char **argv) {
    if (argc < 2) return cli_usage(top_usage, 1);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return cli_usage(usage, 0);
    if (!strcmp(argv[1], "train")) return train(argc - 1, argv + 1);
    fprintf(stderr, "seal: tokenizer: unknown subcommand '%s'\n", argv[1]);
    return cli_usage(top_usage, 1);
}
