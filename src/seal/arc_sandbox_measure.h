/* arc_sandbox_measure.h: the ARC sandbox's measurements of self-edits
 * against the ground truth of its puzzle world (docs/world.md, "The ARC
 * world"): whether the model writes configs at all, how diverse they are, and
 * whether it chooses tools by the puzzle (the groups that preserve the
 * puzzle's program on, those that poison it off). Printing is the caller's.
 *
 * In seal/ because it reads a `seal arc` run (seal/arc.h's journals) and
 * parses self-edits with arc/config.h's rules; sandbox/ sits below seal/. */
#ifndef SEAL_SEAL_ARC_SANDBOX_MEASURE_H
#define SEAL_SEAL_ARC_SANDBOX_MEASURE_H

#include <jansson.h>

/* The puzzles of WORLD_JSON (a `seal world arc` world.json) as {id: puzzle
 * object}: the one reader of the ARC world's ground truth, for the
 * measurements below and arc_headroom.c. A new reference, or NULL + seal_err
 * naming the file (unreadable, not JSON, not an ARC world). */
json_t *seal_arc_world_puzzles(const char *world_json);

/* Every response generator GEN sampled in RUN_DIR/selfedits.jsonl (records
 * "gen/GEN/<task>"), judged against WORLD_DIR/world.json's tags:
 *   responses, ok, zero_epochs, rejected (with reasons counted), valid_share
 *     (ok over responses) and parse_share ((ok + zero_epochs) over responses),
 *     over every draw, resampled ones included;
 *   over the kept self-edits that are configs: the 16 tool subsets ("none",
 *     "B", "BS", ... in the order basic size chain repeat), each group's share
 *     on, strategy, learning rate and epochs counts;
 *   reading: per group, the share of configs with it on among puzzles it
 *     preserves and among puzzles it poisons (a policy that reads the puzzle
 *     has the first well above the second), "colour" counting any tool on
 *     (every tool brings the colour permutation); clean_share: configs whose
 *     every chosen group, and colour when any tool is chosen, preserves.
 * A new reference, or NULL + seal_err naming the file (unreadable, not the
 * ARC world, no record of GEN, a task missing from the world). */
json_t *seal_arc_selfedit_stats(const char *world_dir, const char *run_dir, const char *generator);

/* The ground truth's self-edit for every puzzle of split ("train" or "eval")
 * of WORLD_DIR/world.json, as {puzzle id: config} in the reference's schema
 * (`seal arc --oracle-configs`): the tool groups that preserve the puzzle's
 * program on, the others off, and no tool at all when the colour permutation
 * (which every tool brings) does not preserve it; strategy, lr and epochs as
 * given. A new reference, or NULL + seal_err naming the file. */
json_t *seal_arc_oracle_configs(const char *world_dir, const char *split, int output_tokens, double lr, int epochs);

#endif
