/* test_safetensors: write/read round trips (single file and sharded
 * directory), then one crafted file per malformation the reader must reject,
 * each checked for a message that names the file, the tensor and the fault. */
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "io/safetensors.h"
#include "util/err.h"
#include "util/fsutil.h"

static char tmpdir[] = "/tmp/seal-st-XXXXXX";

/* tmpdir/name in a rotating static buffer (several may be live at once). */
static const char *tpath(const char *name) {
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", tmpdir, name);
    return b;
}

static void write_bytes(const char *path, const void *buf, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n) { perror(path); exit(1); }
    fclose(f);
}

/* A file with the given header length field, header text and data_len bytes
 * of data (0x5a). The length field is normally strlen(header). */
static const char *craft_len(const char *name, uint64_t len_field, const char *header, size_t data_len) {
    size_t hn = strlen(header), n = 8 + hn + data_len;
    unsigned char *b = malloc(n);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(len_field >> (8 * i));
    memcpy(b + 8, header, hn);
    memset(b + 8 + hn, 0x5a, data_len);
    const char *p = tpath(name);
    write_bytes(p, b, n);
    free(b);
    return p;
}

static const char *craft(const char *name, const char *header, size_t data_len) {
    return craft_len(name, strlen(header), header, data_len);
}

/* seal_st_open's return code; the file is closed again either way. */
static int open_rc(const char *path) {
    st_file f;
    int rc = seal_st_open(&f, path);
    seal_st_close(&f);
    return rc;
}

static int open_dir_rc(const char *dir) {
    st_set s;
    int rc = seal_st_open_dir(&s, dir);
    seal_st_close_set(&s);
    return rc;
}

static size_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static int count_tmp_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, ".tmp-", 5) == 0) n++;
    if (d) closedir(d);
    return n;
}

static int rm_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb; (void)type; (void)ftw;
    return remove(p);
}

static void test_round_trip(void) {
    float f32[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-7f, -1e30f};
    uint16_t bf16[4], f16[3];
    for (int i = 0; i < 4; i++) bf16[i] = seal_f32_to_bf16(0.5f * (float)i - 1.0f);
    for (int i = 0; i < 3; i++) f16[i] = seal_f32_to_f16(0.25f * (float)i + 2.0f);
    int64_t i64[2] = {-7, INT64_MAX};
    float scalar = 42.0f;
    st_write_tensor w[] = {
        {.name = "model.embed.weight", .dtype = SEAL_F32, .ndim = 2, .shape = {2, 3}, .data = f32},
        {.name = "b", .dtype = SEAL_BF16, .ndim = 1, .shape = {4}, .data = bf16},
        {.name = "a.f16", .dtype = SEAL_F16, .ndim = 1, .shape = {3}, .data = f16},
        {.name = "ids", .dtype = SEAL_I64, .ndim = 2, .shape = {1, 2}, .data = i64},
        {.name = "empty", .dtype = SEAL_F32, .ndim = 2, .shape = {0, 5}, .data = NULL},
        {.name = "scalar", .dtype = SEAL_F32, .ndim = 0, .data = &scalar},
    };
    int n = (int)(sizeof w / sizeof w[0]);
    const char *mk[] = {"format", "note"}, *mv[] = {"pt", "written by test_safetensors"};
    const char *path = tpath("rt.safetensors");
    CHECK(seal_st_write(path, w, n, mk, mv, 2) == 0);
    CHECK(count_tmp_files(tmpdir) == 0);

    st_file f;
    CHECK_MSG(seal_st_open(&f, path) == 0, "%s", seal_errmsg());
    CHECK(f.n_tensors == n);
    for (int i = 0; i < n && i < f.n_tensors; i++) {
        st_tensor *t = &f.tensors[i];
        CHECK(strcmp(t->name, w[i].name) == 0); /* header order kept */
        CHECK(t->dtype == w[i].dtype);
        CHECK(t->ndim == w[i].ndim);
        for (int d = 0; d < t->ndim; d++) CHECK(t->shape[d] == w[i].shape[d]);
        size_t nbytes = (size_t)seal_st_numel(t) * seal_dtype_size(t->dtype);
        CHECK(t->nbytes == nbytes);
        if (nbytes) CHECK(memcmp(t->data, w[i].data, nbytes) == 0);
    }
    CHECK(f.n_meta == 2);
    if (f.n_meta == 2) {
        CHECK(strcmp(f.meta_keys[0], "format") == 0 && strcmp(f.meta_values[0], "pt") == 0);
        CHECK(strcmp(f.meta_keys[1], "note") == 0 && strcmp(f.meta_values[1], mv[1]) == 0);
    }
    /* Layout: data section 8-byte aligned, __metadata__ first, spaces as padding. */
    const unsigned char *m = f.map;
    uint64_t hn = 0;
    for (int i = 7; i >= 0; i--) hn = (hn << 8) | m[i];
    CHECK((8 + hn) % 8 == 0);
    CHECK(memcmp(m + 8, "{\"__metadata__\":", 16) == 0);
    CHECK(m[8 + hn - 1] == '}' || m[8 + hn - 1] == ' ');
    CHECK(f.tensors[0].data == m + 8 + hn); /* contiguous from the start */
    seal_st_close(&f);

    /* Overwriting goes through rename too. */
    CHECK(seal_st_write(path, w, 1, NULL, NULL, 0) == 0);
    CHECK(seal_st_open(&f, path) == 0 && f.n_tensors == 1 && f.n_meta == 0);
    seal_st_close(&f);

    /* A file with no tensors at all is valid. */
    CHECK(seal_st_write(tpath("none.safetensors"), NULL, 0, NULL, NULL, 0) == 0);
    CHECK(seal_st_open(&f, tpath("none.safetensors")) == 0 && f.n_tensors == 0);
    seal_st_close(&f);
}

