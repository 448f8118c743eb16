/* seal knowledge: SEAL knowledge incorporation (eval | rl | cpt | continual). A
 * parser per subcommand over one option table (cli/opt.h) that fills
 * knowledge_opts, cpt_opts or continual_opts and calls the library
 * (seal/knowledge.h, seal/cpt.h, seal/continual.h), then prints
 * the run's results.md. Every option flagged CLI_RESULT changes the results
 * and is recorded in the run's config.json (tests/cli/test_knowledge_record.sh
 * walks the table to prove it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "seal/continual.h"
#include "seal/cpt.h"
#include "seal/judge.h"
#include "seal/knowledge.h"
#include "util/err.h"
#include "util/fsutil.h"

enum { EVAL = 1, RL = 2, CPT = 4, CONT = 8, ALL = EVAL | RL | CPT | CONT };

/* Where the parsed values go: the library's structs, plus what the CLI turns
 * into them afterwards. */
typedef struct {
    knowledge_opts *o;
    cpt_opts *co;
    continual_opts *ct;
    int grader, cpt_mode, no_split, eval_passages_given;
    const char *judge_dir;
    const char *judge_url, *judge_key_env;
    seal_judge_opts judge; /* --judge-url's client settings */
    char gen_names[CPT_MAX_GENERATORS][32]; /* --generator NAME=DIR: the names (DIR stays in argv) */
} kn_args;

static int parse_targets(const char *v, void *dst) { return seal_adapter_parse_targets(v, dst); }
static int parse_prompt(const char *v, void *dst) { return seal_self_edit_parse(v, dst); }

/* --generator NAME=DIR (repeatable), into the kn_args at dst. */
static int parse_generator(const char *v, void *dst) {
    kn_args *a = dst;
    cpt_opts *co = a->co;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1] || eq - v > 24)
        return seal_err("\"%s\": need NAME=DIR with a NAME of 1 to 24 characters", v);
    if (co->n_generators == CPT_MAX_GENERATORS) return seal_err("at most %d generators", CPT_MAX_GENERATORS);
    char *name = a->gen_names[co->n_generators];
    snprintf(name, sizeof a->gen_names[0], "%.*s", (int)(eq - v), v);
    co->gen_name[co->n_generators] = name;
    co->gen_dir[co->n_generators++] = eq + 1;
    return 0;
}

#define PROMPTS "implications|implications-long|implications-very-long|rewrite|self-qa|none|implications-cot"
#define TARGETS "q_proj,v_proj,... | all-linear | all"
#define RES CLI_RESULT

typedef struct {
    int in; /* EVAL | RL | CPT: the subcommands that take it */
    cli_opt opt;
} kn_row;

