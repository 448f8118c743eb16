/* hash.h: 64-bit FNV-1a, for fingerprints that tell a resumed run its inputs
 * changed (not for hash tables of untrusted keys, nor for security). */
#ifndef SEAL_UTIL_HASH_H
#define SEAL_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT 0xcbf29ce484222325ull

/* h updated with the n bytes at p; start from FNV1A64_INIT. */
uint64_t seal_fnv1a64(uint64_t h, const void *p, size_t n);
/* The FNV-1a hash of the whole file at path into *out; -1 + seal_err if unreadable. */
int seal_file_fingerprint(const char *path, uint64_t *out);
/* The same for a file, or for a directory: the names and contents of its
 * regular files, in name order (not recursive; hidden files skipped), so
 * that an input given as a folder of files (ARC's one task per file) is
 * fingerprinted too. -1 + seal_err naming what is unreadable. */
int seal_path_fingerprint(const char *path, uint64_t *out);

#endif
