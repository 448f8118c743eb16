/* transfer.h: how a rank other than 0 reads what rank 0 wrote into the run
 * directory (a round's merged model, continual's adapters), --model-transfer
 * (docs/scale-out.md).
 *
 * shared:    read it from the run directory, which every rank must see (one
 *            machine; NFS, Lustre, GPFS): other bits there are an error.
 * broadcast: ask rank 0 for its files (rt/farm.h's seal_farm_fetch_dir), write
 *            them to a rank-local temporary directory under $TMPDIR, read them
 *            from there and remove it.
 * auto:      shared, and where the directory cannot be read or holds other bits
 *            than rank 0 wrote, broadcast (said once on stderr).
 * Either way what was read is checked against the fingerprint rank 0 sent, so
 * the choice changes no result (it is not recorded in the run record).
 *
 * Test hook: SEAL_TEST_UNSHARED_RUN=1 makes every rank but 0 see other bits in
 * the run directory (its fingerprint of them altered), as a rank on another
 * machine with a stale copy would. */
#ifndef SEAL_SEAL_TRANSFER_H
#define SEAL_SEAL_TRANSFER_H

#include "model/model.h"

enum { SEAL_TRANSFER_AUTO, SEAL_TRANSFER_SHARED, SEAL_TRANSFER_BROADCAST }; /* --model-transfer's order */

typedef struct {
    void *ctx;
    const char *what; /* "weights", "adapter values": in messages */
    /* read the directory at path and write the 16-hex fingerprint of what it
     * read into fp: 0, or -1 + seal_err */
    int (*load)(void *ctx, const char *path, char fp[17]);
    /* undo a load that succeeded (its bits were not the ones wanted) */
    void (*drop)(void *ctx);
} seal_transfer_reader;

/* On a rank other than 0, read directory dir (a path as rank 0 names it) the
 * way mode says, through r, until r has loaded bits whose fingerprint is want.
 * 0 (r's load done), or -1 + seal_err: dir holds other bits or cannot be read
 * under shared ("... the run directory must be on a filesystem every rank
 * shares"), rank 0 could not send it, or it sent other bits. */
int seal_transfer_read(int mode, const char *dir, const char *want, const seal_transfer_reader *r);

/* seal_transfer_read of a model (its weights' fingerprint is want) into *m;
 * *have is 1 while *m holds one (the caller frees it). 0, or -1 + seal_err. */
int seal_transfer_model(int mode, const char *dir, const char *want, seal_model *m, int *have);

#endif