/* The table for subcommand `which`, into out (ends with {0}). */
static void build_table(int which, kn_args *a, cli_opt *out, int cap) {
    knowledge_opts *o = a->o;
    cpt_opts *co = a->co;
    continual_opts *ct = a->ct;
    int *passages = which == CPT ? &co->passages : &o->eval_passages;
    const kn_row rows[] = {
        {ALL, CLI_SECTION("Inputs and run")},
        {ALL, CLI_OPT_STR("model", 'm', &o->model_dir, "DIR", "base model: inner loops, baseline, first generator", CLI_REQUIRED | RES)},
        {ALL, CLI_OPT_STR("eval", 0, &o->eval_path, "FILE", "held-out passages (SEAL JSON or SQuAD v1.1)", CLI_REQUIRED | RES)},
        {RL, CLI_OPT_STR("train", 0, &o->train_path, "FILE", "passages for the ReST-EM rounds (needed when --rounds > 0)", RES)},
        {ALL, CLI_OPT_STR("run", 0, &o->run_dir, "DIR", "run directory (resumed when it holds a run of the same options)", CLI_REQUIRED)},
        {ALL, CLI_SECTION("Data")},
        {EVAL | RL | CPT, CLI_OPT(CLI_INT, "eval-passages", 0, passages, "N", "evaluation passages (not given: all of a smaller file)", 1, 1e6, RES)},
        {RL, CLI_OPT(CLI_INT, "passages-per-round", 0, &o->passages_per_round, "N", "new training passages each round", 1, 1e6, RES)},
        {RL, CLI_OPT(CLI_INT, "rounds", 0, &o->rounds, "N", "ReST-EM rounds", 0, 100, RES)},
        {EVAL | RL | CPT, CLI_OPT(CLI_U64, "subset-seed", 0, &o->subset_seed, "S", "Python random.seed of the passage selection, as the reference", 0, 0, RES)},
        {CONT, CLI_OPT(CLI_INT, "passages", 0, &ct->passages, "N", "passages per order, one self-edit merged after each", 1, CONTINUAL_MAX_PASSAGES, RES)},
        {CONT, CLI_OPT(CLI_INT, "orders", 0, &ct->orders, "R", "random passage orders (the matrix is their mean)", 1, 1000, RES)},
        {CONT, CLI_OPT(CLI_U64, "subset-seed", 0, &o->subset_seed, "S", "order r draws its passages with Python random.seed(S + r), random.sample", 0, 0, RES)},
        {ALL, CLI_SECTION("Self-edits")},
        {ALL, CLI_OPT_CUSTOM("prompt", 0, &o->prompt, "NAME", "self-edit prompt", parse_prompt, PROMPTS, RES)},
        {EVAL | RL | CPT, CLI_OPT(CLI_INT, "k", 'k', &o->k, "N", "self-edits per passage", 1, 64, RES)},
        {ALL, CLI_OPT(CLI_F32, "temperature", 0, &o->sampling.temperature, "T", "sampling temperature (0: greedy)", 0, 100, RES)},
        {ALL, CLI_OPT(CLI_F32, "top-p", 0, &o->sampling.top_p, "P", "nucleus sampling mass", 0, 1, RES | CLI_GT_MIN)},
        {ALL, CLI_OPT(CLI_INT, "max-edit-tokens", 0, &o->max_new_edit, "N", "self-edit token cap", 1, 1 << 20, RES)},
        {ALL, CLI_OPT(CLI_INT, "max-segments", 0, &o->seq.max_segments, "N", "training sequences per self-edit (0: no cap)", 0, 1e6, RES)},
        {EVAL | RL | CONT, CLI_OPT_FLAG("no-split-newlines", 0, &a->no_split, "one training sequence per \"---\" segment, not per line", RES)},
        {ALL, CLI_SECTION("Inner loop")},
        {ALL, CLI_OPT(CLI_INT, "inner-rank", 0, &o->inner.rank, "R", "LoRA rank", 1, 4096, RES)},
        {ALL, CLI_OPT(CLI_F32, "inner-alpha", 0, &o->inner.alpha, "A", "LoRA alpha", 0, 1e6, RES | CLI_GT_MIN)},
        {ALL, CLI_OPT_CUSTOM("inner-targets", 0, &o->inner.targets, "LIST", "LoRA target modules", parse_targets, TARGETS, RES)},
        {ALL, CLI_OPT(CLI_F64, "inner-lr", 0, &o->inner.lr, "X", "learning rate", 0, 10, RES | CLI_GT_MIN)},
        {ALL, CLI_OPT(CLI_INT, "inner-epochs", 0, &o->inner.epochs, "N", "epochs", 1, 10000, RES)},
        {ALL, CLI_OPT(CLI_INT, "inner-batch", 0, &o->inner.batch_size, "N", "batch size", 1, 4096, RES)},
        {ALL, CLI_OPT(CLI_INT, "inner-accum", 0, &o->inner.grad_accum, "N", "gradient accumulation steps", 1, 4096, RES)},
        {CPT, CLI_OPT(CLI_F64, "inner-warmup-ratio", 0, &co->warmup_ratio, "X", "warmup, as a fraction of the steps", 0, 0.999, RES)},
        {EVAL | RL | CPT, CLI_OPT_CHOICE("inner-model", &o->inner_model_base, "WHICH", "model the inner loops adapt: current (the round's policy, as the paper) or base (ablation)", "current|base", RES)},
        {EVAL | RL, CLI_OPT_FLAG("inner-full", 0, &o->inner.full, "full finetune of an f32 copy instead of LoRA", RES)},
        {EVAL | RL, CLI_OPT(CLI_INT, "distractors", 0, &o->distractors, "N", "also train on N other passages of the set: facts must be bound to their title", 0, 1000, RES)},
        {RL, CLI_OPT(CLI_INT, "reps", 0, &o->reps, "N", "inner loops per self-edit when ranking", 1, 1000, RES)},
        {EVAL | RL, CLI_OPT(CLI_INT, "eval-reps", 0, &o->eval_reps, "N", "inner loops per self-edit in evaluation", 1, 1000, RES)},
        {ALL, CLI_OPT(CLI_INT, "pad-to", 0, &o->inner.pad_to, "N",
                      "the reference's tokenization: no EOS appended, each training sequence truncated and "
                      "right-padded with EOS to N tokens, pads unattended (the reference: 2048); 0: packed, one EOS "
                      "appended", 0, 1 << 20, RES)},
        {ALL, CLI_OPT_FLAG("pad-labels", 0, &o->inner.pad_labels,
                           "with --pad-to: the pads are labels, as the reference (\"predict EOS\" ~2000 times per "
                           "sequence)", RES)},
        {ALL, CLI_OPT(CLI_INT, "answer-tokens", 0, &o->inner.max_new, "N", "answer token cap", 1, 1 << 20, RES)},
        {ALL, CLI_SECTION("Grading")},
        {ALL, CLI_OPT_CHOICE("grader", &a->grader, "NAME", "exact match, token F1, or a local judge model", "em|f1|judge", RES)},
        {ALL, CLI_OPT(CLI_F64, "f1-threshold", 0, &o->inner.f1_threshold, "X", "--grader f1: correct when F1 >= X", 0, 1, RES)},
        {ALL, CLI_OPT_STR("judge-model", 0, &a->judge_dir, "DIR|NAME", "--grader judge: the model that answers the reference's grading prompt (with --judge-url: the NAME the endpoint serves)", RES)},
        /* where the judge is served, and how it is reached, change no verdict: not recorded (the API is: judge_api) */
        {ALL, CLI_OPT_STR("judge-url", 0, &a->judge_url, "URL", "--grader judge: an OpenAI-compatible endpoint instead of a local model: a base URL (.../v1) gets chat completions, a URL ending in /completions the raw prompt (see docs/commands/serve.md)", 0)},
        {ALL, CLI_OPT_STR("judge-key-env", 0, &a->judge_key_env, "VAR", "--judge-url: the environment variable holding its API key (default OPENAI_API_KEY; unset or empty: no key)", 0)},
        {ALL, CLI_OPT(CLI_F64, "judge-timeout", 0, &a->judge.timeout_s, "S", "--judge-url: seconds per request", 0, 3600, CLI_GT_MIN)},
        {ALL, CLI_OPT(CLI_INT, "judge-retries", 0, &a->judge.retries, "N", "--judge-url: retries of a failed request (backoff 0.5 s doubling); then the run stops", 0, 100, 0)},
        {ALL, CLI_OPT(CLI_INT, "judge-concurrency", 0, &a->judge.concurrency, "N", "--judge-url: requests in flight at most", 1, 1024, 0)},
        {RL, CLI_SECTION("Outer SFT (ReST-EM)")},
        {RL, CLI_OPT(CLI_INT, "sft-rank", 0, &o->sft_rank, "R", "LoRA rank", 1, 4096, RES)},
        {RL, CLI_OPT(CLI_F32, "sft-alpha", 0, &o->sft_alpha, "A", "LoRA alpha", 0, 1e6, RES | CLI_GT_MIN)},
        {RL, CLI_OPT_CUSTOM("sft-targets", 0, &o->sft_targets, "LIST", "LoRA target modules (default all)", parse_targets, TARGETS, RES)},
        {RL, CLI_OPT(CLI_F64, "sft-lr", 0, &o->sft_lr, "X", "learning rate", 0, 10, RES | CLI_GT_MIN)},
        {RL, CLI_OPT(CLI_INT, "sft-epochs", 0, &o->sft_epochs, "N", "epochs", 1, 10000, RES)},
        {RL, CLI_OPT(CLI_INT, "sft-accum", 0, &o->sft_accum, "N", "gradient accumulation steps", 1, 4096, RES)},
        {RL, CLI_OPT_FLAG("positive-gain", 0, &o->positive_gain_only, "keep only self-edits that beat the base model", RES)},
        {RL, CLI_OPT_FLAG("sft-data-parallel", 0, &o->sft_data_parallel,
                          "under mpirun, spread each outer SFT step over the ranks (results then equal one process's "
                          "to float tolerance, not bit for bit)", RES)},
        {EVAL | RL | CPT, CLI_SECTION("Conditions")},
        {EVAL | RL | CPT, CLI_OPT_STR("conditions", 0, &o->conditions, "LIST", "comma list of base, passage, passage+self-edit (default all)", RES)},
        {EVAL | RL | CPT, CLI_OPT_STR("given-self-edits", 0, &o->given_path, "FILE", "also evaluate fixed self-edits, a JSON object {title: text}", RES)},
        {EVAL | RL | CPT, CLI_OPT_STR("given-name", 0, &o->given_name, "NAME", "their condition's name (default passage+given)", 0)},
        {CPT, CLI_SECTION("Continued pretraining")},
        {CPT, CLI_OPT(CLI_INT, "cpt-passages", 0, &co->passages, "N", "passages finetuned on at once (not given: all of a smaller file)", 1, 1e6, RES)},
        {CPT, CLI_OPT(CLI_INT, "eval-questions", 0, &co->eval_questions, "N", "score on N questions drawn as the reference's v2 (0: all)", 0, 1e9, RES)},
        {CPT, CLI_OPT_CHOICE("cpt-mode", &a->cpt_mode, "MODE", "full: CPT_fullFT.py's full finetune; lora: CPT.py's LoRA (each picks the --inner-* defaults)", "full|lora", RES)},
        {CPT, CLI_OPT_CUSTOM("generator", 0, a, "NAME=DIR", "also a condition with the self-edits of the model in DIR (repeatable)", parse_generator, NULL, RES | CLI_REPEAT)},
        {ALL, CLI_SECTION("Other")},
        {ALL, CLI_OPT(CLI_U64, "seed", 0, &o->seed, "S", "sampling and inner-loop seeds", 0, 0, RES)},
        /* how the ranks read rank 0's files changes no bit of a result (fingerprints check it): not recorded */
        {RL | CONT, CLI_OPT_CHOICE("model-transfer", &o->model_transfer, "HOW",
                                   "under mpirun, how the other ranks read what rank 0 wrote into the run directory "
                                   "(a round's model; continual: adapters): shared (the directory is on a filesystem "
                                   "every rank sees), broadcast (rank 0 sends the files) or auto (shared, else "
                                   "broadcast)", "auto|shared|broadcast", 0)},
        {EVAL | RL, CLI_OPT(CLI_INT, "workers", 0, &o->workers, "N", "inner loops in parallel (each single-threaded when N > 1)", 1, KN_MAX_WORKERS, 0)},
        {ALL, CLI_THREADS_OPT(&o->threads)},
        {ALL, CLI_OPT_FLAG("quiet", 0, &o->quiet, "no progress and no table on the terminal", 0)},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n < cap - 1; i++)
        if (rows[i].in & which) out[n++] = rows[i].opt;
    out[n] = (cli_opt){0};
    for (int i = 0; i < n; i++)
        if (out[i].dst == passages) out[i].given = &a->eval_passages_given;
}

