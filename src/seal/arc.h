/* arc.h: SEAL's few-shot ARC experiment (seal-method.md §3): runs of
 * `seal arc eval` and `seal arc rl`.
 *
 * For each task the model writes self-edits (JSON configs, arc/config.h) from
 * the reference's prompt (arc/format.h), sampled at temperature 0.8 with 128
 * new tokens; an answer that is not a config is resampled (edit_tries draws
 * per self-edit at most; after that the last one stays, rejected, reward 0).
 * Each (task, self-edit) pair trains a fresh LoRA on the TTT set its tools
 * describe (arc_ttt.h) and answers every subtask of the task (arc_solve.h);
 * the pair succeeds when every subtask is solved. Conditions:
 *   icl                 no adapter, the same queries and voting
 *   ttt-base-self-edit  the base model's own self-edits (k per task)
 *   seal                (rl) the round-1 model's self-edits, each TTT-trained
 *                       on the round-1 model (the paper's theta is updated)
 *   oracle-ttt          the reference's fixed configuration (ttt.py), or with
 *                       oracle_configs each task's own config (a headroom
 *                       run's oracle_configs.json), run as that self-edit
 *                       would be (the step budget, o->ttt's leave-n)
 *   given-config        (--given-config) a config file the user wrote, the
 *                       same on every task; given_name renames it
 * RL (one ReST-EM round): k_train self-edits per training task on the base
 * model, reward 1 when the pair succeeds; behaviour cloning on every rewarded
 * (prompt, response) (LoRA r16 a16 on the five TTT modules, 8 epochs, batch
 * 5, lr 5e-5, cosine, loss on the response and EOS), merged: round-1/model.
 *
 * The run directory (--run):
 *   config.json        every results-changing option, input fingerprints,
 *                      threads and version (a changed resume is refused)
 *   selfedits.jsonl    per (generator, task): every sampled answer, its parse
 *                      status and reason, and the self-edits kept
 *   ttt.jsonl          per (condition, task, self-edit): config or rejection,
 *                      TTT set size, steps, losses, per subtask the answers,
 *                      predictions, votes and whether solved
 *   round-1/           sft.jsonl, adapter/, model/ (rl)
 *   results.json, results.md, success.svg
 * A killed run resumes from the journals without redoing a finished pair. */
#ifndef SEAL_SEAL_ARC_H
#define SEAL_SEAL_ARC_H

#include "arc/config.h"
#include "seal/arc_solve.h"
#include "seal/arc_ttt.h"

enum { ARC_MAX_WORKERS = 64 };

typedef struct {
    const char *model_dir;
    const char *challenges, *solutions;            /* evaluation tasks */
    const char *tasks;                             /* comma-separated ids, or NULL */
    const char *select;                            /* all | reference | first:N | shuffled:K */
    const char *train_challenges, *train_solutions; /* rl: training tasks */
    const char *train_tasks, *train_select;
    const char *run_dir;
    const char *conditions;                        /* comma-separated, NULL: all */
    const char *given_config;                      /* a config file applied to every task */
    const char *given_name;                        /* given_config's condition name (NULL: "given-config") */
    const char *oracle_configs;                    /* {task id: config}: oracle-ttt's per-task configs, or NULL */
    int k;              /* self-edits per evaluation task (5) */
    int k_train;        /* self-edits per training task (15) */
    int edit_tries;     /* draws per self-edit at most */
    int max_new_edit;   /* 128 */
    double temperature; /* 0.8 */
    arc_ttt_opts ttt;
    arc_solve_opts solve;
    arc_config oracle;  /* oracle-ttt's configuration */
    int oracle_leave_n; /* oracle's leave-n set: 1 = {1}, 2 = {1, 2} (the reference) */
    int sft_rank, sft_epochs, sft_batch;
    float sft_alpha;
    double sft_lr;
    unsigned sft_targets;
    unsigned long long seed;
    int threads;        /* 0: automatic */
    int workers;        /* (task, self-edit) pairs run in parallel, each on one thread (1..ARC_MAX_WORKERS) */
    int model_transfer; /* how ranks other than 0 read round 1's model: SEAL_TRANSFER_* (seal/transfer.h); not recorded */
    int quiet;
} arc_opts;

/* The reference's settings (above); no inputs. */
arc_opts seal_arc_opts_defaults(void);

/* Run every condition on the evaluation tasks. 0, or -1 + seal_err (no
 * output is claimed before every input checks out). */
int seal_arc_eval(const arc_opts *o);
/* One ReST-EM round on the training tasks, then every condition (seal
 * included) on the evaluation tasks. */
int seal_arc_rl(const arc_opts *o);

#endif
