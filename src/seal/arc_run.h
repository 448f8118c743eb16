/* arc_run.h: internal to src/seal/arc.c and arc_headroom.c (not a public
 * API): the state of one ARC run directory and the (task, configuration) jobs
 * both runs are made of. A job is one TTT + solve of a task under one config,
 * journaled in ttt.jsonl under its key; a job's result depends on its config,
 * its task and the run's options only (never on its key, its position or the
 * worker), so `seal arc` and `seal sandbox arc-headroom` give the same pair
 * the same answer. arc.h describes the run directory. */
#ifndef SEAL_SEAL_ARC_RUN_H
#define SEAL_SEAL_ARC_RUN_H

#include <jansson.h>

#include "seal/arc.h"
#include "seal/journal.h"
#include "util/run_record.h"
#include "util/strbuf.h"

/* The subtasks of one task, in set order: the unit a self-edit is written
 * for and rewarded on. */
typedef struct {
    const char *task_id;
    int *sub; /* indices into the set */
    int n;
} arc_group;

typedef struct {
    arc_set set;
    arc_group *g;
    int n;
} arc_tasks;

typedef struct {
    const arc_opts *o;
    seal_model base;
    seal_tokenizer *tok;
    chat_template tpl;
    seal_pool *pool;
    arc_tasks eval, train;
    arc_config given;
    arc_config *oracle_cfg; /* [eval.n] --oracle-configs: each evaluation task's config, or NULL */
    char **oracle_text;     /* [eval.n] those configs as canonical JSON (the jobs' self-edit text) */
    int threads;
    journal edits, ttt;
    strbuf notes;   /* results.md's notes */
    json_t *header; /* results.json's extra keys */
} arc_state;

/* One model a condition adapts and answers with. */
typedef struct {
    seal_model *m;
    const char *name; /* "base", "round-1" */
} arc_target;

typedef struct {
    char key[200];
    const arc_group *grp;
    const arc_set *set;
    const char *text;   /* the self-edit (NULL: icl, oracle, given config); a worker rank parses it again */
    arc_config cfg;     /* parsed; status ZERO with epochs 0 = no training */
    const arc_target *target;
    int leave_n_all;    /* oracle: the reference's leave-n {1, 2}; else o->ttt's */
    int no_config;      /* icl: nothing to apply */
} arc_job;

/* Validate and load every input of o (rl: the training tasks too) into st,
 * touching no output. 0, or -1 + seal_err; st is then ready for
 * seal_arc_state_close either way. */
int seal_arc_state_load(arc_state *st, const arc_opts *o, int rl);
/* Record the options every (task, config) job depends on (TTT, answering,
 * seed, model path) and the kernel threads into r. */
int seal_arc_record_jobs(seal_run_record *r, const arc_opts *o, int threads);
/* Record the fingerprints of the model and of every input file o names. */
int seal_arc_record_inputs(seal_run_record *r, const arc_state *st);
/* Claim o->run_dir with record r (refused naming each changed key), then
 * open the thread pool, ttt.jsonl and (with_edits) selfedits.jsonl. */
int seal_arc_state_claim(arc_state *st, const seal_run_record *r, int with_edits);
void seal_arc_state_close(arc_state *st);

/* Run the jobs not yet in ttt.jsonl (over the MPI ranks when there are
 * several), journaling each as it finishes, with a progress bar named label
 * unless quiet. 0, or -1 + seal_err naming the job. */
int seal_arc_run_jobs(arc_state *st, arc_job *jobs, int n, const char *label);
/* A rank other than 0: load the inputs of o, then run the jobs rank 0 hands
 * out until it says stop. */
int seal_arc_serve(const arc_opts *o, int rl);
/* A config as the journal writes it (the reference's schema; JSON null for a
 * rejected one). */
json_t *seal_arc_config_value(const arc_config *c);

#endif
