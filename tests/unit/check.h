/* check.h: the unit tests' assertions. A test binary runs its cases, prints
 * each failure with file:line, and exits 0 (all passed), 1 (a failure) or
 * 77 (skipped, e.g. an optional asset is absent). */
#ifndef SEAL_TESTS_CHECK_H
#define SEAL_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_MSG(cond, ...) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); if (!(fabs(a_ - b_) <= (tol))) { \
    check_failures++; fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s=%.9g %s=%.9g tol=%g\n", \
    __FILE__, __LINE__, #a, a_, #b, b_, (double)(tol)); } } while (0)

/* An error path: expr must return nonzero and the message must contain needle. */
#define CHECK_ERR(expr, needle) do { int rc_ = (expr); const char *m_ = seal_errmsg(); \
    if (rc_ == 0 || !strstr(m_, (needle))) { check_failures++; \
    fprintf(stderr, "%s:%d: expected error containing \"%s\" from %s, got rc=%d msg=\"%s\"\n", \
    __FILE__, __LINE__, (needle), #expr, rc_, m_); } } while (0)

#define TEST_SKIP(...) do { printf("SKIP: "); printf(__VA_ARGS__); printf("\n"); exit(77); } while (0)

static inline int check_report(const char *name) {
    if (check_failures) fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    return check_failures ? 1 : 0;
}

#endif
