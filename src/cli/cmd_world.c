/* seal world knowledge: generate the synthetic knowledge world (sandbox data). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "sandbox/arc_world.h"
#include "sandbox/world.h"
#include "util/err.h"
#include "util/fsutil.h"

/* Three non-negative finite weights "a,b,c" (styles and the document mix). */
_Static_assert(WORLD_N_STYLE == 3 && WORLD_N_DOC == 3, "parse_weights3 reads three weights");
static int parse_weights3(const char *s, void *dst) {
    double *w = dst;
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        char *end;
        w[i] = strtod(p, &end);
        if (end == p || (i < 2 ? *end != ',' : *end != '\0') || !(w[i] >= 0) || !isfinite(w[i]))
            return seal_err("\"%s\" (expected 3 non-negative numbers separated by commas)", s);
        p = end + 1;
    }
    return 0;
}

/* Generate the world and write it into a temp directory beside out, renamed onto out. */
static int generate_into(world *w, const world_opts *o, const char *out, world_stats *st) {
    if (seal_world_generate(w, o)) return -1;
    char *tmp = seal_outdir_begin(out);
    if (!tmp) return -1;
    if (seal_world_write(w, tmp, st)) {
        seal_outdir_abort(tmp);
        return -1;
    }
    return seal_outdir_commit(tmp, out);
}

