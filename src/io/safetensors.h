/* safetensors.h: read and write the safetensors format, single files and
 * sharded checkpoints (model.safetensors.index.json).
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON header
 * {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]}, ...,
 *  "__metadata__": {"k": "v"}}, then the data section; offsets are relative to
 * the data section's start.
 *
 * Reading maps the file read-only (mmap) and treats it as untrusted: the header
 * length is bounded, the JSON must parse, every dtype must be known, every
 * shape x dtype size must equal its span, spans must lie inside the file and not
 * overlap, names must be unique. Failures return -1 with seal_errmsg() naming
 * the file and the tensor. Tensor data are pointers into the mapping and may be
 * only 8-byte aligned relative to the file start (the header length is
 * arbitrary), so readers use memcpy or unaligned loads. */
#ifndef SEAL_IO_SAFETENSORS_H
#define SEAL_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "util/dtype.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u << 20) /* 100 MiB, as the reference implementation */

typedef struct {
    char *name;
    seal_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data;  /* into the mapping */
    size_t nbytes;
    int file_index;    /* which shard (st_set) or 0 */
} st_tensor;

typedef struct {
    char *path;
    void *map;
    size_t map_size;
    st_tensor *tensors; /* in header order */
    int n_tensors;
    char **meta_keys, **meta_values; /* __metadata__ (string values only) */
    int n_meta;
} st_file;

/* Map and validate one .safetensors file. On failure f is left empty (safe to
 * seal_st_close) and -1 returned. */
int seal_st_open(st_file *f, const char *path);
/* Free what seal_st_open/seal_st_parse_buffer allocated and unmap; leaves f zeroed. */
void seal_st_close(st_file *f);

/* The validation behind seal_st_open, on a file already in memory (buf, size):
 * tensor data then point into buf, which must outlive f; f->map stays NULL,
 * so seal_st_close does not free buf. path is used only in messages. Exposed for
 * the fuzzer and for callers that hold a file in memory. */
int seal_st_parse_buffer(st_file *f, const char *path, const void *buf, size_t size);

/* Number of elements of a tensor (product of its shape). */
int64_t seal_st_numel(const st_tensor *t);

/* A model's weights: either DIR/model.safetensors, or the shards listed by
 * DIR/model.safetensors.index.json ("weight_map": name -> file). Names are
 * looked up through a hash table. A name listed in the index but absent from
 * its shard, a name in two shards, or a shard outside DIR is an error. */
typedef struct {
    st_file *files;
    int n_files;
    st_tensor **by_name; /* open-addressing table of pointers into files[].tensors */
    size_t table_size;
    size_t n_tensors;
    size_t total_bytes;  /* sum of the files' sizes */
} st_set;

/* On failure s is left empty (safe to seal_st_close_set) and -1 returned; errors
 * name DIR, the index or the shard at fault. */
int seal_st_open_dir(st_set *s, const char *dir);
void seal_st_close_set(st_set *s);
/* NULL if absent (no error recorded). */
const st_tensor *seal_st_find(const st_set *s, const char *name);
/* A 64-bit fingerprint of the weights: every file's size, and its bytes (files
 * up to 64 MiB) or its header and 256 evenly spaced 4 KiB blocks (larger
 * files). Any retraining changes it; for run directories to tell that the
 * model under a path changed, not a cryptographic hash. */
uint64_t seal_st_set_fingerprint(const st_set *s);

/* Writing: describe tensors, then seal_st_write() lays them out in the given order
 * ("__metadata__" first when n_meta > 0, then the tensors' entries in order,
 * data back to back), pads the header with spaces so that the data section
 * starts at an 8-byte-aligned offset, writes DIR/.tmp-XXXXXX, fsyncs and
 * renames it onto path (a crash never leaves a half-written file under path).
 * Names must be unique, valid UTF-8 and not "__metadata__"; each tensor's
 * data holds numel x dtype size bytes (may be NULL when that is 0). */
typedef struct {
    const char *name;
    seal_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data; /* nbytes = numel * dtype size */
} st_write_tensor;

int seal_st_write(const char *path, const st_write_tensor *tensors, int n,
             const char *const *meta_keys, const char *const *meta_values, int n_meta);

#endif
