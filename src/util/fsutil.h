/* fsutil.h: small file-system helpers shared by the readers and writers.
 * All return 0 / -1 (or NULL) after seal_err() with a message naming the path. */
#ifndef SEAL_UTIL_FSUTIL_H
#define SEAL_UTIL_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Read the whole file at path into a malloc'd buffer with a NUL appended (so
 * text can be used as a C string; the file itself may contain NULs). *len, if
 * not NULL, gets the byte count without the NUL. NULL on failure. */
char *seal_read_file(const char *path, size_t *len);

/* "dir/name" as a malloc'd string (no doubled '/' when dir ends with one;
 * an empty dir gives name itself). Never fails. */
char *seal_path_join(const char *dir, const char *name);

/* 1 if path exists and is a directory (following links), else 0. */
int seal_is_dir(const char *path);
/* 1 if path exists and is a regular file (following links), else 0. */
int seal_is_file(const char *path);

/* Create path and any missing parents (like mkdir -p). An existing directory
 * is success; an existing non-directory is an error. */
int seal_mkdir_p(const char *path);

/* Atomic replacement of a file: write to a temp file in the same directory,
 * then fsync, rename onto path and fsync the directory, so that a crash leaves
 * either the old file or the complete new one, never a half-written one.
 *   seal_atomic_file a;
 *   if (seal_atomic_begin(&a, path)) return -1;
 *   if (seal_atomic_write(&a, buf, n)) { seal_atomic_abort(&a); return -1; }
 *   return seal_atomic_commit(&a);   // aborts by itself on failure */
typedef struct {
    int fd;
    char *path;     /* destination */
    char *tmp_path; /* DIR/.tmp-XXXXXX */
} seal_atomic_file;

int seal_atomic_begin(seal_atomic_file *a, const char *path);
int seal_atomic_write(seal_atomic_file *a, const void *buf, size_t n);
int seal_atomic_commit(seal_atomic_file *a);
/* Close and delete the temp file; path is untouched. Safe after commit/abort. */
void seal_atomic_abort(seal_atomic_file *a);

/* Finish a log written through stdio: flush, fsync and close f, checking
 * each (a full disk shows up here). f is closed in every case. 0, or -1 +
 * seal_err naming path and the error. */
int seal_fclose_checked(FILE *f, const char *path);

/* Remove path and everything under it (like rm -rf); a missing path is fine. */
int seal_rm_rf(const char *path);

/* Put the directory tmp in place of dir: dir (if any) is renamed aside,
 * tmp renamed onto dir, then the old one removed. A crash leaves either the
 * old or the new directory under dir (or, between the two renames, the old
 * one under dir.old, which seal_replace_dir_recover() puts back). */
int seal_replace_dir(const char *tmp, const char *dir);
/* If dir is missing but dir.old exists (a crash mid-replace), rename it back. */
void seal_replace_dir_recover(const char *dir);

/* The whole of the above for a buffer already in memory. */
int seal_write_file_atomic(const char *path, const void *data, size_t len);

/* seal_write_file_atomic of dir/name. */
int seal_write_file_in(const char *dir, const char *name, const void *data, size_t len);

/* The output contract, checked by every command before it claims an output.
 * Refuses (naming option and path) when path is an existing non-empty file or
 * directory and force is 0, and always when path is, contains or lies inside
 * one of inputs (a NULL-terminated list, e.g. {model_dir, NULL}; NULL for
 * none): an input model is never written into. A missing or empty path is
 * fine. Paths are compared after resolving links (realpath of the deepest
 * existing parent). */
int seal_output_check(const char *path, const char *option, int force, const char *const *inputs);

/* Temp files of ours are named ".seal-tmp-PID-XXXXXX" (seal_atomic_begin).
 * Remove those in dir whose process PID no longer runs: a killed writer's
 * leftovers. Best effort: errors are ignored. */
void seal_clean_stale_tmp(const char *dir);

/* An output directory written whole, so that OUT never holds a mix of runs:
 *   char *tmp = seal_outdir_begin(out);        // OUT's sibling .seal-tmp-PID-XXXXXX/
 *   ... write every file into tmp ...
 *   if (seal_outdir_commit(tmp, out)) ...       // renamed onto OUT; tmp freed
 *   (or seal_outdir_abort(tmp): removed, freed)
 * begin creates OUT's parent if needed, puts back an OUT.old left by a crash
 * mid-commit (seal_replace_dir_recover), removes stale temp entries of killed
 * runs there (seal_clean_stale_tmp), and leaves a PARTIAL file in tmp saying
 * what it is (commit removes it). Check OUT with seal_output_check first:
 * commit replaces an existing OUT (as seal_replace_dir). NULL / -1 after
 * seal_err naming OUT. */
char *seal_outdir_begin(const char *out);
int seal_outdir_commit(char *tmp, const char *out);
void seal_outdir_abort(char *tmp);

#endif
