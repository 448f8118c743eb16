/* json_diff.c: see json_diff.h. */
#include "util/json_diff.h"

#include <stdlib.h>
#include <string.h>

/* Reals to 6 digits, or to the fewest digits (up to 17) that show two
 * different values apart ("x 1.0 -> 1.0" would name no difference). */
static void show(strbuf *out, const char *path, const json_t *a, const json_t *b) {
    char *sa = NULL, *sb = NULL;
    for (int digits = 6; digits <= 17; digits++) {
        free(sa), free(sb);
        size_t flags = JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(digits);
        sa = a ? json_dumps(a, flags) : NULL, sb = b ? json_dumps(b, flags) : NULL;
        if (!sa || !sb || strcmp(sa, sb)) break;
    }
    strbuf_printf(out, "%s%s %s -> %s", out->len ? ", " : "", path, sa ? sa : "(none)", sb ? sb : "(none)");
    free(sa), free(sb);
}

static void diff_at(const json_t *was, const json_t *now, const char *path, strbuf *out) {
    if (json_is_object(was) && json_is_object(now)) {
        const char *key;
        json_t *v;
        strbuf sub = {0};
        json_object_foreach((json_t *)now, key, v) {
            strbuf_clear(&sub);
            strbuf_printf(&sub, "%s%s%s", path, *path ? "." : "", key);
            diff_at(json_object_get(was, key), v, sub.s, out);
        }
        json_object_foreach((json_t *)was, key, v) {
            if (json_object_get(now, key)) continue;
            strbuf_clear(&sub);
            strbuf_printf(&sub, "%s%s%s", path, *path ? "." : "", key);
            show(out, sub.s, v, NULL);
        }
        strbuf_free(&sub);
    } else if (!(was && now && json_equal((json_t *)was, (json_t *)now)))
        show(out, path, was, now);
}

void json_diff(const json_t *was, const json_t *now, strbuf *out) { diff_at(was, now, "", out); }
