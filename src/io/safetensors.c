/* safetensors.c: see safetensors.h. The reader treats every byte of the file
 * as hostile: each check below exists because a malformed header would
 * otherwise make a tensor pointer reach outside the mapping. */
#include "io/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_load.h"

/* Tensor names come from untrusted files; bound what goes into a message. */
#define NAMEF "%.200s"

int64_t seal_st_numel(const st_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

static uint64_t load_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* numel x elem_size of a shape, with overflow detection. Any zero dim makes
 * the tensor empty whatever the other dims are. Returns -1 on overflow. */
static int shape_nbytes(const int64_t *shape, int ndim, size_t elem_size, uint64_t *nbytes) {
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0) { *nbytes = 0; return 0; }
    for (int i = 0; i < ndim; i++)
        if (__builtin_mul_overflow(n, (uint64_t)shape[i], &n)) return -1;
    if (__builtin_mul_overflow(n, (uint64_t)elem_size, &n)) return -1;
    if (n > (uint64_t)INT64_MAX) return -1;
    *nbytes = n;
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int parse_metadata(st_file *f, const char *path, json_t *meta) {
    if (!json_is_object(meta)) return seal_err("%s: __metadata__ is not an object", path);
    size_t n = json_object_size(meta);
    f->meta_keys = seal_calloc(n, sizeof(char *));
    f->meta_values = seal_calloc(n, sizeof(char *));
    const char *key;
    json_t *v;
    json_object_foreach(meta, key, v) {
        if (!json_is_string(v))
            return seal_err("%s: __metadata__ key \"" NAMEF "\" is not a string", path, key);
        f->meta_keys[f->n_meta] = seal_strdup(key);
        f->meta_values[f->n_meta] = seal_strdup(json_string_value(v));
        f->n_meta++;
    }
    return 0;
}

/* A non-negative JSON integer, or -1 with an error "what is ...". */
static int get_count(const char *path, const char *name, const char *what, json_t *v, int64_t *out) {
    if (!json_is_integer(v))
        return seal_err("%s: tensor \"" NAMEF "\": %s is not an integer", path, name, what);
    json_int_t x = json_integer_value(v);
    if (x < 0)
        return seal_err("%s: tensor \"" NAMEF "\": %s is negative (%lld)", path, name, what, (long long)x);
    *out = (int64_t)x;
    return 0;
}

/* Fill t from one header entry; data_size is the size of the data section.
 * t->name is set first so that seal_st_close frees it whatever happens next. */
static int parse_entry(st_tensor *t, const char *path, const char *name, json_t *e,
                       const uint8_t *data, uint64_t data_size) {
    t->name = seal_strdup(name);
    if (!json_is_object(e)) return seal_err("%s: tensor \"" NAMEF "\": entry is not an object", path, name);

    json_t *dt = json_object_get(e, "dtype");
    if (!dt) return seal_err("%s: tensor \"" NAMEF "\": missing dtype", path, name);
    if (!json_is_string(dt)) return seal_err("%s: tensor \"" NAMEF "\": dtype is not a string", path, name);
    if (seal_dtype_parse(json_string_value(dt), &t->dtype) != 0)
        return seal_err("%s: tensor \"" NAMEF "\": unknown dtype \"%.32s\"", path, name, json_string_value(dt));

    json_t *shape = json_object_get(e, "shape");
    if (!shape) return seal_err("%s: tensor \"" NAMEF "\": missing shape", path, name);
    if (!json_is_array(shape)) return seal_err("%s: tensor \"" NAMEF "\": shape is not an array", path, name);
    size_t nd = json_array_size(shape);
    if (nd > ST_MAX_DIMS)
        return seal_err("%s: tensor \"" NAMEF "\": shape has %zu dims, more than the %d supported",
                        path, name, nd, ST_MAX_DIMS);
    t->ndim = (int)nd;
    for (size_t i = 0; i < nd; i++) {
        char what[32];
        snprintf(what, sizeof what, "shape[%zu]", i);
        if (get_count(path, name, what, json_array_get(shape, i), &t->shape[i])) return -1;
    }
    uint64_t nbytes = 0;
    if (shape_nbytes(t->shape, t->ndim, seal_dtype_size(t->dtype), &nbytes))
        return seal_err("%s: tensor \"" NAMEF "\": shape x dtype size overflows", path, name);

    json_t *off = json_object_get(e, "data_offsets");
    if (!off) return seal_err("%s: tensor \"" NAMEF "\": missing data_offsets", path, name);
    if (!json_is_array(off) || json_array_size(off) != 2)
        return seal_err("%s: tensor \"" NAMEF "\": data_offsets is not an array [begin, end]", path, name);
    int64_t begin = 0, end = 0;
    if (get_count(path, name, "data_offsets[0]", json_array_get(off, 0), &begin)) return -1;
    if (get_count(path, name, "data_offsets[1]", json_array_get(off, 1), &end)) return -1;
    if (begin > end)
        return seal_err("%s: tensor \"" NAMEF "\": data_offsets begin %lld > end %lld",
                        path, name, (long long)begin, (long long)end);
    if ((uint64_t)(end - begin) != nbytes)
        return seal_err("%s: tensor \"" NAMEF "\": shape x dtype size (%llu bytes) != span (%llu bytes)",
                        path, name, (unsigned long long)nbytes, (unsigned long long)(end - begin));
    if ((uint64_t)end > data_size)
        return seal_err("%s: tensor \"" NAMEF "\": data_offsets [%lld, %lld] reach beyond the end of the file "
                        "(data section is %llu bytes)", path, name, (long long)begin, (long long)end,
                        (unsigned long long)data_size);
    t->data = data + begin;
    t->nbytes = (size_t)nbytes;
    return 0;
}

typedef struct { uint64_t begin, end; int index; } span;

static int span_cmp(const void *a, const void *b) {
    const span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* Spans sorted by begin overlap iff one starts before the furthest end seen. */
static int check_overlaps(const st_file *f, const char *path, const uint8_t *data) {
    if (f->n_tensors < 2) return 0;
    span *s = seal_malloc((size_t)f->n_tensors * sizeof *s);
    for (int i = 0; i < f->n_tensors; i++) {
        s[i].begin = (uint64_t)((const uint8_t *)f->tensors[i].data - data);
        s[i].end = s[i].begin + f->tensors[i].nbytes;
        s[i].index = i;
    }
    qsort(s, (size_t)f->n_tensors, sizeof *s, span_cmp);
    int rc = 0, far = 0; /* the span with the furthest end so far */
    for (int i = 1; i < f->n_tensors; i++) {
        if (s[i].begin < s[far].end) {
            rc = seal_err("%s: tensors \"" NAMEF "\" [%llu, %llu] and \"" NAMEF "\" [%llu, %llu] overlap", path,
                          f->tensors[s[far].index].name, (unsigned long long)s[far].begin,
                          (unsigned long long)s[far].end, f->tensors[s[i].index].name,
                          (unsigned long long)s[i].begin, (unsigned long long)s[i].end);
            break;
        }
        if (s[i].end > s[far].end) far = i;
    }
    free(s);
    return rc;
}

int seal_st_parse_buffer(st_file *f, const char *path, const void *buf, size_t size) {
    memset(f, 0, sizeof *f);
    f->path = seal_strdup(path);
    const uint8_t *b = buf;
    json_t *root = NULL;

    if (size < 8) {
        seal_err("%s: file is %zu bytes, shorter than the 8-byte header length", path, size);
        goto fail;
    }
    uint64_t hn = load_le64(b);
    if (hn == 0) { seal_err("%s: header length is 0", path); goto fail; }
    if (hn > ST_MAX_HEADER) {
        seal_err("%s: header length %llu exceeds the limit of %u bytes", path, (unsigned long long)hn, ST_MAX_HEADER);
        goto fail;
    }
    if (hn > size - 8) {
        seal_err("%s: header length %llu reaches beyond the end of the file (%zu bytes)", path,
                 (unsigned long long)hn, size);
        goto fail;
    }
    json_error_t jerr;
    root = json_loadb((const char *)b + 8, (size_t)hn, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (strncmp(jerr.text, "duplicate object key", 20) == 0)
            seal_err("%s: header has a duplicate key (tensor names must be unique): %s", path, jerr.text);
        else
            seal_err("%s: header is not valid JSON: %s (at byte %d of the header)", path, jerr.text, jerr.position);
        goto fail;
    }
    if (!json_is_object(root)) { seal_err("%s: header is not a JSON object", path); goto fail; }

    const uint8_t *data = b + 8 + hn;
    uint64_t data_size = size - 8 - hn;
    json_t *meta = json_object_get(root, "__metadata__");
    if (meta && parse_metadata(f, path, meta)) goto fail;

    f->tensors = seal_calloc(json_object_size(root), sizeof(st_tensor));
    const char *name;
    json_t *e;
    json_object_foreach(root, name, e) {
        if (e == meta) continue;
        st_tensor *t = &f->tensors[f->n_tensors++];
        if (parse_entry(t, path, name, e, data, data_size)) goto fail;
    }
    if (check_overlaps(f, path, data)) goto fail;
    json_decref(root);
    return 0;

fail:
    json_decref(root);
    seal_st_close(f);
    return -1;
}

int seal_st_open(st_file *f, const char *path) {
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return seal_err("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        seal_err("%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) { close(fd); return seal_err("%s: not a regular file", path); }
    size_t size = (size_t)st.st_size;
    void *map = NULL;
    if (size >= 8) { /* mmap of 0 bytes fails; shorter files are rejected by the parser anyway */
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            seal_err("%s: mmap of %zu bytes failed: %s", path, size, strerror(errno));
            close(fd);
            return -1;
        }
    }
    close(fd);
    if (seal_st_parse_buffer(f, path, map, size)) {
        if (map) munmap(map, size);
        return -1;
    }
    f->map = map;
    f->map_size = size;
    return 0;
}

void seal_st_close(st_file *f) {
    if (f->map) munmap(f->map, f->map_size);
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    for (int i = 0; i < f->n_meta; i++) { free(f->meta_keys[i]); free(f->meta_values[i]); }
    free(f->meta_keys);
    free(f->meta_values);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* ---- sets of files (sharded checkpoints) ------------------------------ */

static uint64_t name_hash(const char *s) {
    uint64_t h = seal_fnv1a64(FNV1A64_INIT, s, strlen(s));
    /* The table uses the low bits, which in plain FNV-1a ignore the high bits
     * of every byte; fold the high half down so all bits count. */
    return h ^ (h >> 32);
}

/* The slot holding name, or the empty slot where it would go. */
static size_t table_slot(const st_set *s, const char *name) {
    size_t mask = s->table_size - 1, i = (size_t)name_hash(name) & mask;
    while (s->by_name[i] && strcmp(s->by_name[i]->name, name) != 0) i = (i + 1) & mask;
    return i;
}

const st_tensor *seal_st_find(const st_set *s, const char *name) {
    if (s->table_size == 0) return NULL;
    return s->by_name[table_slot(s, name)];
}

/* Index every tensor of every file; a name in two files is an error. */
static int build_table(st_set *s, const char *dir) {
    size_t n = 0;
    for (int i = 0; i < s->n_files; i++) n += (size_t)s->files[i].n_tensors;
    s->table_size = 16;
    while (s->table_size < 2 * n) s->table_size *= 2; /* load <= 1/2 keeps probes short */
    s->by_name = seal_calloc(s->table_size, sizeof(st_tensor *));
    for (int i = 0; i < s->n_files; i++) {
        st_file *f = &s->files[i];
        for (int j = 0; j < f->n_tensors; j++) {
            st_tensor *t = &f->tensors[j];
            t->file_index = i;
            size_t k = table_slot(s, t->name);
            if (s->by_name[k])
                return seal_err("%s: tensor \"" NAMEF "\" appears in two shards, %s and %s", dir, t->name,
                                s->files[s->by_name[k]->file_index].path, f->path);
            s->by_name[k] = t;
            s->n_tensors++;
        }
        s->total_bytes += f->map_size;
    }
    return 0;
}

/* A shard name from an index must be a plain file name inside DIR. */
static int check_shard_name(const char *index_path, const char *tensor, const char *shard) {
    if (!*shard || strchr(shard, '/') || strstr(shard, ".."))
        return seal_err("%s: tensor \"" NAMEF "\": shard name \"" NAMEF "\" is not a plain file name in the "
                        "directory", index_path, tensor, shard);
    return 0;
}

static int open_sharded(st_set *s, const char *dir, const char *index_path) {
    json_t *root = seal_json_load_file(index_path, JSON_REJECT_DUPLICATES);
    int rc = -1, *shard_of = NULL;
    const char **shards = NULL; /* distinct shard names, in order of first use */
    if (!root) goto done;
    json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(root) || !json_is_object(wm)) {
        seal_err("%s: no \"weight_map\" object", index_path);
        goto done;
    }
    size_t n = json_object_size(wm);
    if (n == 0) { seal_err("%s: weight_map is empty", index_path); goto done; }
    shard_of = seal_malloc(n * sizeof *shard_of);
    shards = seal_malloc(n * sizeof *shards);
    size_t k = 0;
    int n_shards = 0;
    const char *name;
    json_t *v;
    json_object_foreach(wm, name, v) {
        if (!json_is_string(v)) {
            seal_err("%s: weight_map entry \"" NAMEF "\" is not a string", index_path, name);
            goto done;
        }
        const char *shard = json_string_value(v);
        if (check_shard_name(index_path, name, shard)) goto done;
        int j = 0;
        while (j < n_shards && strcmp(shards[j], shard) != 0) j++;
        if (j == n_shards) shards[n_shards++] = shard;
        shard_of[k++] = j;
    }
    /* n_files counts the opened shards, so that seal_st_close_set frees exactly those. */
    s->files = seal_calloc((size_t)n_shards, sizeof(st_file));
    s->n_files = 0;
    for (int j = 0; j < n_shards; j++) {
        char *p = seal_path_join(dir, shards[j]);
        int bad = seal_st_open(&s->files[j], p);
        free(p);
        if (bad) goto done;
        s->n_files++;
    }
    if (build_table(s, dir)) goto done;
    k = 0;
    json_object_foreach(wm, name, v) {
        const st_tensor *t = seal_st_find(s, name);
        if (!t || t->file_index != shard_of[k]) {
            seal_err("%s: tensor \"" NAMEF "\" is listed in shard %s but that shard does not contain it",
                     index_path, name, shards[shard_of[k]]);
            goto done;
        }
        k++;
    }
    rc = 0;
done:
    free(shard_of);
    free(shards);
    json_decref(root);
    return rc;
}

int seal_st_open_dir(st_set *s, const char *dir) {
    memset(s, 0, sizeof *s);
    if (!seal_is_dir(dir)) return seal_err("%s: no such directory", dir);
    char *index = seal_path_join(dir, "model.safetensors.index.json");
    char *single = seal_path_join(dir, "model.safetensors");
    int rc = -1;
    if (seal_is_file(index)) {
        rc = open_sharded(s, dir, index);
    } else if (!seal_is_file(single)) {
        seal_err("%s: no model.safetensors or model.safetensors.index.json", dir);
    } else {
        s->files = seal_calloc(1, sizeof(st_file));
        if (seal_st_open(&s->files[0], single) == 0) {
            s->n_files = 1;
            rc = build_table(s, dir);
        }
    }
    free(index);
    free(single);
    if (rc) seal_st_close_set(s);
    return rc;
}

void seal_st_close_set(st_set *s) {
    for (int i = 0; i < s->n_files; i++) seal_st_close(&s->files[i]);
    free(s->files);
    free(s->by_name);
    memset(s, 0, sizeof *s);
}

/* Files up to this size are hashed whole; larger ones by their header and
 * FP_BLOCKS evenly spaced blocks, so that a multi-GB model costs ~1 MB of reads. */
enum { FP_WHOLE = 64 << 20, FP_BLOCKS = 256, FP_BLOCK = 4096 };

uint64_t seal_st_set_fingerprint(const st_set *s) {
    uint64_t h = FNV1A64_INIT;
    for (int i = 0; i < s->n_files; i++) {
        const st_file *f = &s->files[i];
        const unsigned char *m = f->map;
        size_t size = f->map_size;
        h = seal_fnv1a64(h, &size, sizeof size);
        if (!m) continue;
        if (size <= FP_WHOLE) {
            h = seal_fnv1a64(h, m, size);
            continue;
        }
        uint64_t hdr;
        memcpy(&hdr, m, 8);
        h = seal_fnv1a64(h, m, 8 + (size_t)hdr); /* validated at open: inside the file */
        for (size_t b = 0; b < FP_BLOCKS; b++) {
            size_t at = (size - FP_BLOCK) / (FP_BLOCKS - 1) * b;
            h = seal_fnv1a64(h, m + at, FP_BLOCK);
        }
    }
    return h;
}

/* ---- writing ---------------------------------------------------------- */

/* The header object, or NULL after an error naming path. *data_size gets
 * the size of the data section (tensors back to back, in order). */
static json_t *build_header(const char *path, const st_write_tensor *ts, int n, const char *const *mk,
                            const char *const *mv, int n_meta, uint64_t *data_size) {
    json_t *root = json_object();
    if (n_meta > 0) {
        json_t *meta = json_object();
        json_object_set_new(root, "__metadata__", meta);
        for (int i = 0; i < n_meta; i++) {
            if (!mk[i] || !mv[i]) { seal_err("%s: metadata entry %d is NULL", path, i); goto fail; }
            if (json_object_get(meta, mk[i])) {
                seal_err("%s: metadata key \"" NAMEF "\" given twice", path, mk[i]);
                goto fail;
            }
            json_t *v = json_string(mv[i]);
            if (!v || json_object_set_new(meta, mk[i], v)) {
                seal_err("%s: metadata \"" NAMEF "\" is not valid UTF-8", path, mk[i]);
                goto fail;
            }
        }
    }
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        const st_write_tensor *t = &ts[i];
        const char *name = t->name;
        if (!name) { seal_err("%s: tensor %d has no name", path, i); goto fail; }
        if (strcmp(name, "__metadata__") == 0 || json_object_get(root, name)) {
            seal_err("%s: tensor \"" NAMEF "\": name is reserved or given twice", path, name);
            goto fail;
        }
        if ((unsigned)t->dtype >= SEAL_DTYPE_COUNT) {
            seal_err("%s: tensor \"" NAMEF "\": invalid dtype %d", path, name, (int)t->dtype);
            goto fail;
        }
        if (t->ndim < 0 || t->ndim > ST_MAX_DIMS) {
            seal_err("%s: tensor \"" NAMEF "\": ndim %d outside [0, %d]", path, name, t->ndim, ST_MAX_DIMS);
            goto fail;
        }
        json_t *shape = json_array();
        json_t *e = json_object();
        json_object_set_new(e, "dtype", json_string(seal_dtype_name(t->dtype)));
        json_object_set_new(e, "shape", shape);
        if (json_object_set_new(root, name, e)) {
            seal_err("%s: tensor \"" NAMEF "\": name is not valid UTF-8", path, name);
            goto fail;
        }
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] < 0) {
                seal_err("%s: tensor \"" NAMEF "\": shape[%d] is negative", path, name, d);
                goto fail;
            }
            json_array_append_new(shape, json_integer(t->shape[d]));
        }
        uint64_t nbytes = 0, end = 0;
        if (shape_nbytes(t->shape, t->ndim, seal_dtype_size(t->dtype), &nbytes) ||
            __builtin_add_overflow(off, nbytes, &end) || end > (uint64_t)INT64_MAX) {
            seal_err("%s: tensor \"" NAMEF "\": shape x dtype size overflows", path, name);
            goto fail;
        }
        if (nbytes > 0 && !t->data) {
            seal_err("%s: tensor \"" NAMEF "\": data is NULL", path, name);
            goto fail;
        }
        json_object_set_new(e, "data_offsets", json_pack("[II]", (json_int_t)off, (json_int_t)end));
        off = end;
    }
    *data_size = off;
    return root;
