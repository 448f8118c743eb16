/* seal tokenizer train: learn a byte-level BPE from text and write it as a
 * Hugging Face tokenizer.json + tokenizer_config.json (see tok/bpe_train.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "tok/bpe_train.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/progress.h"

/* A repeatable option's values, in order (argv strings, not copied). */
typedef struct {
    const char **v;
    int n;
} str_list;

static int add_str(const char *s, void *dst) {
    str_list *l = dst;
    l->v = seal_realloc(l->v, sizeof *l->v * (size_t)(l->n + 2));
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return 0;
}

static int parse_pattern(const char *s, void *dst) {
    if (!strcmp(s, "qwen2")) *(const char **)dst = SEAL_BPE_TRAIN_PATTERN;
    else if (!strcmp(s, "space-after")) *(const char **)dst = SEAL_BPE_TRAIN_PATTERN_SPACE_AFTER;
    else return seal_err("--pre-tokenizer: \"%s\" is not qwen2 or space-after", s);
    return 0;
}

static void print_summary(const bpe_trainer *t, const char *out, long long vocab, long long min_freq, double t0,
                          double t1, double t2) {
    bpe_train_stats s;
    seal_bpe_trainer_stats(t, &s);
    fprintf(stderr, "read %.2f MB, %lld documents, %lld words (%d distinct) in %.2fs\n", (double)s.n_bytes / 1e6,
            s.n_docs, s.n_words, s.n_unique, t1 - t0);
    fprintf(stderr, "learned %d merges in %.2fs: vocab %d = %d model tokens + %d special\n", s.n_merges, t2 - t1,
            s.n_model + s.n_special, s.n_model, s.n_special);
    if (s.n_model + s.n_special < vocab)
        fprintf(stderr, "note: stopped below --vocab-size %lld: no pair left occurring at least %lld times\n", vocab,
                min_freq > 1 ? min_freq : 1);
    char *path = seal_path_join(out, "tokenizer.json");
    fprintf(stderr, "wrote %s and tokenizer_config.json (%.2fs in all)\n", path, seal_now() - t0);
    free(path);
}

/* Train, then write both files into a temp directory beside out and rename it onto out. */
static int train_and_save(bpe_trainer *t, const str_list *data, const char *out, double *t1, double *t2) {
    for (int i = 0; i < data->n; i++)
        if (seal_bpe_trainer_add_file(t, data->v[i])) return -1;
    *t1 = seal_now();
    if (seal_bpe_trainer_train(t)) return -1;
    *t2 = seal_now();
    char *tmp = seal_outdir_begin(out);
    if (!tmp) return -1;
    if (seal_bpe_trainer_save(t, tmp)) {
        seal_outdir_abort(tmp);
        return -1;
    }
    return seal_outdir_commit(tmp, out);
}

static int train(int argc, char **argv) {
    str_list data = {0}, special = {0};
    const char *out = NULL, *pattern = SEAL_BPE_TRAIN_PATTERN;
    long long vocab = 0, min_freq = 2, max_len = 2048;
    int quiet = 0, force = 0;
    const cli_opt opts[] = {
        CLI_OPT_CUSTOM("data", 0, &data, "FILE",
                       "training text: plain text (one document), or JSONL with a string \"text\" per row (.jsonl, "
                       "or a first line {\"text\": ...}); may be given more than once",
                       add_str, NULL, CLI_REQUIRED | CLI_REPEAT | CLI_RESULT),
        CLI_OPT(CLI_I64, "vocab-size", 0, &vocab, "N", "ids in all: 256 bytes + merges + special tokens", 1, 1 << 24,
                CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("out", 0, &out, "DIR", "output directory (created; an existing non-empty one needs --force)",
                    CLI_REQUIRED),
        CLI_OPT_CUSTOM("special", 0, &special, "TOKEN",
                       "an extra special token (repeatable); <|endoftext|> is always the first one (eos and pad token)",
                       add_str, NULL, CLI_REPEAT | CLI_RESULT),
        CLI_OPT(CLI_I64, "min-frequency", 0, &min_freq, "F", "stop merging when the best pair occurs fewer than F times",
                0, 4611686018427387904.0, CLI_RESULT),
        CLI_OPT(CLI_I64, "model-max-length", 0, &max_len, "N", "model_max_length in tokenizer_config.json", 1,
                1099511627776.0, CLI_RESULT),
        CLI_OPT_CUSTOM("pre-tokenizer", 0, &pattern, "P",
                       "the split regex: qwen2 (default; a word carries the space before it) or space-after (a word "
                       "carries the space after it, so it has the same ids after a space as at the start of a line, "
                       "e.g. an answer after \"Answer:\\n\")",
                       parse_pattern, "qwen2|space-after", CLI_RESULT),
        CLI_OPT_FLAG("quiet", 'q', &quiet, "no summary on stderr", 0),
        CLI_OPT_FLAG("force", 0, &force, "replace an existing non-empty --out", 0),
        {0}};
    const cli_spec spec = {"seal tokenizer train", "--data FILE --vocab-size N --out DIR [options]",
                           "Train a byte-level BPE tokenizer (GPT-2 / Qwen2 style: a split regex, digits\n"
                           "one at a time, no normalizer) and write DIR/tokenizer.json and\n"
                           "DIR/tokenizer_config.json, loadable by seal and by Hugging Face tokenizers. DIR is\n"
                           "written beside it and renamed into place: a non-empty DIR (a model directory,\n"
                           "say) is refused unless --force, which replaces it whole.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc == CLI_CONTINUE) {
        bpe_train_opts o = {.vocab_size = (int)vocab, .min_frequency = min_freq, .special = special.v,
                            .n_special = special.n, .model_max_length = max_len, .pattern = pattern};
        bpe_trainer *t = NULL;
        double t0 = seal_now(), t1 = t0, t2 = t0;
        rc = seal_output_check(out, "--out", force, data.v) || !(t = seal_bpe_trainer_new(&o)) ||
                     train_and_save(t, &data, out, &t1, &t2)
                 ? cli_fail()
                 : 0;
        if (rc == 0 && !quiet) print_summary(t, out, vocab, min_freq, t0, t1, t2);
        if (t) seal_bpe_trainer_free(t);
    }
    free(data.v);
    free(special.v);
    return rc;
}

int cmd_tokenizer(int argc, char **argv) {
    static const cli_subcommand subs[] = {{"train", train, "learn a byte-level BPE tokenizer from text"}, {0}};
    return cli_dispatch("seal tokenizer", subs, argc, argv);
}
