/* config.h: a self-edit, the JSON the model writes to choose its tools and
 * training, as untrusted input (seal-method.md §3.2, §7).
 *
 * Three outcomes:
 *   ARC_CFG_OK     a valid config: groups, strategy, lr, epochs.
 *   ARC_CFG_ZERO   the reference's rules give 0 epochs (a data_generation or
 *                  training key missing, an unknown strategy, over the step
 *                  budget), or training would change nothing (0 epochs, lr
 *                  0): the self-edit evaluates as the untrained model.
 *   ARC_CFG_REJECT not something the reference could apply (not JSON, wrong
 *                  types, non-finite or out-of-range numbers, a
 *                  data_generation that is not an object, huge or deeply
 *                  nested input): resampled up to a limit, then reward 0.
 * Every non-OK outcome carries a one-line printable reason for the journal.
 * The rules, their order and every choice: config.c's header. */
#ifndef SEAL_ARC_CONFIG_H
#define SEAL_ARC_CONFIG_H

#include <stddef.h>

typedef enum { ARC_LOSS_ALL_TOKENS, ARC_LOSS_OUTPUT_TOKENS } arc_loss;
typedef enum { ARC_CFG_OK, ARC_CFG_ZERO, ARC_CFG_REJECT } arc_cfg_status;

typedef struct {
    unsigned groups;    /* ARC_TOOL_* of arc/augment.h */
    arc_loss strategy;
    double lr;
    int epochs;
    arc_cfg_status status;
    char reason[200];   /* "" when OK */
} arc_config;

/* Parse the model's response text (len bytes, not necessarily
 * NUL-terminated, possibly huge or binary) into *c. Returns c->status. */
arc_cfg_status seal_arc_config_parse(const char *text, size_t len, arc_config *c);
/* The reference's step budget: epochs * n_examples / 2 (batch 2, integer
 * division) over max_steps (375) makes an OK config ZERO with a reason. */
void seal_arc_config_budget(arc_config *c, int n_examples, int batch, int max_steps);
/* The config as canonical JSON text (malloc'd), the reference's schema. */
char *seal_arc_config_json(const arc_config *c);

#endif
