/* sandbox_measure.h: the knowledge sandbox's measurements against its world
 * (docs/world.md): closed-book probes of what pretraining taught, the ideal
 * ("oracle") self-edits, and the faithfulness of self-edits judged line by
 * line. They return JSON or numbers; printing is the caller's.
 *
 * Why in seal/ and not sandbox/: the measurements build SEAL prompts
 * (seal/prompts.h), read SQuAD passages (seal/squad.h), strip lines as the
 * SEAL loop does (seal/selfedit.h) and generate; sandbox/ sits below seal/ and
 * must not include it. */
#ifndef SEAL_SEAL_SANDBOX_MEASURE_H
#define SEAL_SEAL_SANDBOX_MEASURE_H

#include <jansson.h>

#include "sandbox/world.h"

typedef enum { SANDBOX_PROBE_ALL, SANDBOX_PROBE_QA, SANDBOX_PROBE_NOQA } seal_probe_group;

/* SEAL-format questions ([{title, context: "", questions: [{question,
 * answer}]}]) about the first n pretraining people of the group (with QA
 * documents, without, or all): every attribute each one has. A new reference. */
json_t *seal_sandbox_probe(const world *w, int n, seal_probe_group group);

/* The oracle self-edit of every passage of the SQuAD-format file: each fact
 * the world states about its person, plainly, one a line, as {title: text}.
 * NULL + seal_err naming the file and title for a passage that is not about a
 * person of w. */
json_t *seal_sandbox_oracle(const world *w, const char *passages_path);

/* Verdict counts over self-edit lines (indexed by world_verdict), and the
 * samples with at least three statements about their entity. */
typedef struct {
    long counts[4];
    long samples, with3;
} seal_faith_tally;

/* Judge every completion of selfedits.jsonl in run_dir whose key starts with
 * "gen/TAG/" into *t (zeroed first). -1 + seal_err if the file is unreadable,
 * or holds no such self-edit. */
int seal_sandbox_faithfulness_run(const world *w, const char *run_dir, const char *tag, seal_faith_tally *t);

/* Sample k implications self-edits of the model for each of the first n
 * passages of the file (temperature 1.0, top-p 0.95, 160 new tokens, seed
 * seed + 1000 i for passage i; one seal_generate() call) and judge them into *t. */
int seal_sandbox_faithfulness_model(const world *w, const char *model_dir, const char *passages_path, int n, int k,
                                    unsigned long long seed, int threads, seal_faith_tally *t);

#endif
