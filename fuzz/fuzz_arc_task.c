/* fuzz_arc_task: libFuzzer target for the ARC task loader (arc/task.c) and
 * what is done with a loaded set (texts, hashes, selections). The input is a
 * challenges file, optionally followed by a NUL and a solutions file; both
 * are written to temp files because the loader reads paths. Every input must
 * either load, with every grid within 1..30 a side and colours 0-9, or be
 * rejected with a message; never crash, leak or trip a sanitizer. Built by
 * scripts/fuzz.sh.
 * FUZZ_SOURCES: src/arc/task.c src/arc/grid.c src/arc/format.c src/util/err.c src/util/fsutil.c src/util/hash.c src/util/json_load.c src/util/nprandom.c src/util/strbuf.c
 * FUZZ_LIBS: -ljansson
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arc/format.h"
#include "arc/task.h"
#include "util/err.h"

static void write_file(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(p, 1, n, f) != n) abort();
    fclose(f);
}

static void check_grid(const arc_grid *g) {
    if (g->h < 1 || g->w < 1 || g->h > ARC_SIDE_MAX || g->w > ARC_SIDE_MAX) __builtin_trap();
    for (int i = 0; i < g->h * g->w; i++)
        if (g->c[i] >= ARC_COLOURS) __builtin_trap();
}

static void exercise(arc_set *s) {
    strbuf b = {0};
    for (int i = 0; i < s->n; i++) {
        const arc_task *t = &s->sub[i].t;
        for (int d = 0; d < t->n_demo; d++) check_grid(&t->demo[d].in), check_grid(&t->demo[d].out);
        check_grid(&t->query.in);
        if (t->has_out) check_grid(&t->query.out);
        seal_arc_selfedit_prompt(t, &b);
        seal_arc_ttt_system(t, &b);
        seal_arc_ttt_user(t, &b);
        seal_arc_ttt_answer(t, &b);
        (void)seal_arc_task_hash(t);
        seal_strbuf_clear(&b);
    }
    seal_strbuf_free(&b);
    seal_arc_select_shuffled(s, s->n - 1, 0);
    seal_arc_select_first(s, 3);
}

static char ch[64], sol[64];

static void remove_files(void) {
    unlink(ch);
    unlink(sol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ch[0]) {
        snprintf(ch, sizeof ch, "/tmp/fuzz_arc_%d_ch.json", (int)getpid());
        snprintf(sol, sizeof sol, "/tmp/fuzz_arc_%d_sol.json", (int)getpid());
        atexit(remove_files);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t n_ch = nul ? (size_t)(nul - data) : size;
    write_file(ch, data, n_ch);
    if (nul) write_file(sol, nul + 1, size - n_ch - 1);
    arc_set s;
    seal_err("%s", "");
    if (seal_arc_load(&s, ch, nul ? sol : NULL) == 0) exercise(&s);
    else if (seal_errmsg()[0] == '\0') __builtin_trap();   /* a rejection must say why */
    seal_arc_set_free(&s);
    return 0;
}
