/* cmd_arc.h: the option rows `seal arc eval|rl` and `seal sandbox
 * arc-headroom` share (one table, cmd_arc.c), so the two commands name, bound
 * and record the TTT and answering options alike. */
#ifndef SEAL_CLI_CMD_ARC_H
#define SEAL_CLI_CMD_ARC_H

#include "cli/opt.h"
#include "seal/arc.h"

enum { CLI_ARC_EVAL = 1, CLI_ARC_RL = 2, CLI_ARC_HEADROOM = 4 };

/* The rows of `which` (one CLI_ARC_* value) over o's fields, copied into out
 * (cap rows at most, the {0} end included). Returns the rows written, not
 * counting the end. CLI_ARC_HEADROOM: the test-time training, answering,
 * --seed, --threads and --quiet rows. */
int cli_arc_table(int which, arc_opts *o, cli_opt *out, int cap);

#endif
