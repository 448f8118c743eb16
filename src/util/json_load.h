/* json_load.h: reading a JSON file with an error that says where it broke, and
 * writing numbers JSON can hold. */
#ifndef SEAL_UTIL_JSON_LOAD_H
#define SEAL_UTIL_JSON_LOAD_H

#include <jansson.h>

/* The document in the file at path, parsed with jansson's flags (0,
 * JSON_DECODE_ANY, JSON_ALLOW_NUL, ...); the caller owns the reference. On
 * failure NULL + seal_err, one of:
 *   "PATH: cannot open: <strerror>"
 *   "PATH: not valid JSON: line L column C: <jansson's text>" */
json_t *seal_json_load_file(const char *path, size_t flags);

/* x as a JSON real, or null when it is not finite (JSON has no NaN or inf). */
json_t *seal_json_real(double x);

#endif
