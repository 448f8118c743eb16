#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[1024];

int seal_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

int seal_err_prefix(const char *fmt, ...) {
    char prefix[512], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof last_error - 3) n = sizeof last_error - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    size_t rest = sizeof last_error - n - 3, m = strlen(old);
    if (m > rest) m = rest;
    memcpy(last_error + n + 2, old, m);
    last_error[n + 2 + m] = '\0';
    return -1;
}

const char *seal_errmsg(void) { return last_error; }

void seal_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("seal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *check(void *p, size_t n) {
    if (!p && n) seal_die("out of memory allocating %zu bytes", n);
    return p;
}

void *seal_malloc(size_t n) { return check(malloc(n ? n : 1), n); }
void *seal_calloc(size_t c, size_t s) { return check(calloc(c ? c : 1, s ? s : 1), c * s); }
void *seal_realloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n); }
char *seal_strdup(const char *s) { return check(strdup(s), strlen(s) + 1); }

void *seal_aligned_alloc(size_t n) {
    void *p = NULL;
    size_t rounded = (n + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0) p = NULL;
    return check(p, n);
}
