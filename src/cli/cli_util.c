#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tok/tokenizer.h"
#include "util/fsutil.h"
#include "util/err.h"

int cli_parse_ids(const char *s, int **ids, int *n) {
    int cap = 64, count = 0;
    int *out = seal_malloc(sizeof(int) * cap);
    const char *p = s;
    for (;;) {
        while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == '[' || *p == ']')) p++;
        if (!*p) break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > 0x7fffffff) {
            free(out);
            return seal_err("--ids: \"%.20s\" is not a token id (non-negative integer)", p);
        }
        if (count == cap) out = seal_realloc(out, sizeof(int) * (cap *= 2));
        out[count++] = (int)v;
        p = end;
    }
    *ids = out;
    *n = count;
    return 0;
}

int cli_fail(void) {
    fprintf(stderr, "seal: %s\n", seal_errmsg());
    return 1;
}

long long cli_peak_rss(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)ru.ru_maxrss * 1024;
}

int cli_encode_text(const char *dir, const char *text, int **ids, int *n) {
    seal_tokenizer *tok = seal_tok_load(dir);
    if (!tok) return -1;
    int rc = seal_tok_encode(tok, text, strlen(text), 1, ids, n);
    seal_tok_free(tok);
    return rc;
}

int cli_print_run_file(const char *dir, const char *name) {
    char *path = seal_path_join(dir, name);
    size_t n;
    char *text = seal_read_file(path, &n);
    free(path);
    if (!text) return -1;
    fwrite(text, 1, n, stdout);
    free(text);
    return 0;
}