fail:
    json_decref(root);
    return NULL;
}

int seal_st_write(const char *path, const st_write_tensor *tensors, int n,
             const char *const *meta_keys, const char *const *meta_values, int n_meta) {
    if (n < 0 || n_meta < 0 || (n > 0 && !tensors) || (n_meta > 0 && (!meta_keys || !meta_values)))
        return seal_err("%s: st_write: invalid arguments", path);
    uint64_t data_size;
    json_t *root = build_header(path, tensors, n, meta_keys, meta_values, n_meta, &data_size);
    if (!root) return -1;
    /* Insertion order is kept by jansson's dump (without JSON_SORT_KEYS). */
    char *hdr = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!hdr) return seal_err("%s: cannot serialize the header", path);
    /* Pad with spaces so the data section starts 8-byte aligned, as the
     * reference writer does; readers may then use aligned loads on F32/I64. */
    size_t len = strlen(hdr), padded = (len + 7) & ~(size_t)7;
    uint8_t prefix[8];
    for (int i = 0; i < 8; i++) prefix[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    static const char spaces[8] = "        ";

    seal_atomic_file a;
    if (seal_atomic_begin(&a, path)) { free(hdr); return -1; }
    int bad = seal_atomic_write(&a, prefix, 8) || seal_atomic_write(&a, hdr, len) ||
              seal_atomic_write(&a, spaces, padded - len);
    free(hdr);
    for (int i = 0; i < n && !bad; i++) {
        uint64_t nbytes = 0;
        shape_nbytes(tensors[i].shape, tensors[i].ndim, seal_dtype_size(tensors[i].dtype), &nbytes);
        bad = seal_atomic_write(&a, tensors[i].data, (size_t)nbytes);
    }
    if (bad) { seal_atomic_abort(&a); return -1; }
    return seal_atomic_commit(&a);
}
