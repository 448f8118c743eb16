/* cli_util.h: pieces shared by the CLI commands. */
#ifndef SEAL_CLI_UTIL_H
#define SEAL_CLI_UTIL_H

#include <stdio.h>

/* Parse whitespace- or comma-separated non-negative integers. Returns 0 and a
 * malloc'd array, or -1 with seal_errmsg() naming the bad item. */
int cli_parse_ids(const char *s, int **ids, int *n);

/* Tokenize text with DIR's tokenizer (special tokens added, as HF's
 * tokenizer(text) does). 0 and a malloc'd array, or -1 + seal_err. */
int cli_encode_text(const char *dir, const char *text, int **ids, int *n);

/* Print "seal: <last error>" to stderr and return 1 (the command's exit code). */
int cli_fail(void);

/* Copy dir/name (a run's results.md) to stdout. 0, or -1 + seal_err. */
int cli_print_run_file(const char *dir, const char *name);

/* Peak resident set size of this process in bytes (getrusage). */
long long cli_peak_rss(void);

#endif
