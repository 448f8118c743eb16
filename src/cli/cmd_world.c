/* seal world knowledge: generate the synthetic knowledge world (sandbox data). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
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

int cmd_world(int argc, char **argv) {
    static const cli_subcommand subs[] = {{"knowledge", world_knowledge, "the SEAL knowledge sandbox's world"}, {0}};
    return cli_dispatch("seal world", subs, argc, argv);
}
