/* run_record.h: the one record of what a resumable run was started with, and
 * the refusal to resume it under anything else.
 *
 * A run directory (knowledge's config.json, pretraining's pretrain_run.json)
 * holds a JSON object with every setting that changes the run's results, the
 * fingerprints of its inputs, the kernel thread count and the seal version.
 * Resuming compares the record the command would write now with the one on
 * disk and refuses any difference, one line per key:
 *
 *   runs/x/config.json: this run was started with other options or inputs
 *   (use a new --run directory, or the same options and inputs to resume):
 *     inner_lr 0.001 -> 0.0003
 *     threads 8 -> 4 (the thread count changes the training arithmetic: ...)
 *
 * The thread count is results-changing like any option: the training path's
 * BLAS calls split their sums by thread. The version ("seal_version") is
 * refused too when it changes: a run's rows must all come from one build for
 * its table to be reproducible (util/version.h: bumped when results move).
 *
 * Two steps, so that a bad input never claims a run directory:
 *
 *   seal_run_record r;
 *   seal_run_record_init(&r);
 *   if (seal_run_record_real(&r, "inner_lr", o->lr) ||          // validates: finite
 *       seal_run_record_file(&r, "eval_fingerprint", o->eval))  // reads the input
 *       goto fail;                                              // nothing written
 *   ... check every other input ...
 *   rc = seal_run_record_claim(&r, path, hint, new_keys, &note);   // now the directory
 *   seal_run_record_free(&r);
 *
 * Keys may be dotted ("train.lr") to nest objects, as pretrain_run.json does.
 * Records written before a key existed (no "seal_version") resume without it
 * being checked when the caller lists it in new_keys: old runs stay resumable. */
#ifndef SEAL_UTIL_RUN_RECORD_H
#define SEAL_UTIL_RUN_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "util/strbuf.h"
#include "util/version.h"

typedef struct {
    json_t *root; /* the record being built: an object */
} seal_run_record;

/* An empty record holding "seal_version" (SEAL_VERSION). */
void seal_run_record_init(seal_run_record *r);
void seal_run_record_free(seal_run_record *r);

/* Set key (dotted for nesting) to a value. _real refuses a non-finite value
 * (-1 + seal_err naming key): JSON has no NaN and a run under NaN settings is
 * no run. _str with v NULL records nothing. _json steals v; v NULL (a failed
 * json_pack) is an error naming key. */
int seal_run_record_int(seal_run_record *r, const char *key, long long v);
int seal_run_record_real(seal_run_record *r, const char *key, double v);
int seal_run_record_str(seal_run_record *r, const char *key, const char *v);
int seal_run_record_json(seal_run_record *r, const char *key, json_t *v);
/* A fingerprint as 16 hex digits; _file hashes the whole file at path, or
 * every file of a directory (util/hash.h's seal_path_fingerprint; -1 +
 * seal_err naming it if unreadable). */
int seal_run_record_fingerprint(seal_run_record *r, const char *key, uint64_t h);
int seal_run_record_file(seal_run_record *r, const char *key, const char *path);
/* The kernel thread count, under "threads", and what the training products'
 * arithmetic depends on, under "arithmetic" (kern/matmul.h's
 * seal_matmul_fast_arithmetic(): OpenBLAS or seal's kernels, the compute
 * mode; NULL: not recorded). Both change results: see above. */
int seal_run_record_threads(seal_run_record *r, int threads, const char *arithmetic);

/* Compare r with the record stored at path. *found: whether a record is
 * there (0: nothing compared). Every differing key is appended to changes as
 * one line "  key old -> new\n"; keys of new_keys (NULL-terminated, may be
 * NULL) missing from a record that has no "seal_version" are not compared
 * but appended to unrecorded, comma-separated. 0, or -1 + seal_err if the
 * file is unreadable or not a JSON object. */
int seal_run_record_compare(const seal_run_record *r, const char *path, const char *const *new_keys, int *found,
                            strbuf *changes, strbuf *unrecorded);

/* Write r to path atomically (temp + rename), indented, keys sorted, reals
 * with 17 significant digits (they read back bit-exact). */
int seal_run_record_write(const seal_run_record *r, const char *path);

/* Claim a run directory: refuse (-1 + seal_err "PATH: this run was started
 * with other options or inputs (HINT):" then the changed keys, one a line)
 * when the record at path differs, otherwise write it if none is there (an
 * existing equal record is left untouched). hint says how to go on, e.g. "use
 * a new --run directory, or the same options and inputs to resume". note (may
 * be NULL) gets the keys an older record lacks (see compare). */
int seal_run_record_claim(const seal_run_record *r, const char *path, const char *hint, const char *const *new_keys,
                          strbuf *note);

#endif
