/* bench_tokenizer.c: encode speed of seal's tokenizer on one large text, in
 * the figures (and JSON line shape) bench/tokenizer_oracle_bench.mjs prints
 * for @huggingface/tokenizers, so bench/run.sh can set the two side by side.
 *
 *   bench_tokenizer --tokenizer DIR --text FILE [--reps R]
 *
 * DIR holds tokenizer.json (+ tokenizer_config.json). Timed apart:
 *   tokenizer_load    seal_tok_load(DIR), seconds (parsing the JSON, building the
 *                     vocab and merge tables)
 *   tokenizer_encode  seal_tok_encode of the whole file as one text (special tokens
 *                     added as tokenizers' encode() does by default), MB/s =
 *                     bytes / 1e6 / median seconds, after a warm-up encode of
 *                     the first 10,000 bytes, as the JS side does
 * n_tokens is printed so run.sh can check both sides produced the same count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "tok/tokenizer.h"
#include "util/err.h"

#define MAX_REPS BENCH_MAX_REPS
#define WARMUP_BYTES 10000

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) seal_die("%s: cannot open", path);
    if (fseek(f, 0, SEEK_END) || ftell(f) < 0) seal_die("%s: cannot size", path);
    *len = (size_t)ftell(f);
    rewind(f);
    char *p = seal_malloc(*len + 1);
    if (fread(p, 1, *len, f) != *len) seal_die("%s: short read", path);
    fclose(f);
    p[*len] = 0;
    return p;
}

/* Bytes of text[0..cap) that end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *text, size_t len, size_t cap) {
    if (cap >= len) return len;
    while (cap > 0 && ((unsigned char)text[cap] & 0xC0) == 0x80) cap--;
    return cap;
}

static const char *usage = "usage: bench_tokenizer --tokenizer DIR --text FILE [--reps R]\n"
                           "  --tokenizer DIR  folder with tokenizer.json (and tokenizer_config.json)\n"
                           "  --text FILE      UTF-8 text, encoded as one string\n"
                           "  --reps R         timed encodes after one warm-up (default 3)\n";

int main(int argc, char **argv) {
    const char *dir = NULL, *path = NULL;
    int reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--tokenizer")) dir = argv[i + 1];
        else if (!strcmp(argv[i], "--text")) path = argv[i + 1];
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else {
            fputs(usage, stderr);
            return 1;
        }
    }
    if (!dir || !path || argc % 2 == 0 || reps < 1 || reps > MAX_REPS) {
        fputs(usage, stderr);
        return 1;
    }
    size_t len;
    char *text = read_file(path, &len);

    double t0 = seal_now();
    seal_tokenizer *tok = seal_tok_load(dir);
    double load_s = seal_now() - t0;
    if (!tok) seal_die("%s", seal_errmsg());

    int *ids, n;
    if (seal_tok_encode(tok, text, utf8_cut(text, len, WARMUP_BYTES), 1, &ids, &n)) seal_die("%s", seal_errmsg());
    free(ids);
    double t[MAX_REPS];
    for (int r = 0; r < reps; r++) {
        t0 = seal_now();
        if (seal_tok_encode(tok, text, len, 1, &ids, &n)) seal_die("%s: %s", path, seal_errmsg());
        t[r] = seal_now() - t0;
        free(ids);
    }
    double first = t[0];
    qsort(t, reps, sizeof(double), bench_cmp_double);
    double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);

    printf("{\"name\": \"tokenizer_load\", \"shape\": \"qwen3\", \"value\": %.5g, \"unit\": \"s\", \"engine\": \"seal\", "
           "\"threads\": 1, \"what\": \"tok_load: tokenizer.json + tokenizer_config.json\"}\n",
           load_s);
    printf("{\"name\": \"tokenizer_encode\", \"shape\": \"qwen3\", \"value\": %.5g, \"unit\": \"MB/s\", \"engine\": \"seal\", "
           "\"threads\": 1, \"bytes\": %zu, \"n_tokens\": %d, \"median_s\": %.5g, \"first_s\": %.5g, \"reps\": %d, "
           "\"what\": \"tok_encode of the whole file as one string, add_special\"}\n",
           len / 1e6 / med, len, n, med, first, reps);
    seal_tok_free(tok);
    free(text);
    return 0;
}
