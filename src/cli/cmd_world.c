/* seal world knowledge: generate the synthetic knowledge world (sandbox data). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sandbox/world.h"
#include "util/err.h"

static const char *usage =
    "usage: seal world knowledge --out DIR [--seed S] [options]\n"
    "\n"
    "Generate the fictional world of the SEAL knowledge sandbox (docs/world.md):\n"
    "  DIR/pretrain.jsonl  {\"text\": ...} documents about the pretraining people and\n"
    "                      the background (passages, SEAL implications and rewrite\n"
    "                      documents, SEAL answer-prompt QA), shuffled\n"
    "  DIR/train.json      SEAL SQuAD-format passages about held-out people\n"
    "  DIR/eval.json       the same for other held-out people\n"
    "  DIR/world.json      the ground truth: every person and attribute, the tables\n"
    "Deterministic: the same options give byte-identical files.\n"
    "\n"
    "  --out DIR                output directory (created)\n"
    "  --seed S                 random seed (default 1)\n"
    "  --people N               pretraining people (default 400): the people whose\n"
    "                           facts the model memorizes\n"
    "  --drill N                drill people (default 24000): one implications or\n"
    "                           rewrite document each, so that the model learns to\n"
    "                           read a passage rather than recall it\n"
    "  --train N                held-out people for train.json (default 200)\n"
    "  --eval N                 held-out people for eval.json (default 100)\n"
    "  --docs-per-person K      passage/implications/rewrite documents per\n"
    "                           pretraining person (default 60)\n"
    "  --qa-frac F              fraction of pretraining people that also get one QA\n"
    "                           document per attribute (default 0.5)\n"
    "  --qa-repeats N           copies of each such QA document (default 3)\n"
    "  --drill-echo F           share of drill documents that are echo drills: a plain\n"
    "                           passage and every fact restated in the sentence's own\n"
    "                           words with the full name (default 0.35; the rest: 80%\n"
    "                           implications, 20% rewrites)\n"
    "  --background-docs N      documents about countries, cities, firms and\n"
    "                           universities, and QA about them (default 8000)\n"
    "  --avoid-names FILE       a world.json whose names (people and spouses) no person\n"
    "                           of this world takes: held-out passages of another seed\n"
    "                           then never name someone the model read about\n"
    "  --min-facts N            facts (= questions) per held-out passage, at least\n"
    "                           (default 5)\n"
    "  --max-facts N            ... at most (default 8; at most 10)\n"
    "  --pretrain-min-facts N   facts per pretraining passage: N..10 (default 5)\n"
    "  --pretrain-style P,R,H   weights of plain, reverse and hop sentences in\n"
    "                           pretraining passages (default 0.4,0.3,0.3)\n"
    "  --heldout-style P,R,H    the same for held-out passages (default 0.2,0.35,0.45)\n"
    "  --doc-mix P,I,R          weights of passage, implications and rewrite documents\n"
    "                           (default 0.45,0.35,0.2)\n";

static int parse_int(const char *s, const char *flag, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 100000000) return seal_err("%s: \"%s\" is not a count", flag, s);
    *out = (int)v;
    return 0;
}

static int parse_double(const char *s, const char *flag, double *out) {
    char *end;
    *out = strtod(s, &end);
    if (*s == '\0' || *end != '\0') return seal_err("%s: \"%s\" is not a number", flag, s);
    return 0;
}

static int parse_weights(const char *s, const char *flag, double *w, int n) {
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        w[i] = strtod(p, &end);
        if (end == p || (i < n - 1 ? *end != ',' : *end != '\0') || !(w[i] >= 0))
            return seal_err("%s: \"%s\" (expected %d non-negative numbers separated by commas)", flag, s, n);
        p = end + 1;
    }
    return 0;
}

static int world_knowledge(int argc, char **argv) {
    enum { O_OUT = 256, O_SEED, O_PEOPLE, O_TRAIN, O_EVAL, O_DOCS, O_QA, O_BG, O_MIN, O_MAX, O_PMIN, O_PSTYLE, O_HSTYLE, O_MIX, O_DRILL, O_QAREP, O_ECHO, O_AVOID };
    static struct option opts[] = {
        {"out", 1, 0, O_OUT},           {"seed", 1, 0, O_SEED},      {"people", 1, 0, O_PEOPLE},
        {"train", 1, 0, O_TRAIN},       {"eval", 1, 0, O_EVAL},      {"docs-per-person", 1, 0, O_DOCS},
        {"qa-frac", 1, 0, O_QA},        {"background-docs", 1, 0, O_BG}, {"min-facts", 1, 0, O_MIN},
        {"max-facts", 1, 0, O_MAX},     {"pretrain-min-facts", 1, 0, O_PMIN},
        {"pretrain-style", 1, 0, O_PSTYLE}, {"heldout-style", 1, 0, O_HSTYLE}, {"doc-mix", 1, 0, O_MIX},
        {"drill", 1, 0, O_DRILL},       {"qa-repeats", 1, 0, O_QAREP}, {"drill-echo", 1, 0, O_ECHO},
        {"avoid-names", 1, 0, O_AVOID}, {"help", 0, 0, 'h'},            {0, 0, 0, 0}};
    world_opts o;
    world_opts_default(&o);
    const char *out = NULL;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_OUT: out = optarg; break;
        case O_SEED: {
            char *end;
            o.seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end) rc = seal_err("--seed: \"%s\" is not an unsigned integer", optarg);
            break;
        }
        case O_PEOPLE: rc = parse_int(optarg, "--people", &o.n_pretrain); break;
        case O_TRAIN: rc = parse_int(optarg, "--train", &o.n_train); break;
        case O_EVAL: rc = parse_int(optarg, "--eval", &o.n_eval); break;
        case O_DRILL: rc = parse_int(optarg, "--drill", &o.n_drill); break;
        case O_ECHO: rc = parse_double(optarg, "--drill-echo", &o.drill_echo); break;
        case O_QAREP: rc = parse_int(optarg, "--qa-repeats", &o.qa_repeats); break;
        case O_DOCS: rc = parse_int(optarg, "--docs-per-person", &o.docs_per_person); break;
        case O_QA: rc = parse_double(optarg, "--qa-frac", &o.qa_frac); break;
        case O_BG: rc = parse_int(optarg, "--background-docs", &o.background_docs); break;
        case O_MIN: rc = parse_int(optarg, "--min-facts", &o.min_facts); break;
        case O_MAX: rc = parse_int(optarg, "--max-facts", &o.max_facts); break;
        case O_PMIN: rc = parse_int(optarg, "--pretrain-min-facts", &o.pre_min_facts); break;
        case O_PSTYLE: rc = parse_weights(optarg, "--pretrain-style", o.pre_style, WORLD_N_STYLE); break;
        case O_HSTYLE: rc = parse_weights(optarg, "--heldout-style", o.held_style, WORLD_N_STYLE); break;
        case O_MIX: rc = parse_weights(optarg, "--doc-mix", o.doc_mix, WORLD_N_DOC); break;
        case O_AVOID: o.avoid_path = optarg; break;
        case 'h': return cli_usage(usage, 0);
        default: return cli_usage(usage, 1);
        }
        if (rc) return cli_fail();
    }
    if (!out || optind != argc) return cli_usage(usage, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    world w, avoid;
    world_stats st;
    if (o.avoid_path) {
        if (world_load(&avoid, o.avoid_path)) return cli_fail();
        o.avoid = &avoid;
    }
    rc = world_generate(&w, &o) || world_write(&w, out, &st) ? -1 : 0;
    if (o.avoid) world_free(&avoid);
    if (rc) { world_free(&w); return cli_fail(); }
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
    world_free(&w);
    return 0;
}

int cmd_world(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cli_usage(usage, argc < 2);
    if (!strcmp(argv[1], "knowledge")) return world_knowledge(argc - 1, argv + 1);
    seal_err("world: unknown kind \"%s\" (expected: knowledge)", argv[1]);
    return cli_fail();
}
