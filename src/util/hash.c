/* hash.c: see hash.h. */
#include "util/hash.h"

#include <stdlib.h>

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
