/* arc_headroom.h: the ARC sandbox's headroom table (issue 16, "Measure the
 * headroom"): on the first N puzzles of a world's split, how often icl
 * solves a puzzle and how often TTT does under every configuration of a grid,
 * and from that whether the right configuration depends on the puzzle.
 *
 * The grid: tool subsets (the 16 of basic, size, chain, repeat, or a list) x
 * loss strategies x learning rates x epochs. Its fixed order, which breaks
 * every tie: tool subset by its bits (none, B, S, BS, C, BC, SC, BSC, R, ...:
 * basic 1, size 2, chain 4, repeat 8), then strategy (train_using_output_
 * tokens, the reference's, first), then the learning rates and the epochs as
 * listed. A configuration is the self-edit a model could write, and each
 * (configuration, puzzle) job is run exactly as `seal arc` runs that
 * self-edit (arc_run.h: the same TTT set, step budget, training and
 * answering), so `seal arc --given-config` / `--oracle-configs` reproduce any
 * cell of the table.
 *
 * The run directory (--run):
 *   config.json        every results-changing option, the grid, input
 *                      fingerprints (model, the split's files, world.json)
 *   ttt.jsonl          per job "icl/<puzzle>" or "<config>/<puzzle>" (config
 *                      names like "BS_out_lr0.001_ep2": tools or "none", out
 *                      | all, lr, epochs): seal arc's pair record, its
 *                      self_edit the config's JSON
 *   headroom.json, headroom.md   the table (below)
 *   best_fixed_config.json       the best fixed configuration (seal arc's schema)
 *   oracle_configs.json          {puzzle: the first configuration in the
 *                      fixed order that solved it, else the best fixed one}
 * The table: icl; every configuration's success rate; the best fixed
 * configuration (highest rate, first in order on ties); the per-puzzle
 * oracle (solved by any configuration; icl not counted); per tool group and
 * per family (world.json's rules[].family: a composition counts once for
 * each of its families) the success with the group on minus off, averaged
 * over matched pairs of the grid (a configuration with the group and the same
 * one without it, both in the grid), with the families it raises and lowers
 * by >= 10 points, and the same by the group's own world.json tag (preserves,
 * mixed, poisons); the mean success per learning rate, per epochs and per
 * strategy. A killed run resumes without redoing a journaled job. */
#ifndef SEAL_SEAL_ARC_HEADROOM_H
#define SEAL_SEAL_ARC_HEADROOM_H

#include "seal/arc.h"

enum { ARC_HR_ALL_TOKENS, ARC_HR_OUTPUT_TOKENS, ARC_HR_BOTH }; /* strategies: "all|output|both" */

typedef struct {
    const char *world_dir; /* seal world arc's output: world.json and the Kaggle files */
    int split_train;       /* 0: evaluation puzzles, 1: training puzzles */
    int puzzles;           /* the first N of the split (0: all) */
    const char *lrs;       /* comma-separated learning rates, each in (0, 1] */
    const char *epochs;    /* comma-separated epochs, each 1..1000 */
    int strategies;        /* ARC_HR_* */
    const char *tools;     /* "all" (the 16 subsets) or a comma list of subsets: "none", or letters of b s c r */
    arc_opts arc;          /* model_dir, run_dir, ttt, solve, seed, threads, quiet (the rest unused) */
} arc_headroom_opts;

/* Defaults: evaluation split, all its puzzles, lr 1e-4 and 2 epochs (the
 * reference's fixed configuration's), both strategies, all 16 tool subsets,
 * seal arc's TTT and answering defaults. */
arc_headroom_opts seal_arc_headroom_defaults(void);

/* Measure the grid and write the table (above). Every option and input is
 * checked (errors name the option or file) before the run directory is
 * claimed. 0, or -1 + seal_err. */
int seal_arc_headroom(const arc_headroom_opts *o);

#endif
