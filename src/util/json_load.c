/* json_load.c: see json_load.h. */
#include "util/json_load.h"

#include <math.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

json_t *seal_json_load_file(const char *path, size_t flags) {
    json_error_t e;
    json_t *root = json_load_file(path, flags, &e);
    if (root) return root;
    if (json_error_code(&e) == json_error_cannot_open_file) {
        /* jansson's text repeats the path; ask the system for the reason alone */
        FILE *f = fopen(path, "rb");
        int err = f ? EIO : errno;
        if (f) fclose(f);
        seal_err("%s: cannot open: %s", path, strerror(err));
    } else {
        seal_err("%s: not valid JSON: line %d column %d: %s", path, e.line, e.column, e.text);
    }
    return NULL;
}

json_t *seal_json_real(double x) { return isfinite(x) ? json_real(x) : json_null(); }