static int world_knowledge(int argc, char **argv) {
    world_opts o;
    seal_world_opts_default(&o);
    const char *out = NULL;
    unsigned long long seed = o.seed;
    int force = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("out", 0, &out, "DIR", "output directory (created; an existing non-empty one needs --force)",
                    CLI_REQUIRED),
        CLI_OPT_FLAG("force", 0, &force, "replace an existing non-empty --out", 0),
        CLI_OPT(CLI_U64, "seed", 0, &seed, "S", "random seed", 0, 0, CLI_RESULT),
        CLI_SECTION("People"),
        CLI_OPT(CLI_INT, "people", 0, &o.n_pretrain, "N",
                "pretraining people: the people whose facts the model memorizes", 1, 100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "drill", 0, &o.n_drill, "N",
                "drill people: one implications or rewrite document each, so that the model learns to read a "
                "passage rather than recall it", 0, 100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "train", 0, &o.n_train, "N", "held-out people for train.json", 0, 100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "eval", 0, &o.n_eval, "N", "held-out people for eval.json", 0, 100000, CLI_RESULT),
        CLI_OPT_STR("avoid-names", 0, &o.avoid_path, "FILE",
                    "a world.json whose names (people and spouses) no person of this world takes: held-out passages "
                    "of another seed then never name someone the model read about", CLI_RESULT),
        CLI_SECTION("Pretraining documents"),
        CLI_OPT(CLI_INT, "docs-per-person", 0, &o.docs_per_person, "K",
                "passage/implications/rewrite documents per pretraining person", 0, 100000, CLI_RESULT),
        CLI_OPT(CLI_F64, "qa-frac", 0, &o.qa_frac, "F",
                "fraction of pretraining people that also get one QA document per attribute", 0, 1, CLI_RESULT),
        CLI_OPT(CLI_INT, "qa-repeats", 0, &o.qa_repeats, "N", "copies of each such QA document", 1, 1000, CLI_RESULT),
        CLI_OPT(CLI_F64, "drill-echo", 0, &o.drill_echo, "F",
                "share of drill documents that are echo drills: a plain passage and every fact restated in the "
                "sentence's own words with the full name (the rest: 80% implications, 20% rewrites)", 0, 1,
                CLI_RESULT),
        CLI_OPT(CLI_INT, "background-docs", 0, &o.background_docs, "N",
                "documents about countries, cities, firms and universities, and QA about them", 0, 10000000,
                CLI_RESULT),
        CLI_OPT(CLI_INT, "pretrain-min-facts", 0, &o.pre_min_facts, "N", "facts per pretraining passage: N..10", 1,
                WORLD_N_ATTR, CLI_RESULT),
        CLI_OPT_CUSTOM("pretrain-style", 0, o.pre_style, "P,R,H",
                       "weights of plain, reverse and hop sentences in pretraining passages (default 0.4,0.3,0.3)",
                       parse_weights3, NULL, CLI_RESULT),
        CLI_OPT_CUSTOM("doc-mix", 0, o.doc_mix, "P,I,R",
                       "weights of passage, implications and rewrite documents (default 0.45,0.35,0.2)",
                       parse_weights3, NULL, CLI_RESULT),
        CLI_SECTION("Held-out passages"),
        CLI_OPT(CLI_INT, "min-facts", 0, &o.min_facts, "N", "facts (= questions) per held-out passage, at least", 1,
                WORLD_N_ATTR, CLI_RESULT),
        CLI_OPT(CLI_INT, "max-facts", 0, &o.max_facts, "N", "... at most", 1, WORLD_N_ATTR, CLI_RESULT),
        CLI_OPT_CUSTOM("heldout-style", 0, o.held_style, "P,R,H",
                       "the same for held-out passages (default 0.2,0.35,0.45)", parse_weights3, NULL, CLI_RESULT),
        {0}};
    const cli_spec spec = {
        "seal world knowledge", "--out DIR [--seed S] [options]",
        "Generate the fictional world of the SEAL knowledge sandbox (docs/world.md):\n"
        "  DIR/pretrain.jsonl  {\"text\": ...} documents about the pretraining people and\n"
        "                      the background (passages, SEAL implications and rewrite\n"
        "                      documents, SEAL answer-prompt QA), shuffled\n"
        "  DIR/train.json      SEAL SQuAD-format passages about held-out people\n"
        "  DIR/eval.json       the same for other held-out people\n"
        "  DIR/world.json      the ground truth: every person and attribute, the tables\n"
        "Deterministic: the same options give byte-identical files. DIR is written beside\n"
        "it and renamed into place.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    o.seed = seed;
    const char *inputs[] = {o.avoid_path, NULL};
    if (seal_output_check(out, "--out", force, inputs)) return cli_fail();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    world w, avoid;
    world_stats st;
    if (o.avoid_path) {
        if (seal_world_load(&avoid, o.avoid_path)) return cli_fail();
        o.avoid = &avoid;
    }
    rc = generate_into(&w, &o, out, &st);
    if (o.avoid) seal_world_free(&avoid);
    if (rc) { seal_world_free(&w); return cli_fail(); }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int heldout_q = 0, nqa = 0;
    for (int i = 0; i < w.n_people; i++) {
        nqa += w.people[i].qa;
        if (w.people[i].split == WORLD_TRAIN || w.people[i].split == WORLD_EVAL) heldout_q += __builtin_popcount(w.people[i].mask);
    }
    printf("world: seed %llu, %d pretraining people (%d with QA), %d drill people, %d train + %d eval passages "
           "(%d questions)\n", (unsigned long long)o.seed, o.n_pretrain, nqa, o.n_drill, o.n_train, o.n_eval, heldout_q);
    printf("pretrain.jsonl: %lld documents, %.1f M characters (passage %lld, implications %lld, rewrite %lld, "
           "QA %lld, background %lld, background QA %lld)\n",
           st.pretrain_docs, st.pretrain_bytes / 1e6, st.docs_by_kind[0], st.docs_by_kind[1], st.docs_by_kind[2],
           st.docs_by_kind[3], st.docs_by_kind[4], st.docs_by_kind[5]);
    printf("wrote %s/{pretrain.jsonl,train.json,eval.json,world.json} in %.2f s\n", out,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    seal_world_free(&w);
    return 0;
}

/* A comma-separated list of 1-16 numbers into dst (lrs: reals in (0, 1];
 * epochs: whole numbers 1-1000), the count into *n. */
static int parse_list(const char *s, int reals, double *lr, int *ep, int *n) {
    const char *p = s;
    for (*n = 0; *n < 16; (*n)++) {
        char *end;
        double v = strtod(p, &end);
        int ok = end != p && (*end == ',' || *end == '\0') && isfinite(v);
        ok = ok && (reals ? v > 0 && v <= 1 : v >= 1 && v <= 1000 && v == (int)v);
        if (!ok)
            return seal_err("\"%s\" (expected up to 16 %s separated by commas)", s,
                            reals ? "learning rates in (0, 1]" : "whole numbers of epochs 1-1000");
        if (reals) lr[*n] = v;
        else ep[*n] = (int)v;
        if (*end == '\0') return (*n)++, 0;
        p = end + 1;
    }
    return seal_err("\"%s\": more than 16 values", s);
}

/* A comma-separated list of family names (docs/world.md's table) into a bit set. */
static int parse_families(const char *s, void *dst) {
    aw_opts *o = dst;
    o->pre_families = 0;
    char *copy = seal_strdup(s), *save = NULL;
    int rc = 0;
    for (char *name = strtok_r(copy, ",", &save); name && rc == 0; name = strtok_r(NULL, ",", &save)) {
        int f = seal_aw_family_by_name(name);
        if (f < 0) rc = seal_err("\"%s\" is not a family (recolour, flip, turn, gravity, ...: docs/world.md)", name);
        else o->pre_families |= 1u << f;
    }
    free(copy);
    if (rc == 0 && !o->pre_families) rc = seal_err("no family named");
    return rc;
}

static int parse_lrs(const char *s, void *dst) {
    aw_opts *o = dst;
    return parse_list(s, 1, o->lrs, NULL, &o->n_lr);
}

static int parse_epochs(const char *s, void *dst) {
    aw_opts *o = dst;
    return parse_list(s, 0, NULL, o->epochs, &o->n_epochs);
}

static int world_arc(int argc, char **argv) {
    aw_opts o;
    seal_aw_opts_default(&o);
    const char *out = NULL;
    unsigned long long seed = o.seed;
    int force = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("out", 0, &out, "DIR", "output directory (created; an existing non-empty one needs --force)",
                    CLI_REQUIRED),
        CLI_OPT_FLAG("force", 0, &force, "replace an existing non-empty --out", 0),
        CLI_OPT(CLI_U64, "seed", 0, &seed, "S", "random seed", 0, 0, CLI_RESULT),
        CLI_SECTION("Puzzles"),
        CLI_OPT(CLI_INT, "pretrain", 0, &o.n_pretrain, "N",
                "pretraining puzzles (seen compositions and parameters), one solved document each", 0, 1000000,
                CLI_RESULT),
        CLI_OPT(CLI_INT, "train", 0, &o.n_train, "N",
                "training puzzles (held-out compositions and parameters) for seal arc rl", 0, 100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "eval", 0, &o.n_eval, "N", "evaluation puzzles (held out, as the training puzzles)", 0,
                100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "min-side", 0, &o.min_side, "N", "input grids' sides, at least", 2, 30, CLI_RESULT),
        CLI_OPT(CLI_INT, "max-side", 0, &o.max_side, "N", "... at most", 2, 30, CLI_RESULT),
        CLI_OPT(CLI_INT, "max-out-side", 0, &o.max_out_side, "N",
                "every grid's sides at most, outputs included (a zoom or mirror of a large input is redrawn)", 2, 30,
                CLI_RESULT),
        CLI_OPT(CLI_INT, "demos-min", 0, &o.demos_min, "N", "demonstrations per training/evaluation puzzle, at least",
                2, 15, CLI_RESULT),
        CLI_OPT(CLI_INT, "demos-max", 0, &o.demos_max, "N", "... at most", 2, 15, CLI_RESULT),
        CLI_OPT(CLI_INT, "pretrain-demos-min", 0, &o.pre_demos_min, "N", "demonstrations per pretraining puzzle, at least",
                1, 15, CLI_RESULT),
        CLI_OPT(CLI_INT, "pretrain-demos-max", 0, &o.pre_demos_max, "N", "... at most", 1, 15, CLI_RESULT),
        CLI_OPT(CLI_F64, "eval-single", 0, &o.eval_single, "F",
                "share of training/evaluation puzzles that are one rule with held-out parameters (the rest: "
                "held-out compositions)", 0, 1, CLI_RESULT),
        CLI_OPT(CLI_F64, "pretrain-single", 0, &o.pre_single, "F",
                "share of pretraining puzzles that are one rule (the rest: seen compositions)", 0, 1, CLI_RESULT),
        CLI_OPT_CUSTOM("pretrain-families", 0, &o, "NAME,...",
                       "the families pretraining programs may use (default all 14; e.g. the first stage of a curriculum)",
                       parse_families, NULL, CLI_RESULT),
        CLI_SECTION("Self-edit documents"),
        CLI_OPT(CLI_INT, "selfedit-docs", 0, &o.n_selfedit, "N",
                "self-edit documents: the self-edit prompt over a pretraining puzzle and a config drawn whatever "
                "the puzzle", 0, 1000000, CLI_RESULT),
        CLI_OPT_CUSTOM("selfedit-lrs", 0, &o, "LR,...",
                       "their learning rates, drawn uniformly (default 1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2)", parse_lrs,
                       NULL, CLI_RESULT),
        CLI_OPT_CUSTOM("selfedit-epochs", 0, &o, "E,...", "their epochs, drawn uniformly (default 1,2,3,4,5,6,8,10)",
                       parse_epochs, NULL, CLI_RESULT),
        {0}};
    const cli_spec spec = {
        "seal world arc", "--out DIR [--seed S] [options]",
        "Generate the ARC puzzle world of the tiny-model ARC sandbox (docs/world.md):\n"
        "  DIR/arc-world_training_challenges.json    Kaggle layout: seal arc rl's training\n"
        "  DIR/arc-world_training_solutions.json     puzzles (held out of pretraining)\n"
        "  DIR/arc-world_evaluation_challenges.json  the same for the evaluation puzzles\n"
        "  DIR/arc-world_evaluation_solutions.json\n"
        "  DIR/pretrain.jsonl  {\"text\": ...}: solved puzzles in the TTT chat format and\n"
        "                      self-edit prompts with a config, shuffled\n"
        "  DIR/world.json      the ground truth: every puzzle's program and tool-group tags,\n"
        "                      the families, compositions, chat template, special tokens\n"
        "Deterministic: the same options give byte-identical files. DIR is written beside\n"
        "it and renamed into place.", opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    o.seed = seed;
    if (seal_output_check(out, "--out", force, NULL)) return cli_fail();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    aw_world w;
    aw_stats st;
    if (seal_aw_generate(&w, &o)) return cli_fail();
    char *tmp = seal_outdir_begin(out);
    rc = !tmp ? -1 : seal_aw_write(&w, tmp, &st) ? (seal_outdir_abort(tmp), -1) : seal_outdir_commit(tmp, out);
    seal_aw_free(&w);
    if (rc) return cli_fail();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("world arc: seed %llu, %d pretraining + %d training + %d evaluation puzzles, %d families\n",
           (unsigned long long)o.seed, o.n_pretrain, o.n_train, o.n_eval, AW_N_FAMILY);
    printf("pretrain.jsonl: %lld documents (%lld solved puzzles, %lld self-edits), %.1f M characters\n", st.docs,
           st.solved_docs, st.selfedit_docs, st.bytes / 1e6);
    printf("wrote %s in %.2f s\n", out, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

int cmd_world(int argc, char **argv) {
    static const cli_subcommand subs[] = {{"knowledge", world_knowledge, "the SEAL knowledge sandbox's world"},
                                          {"arc", world_arc, "the ARC sandbox's puzzle world"},
                                          {0}};
    return cli_dispatch("seal world", subs, argc, argv);
}
