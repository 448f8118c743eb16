/* err.h: error reporting for the seal library.
 *
 * Library functions that can fail return an int (0 = success, -1 = failure)
 * or a NULL pointer, after recording a one-line message with seal_err().
 * The caller (usually the CLI) prints seal_errmsg() and exits nonzero.
 * Messages name the file and the field or tensor at fault. */
#ifndef SEAL_UTIL_ERR_H
#define SEAL_UTIL_ERR_H

#include <stddef.h>

/* Record a printf-style message as the thread's last error. Returns -1 so
 * that "return seal_err(...)" reads naturally. */
int seal_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix the thread's last error with "prefix: " (adds context on the way up). */
int seal_err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The thread's last error message ("" if none). Valid until the next seal_err. */
const char *seal_errmsg(void);

/* Print "seal: <msg>" to stderr and exit(1). For the CLI and fatal
 * invariants only; library code returns errors instead. */
void seal_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Allocation helpers that die with a clear message on exhaustion: running
 * out of memory is not a recoverable condition for this program. */
void *seal_malloc(size_t n);
void *seal_calloc(size_t count, size_t size);
void *seal_realloc(void *p, size_t n);
char *seal_strdup(const char *s);
/* 64-byte aligned allocation (for SIMD); free with free(). */
void *seal_aligned_alloc(size_t n);

#endif
