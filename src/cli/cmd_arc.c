/* seal arc: SEAL few-shot ARC (eval | rl). One option table (cli/opt.h) per
 * subcommand that fills arc_opts and calls the library (seal/arc.h), then
 * prints the run's results.md. Every CLI_RESULT option is recorded in the
 * run's config.json. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd_arc.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "model/adapter.h"
#include "seal/arc.h"

enum { EVAL = CLI_ARC_EVAL, RL = CLI_ARC_RL, BOTH = EVAL | RL, HR = CLI_ARC_HEADROOM, ALL = BOTH | HR };
#define RES CLI_RESULT
#define TARGETS "q_proj,v_proj,... | all-linear | all"

static int parse_targets(const char *v, void *dst) { return seal_adapter_parse_targets(v, dst); }

typedef struct {
    int in;
    cli_opt opt;
} arc_row;

int cli_arc_table(int which, arc_opts *o, cli_opt *out, int cap) {
    const arc_row rows[] = {
        {BOTH, CLI_SECTION("Inputs and run")},
        {BOTH, CLI_OPT_STR("model", 'm', &o->model_dir, "DIR", "the model that writes self-edits and is test-time trained", CLI_REQUIRED | RES)},
        {BOTH, CLI_OPT_STR("challenges", 0, &o->challenges, "FILE", "evaluation tasks: Kaggle challenges JSON, or a directory of one-task files", CLI_REQUIRED | RES)},
        {BOTH, CLI_OPT_STR("solutions", 0, &o->solutions, "FILE", "their solutions (Kaggle layout; not needed for one-task files with outputs)", RES)},
        {BOTH, CLI_OPT_STR("tasks", 0, &o->tasks, "IDS", "comma-separated task ids to keep", RES)},
        {BOTH, CLI_OPT_STR("select", 0, &o->select, "HOW", "all | reference (eval-self-edits.py: 9 subtasks of the seed-0 shuffle) | first:N | shuffled:K", RES)},
        {RL, CLI_OPT_STR("train-challenges", 0, &o->train_challenges, "FILE", "training tasks for the ReST-EM round", CLI_REQUIRED | RES)},
        {RL, CLI_OPT_STR("train-solutions", 0, &o->train_solutions, "FILE", "their solutions", RES)},
        {RL, CLI_OPT_STR("train-tasks", 0, &o->train_tasks, "IDS", "comma-separated training task ids to keep", RES)},
        {RL, CLI_OPT_STR("train-select", 0, &o->train_select, "HOW", "all | reference (self-edit.py: the first 12 subtasks, one per task) | first:N | shuffled:K", RES)},
        {BOTH, CLI_OPT_STR("run", 0, &o->run_dir, "DIR", "run directory (resumed when it holds a run of the same options)", CLI_REQUIRED)},
        {BOTH, CLI_SECTION("Self-edits")},
        {BOTH, CLI_OPT(CLI_INT, "k", 'k', &o->k, "N", "self-edits per evaluation task", 1, 1000, RES)},
        {RL, CLI_OPT(CLI_INT, "k-train", 0, &o->k_train, "N", "self-edits per training task", 1, 1000, RES)},
        {BOTH, CLI_OPT(CLI_F64, "temperature", 0, &o->temperature, "T", "sampling temperature (0: greedy)", 0, 100, RES)},
        {BOTH, CLI_OPT(CLI_INT, "max-edit-tokens", 0, &o->max_new_edit, "N", "self-edit token cap", 1, 1 << 20, RES)},
        {BOTH, CLI_OPT(CLI_INT, "edit-tries", 0, &o->edit_tries, "N", "sampling rounds per task before a non-config answer is kept (reward 0)", 1, 1000, RES)},
        {ALL, CLI_SECTION("Test-time training")},
        {ALL, CLI_OPT(CLI_INT, "ttt-rank", 0, &o->ttt.rank, "R", "LoRA rank", 1, 4096, RES)},
        {ALL, CLI_OPT(CLI_F32, "ttt-alpha", 0, &o->ttt.alpha, "A", "LoRA alpha", 0, 1e6, RES | CLI_GT_MIN)},
        {ALL, CLI_OPT_CUSTOM("ttt-targets", 0, &o->ttt.targets, "LIST", "LoRA target modules", parse_targets, TARGETS, RES)},
        {ALL, CLI_OPT(CLI_INT, "ttt-batch", 0, &o->ttt.batch, "N", "batch size", 1, 4096, RES)},
        {ALL, CLI_OPT(CLI_I64, "ttt-warmup", 0, &o->ttt.warmup_steps, "N", "warmup steps of the cosine schedule", 0, 1e9, RES)},
        {ALL, CLI_OPT(CLI_INT, "ttt-max-steps", 0, &o->ttt.max_steps, "N", "a self-edit asking for more optimizer steps trains 0 epochs", 1, 1e9, RES)},
        {ALL, CLI_OPT(CLI_INT, "ttt-cap", 0, &o->ttt.cap, "N", "TTT examples kept at most (RandomState(0) shuffle)", 1, 1e9, RES)},
        {ALL, CLI_OPT(CLI_INT, "ttt-leave-n", 0, &o->ttt.n_leave, "N", "leave-n tasks built for n = 1..N", 1, 2, RES)},
        {ALL, CLI_OPT_CHOICE("ttt-pad", &o->ttt.pad_longest, "HOW", "none, or longest: every example padded with EOS to the set's longest, pads labelled (the reference)", "none|longest", RES)},
        {ALL, CLI_OPT(CLI_INT, "max-len", 0, &o->ttt.max_len, "N", "context: longer TTT examples and queries are dropped; answers end there", 16, 1 << 20, RES)},
        {ALL, CLI_SECTION("Answering")},
        {ALL, CLI_OPT(CLI_INT, "max-answer-tokens", 0, &o->solve.max_answer, "N", "new tokens per answer (0: up to --max-len, the reference)", 0, 1 << 20, RES)},
        {ALL, CLI_OPT(CLI_INT, "include-n", 0, &o->solve.include_n, "N", "queries leave N demonstrations out (widened when none fits)", 1, 16, RES)},
        {ALL, CLI_OPT(CLI_INT, "permute-n", 0, &o->solve.permute_n, "N", "demonstration permutations per query context", 0, 16, RES)},
        {ALL, CLI_OPT(CLI_INT, "answer-batch", 0, &o->solve.answer_batch, "N", "queries decoded together (memory only: greedy answers do not depend on it)", 1, 256, 0)},
        {BOTH, CLI_SECTION("Conditions")},
        {BOTH, CLI_OPT_STR("conditions", 0, &o->conditions, "LIST", "comma list of icl, ttt-base-self-edit, seal (rl), oracle-ttt (default all)", RES)},
        {BOTH, CLI_OPT_STR("given-config", 0, &o->given_config, "FILE", "also a condition given-config: this self-edit JSON on every task", RES)},
        {BOTH, CLI_OPT_STR("given-name", 0, &o->given_name, "NAME", "the given-config condition's name in results (e.g. best-fixed-config)", RES)},
        {BOTH, CLI_OPT_STR("oracle-configs", 0, &o->oracle_configs, "FILE", "oracle-ttt uses each task's config from this {task id: config} map (sandbox arc-headroom's oracle_configs.json) instead of the fixed one", RES)},
        {BOTH, CLI_OPT(CLI_F64, "oracle-lr", 0, &o->oracle.lr, "X", "oracle-ttt learning rate", 0, 10, RES | CLI_GT_MIN)},
        {BOTH, CLI_OPT(CLI_INT, "oracle-epochs", 0, &o->oracle.epochs, "N", "oracle-ttt epochs", 1, 1000, RES)},
        {RL, CLI_SECTION("Behaviour cloning (ReST-EM M-step)")},
        {RL, CLI_OPT(CLI_INT, "sft-rank", 0, &o->sft_rank, "R", "LoRA rank", 1, 4096, RES)},
        {RL, CLI_OPT(CLI_F32, "sft-alpha", 0, &o->sft_alpha, "A", "LoRA alpha", 0, 1e6, RES | CLI_GT_MIN)},
        {RL, CLI_OPT_CUSTOM("sft-targets", 0, &o->sft_targets, "LIST", "LoRA target modules", parse_targets, TARGETS, RES)},
        {RL, CLI_OPT(CLI_F64, "sft-lr", 0, &o->sft_lr, "X", "learning rate", 0, 10, RES | CLI_GT_MIN)},
        {RL, CLI_OPT(CLI_INT, "sft-epochs", 0, &o->sft_epochs, "N", "epochs", 1, 10000, RES)},
        {RL, CLI_OPT(CLI_INT, "sft-batch", 0, &o->sft_batch, "N", "batch size", 1, 4096, RES)},
        {ALL, CLI_SECTION("Other")},
        {ALL, CLI_OPT(CLI_U64, "seed", 0, &o->seed, "S", "sampling, query and initialisation seeds", 0, 0, RES)},
        {ALL, CLI_THREADS_OPT(&o->threads)},
        {ALL, CLI_OPT(CLI_INT, "workers", 0, &o->workers, "N", "(task, self-edit) pairs run in parallel, one thread each (a small model's fastest use of the cores; self-edit generation keeps -t)", 1, ARC_MAX_WORKERS, RES)},
        /* how the ranks read rank 0's files changes no bit of a result (fingerprints check it): not recorded */
        {RL, CLI_OPT_CHOICE("model-transfer", &o->model_transfer, "HOW",
                            "under mpirun, how the other ranks read round 1's model from the run directory: shared "
                            "(on a filesystem every rank sees), broadcast (rank 0 sends its files) or auto (shared, "
                            "else broadcast)", "auto|shared|broadcast", 0)},
        {ALL, CLI_OPT_FLAG("quiet", 0, &o->quiet, "no progress and no table on the terminal", 0)},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n < cap - 1; i++)
        if (rows[i].in & which) out[n++] = rows[i].opt;
    out[n] = (cli_opt){0};
    return n;
}

