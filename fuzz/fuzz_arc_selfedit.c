/* fuzz_arc_selfedit: libFuzzer target for the two untrusted texts of ARC:
 * the self-edit (arc/config.c) and the model's answers (arc/vote.c). The
 * whole input is a self-edit: its outcome must be one of the three with a
 * reason exactly when not OK, and an OK config must be in bounds and read
 * back the same from its canonical JSON. The input split at NUL bytes is a
 * list of answers (the first byte of each picks its inverter): each parses
 * to a grid in bounds or fails with a message, and the vote over them gives
 * two grids in bounds. Built by scripts/fuzz.sh.
 * FUZZ_SOURCES: src/arc/config.c src/arc/vote.c src/arc/grid.c src/util/pyorder.c src/util/err.c src/util/strbuf.c src/util/utf8.c src/util/hash.c src/util/fsutil.c
 * FUZZ_LIBS: -ljansson -lutf8proc
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arc/config.h"
#include "arc/vote.h"
#include "util/err.h"

static void check_config(const char *text, size_t size) {
    arc_config c, d;
    arc_cfg_status st = seal_arc_config_parse(text, size, &c);
    if (st != c.status || (st != ARC_CFG_OK && st != ARC_CFG_ZERO && st != ARC_CFG_REJECT)) __builtin_trap();
    if ((st == ARC_CFG_OK) != (c.reason[0] == '\0')) __builtin_trap();
    if (st != ARC_CFG_OK) return;
    if (c.epochs < 1 || c.epochs > 751 || !(c.lr > 0 && c.lr <= 1) || c.groups > 15) __builtin_trap();
    char *j = seal_arc_config_json(&c);
    if (seal_arc_config_parse(j, strlen(j), &d) != ARC_CFG_OK || d.groups != c.groups || d.lr != c.lr ||
        d.epochs != c.epochs || d.strategy != c.strategy)
        __builtin_trap();
    free(j);
}

static int in_bounds(const arc_grid *g) {
    if (g->h < 1 || g->h > ARC_SIDE_MAX || g->w < 1 || g->w > ARC_SIDE_MAX) return 0;
    for (int i = 0; i < g->h * g->w; i++)
        if (g->c[i] > 9) return 0;
    return 1;
}

static void check_answers(const char *text, size_t size) {
    arc_prediction p[64];
    int n = 0;
    for (size_t a = 0; a <= size && n < 64;) {
        const char *z = memchr(text + a, 0, size - a);
        size_t b = z ? (size_t)(z - text) : size;
        seal_err("%s", "");
        p[n].inverter = b > a ? (arc_view)((unsigned char)text[a] % ARC_VIEW_COUNT) : ARC_VIEW_IDENTITY;
        p[n].valid = seal_arc_parse_prediction(text + a, b - a, &p[n].g) == 0;
        if (p[n].valid && !in_bounds(&p[n].g)) __builtin_trap();
        if (!p[n].valid && seal_errmsg()[0] == '\0') __builtin_trap(); /* a failure says why */
        n++;
        a = b + 1;
    }
    arc_grid at[2];
    seal_arc_vote(p, n, at);
    if (!in_bounds(&at[0]) || !in_bounds(&at[1])) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_config((const char *)data, size);
    check_answers((const char *)data, size);
    return 0;
}