static const char *about[] = {
    [EVAL] = "Measure, on held-out passages, the frozen model (base), finetuning on the passage alone (passage) and on "
             "the passage plus the model's own self-edits (passage+self-edit). DIR gets config.json (the run record), "
             "inner.jsonl (every inner loop), selfedits.jsonl, baseline.jsonl, results.json, results.md and "
             "accuracy.svg. A killed run resumes from DIR; a resume under other options or inputs is refused.",
    [RL] = "`eval` plus ReST-EM rounds: each round samples k self-edits for new training passages, scores each by "
           "inner loops, finetunes the generator on the best (outer LoRA SFT, merged: round-N/model) and evaluates "
           "it (seal-round-N). A killed run resumes from DIR without redoing finished inner loops.",
    [CPT] = "The continued-pretraining (multi-passage) variant: per condition ONE finetune over the sequences of all "
            "the passages, then every question of those passages without its passage. Conditions: base, passage, "
            "passage+self-edit, the --given-self-edits one and one per --generator. DIR also gets cpt.jsonl (one record "
            "per finished condition). --cpt-mode picks the finetuning defaults; --inner-* override them.",
    [CONT] = "Continual self-edits (the paper's Fig. 6): for each of R orders of N passages drawn from --eval, the "
             "untouched model answers all N (row 0); then per passage the current model writes one self-edit, a LoRA "
             "is trained on it, the model with it answers the questions of every passage seen so far, and the adapter "
             "is merged into the weights. DIR gets continual.jsonl (one record per finished step), each step's "
             "adapter (order-R/step-S/adapter: a resume merges them again), results.json, results.md (the "
             "lower-triangular matrix, mean and std over orders) and forgetting.svg.",
};