static void test_single_dir(void) {
    const char *dir = tpath("single");
    CHECK(seal_mkdir_p(dir) == 0);
    CHECK(seal_mkdir_p(dir) == 0); /* existing is fine */
    int32_t v[3] = {1, 2, 3};
    st_write_tensor w = {.name = "x", .dtype = SEAL_I32, .ndim = 1, .shape = {3}, .data = v};
    char *p = seal_path_join(dir, "model.safetensors");
    CHECK(seal_st_write(p, &w, 1, NULL, NULL, 0) == 0);
    st_set s;
    CHECK_MSG(seal_st_open_dir(&s, dir) == 0, "%s", seal_errmsg());
    const st_tensor *t = seal_st_find(&s, "x");
    CHECK(t && t->nbytes == 12 && memcmp(t->data, v, 12) == 0);
    CHECK(seal_st_find(&s, "y") == NULL);
    CHECK(s.n_files == 1 && s.n_tensors == 1 && s.total_bytes == file_size(p));
    seal_st_close_set(&s);
    free(p);
}

/* Write DIR/name as a shard holding tensors of 2 floats each with the given names. */
static void write_shard(const char *dir, const char *name, const char *const *names, int n, float base) {
    st_write_tensor w[8];
    float vals[8][2];
    for (int i = 0; i < n; i++) {
        vals[i][0] = base + (float)i;
        vals[i][1] = -(base + (float)i);
        w[i] = (st_write_tensor){.name = names[i], .dtype = SEAL_F32, .ndim = 1, .shape = {2}, .data = vals[i]};
    }
    char *p = seal_path_join(dir, name);
    if (seal_st_write(p, w, n, NULL, NULL, 0) != 0) { fprintf(stderr, "%s\n", seal_errmsg()); exit(1); }
    free(p);
}

static void write_index(const char *dir, const char *json) {
    char *p = seal_path_join(dir, "model.safetensors.index.json");
    write_bytes(p, json, strlen(json));
    free(p);
}

#define SHARD1 "model-00001-of-00002.safetensors"
#define SHARD2 "model-00002-of-00002.safetensors"

