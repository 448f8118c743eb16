/* knowledge_run.h: internal to src/seal/knowledge.c, cpt.c and continual.c
 * (not a public API): the state of one knowledge-incorporation run directory
 * and the helpers `knowledge eval|rl`, `knowledge cpt` and `knowledge
 * continual` share. knowledge.h describes the run directory. */
#ifndef SEAL_SEAL_KNOWLEDGE_RUN_H
#define SEAL_SEAL_KNOWLEDGE_RUN_H

#include <jansson.h>

#include "seal/journal.h"
#include "seal/knowledge.h"
#include "seal/report.h"
#include "seal/squad.h"
#include "util/run_record.h"

/* Everything a run holds open. */
typedef struct {
    const knowledge_opts *o;
    seal_model base;
    seal_tokenizer *tok;
    seal_pool *pool;
    seal_passages train, eval;
    int *eval_idx, n_eval;
    int threads;             /* the kernel threads, resolved (recorded: they change the training arithmetic) */
    json_t *given;           /* the --given-self-edits object, checked against the evaluation passages */
    journal inner, edits, baseline;
    journal cpt;             /* cpt.jsonl, opened by seal_knowledge_cpt only */
    const char *md_notes;    /* lines seal_kn_write_results appends to results.md (may be NULL) */
} run_state;

/* A 64-bit seed mixer (splitmix64 finalizer over a and b). */
unsigned long long seal_kn_mix(unsigned long long a, unsigned long long b);
double seal_kn_number(json_t *o, const char *k);
json_t *seal_kn_str_array(char *const *s, int n);

/* k = o->k self-edits of generator g for each of n passages, cached in the
 * edits journal under "gen/<tag>/<passage>"; out[i] is a borrowed JSON array
 * of strings. The sampling seed depends on o->seed, the passage and the tag. */
int seal_kn_self_edits(run_state *rs, const seal_model *g, const char *tag, const seal_passage *const *ps, int n,
                  json_t **out);

/* The frozen model's answers on every evaluation passage (journal
 * baseline.jsonl, keys "base/<i>"); c->acc gets per-passage accuracy. */
int seal_kn_cond_base(run_state *rs, condition *c);

/* The options eval, rl and cpt share, checked as a C caller may have set
 * them (the CLI's table bounds them too): -1 + seal_err naming the option. */
int seal_kn_check_common(const knowledge_opts *o);

/* Load and check every input before anything is written, so that a typo or a
 * bad file never claims the run directory: the passages (none, or fewer than
 * --eval-passages asks for, is an error), model, tokenizer, the evaluation
 * subset, the training passages (rl), the --given-self-edits file (a
 * self-edit for every evaluation passage), the --conditions names and the
 * thread count. count_option names the passage count in messages
 * ("--eval-passages"). */
int seal_kn_load_inputs(run_state *rs, const knowledge_opts *o, const char *count_option);
/* The run record of config.json (run_record.h): every results-changing option
 * under its historical key, the fingerprints of the inputs, the thread counts
 * and the version; extra (may be NULL, borrowed) adds keys. Touches no file
 * but the inputs. */
int seal_kn_build_record(const run_state *rs, json_t *extra, seal_run_record *r);
/* Then make the run directory, check config.json against record (a changed
 * resume is refused, one line per key) or write it, start the pool and open
 * the three journals. */
int seal_kn_claim_run(run_state *rs, const seal_run_record *record);
void seal_kn_close_run(run_state *rs);

/* results.json, results.md, accuracy.svg for conditions c[0..n) (report.h).
 * counted NULL: the per-passage mean (eval, rl); else per passage the
 * questions counted, for per-question accuracy from each c[i].right (cpt),
 * label saying which they are in results.md; extra (may be NULL, borrowed)
 * adds top-level keys to results.json and replaces "rounds". */
int seal_kn_write_results(run_state *rs, condition *c, int n, const double *counted, const char *label, json_t *extra);

/* Is condition name among o->conditions (all when none are listed)? */
int seal_kn_wanted(const knowledge_opts *o, const char *name);

/* Test hook: _exit(137), like a SIGKILL, once SEAL_TEST_KILL_AFTER_LOOPS
 * units of work (inner loops; for cpt, finetuned conditions) have been
 * journaled by this process. */
void seal_kn_maybe_die(void);

#endif