/* cpt: the mode decides the defaults, so it is read before the table fills them in. */
static cpt_mode mode_from_argv(int argc, char **argv) {
    cpt_mode mode = CPT_FULL;
    for (int i = 1; i < argc; i++) {
        const char *v = !strcmp(argv[i], "--cpt-mode") && i + 1 < argc ? argv[i + 1]
                        : !strncmp(argv[i], "--cpt-mode=", 11) ? argv[i] + 11 : NULL;
        if (v && seal_cpt_mode_parse(v, &mode)) mode = CPT_FULL; /* the table refuses it, naming the option */
    }
    return mode;
}

static int run_which(int which, knowledge_opts *o, cpt_opts *co, continual_opts *ct) {
    int rc = which == CPT ? seal_knowledge_cpt(co) : which == CONT ? seal_knowledge_continual(ct)
             : which == RL  ? seal_knowledge_rl(o) : seal_knowledge_eval(o);
    return rc == 0 && !o->quiet ? cli_print_run_file(o->run_dir, "results.md") : rc;
}

/* --judge-url: the verdicts come from an OpenAI-compatible endpoint, cached in
 * RUN/judge_cache.jsonl (a resumed run never asks twice). */
static int run_remote_judged(int which, knowledge_opts *o, cpt_opts *co, continual_opts *ct, kn_args *a) {
    const char *env = a->judge_key_env ? a->judge_key_env : "OPENAI_API_KEY";
    const char *key = getenv(env);
    a->judge.url = a->judge_url;
    a->judge.model = a->judge_dir;
    a->judge.api_key = key && *key ? key : NULL;
    char *cache = seal_path_join(o->run_dir, "judge_cache.jsonl");
    a->judge.cache_path = cache;
    seal_judge *j = seal_judge_open(&a->judge);
    free(cache);
    if (!j) return cli_fail();
    o->inner.judge_remote = j;
    int rc = run_which(which, o, co, ct);
    long sent, cached;
    seal_judge_counts(j, &sent, &cached);
    fprintf(stderr, "judge %s: %ld requests, %ld verdicts from the cache\n", a->judge_url, sent, cached);
    seal_judge_close(j);
    return rc ? cli_fail() : 0;
}