static void test_sharded(void) {
    const char *dir = tpath("sharded");
    CHECK(seal_mkdir_p(dir) == 0);
    const char *n1[] = {"layers.0.w", "layers.1.w"}, *n2[] = {"lm_head.weight"};
    write_shard(dir, SHARD1, n1, 2, 10.0f);
    write_shard(dir, SHARD2, n2, 1, 20.0f);
    write_index(dir, "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {"
                     "\"layers.0.w\": \"" SHARD1 "\", \"lm_head.weight\": \"" SHARD2 "\", "
                     "\"layers.1.w\": \"" SHARD1 "\"}}");
    st_set s;
    CHECK_MSG(seal_st_open_dir(&s, dir) == 0, "%s", seal_errmsg());
    CHECK(s.n_files == 2 && s.n_tensors == 3);
    const st_tensor *a = seal_st_find(&s, "layers.1.w"), *b = seal_st_find(&s, "lm_head.weight");
    CHECK(a && a->file_index == 0 && b && b->file_index == 1);
    float x[2];
    if (a) { memcpy(x, a->data, 8); CHECK(x[0] == 11.0f && x[1] == -11.0f); }
    if (b) { memcpy(x, b->data, 8); CHECK(x[0] == 20.0f && x[1] == -20.0f); }
    CHECK(seal_st_find(&s, "layers.2.w") == NULL);
    char *p1 = seal_path_join(dir, SHARD1), *p2 = seal_path_join(dir, SHARD2);
    CHECK(s.total_bytes == file_size(p1) + file_size(p2));
    seal_st_close_set(&s);
    free(p1);
    free(p2);

    /* A bigger single file: the hash table must find every one of 300 names. */
    const char *big = tpath("big");
    CHECK(seal_mkdir_p(big) == 0);
    enum { N = 300 };
    static char names[N][16];
    static st_write_tensor w[N];
    uint8_t one = 7;
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "t.%d", i);
        w[i] = (st_write_tensor){.name = names[i], .dtype = SEAL_U8, .ndim = 1, .shape = {1}, .data = &one};
    }
    char *bp = seal_path_join(big, "model.safetensors");
    CHECK(seal_st_write(bp, w, N, NULL, NULL, 0) == 0);
    free(bp);
    CHECK(seal_st_open_dir(&s, big) == 0 && s.n_tensors == N);
    int found = 0;
    for (int i = 0; i < N; i++) {
        const st_tensor *t = seal_st_find(&s, names[i]);
        found += t && strcmp(t->name, names[i]) == 0 && *(const uint8_t *)t->data == 7;
    }
    CHECK(found == N);
    seal_st_close_set(&s);
}

static void test_bad_sharded(void) {
    CHECK_ERR(open_dir_rc(tpath("does-not-exist")), "does-not-exist: no such directory");
    const char *empty = tpath("emptydir");
    CHECK(seal_mkdir_p(empty) == 0);
    CHECK_ERR(open_dir_rc(empty), "emptydir: no model.safetensors or model.safetensors.index.json");

    const char *dir = tpath("badshard");
    CHECK(seal_mkdir_p(dir) == 0);
    const char *n1[] = {"a", "b"}, *n2[] = {"b", "c"};
    write_shard(dir, SHARD1, n1, 2, 1.0f);
    write_shard(dir, SHARD2, n2, 2, 5.0f);

    write_index(dir, "{\"weight_map\": {\"a\": \"" SHARD1 "\", \"z\": \"model-00003-of-00003.safetensors\"}}");
    CHECK_ERR(open_dir_rc(dir), "model-00003-of-00003.safetensors: cannot open");

    write_index(dir, "{\"weight_map\": {\"a\": \"" SHARD1 "\", \"c\": \"" SHARD1 "\"}}");
    CHECK_ERR(open_dir_rc(dir), "tensor \"c\" is listed in shard " SHARD1 " but that shard does not contain it");

    /* "b" is in both shard files. */
    write_index(dir, "{\"weight_map\": {\"a\": \"" SHARD1 "\", \"b\": \"" SHARD1 "\", \"c\": \"" SHARD2 "\"}}");
    CHECK_ERR(open_dir_rc(dir), "tensor \"b\" appears in two shards");

    write_index(dir, "{\"weight_map\": {\"a\": \"../" SHARD1 "\"}}");
    CHECK_ERR(open_dir_rc(dir), "tensor \"a\": shard name \"../" SHARD1 "\" is not a plain file name");
    write_index(dir, "{\"weight_map\": {\"a\": \"sub/x.safetensors\"}}");
    CHECK_ERR(open_dir_rc(dir), "shard name \"sub/x.safetensors\" is not a plain file name");
    write_index(dir, "{\"weight_map\": {\"a\": \"..\"}}");
    CHECK_ERR(open_dir_rc(dir), "is not a plain file name");
    write_index(dir, "{\"weight_map\": {\"a\": 3}}");
    CHECK_ERR(open_dir_rc(dir), "weight_map entry \"a\" is not a string");
    write_index(dir, "{\"weight_map\": {}}");
    CHECK_ERR(open_dir_rc(dir), "model.safetensors.index.json: weight_map is empty");
    write_index(dir, "{\"metadata\": {}}");
    CHECK_ERR(open_dir_rc(dir), "model.safetensors.index.json: no \"weight_map\" object");
    write_index(dir, "{\"weight_map\": {\"a\": \"" SHARD1 "\", \"a\": \"" SHARD1 "\"}}");
    CHECK_ERR(open_dir_rc(dir), "model.safetensors.index.json: not valid JSON: line 1 column 60: duplicate object key");
    write_index(dir, "{\"weight_map\": ");
    CHECK_ERR(open_dir_rc(dir), "model.safetensors.index.json: not valid JSON");

    /* A shard that is itself malformed: the message names the shard. */
    write_bytes(tpath("badshard/" SHARD2), "xx", 2);
    write_index(dir, "{\"weight_map\": {\"a\": \"" SHARD1 "\", \"c\": \"" SHARD2 "\"}}");
    CHECK_ERR(open_dir_rc(dir), SHARD2 ": file is 2 bytes, shorter than the 8-byte header length");
}

