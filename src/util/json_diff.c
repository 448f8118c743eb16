/* seal_json_diff.c: see seal_json_diff.h. */
#include "util/json_diff.h"

#include <stdlib.h>
#include <string.h>

static char *dump(const json_t *v, int precision) {
    return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(precision)) : NULL;
}

/* 6 digits read best; 17 when 6 would show two different reals alike. */
static void show(strbuf *out, const char *sep, const char *path, const json_t *a, const json_t *b) {
    char *sa = dump(a, 6), *sb = dump(b, 6);
    if (sa && sb && !strcmp(sa, sb)) {
        free(sa), free(sb);
        sa = dump(a, 17), sb = dump(b, 17);
    }
    seal_strbuf_printf(out, "%s%s %s -> %s", out->len ? sep : "", path, sa ? sa : "(none)", sb ? sb : "(none)");
    free(sa), free(sb);
}

static void diff_at(const json_t *was, const json_t *now, const char *path, const char *sep, strbuf *out) {
    if (json_is_object(was) && json_is_object(now)) {
        const char *key;
        json_t *v;
        strbuf sub = {0};
        json_object_foreach((json_t *)now, key, v) {
            seal_strbuf_clear(&sub);
            seal_strbuf_printf(&sub, "%s%s%s", path, *path ? "." : "", key);
            diff_at(json_object_get(was, key), v, sub.s, sep, out);
        }
        json_object_foreach((json_t *)was, key, v) {
            if (json_object_get(now, key)) continue;
            seal_strbuf_clear(&sub);
            seal_strbuf_printf(&sub, "%s%s%s", path, *path ? "." : "", key);
            show(out, sep, sub.s, v, NULL);
        }
        seal_strbuf_free(&sub);
    } else if (!(was && now && json_equal((json_t *)was, (json_t *)now)))
        show(out, sep, path, was, now);
}

void seal_json_diff(const json_t *was, const json_t *now, strbuf *out) { diff_at(was, now, "", ", ", out); }

void seal_json_diff_sep(const json_t *was, const json_t *now, const char *sep, strbuf *out) { diff_at(was, now, "", sep, out); }