static int run_knowledge(int which, const char *command, const char *usage, int argc, char **argv) {
    cpt_opts co = seal_cpt_opts_defaults(which == CPT ? mode_from_argv(argc, argv) : CPT_FULL);
    continual_opts ct = seal_continual_opts_defaults();
    knowledge_opts *o = which == CONT ? &ct.k : &co.k;
    if (which == EVAL || which == RL) *o = seal_knowledge_opts_defaults();
    if (which == EVAL) o->rounds = 0;
    kn_args a = {.o = o, .co = &co, .ct = &ct, .grader = GRADE_EM, .cpt_mode = co.mode, .judge = seal_judge_defaults()};
    cli_opt opts[80];
    build_table(which, &a, opts, (int)(sizeof opts / sizeof opts[0]));
    const cli_spec spec = {command, usage, about[which], opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    o->inner.grader = (grader_kind)a.grader;
    if (a.no_split) o->seq.split_newlines = 0;
    o->eval_passages_at_most = !a.eval_passages_given;
    if (which == RL && o->rounds > 0 && !o->train_path) {
        fprintf(stderr, "%s: missing --train FILE (the ReST-EM rounds train on it; or --rounds 0)\n", command);
        return 2;
    }
    if (o->inner.pad_labels && !o->inner.pad_to) {
        fprintf(stderr, "%s: --pad-labels needs --pad-to N (the pads it labels)\n", command);
        return 2;
    }
    if ((o->inner.grader == GRADE_JUDGE) != (a.judge_dir != NULL)) {
        fprintf(stderr, "%s: --grader judge and --judge-model DIR go together\n", command);
        return 2;
    }
    if (a.judge_url && o->inner.grader != GRADE_JUDGE) {
        fprintf(stderr, "%s: --judge-url needs --grader judge and --judge-model NAME\n", command);
        return 2;
    }
    if (a.judge_url) return run_remote_judged(which, o, &co, &ct, &a);
    seal_model judge;
    seal_tokenizer *judge_tok = NULL;
    if (a.judge_dir) {
        if (seal_model_load(&judge, a.judge_dir)) return cli_fail();
        if (!(judge_tok = seal_tok_load(a.judge_dir))) { seal_model_free(&judge); return cli_fail(); }
        o->inner.judge = &judge;
        o->inner.judge_tok = judge_tok;
    }
    rc = run_which(which, o, &co, &ct);
    if (a.judge_dir) { seal_tok_free(judge_tok); seal_model_free(&judge); }
    return rc ? cli_fail() : 0;
}

static int cmd_eval(int argc, char **argv) {
    return run_knowledge(EVAL, "seal knowledge eval", "-m MODEL --eval FILE --run DIR [options]", argc, argv);
}
static int cmd_rl(int argc, char **argv) {
    return run_knowledge(RL, "seal knowledge rl", "-m MODEL --eval FILE --train FILE --run DIR [options]", argc, argv);
}
static int cmd_cpt(int argc, char **argv) {
    return run_knowledge(CPT, "seal knowledge cpt", "-m MODEL --eval FILE --run DIR [--cpt-mode full|lora] [options]",
                         argc, argv);
}

static int cmd_continual(int argc, char **argv) {
    return run_knowledge(CONT, "seal knowledge continual", "-m MODEL --eval FILE --passages N --orders R --run DIR [options]",
                         argc, argv);
}

int cmd_knowledge(int argc, char **argv) {
    static const cli_subcommand subs[] = {
        {"eval", cmd_eval, "base, passage and passage+self-edit on held-out passages"},
        {"rl", cmd_rl, "eval plus ReST-EM rounds that train the self-edit generator"},
        {"cpt", cmd_cpt, "continued pretraining: one finetune over many passages per condition"},
        {"continual", cmd_continual, "continual self-edits: forgetting as one model merges edit after edit"},
        {0}};
    return cli_dispatch("seal knowledge", subs, argc, argv);
}