#define F32_2 "\"dtype\":\"F32\",\"shape\":[2]"

static void test_bad_files(void) {
    unsigned char five[5] = {1, 2, 3, 4, 5};
    write_bytes(tpath("short.safetensors"), five, 5);
    CHECK_ERR(open_rc(tpath("short.safetensors")), "short.safetensors: file is 5 bytes, shorter than");
    write_bytes(tpath("zero.safetensors"), five, 0);
    CHECK_ERR(open_rc(tpath("zero.safetensors")), "zero.safetensors: file is 0 bytes");
    CHECK_ERR(open_rc(tpath("nonexistent.safetensors")), "nonexistent.safetensors: cannot open");
    CHECK_ERR(open_rc(tmpdir), "not a regular file");

    CHECK_ERR(open_rc(craft_len("len0.safetensors", 0, "{}", 0)), "len0.safetensors: header length is 0");
    CHECK_ERR(open_rc(craft_len("huge.safetensors", ST_MAX_HEADER + 1ull, "{}", 0)),
              "huge.safetensors: header length 104857601 exceeds the limit");
    CHECK_ERR(open_rc(craft_len("maxlen.safetensors", UINT64_MAX, "{}", 0)), "maxlen.safetensors: header length");
    CHECK_ERR(open_rc(craft_len("past.safetensors", 1000, "{}", 10)),
              "past.safetensors: header length 1000 reaches beyond the end of the file (20 bytes)");

    CHECK_ERR(open_rc(craft("json.safetensors", "{\"w\": ", 0)), "json.safetensors: header is not valid JSON");
    CHECK_ERR(open_rc(craft("trail.safetensors", "{} x", 0)), "trail.safetensors: header is not valid JSON");
    CHECK_ERR(open_rc(craft("nul.safetensors", "{\"w\\u0000\": 1}", 0)), "nul.safetensors: header is not valid JSON");
    CHECK_ERR(open_rc(craft("array.safetensors", "[1, 2]", 0)), "array.safetensors: header is not a JSON object");
    CHECK_ERR(open_rc(craft("dup.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[0,8]},"
                                               "\"w\":{" F32_2 ",\"data_offsets\":[8,16]}}", 16)),
              "dup.safetensors: header has a duplicate key (tensor names must be unique): "
              "duplicate object key near '\"w\"'");

    CHECK_ERR(open_rc(craft("entry.safetensors", "{\"w\": 3}", 0)), "entry.safetensors: tensor \"w\": entry is not an object");
    CHECK_ERR(open_rc(craft("nodtype.safetensors", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8)),
              "nodtype.safetensors: tensor \"w\": missing dtype");
    CHECK_ERR(open_rc(craft("dtypeint.safetensors", "{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8)),
              "dtypeint.safetensors: tensor \"w\": dtype is not a string");
    CHECK_ERR(open_rc(craft("dtype.safetensors", "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)),
              "dtype.safetensors: tensor \"w\": unknown dtype \"Q4\"");
    CHECK_ERR(open_rc(craft("noshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8)),
              "noshape.safetensors: tensor \"w\": missing shape");
    CHECK_ERR(open_rc(craft("shapeobj.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,8]}}", 8)),
              "shapeobj.safetensors: tensor \"w\": shape is not an array");
    CHECK_ERR(open_rc(craft("negdim.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8)),
              "negdim.safetensors: tensor \"w\": shape[1] is negative (-1)");
    CHECK_ERR(open_rc(craft("realdim.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8)),
              "realdim.safetensors: tensor \"w\": shape[0] is not an integer");
    CHECK_ERR(open_rc(craft("strdim.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8)),
              "strdim.safetensors: tensor \"w\": shape[0] is not an integer");
    CHECK_ERR(open_rc(craft("dims.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],"
                                                "\"data_offsets\":[0,8]}}", 8)),
              "dims.safetensors: tensor \"w\": shape has 9 dims, more than the 8 supported");
    CHECK_ERR(open_rc(craft("ovf.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                                               "\"data_offsets\":[0,8]}}", 8)),
              "ovf.safetensors: tensor \"w\": shape x dtype size overflows");
    CHECK_ERR(open_rc(craft("ovf2.safetensors", "{\"w\":{\"dtype\":\"I64\",\"shape\":[2305843009213693952],"
                                                "\"data_offsets\":[0,8]}}", 8)),
              "ovf2.safetensors: tensor \"w\": shape x dtype size overflows");
    CHECK_ERR(open_rc(craft("nooff.safetensors", "{\"w\":{" F32_2 "}}", 8)),
              "nooff.safetensors: tensor \"w\": missing data_offsets");
    CHECK_ERR(open_rc(craft("off3.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[0,8,8]}}", 8)),
              "off3.safetensors: tensor \"w\": data_offsets is not an array [begin, end]");
    CHECK_ERR(open_rc(craft("offreal.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[0,8.5]}}", 8)),
              "offreal.safetensors: tensor \"w\": data_offsets[1] is not an integer");
    CHECK_ERR(open_rc(craft("offneg.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[-8,0]}}", 8)),
              "offneg.safetensors: tensor \"w\": data_offsets[0] is negative");
    CHECK_ERR(open_rc(craft("order.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8)),
              "order.safetensors: tensor \"w\": data_offsets begin 8 > end 4");
    CHECK_ERR(open_rc(craft("span.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[0,4]}}", 8)),
              "span.safetensors: tensor \"w\": shape x dtype size (8 bytes) != span (4 bytes)");
    CHECK_ERR(open_rc(craft("beyond.safetensors", "{\"w\":{" F32_2 ",\"data_offsets\":[4,12]}}", 8)),
              "beyond.safetensors: tensor \"w\": data_offsets [4, 12] reach beyond the end of the file");
    CHECK_ERR(open_rc(craft("huge_off.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],"
                                                    "\"data_offsets\":[9223372036854775806,9223372036854775807]}}", 8)),
              "huge_off.safetensors: tensor \"w\": data_offsets [9223372036854775806, 9223372036854775807] reach beyond");
    CHECK_ERR(open_rc(craft("overlap.safetensors", "{\"a\":{" F32_2 ",\"data_offsets\":[0,8]},"
                                                   "\"z\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[12,20]},"
                                                   "\"b\":{" F32_2 ",\"data_offsets\":[4,12]}}", 20)),
              "overlap.safetensors: tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
    CHECK_ERR(open_rc(craft("meta.safetensors", "{\"__metadata__\": [\"x\"]}", 0)),
              "meta.safetensors: __metadata__ is not an object");
    CHECK_ERR(open_rc(craft("metaval.safetensors", "{\"__metadata__\": {\"ok\": \"1\", \"n\": 2}}", 0)),
              "metaval.safetensors: __metadata__ key \"n\" is not a string");

    /* Valid edge cases: zero-element tensors (begin == end, also at the end of
     * the data, also sharing an offset with a neighbour), trailing spaces,
     * data left over after the last tensor. */
    st_file f;
    const char *ok = craft("edge.safetensors", "{\"e\":{\"dtype\":\"BOOL\",\"shape\":[3,0],\"data_offsets\":[8,8]},"
                                               "\"w\":{" F32_2 ",\"data_offsets\":[0,8]},"
                                               "\"end\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[12,12]}}   ", 12);
    CHECK_MSG(seal_st_open(&f, ok) == 0, "%s", seal_errmsg());
    CHECK(f.n_tensors == 3 && f.tensors[0].nbytes == 0 && seal_st_numel(&f.tensors[0]) == 0 && f.tensors[1].nbytes == 8);
    seal_st_close(&f);
}

static void test_parse_buffer(void) {
    const char hdr[] = "{\"w\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}";
    unsigned char buf[8 + sizeof hdr - 1 + 3];
    uint64_t hn = sizeof hdr - 1;
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(hn >> (8 * i));
    memcpy(buf + 8, hdr, hn);
    memcpy(buf + 8 + hn, "abc", 3);
    st_file f;
    CHECK(seal_st_parse_buffer(&f, "<memory>", buf, sizeof buf) == 0);
    CHECK(f.n_tensors == 1 && f.map == NULL && memcmp(f.tensors[0].data, "abc", 3) == 0);
    seal_st_close(&f);
    CHECK_ERR(seal_st_parse_buffer(&f, "<memory>", buf, sizeof buf - 1), "<memory>: tensor \"w\": data_offsets [0, 3] reach beyond");
    seal_st_close(&f);
    CHECK_ERR(seal_st_parse_buffer(&f, "<memory>", NULL, 0), "<memory>: file is 0 bytes");
    seal_st_close(&f);
}

static void test_bad_writes(void) {
    float v[2] = {1, 2};
    const char *p = tpath("badw.safetensors");
    st_write_tensor w[2] = {
        {.name = "x", .dtype = SEAL_F32, .ndim = 1, .shape = {2}, .data = v},
        {.name = "x", .dtype = SEAL_F32, .ndim = 1, .shape = {2}, .data = v},
    };
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "badw.safetensors: tensor \"x\": name is reserved or given twice");
    w[1].name = "__metadata__";
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "tensor \"__metadata__\": name is reserved");
    w[1].name = "y";
    w[1].shape[0] = -2;
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "badw.safetensors: tensor \"y\": shape[0] is negative");
    w[1].shape[0] = 2;
    w[1].dtype = (seal_dtype)99;
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "tensor \"y\": invalid dtype 99");
    w[1].dtype = SEAL_F32;
    w[1].ndim = 9;
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "tensor \"y\": ndim 9 outside [0, 8]");
    w[1].ndim = 2;
    w[1].shape[0] = w[1].shape[1] = INT64_MAX / 2;
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "tensor \"y\": shape x dtype size overflows");
    w[1].ndim = 1;
    w[1].shape[0] = 2;
    w[1].data = NULL;
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "tensor \"y\": data is NULL");
    w[1].data = v;
    w[1].name = "\xff\xfe";
    CHECK_ERR(seal_st_write(p, w, 2, NULL, NULL, 0), "name is not valid UTF-8");
    const char *mk[] = {"k", "k"}, *mv[] = {"1", "2"};
    CHECK_ERR(seal_st_write(p, w, 1, mk, mv, 2), "metadata key \"k\" given twice");
    CHECK_ERR(seal_st_write(tpath("no/such/dir/x.safetensors"), w, 1, NULL, NULL, 0), "cannot create temp file");
    CHECK(file_size(p) == 0 && count_tmp_files(tmpdir) == 0); /* nothing left behind */
}

static void test_fsutil(void) {
    const char *p = tpath("text.txt");
    CHECK(seal_write_file_atomic(p, "hello\0x", 7) == 0);
    size_t n;
    char *s = seal_read_file(p, &n);
    CHECK(s && n == 7 && memcmp(s, "hello\0x", 8) == 0);
    free(s);
    CHECK(seal_read_file(tpath("missing.txt"), &n) == NULL);
    CHECK(strstr(seal_errmsg(), "missing.txt: cannot open") != NULL);
    CHECK(seal_read_file(tmpdir, &n) == NULL && strstr(seal_errmsg(), "is a directory"));
    char *j = seal_path_join("a/", "b");
    CHECK(strcmp(j, "a/b") == 0);
    free(j);
    j = seal_path_join("a", "b");
    CHECK(strcmp(j, "a/b") == 0);
    free(j);
    CHECK(seal_is_dir(tmpdir) && !seal_is_dir(p) && seal_is_file(p) && !seal_is_file(tmpdir));
    CHECK(seal_mkdir_p(tpath("m/n/o")) == 0 && seal_is_dir(tpath("m/n/o")));
    CHECK_ERR(seal_mkdir_p(tpath("text.txt/sub")), "text.txt");
}

int main(void) {
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_round_trip();
    test_single_dir();
    test_sharded();
    test_bad_sharded();
    test_bad_files();
    test_parse_buffer();
    test_bad_writes();
    test_fsutil();
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_report("test_safetensors");
}
