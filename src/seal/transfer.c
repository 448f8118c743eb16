/* transfer.c: reading what rank 0 wrote, shared or broadcast (transfer.h). */
#include "seal/transfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *hint = "the run directory must be on a filesystem every rank shares, or use --model-transfer "
                          "broadcast (or auto)";

/* Test hook: the run directory holds other bits for every rank but 0. */
static void unshared_hook(char fp[17]) {
    const char *v = getenv("SEAL_TEST_UNSHARED_RUN");
    if (v && atoi(v) && seal_rank() != 0) fp[0] = fp[0] == '0' ? '1' : '0';
}

/* Read dir itself: 0 when it holds the bits wanted; -1 + seal_err (nothing loaded) otherwise. */
static int read_shared(const char *dir, const char *want, const seal_transfer_reader *r) {
    char fp[17] = "";
    if (r->load(r->ctx, dir, fp)) {
        char why[600];
        snprintf(why, sizeof why, "%s", seal_errmsg());
        return seal_err("cannot read %s here (%s)", dir, why);
    }
    unshared_hook(fp);
    if (!strcmp(fp, want)) return 0;
    r->drop(r->ctx);
    return seal_err("%s holds other %s (%s) than rank 0 wrote (%s)", dir, r->what, fp, want);
}

/* Fetch dir from rank 0 into a fresh directory under $TMPDIR, read it there and
 * remove it (a loaded model maps its files; the mapping outlives the names). */
static int read_broadcast(const char *dir, const char *want, const seal_transfer_reader *r) {
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/seal-rank%d-XXXXXX", tmp && *tmp ? tmp : "/tmp", seal_rank());
    if (!mkdtemp(path)) return seal_err("cannot make a directory for rank 0's copy of %s: %s: %s", dir, path, strerror(errno));
    char fp[17] = "";
    int rc = seal_farm_fetch_dir(dir, path) || r->load(r->ctx, path, fp) ? -1 : 0;
    if (rc == 0 && strcmp(fp, want)) {
        r->drop(r->ctx);
        rc = seal_err("it holds other %s (%s) than rank 0 wrote (%s)", r->what, fp, want);
    }
    seal_rm_rf(path);
    return rc ? seal_err_prefix("%s from rank 0", dir) : 0;
}

int seal_transfer_read(int mode, const char *dir, const char *want, const seal_transfer_reader *r) {
    if (mode == SEAL_TRANSFER_BROADCAST) return read_broadcast(dir, want, r);
    if (read_shared(dir, want, r) == 0) return 0;
    char why[700];
    snprintf(why, sizeof why, "%s", seal_errmsg());
    if (mode == SEAL_TRANSFER_SHARED) return seal_err("%s: %s", why, hint);
    static int said; /* once per rank */
    if (!said) fprintf(stderr, "rank %d: %s; reading it from rank 0 instead (--model-transfer auto)\n", seal_rank(), why);
    said = 1;
    return read_broadcast(dir, want, r);
}

typedef struct {
    seal_model *m;
    int *have;
} model_read;

static int model_load(void *ctx, const char *path, char fp[17]) {
    model_read *mr = ctx;
    if (seal_model_load(mr->m, path)) return -1;
    *mr->have = 1;
    snprintf(fp, 17, "%016llx", (unsigned long long)seal_st_set_fingerprint(&mr->m->weights));
    return 0;
}

static void model_drop(void *ctx) {
    model_read *mr = ctx;
    seal_model_free(mr->m);
    *mr->have = 0;
}

int seal_transfer_model(int mode, const char *dir, const char *want, seal_model *m, int *have) {
    model_read mr = {m, have};
    seal_transfer_reader r = {&mr, "weights", model_load, model_drop};
    return seal_transfer_read(mode, dir, want, &r);
}