static const char *about[] = {
    [EVAL] = "Few-shot ARC as the SEAL reference evaluates it: for each task the model writes k JSON self-edits "
             "(tools and training settings), each trains a fresh LoRA on the test-time-training set its tools "
             "describe, and the adapted model answers every subtask (leave-one-out queries, views, voting, pass@2). "
             "Conditions icl, ttt-base-self-edit, oracle-ttt (per task with --oracle-configs) and, with "
             "--given-config, given-config (renamed by --given-name). DIR gets "
             "config.json, selfedits.jsonl, ttt.jsonl (every pair), results.json, results.md and success.svg; a killed "
             "run resumes from DIR.",
    [RL] = "`eval` plus one ReST-EM round: k-train self-edits per training task on the base model, rewarded when "
           "they solve it; behaviour cloning on the rewarded ones, merged (round-1/model); then the condition seal: "
           "the round-1 model writes k self-edits per evaluation task and is itself test-time trained on them. "
           "--given-config and --oracle-configs work as in eval, so one run gives every condition.",
};

static int run_arc(int which, const char *command, const char *usage, int argc, char **argv) {
    arc_opts o = seal_arc_opts_defaults();
    cli_opt opts[64];
    cli_arc_table(which, &o, opts, (int)(sizeof opts / sizeof opts[0]));
    const cli_spec spec = {command, usage, about[which], opts, 0, 0, NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc != CLI_CONTINUE) return rc;
    rc = which == RL ? seal_arc_rl(&o) : seal_arc_eval(&o);
    if (rc == 0 && !o.quiet) rc = cli_print_run_file(o.run_dir, "results.md");
    return rc ? cli_fail() : 0;
}

static int cmd_eval(int argc, char **argv) {
    return run_arc(EVAL, "seal arc eval", "-m MODEL --challenges FILE [--solutions FILE] --run DIR [options]", argc, argv);
}

static int cmd_rl(int argc, char **argv) {
    return run_arc(RL, "seal arc rl",
                   "-m MODEL --train-challenges FILE --challenges FILE [--solutions FILE] --run DIR [options]", argc,
                   argv);
}

int cmd_arc(int argc, char **argv) {
    static const cli_subcommand subs[] = {
        {"eval", cmd_eval, "icl, the model's own self-edits and oracle TTT on ARC tasks"},
        {"rl", cmd_rl, "eval plus one ReST-EM round that teaches the model its self-edits"},
        {0}};
    return cli_dispatch("seal arc", subs, argc, argv);
}
