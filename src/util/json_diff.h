/* seal_json_diff.h: what changed between two JSON configs, for the messages that
 * refuse to resume a run under other settings. */
#ifndef SEAL_UTIL_JSON_DIFF_H
#define SEAL_UTIL_JSON_DIFF_H

#include <jansson.h>

#include "util/strbuf.h"

/* Append to out, comma-separated, every value that differs between was and now
 * as "key.sub old -> new" ("(none)" for a missing side), recursing into
 * objects; keys in either object count. Reals are shown to 6 digits (17 when
 * 6 would show two different values alike). Nothing is appended when they are
 * equal. */
void seal_json_diff(const json_t *was, const json_t *now, strbuf *out);
/* The same with sep between the differences (e.g. "\n  ": one a line). */
void seal_json_diff_sep(const json_t *was, const json_t *now, const char *sep, strbuf *out);

#endif
