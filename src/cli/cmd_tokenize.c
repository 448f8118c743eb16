/* seal tokenize / seal detokenize: text <-> token ids with a model
 * directory's tokenizer.json, for scripts and the tokenizer oracle tests. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/opt.h"
#include "tok/tokenizer.h"
#include "util/err.h"

/* The two commands differ only in their texts and their one flag. */
typedef struct {
    const char *command, *about, *flag, *flag_help, *jsonl_help;
} tok_command;

static const tok_command TOKENIZE = {
    "seal tokenize", "Reads text on stdin and prints its token ids under DIR/tokenizer.json.\n", "no-special",
    "do not add the post-processor's special tokens (e.g. BOS)",
    "each input line is a JSON string; print one JSON array of ids per line (default: the whole input is one "
    "text; ids space-separated on one line)"};
static const tok_command DETOKENIZE = {
    "seal detokenize", "Reads token ids on stdin and prints their text under DIR/tokenizer.json.\n", "skip-special",
    "leave out special tokens",
    "each input line is a JSON array of ids; print one JSON string per line (default: whitespace-separated ids; "
    "the text is printed as is)"};

/* Parse -m, --jsonl and the command's one flag; CLI_CONTINUE to run, else
 * the exit code (help printed or usage error). */
static int parse_args(int argc, char **argv, const tok_command *c, const char **dir, int *jsonl, int *flag) {
    *dir = NULL;
    *jsonl = *flag = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', dir, "DIR", "model directory (tokenizer.json, optional tokenizer_config.json)",
                    CLI_REQUIRED),
        CLI_OPT_FLAG("jsonl", 0, jsonl, c->jsonl_help, 0),
        CLI_OPT_FLAG(c->flag, 0, flag, c->flag_help, 0),
        {0}};
    char usage[64];
    snprintf(usage, sizeof usage, "-m DIR [--jsonl] [--%s]", c->flag);
    const cli_spec spec = {c->command, usage, c->about, opts, 0, 0, NULL};
    return cli_parse(&spec, argc, argv, NULL, NULL);
}

static char *read_all(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *p = seal_malloc(cap);
    size_t k;
    while ((k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) p = seal_realloc(p, cap *= 2);
    }
    *len = n;
    return p;
}

static void print_ids(const int *ids, int n, int json) {
    if (json) putchar('[');
    for (int i = 0; i < n; i++) printf(i ? (json ? ",%d" : " %d") : "%d", ids[i]);
    puts(json ? "]" : "");
}

int cmd_tokenize(int argc, char **argv) {
    const char *dir;
    int jsonl, no_special;
    int rc = parse_args(argc, argv, &TOKENIZE, &dir, &jsonl, &no_special);
    if (rc != CLI_CONTINUE) return rc;
    seal_tokenizer *tok = seal_tok_load(dir);
    if (!tok) { fprintf(stderr, "seal: %s\n", seal_errmsg()); return 1; }
    int *ids = NULL, n = 0;
    rc = 0;
    if (!jsonl) {
        size_t len;
        char *text = read_all(stdin, &len);
        if (seal_tok_encode(tok, text, len, !no_special, &ids, &n)) {
            fprintf(stderr, "seal: stdin: %s\n", seal_errmsg());
            rc = 1;
        } else {
            print_ids(ids, n, 0);
        }
        free(ids);
        free(text);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        for (long lineno = 1; (len = getline(&line, &cap, stdin)) != -1; lineno++) {
            json_error_t e;
            json_t *j = json_loadb(line, (size_t)len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
            if (!json_is_string(j)) {
                fprintf(stderr, "seal: stdin line %ld: expected a JSON string%s%s\n", lineno, j ? "" : ": ",
                        j ? "" : e.text);
                json_decref(j);
                rc = 1;
                break;
            }
            int bad = seal_tok_encode(tok, json_string_value(j), json_string_length(j), !no_special, &ids, &n);
            json_decref(j);
            if (bad) {
                fprintf(stderr, "seal: stdin line %ld: %s\n", lineno, seal_errmsg());
                rc = 1;
                break;
            }
            print_ids(ids, n, 1);
            free(ids);
        }
        free(line);
    }
    seal_tok_free(tok);
    if (fflush(stdout)) { fprintf(stderr, "seal: writing stdout failed\n"); rc = 1; }
    return rc;
}

static int decode_print(const seal_tokenizer *tok, const int *ids, int n, int skip, int jsonl, long lineno) {
    char *text;
    size_t len;
    if (seal_tok_decode(tok, ids, n, skip, &text, &len)) {
        if (lineno) fprintf(stderr, "seal: stdin line %ld: %s\n", lineno, seal_errmsg());
        else fprintf(stderr, "seal: stdin: %s\n", seal_errmsg());
        return 1;
    }
    if (!jsonl) {
        fwrite(text, 1, len, stdout);
    } else {
        json_t *s = json_stringn(text, len);
        char *dump = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        if (!dump) { fprintf(stderr, "seal: stdin line %ld: cannot encode the text as JSON\n", lineno); free(text); json_decref(s); return 1; }
        puts(dump);
        free(dump);
        json_decref(s);
    }
    free(text);
    return 0;
}

int cmd_detokenize(int argc, char **argv) {
    const char *dir;
    int jsonl, skip;
    int rc = parse_args(argc, argv, &DETOKENIZE, &dir, &jsonl, &skip);
    if (rc != CLI_CONTINUE) return rc;
    seal_tokenizer *tok = seal_tok_load(dir);
    if (!tok) { fprintf(stderr, "seal: %s\n", seal_errmsg()); return 1; }
    int *ids = NULL, n = 0, cap_ids = 0;
    rc = 0;
    if (!jsonl) {
        size_t len;
        char *text = read_all(stdin, &len);
        text = seal_realloc(text, len + 1);
        text[len] = 0;
        for (char *p = text;;) {
            while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
            if (!*p) break;
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < 0 || v > 0x7fffffff) {
                fprintf(stderr, "seal: stdin: expected a token id at \"%.20s\"\n", p);
                rc = 1;
                break;
            }
            if (n == cap_ids) ids = seal_realloc(ids, (size_t)(cap_ids = cap_ids ? 2 * cap_ids : 1024) * sizeof *ids);
            ids[n++] = (int)v;
            p = end;
        }
        if (!rc) rc = decode_print(tok, ids, n, skip, 0, 0);
        free(text);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        for (long lineno = 1; !rc && (len = getline(&line, &cap, stdin)) != -1; lineno++) {
            json_error_t e;
            json_t *j = json_loadb(line, (size_t)len, 0, &e);
            if (!json_is_array(j)) {
                fprintf(stderr, "seal: stdin line %ld: expected a JSON array of ids\n", lineno);
                json_decref(j);
                rc = 1;
                break;
            }
            n = 0;
            size_t i;
            json_t *v;
            json_array_foreach(j, i, v) {
                if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0x7fffffff) {
                    fprintf(stderr, "seal: stdin line %ld: element %zu is not a token id\n", lineno, i);
                    rc = 1;
                    break;
                }
                if (n == cap_ids) ids = seal_realloc(ids, (size_t)(cap_ids = cap_ids ? 2 * cap_ids : 1024) * sizeof *ids);
                ids[n++] = (int)json_integer_value(v);
            }
            json_decref(j);
            if (!rc) rc = decode_print(tok, ids, n, skip, 1, lineno);
        }
        free(line);
    }
    free(ids);
    seal_tok_free(tok);
    if (fflush(stdout)) { fprintf(stderr, "seal: writing stdout failed\n"); rc = 1; }
    return rc;
}
