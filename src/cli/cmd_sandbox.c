/* seal sandbox: the knowledge sandbox's measurements (seal/sandbox_measure.h),
 * written to a file or printed as JSON, and the ARC sandbox's headroom grid
 * (seal/arc_headroom.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd_arc.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "sandbox/world.h"
#include "seal/arc_headroom.h"
#include "seal/arc_sandbox_measure.h"
#include "seal/sandbox_measure.h"
#include "util/err.h"
#include "util/fsutil.h"

static int load_world(world *w, const char *dir) {
    char *p = seal_path_join(dir, "world.json");
    int rc = seal_world_load(w, p);
    free(p);
    return rc;
}

/* Write j (stolen) to path, atomically. */
static int write_json(const char *path, json_t *j) {
    char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
    int rc = !j ? -1 : !text ? seal_err("%s: cannot encode the JSON", path) : seal_write_file_atomic(path, text, strlen(text));
    free(text);
    json_decref(j);
    return rc;
}

static int probe(int argc, char **argv) {
    const char *wdir = NULL, *out = NULL;
    int n = 200, group = SANDBOX_PROBE_ALL;
    const cli_opt opts[] = {
        CLI_OPT_STR("world", 0, &wdir, "DIR", "the world (DIR/world.json)", CLI_REQUIRED),
        CLI_OPT_STR("out", 0, &out, "FILE", "the questions, SEAL SQuAD format", CLI_REQUIRED),
        CLI_OPT(CLI_INT, "n", 0, &n, "N", "people", 1, 1000000, 0),
        CLI_OPT_CHOICE("group", &group, "G", "people with QA documents, without, or all", "all|qa|noqa", 0),
        {0}};
    const cli_spec spec = {"seal sandbox probe", "--world DIR --out FILE [--n N] [--group all|qa|noqa]",
                           "SEAL-format questions about N pretraining people (all their attributes), to measure\n"
                           "closed-book QA on what pretraining taught: `seal knowledge eval --eval FILE\n"
                           "--conditions base`.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    world w;
    if (load_world(&w, wdir)) return cli_fail();
    rc = write_json(out, seal_sandbox_probe(&w, n, (seal_probe_group)group));
    seal_world_free(&w);
    return rc ? cli_fail() : 0;
}

static int oracle(int argc, char **argv) {
    const char *wdir = NULL, *passages = NULL, *out = NULL;
    const cli_opt opts[] = {
        CLI_OPT_STR("world", 0, &wdir, "DIR", "the world (DIR/world.json)", CLI_REQUIRED),
        CLI_OPT_STR("passages", 0, &passages, "FILE", "SEAL SQuAD-format passages about the world's people", CLI_REQUIRED),
        CLI_OPT_STR("out", 0, &out, "FILE", "the self-edits, {title: text}", CLI_REQUIRED),
        {0}};
    const cli_spec spec = {"seal sandbox oracle", "--world DIR --passages FILE --out FILE",
                           "The ideal self-edit of each passage: every fact it states, plainly, with the full\n"
                           "name and in the question's direction, as {title: text} for `seal knowledge eval\n"
                           "--given-self-edits FILE --given-name passage+oracle`.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    world w;
    if (load_world(&w, wdir)) return cli_fail();
    rc = write_json(out, seal_sandbox_oracle(&w, passages));
    seal_world_free(&w);
    return rc ? cli_fail() : 0;
}

static void print_tally(const seal_faith_tally *t) {
    long lines = t->counts[0] + t->counts[1] + t->counts[2] + t->counts[3];
    double d = (double)(lines ? lines : 1);
    printf("{\"samples\":%ld,\"lines\":%ld,\"correct\":%.4f,\"wrong_value\":%.4f,\"unsupported\":%.4f,\"no_fact\":%.4f,"
           "\"samples_with_3_statements\":%.4f}\n", t->samples, lines, t->counts[WORLD_LINE_CORRECT] / d,
           t->counts[WORLD_LINE_WRONG] / d, t->counts[WORLD_LINE_UNSUPPORTED] / d, t->counts[WORLD_LINE_UNKNOWN] / d,
           (double)t->with3 / (double)t->samples);
}

static int faithfulness(int argc, char **argv) {
    const char *wdir = NULL, *run = NULL, *tag = "eval0", *model = NULL, *passages = NULL;
    int n = 30, k = 5, threads = 0;
    unsigned long long seed = 1;
    const cli_opt opts[] = {
        CLI_OPT_STR("world", 0, &wdir, "DIR", "the world (DIR/world.json)", CLI_REQUIRED),
        CLI_SECTION("A run's self-edits"),
        CLI_OPT_STR("run", 0, &run, "RUN", "a knowledge run directory (its selfedits.jsonl)", 0),
        CLI_OPT_STR("tag", 0, &tag, "TAG", "judge the self-edits under key gen/TAG/", 0),
        CLI_SECTION("Or a model's, sampled now"),
        CLI_OPT_STR("model", 'm', &model, "MODEL", "sample implications self-edits of this model", 0),
        CLI_OPT_STR("passages", 0, &passages, "FILE", "for the first N passages of this file", 0),
        CLI_OPT(CLI_INT, "n", 0, &n, "N", "passages", 1, 1000000, 0),
        CLI_OPT(CLI_INT, "k", 'k', &k, "K", "samples per passage", 1, 64, 0),
        CLI_OPT(CLI_U64, "seed", 0, &seed, "S", "sampling seed (passage i: S + 1000 i)", 0, 0, 0),
        CLI_THREADS_OPT(&threads),
        {0}};
    const cli_spec spec = {"seal sandbox faithfulness", "--world DIR (--run RUN [--tag TAG] | --model MODEL --passages FILE)",
                           "Judge every line of self-edits against the world: correct / wrong value /\n"
                           "unsupported attribute / no fact, and the share of samples with at least three\n"
                           "statements about the entity; one JSON line on stdout. With --model: sample K\n"
                           "implications self-edits of MODEL for the first N passages of FILE (temperature\n"
                           "1.0, top-p 0.95, 160 tokens) and judge those (the figure tracked across\n"
                           "pretraining checkpoints).", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    if (!run == !model || (model && !passages)) {
        fprintf(stderr, "seal sandbox faithfulness: give --run RUN, or --model MODEL with --passages FILE\n");
        return 2;
    }
    world w;
    seal_faith_tally t;
    if (load_world(&w, wdir)) return cli_fail();
    if (run) rc = seal_sandbox_faithfulness_run(&w, run, tag, &t);
    else rc = seal_threads_resolve(threads, &threads) ||
              seal_sandbox_faithfulness_model(&w, model, passages, n, k, seed, threads, &t);
    seal_world_free(&w);
    if (rc) return cli_fail();
    print_tally(&t);
    return 0;
}

static int arc_selfedits(int argc, char **argv) {
    const char *wdir = NULL, *run = NULL, *gen = "base";
    int compact = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("world", 0, &wdir, "DIR", "the ARC world (DIR/world.json, `seal world arc`)", CLI_REQUIRED),
        CLI_OPT_STR("run", 0, &run, "RUN", "a `seal arc` run directory (its selfedits.jsonl)", CLI_REQUIRED),
        CLI_OPT_STR("generator", 0, &gen, "GEN", "the self-edits under key gen/GEN/: base, train or round-1", 0),
        CLI_OPT_FLAG("json", 0, &compact, "one JSON line instead of indented JSON", 0),
        {0}};
    const cli_spec spec = {"seal sandbox arc-selfedits", "--world DIR --run RUN [--generator GEN] [--json]",
                           "Judge the self-edits of a `seal arc` run against the ARC world: how many of the\n"
                           "sampled responses are configs (and why the others are not), the distribution of\n"
                           "tools, strategy, learning rate and epochs, and whether tools are chosen by the\n"
                           "puzzle: per group, the share on among puzzles it preserves and among those it\n"
                           "poisons (docs/commands/sandbox.md).", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    json_t *j = seal_arc_selfedit_stats(wdir, run, gen);
    if (!j) return cli_fail();
    char *text = json_dumps(j, compact ? JSON_COMPACT : JSON_INDENT(1));
    json_decref(j);
    if (!text) return cli_fail();
    puts(text);
    free(text);
    return 0;
}

static int arc_oracle(int argc, char **argv) {
    const char *wdir = NULL, *out = NULL;
    int split = 1, strategy = 1, epochs = 2;
    double lr = 1e-4;
    const cli_opt opts[] = {
        CLI_OPT_STR("world", 0, &wdir, "DIR", "the ARC world (DIR/world.json, `seal world arc`)", CLI_REQUIRED),
        CLI_OPT_STR("out", 0, &out, "FILE", "{puzzle id: config}, for `seal arc --oracle-configs`", CLI_REQUIRED),
        CLI_OPT_CHOICE("split", &split, "S", "the puzzles", "train|eval", 0),
        CLI_OPT_CHOICE("strategy", &strategy, "S", "loss on all tokens or the output tokens", "all|output", 0),
        CLI_OPT(CLI_F64, "lr", 0, &lr, "X", "learning rate", 1e-12, 10, 0),
        CLI_OPT(CLI_INT, "epochs", 0, &epochs, "N", "epochs", 1, 1000, 0),
        {0}};
    const cli_spec spec = {"seal sandbox arc-oracle", "--world DIR --out FILE [--split train|eval] [options]",
                           "The ground truth's self-edit for every puzzle of the split: the tool groups that\n"
                           "preserve its program on, the others off (none when the colour permutation, which\n"
                           "every tool brings, does not preserve it), with the strategy, lr and epochs given;\n"
                           "for `seal arc --oracle-configs FILE` (docs/commands/sandbox.md).", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    rc = write_json(out, seal_arc_oracle_configs(wdir, split ? "eval" : "train", strategy, lr, epochs));
    return rc ? cli_fail() : 0;
}

static int arc_headroom(int argc, char **argv) {
    arc_headroom_opts o = seal_arc_headroom_defaults();
    cli_opt opts[64] = {
        CLI_SECTION("Inputs and run"),
        CLI_OPT_STR("world", 0, &o.world_dir, "DIR", "a `seal world arc` directory (world.json and the Kaggle files)", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("model", 'm', &o.arc.model_dir, "DIR", "the model test-time trained", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("run", 0, &o.arc.run_dir, "DIR", "run directory (resumed when it holds a run of the same options)", CLI_REQUIRED),
        CLI_OPT_CHOICE("split", &o.split_train, "SPLIT", "the world's evaluation or training puzzles", "eval|train", CLI_RESULT),
        CLI_OPT(CLI_INT, "puzzles", 0, &o.puzzles, "N", "the first N puzzles of the split (0: all)", 0, 1000000, CLI_RESULT),
        CLI_SECTION("The grid (every combination; ties broken by this order)"),
        CLI_OPT_STR("tools", 0, &o.tools, "all|LIST", "tool subsets: all 16, or a comma list of none / letters of b (basic) s (size) c (chain) r (repeat), e.g. none,b,sr,bscr", CLI_RESULT),
        CLI_OPT_CHOICE("strategies", &o.strategies, "WHICH", "loss strategies: train_using_all_tokens, train_using_output_tokens, or both", "all|output|both", CLI_RESULT),
        CLI_OPT_STR("lrs", 0, &o.lrs, "LR,...", "learning rates, each in (0, 1]", CLI_RESULT),
        CLI_OPT_STR("epochs", 0, &o.epochs, "E,...", "epochs, each 1..1000", CLI_RESULT)};
    int n = 0;
    while (opts[n].type != CLI_END) n++;
    cli_arc_table(CLI_ARC_HEADROOM, &o.arc, opts + n, (int)(sizeof opts / sizeof opts[0]) - n);
    const cli_spec spec = {
        "seal sandbox arc-headroom", "--world DIR -m MODEL --run DIR [--split eval|train] [--puzzles N] [grid] [options]",
        "The ARC sandbox's headroom table (issue 16): on the first N puzzles of the split, icl and test-time "
        "training under every configuration of the grid (tool subsets x strategies x learning rates x epochs), "
        "each (configuration, puzzle) run as `seal arc` runs that self-edit. DIR gets config.json, ttt.jsonl (every "
        "job), headroom.json and headroom.md (icl, each configuration, the best fixed one, the per-puzzle oracle, "
        "each tool group's effect per family and per tag, by learning rate, epochs and strategy), "
        "best_fixed_config.json (for `seal arc --given-config`) and oracle_configs.json (for `seal arc "
        "--oracle-configs`); a killed run resumes from DIR.",
        opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    rc = seal_arc_headroom(&o);
    if (rc == 0 && !o.arc.quiet) rc = cli_print_run_file(o.arc.run_dir, "headroom.md");
    return rc ? cli_fail() : 0;
}

int cmd_sandbox(int argc, char **argv) {
    static const cli_subcommand subs[] = {
        {"probe", probe, "closed-book questions about pretraining people"},
        {"oracle", oracle, "the ideal self-edit of each passage"},
        {"faithfulness", faithfulness, "judge self-edits line by line against the world"},
        {"arc-headroom", arc_headroom, "ARC: icl and TTT under every configuration of a grid, per puzzle"},
        {"arc-oracle", arc_oracle, "ARC: the ground truth's self-edit of every puzzle (tools that preserve it)"},
        {"arc-selfedits", arc_selfedits, "ARC: self-edits' validity, diversity and tool choice against the world"},
        {0}};
    return cli_dispatch("seal sandbox", subs, argc, argv);
}
