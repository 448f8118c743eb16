/* hash.c: see hash.h. */
#include "util/hash.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"

uint64_t seal_fnv1a64(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

int seal_file_fingerprint(const char *path, uint64_t *out) {
    size_t n;
    char *data = seal_read_file(path, &n);
    if (!data) return -1;
    *out = seal_fnv1a64(FNV1A64_INIT, data, n);
    free(data);
    return 0;
}

static int visible(const struct dirent *e) { return e->d_name[0] != '.'; }

int seal_path_fingerprint(const char *path, uint64_t *out) {
    if (!seal_is_dir(path)) return seal_file_fingerprint(path, out);
    struct dirent **names;
    int n = scandir(path, &names, visible, alphasort), rc = 0;
    if (n < 0) return seal_err("%s: %s", path, strerror(errno));
    uint64_t h = FNV1A64_INIT;
    for (int i = 0; i < n; i++) {
        char *file = seal_path_join(path, names[i]->d_name);
        uint64_t fh;
        if (rc == 0 && seal_is_file(file)) {
            rc = seal_file_fingerprint(file, &fh);
            h = seal_fnv1a64(h, names[i]->d_name, strlen(names[i]->d_name) + 1);
            h = seal_fnv1a64(h, &fh, sizeof fh);
        }
        free(file);
        free(names[i]);
    }
    free(names);
    *out = h;
    return rc;
}
