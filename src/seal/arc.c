/* arc.c: the few-shot ARC runs (arc.h): inputs and record, self-edits,
 * (task, self-edit) jobs, one ReST-EM round, results. */
#include "seal/arc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arc/augment.h"
#include "arc/format.h"
#include "gen/generate.h"
#include "kern/matmul.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "seal/arc_run.h"
#include "seal/journal.h"
#include "seal/outer_sft.h"
#include "seal/report.h"
#include "seal/transfer.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_load.h"
#include "util/progress.h"
#include "util/rng.h"
#include "util/run_record.h"
#include "util/strbuf.h"
#include "util/utf8.h"

arc_opts seal_arc_opts_defaults(void) {
    arc_opts o = {0};
    o.select = "all";
    o.train_select = "all";
    o.k = 5;
    o.k_train = 15;
    o.workers = 1;
    o.edit_tries = 8;
    o.max_new_edit = 128;
    o.temperature = 0.8;
    o.ttt = seal_arc_ttt_defaults();
    o.ttt.progress = 1; /* a TTT of a real model takes minutes: its bar shows (unless quiet) */
    o.solve = seal_arc_solve_defaults();
    o.oracle = (arc_config){.groups = ARC_TOOL_ALL, .strategy = ARC_LOSS_OUTPUT_TOKENS, .lr = 1e-4, .epochs = 2,
                            .status = ARC_CFG_OK};
    o.oracle_leave_n = 2;
    o.sft_rank = 16;
    o.sft_alpha = 16;
    o.sft_epochs = 8;
    o.sft_batch = 5;
    o.sft_lr = 5e-5;
    o.sft_targets = o.ttt.targets;
    return o;
}

/* ------------------------------------------------------------ run state */

static const char *const arc_condition_names[] = {"icl", "ttt-base-self-edit", "seal", "oracle-ttt", "given-config",
                                                  NULL};

static int check_conditions(const char *list) {
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        int known = 0;
        for (int i = 0; arc_condition_names[i] && !known; i++)
            known = strlen(arc_condition_names[i]) == n && !strncmp(p, arc_condition_names[i], n);
        if (!known)
            return seal_err("--conditions: \"%.*s\" is not a condition (icl, ttt-base-self-edit, seal, oracle-ttt, "
                            "given-config)", (int)n, p);
        p += n + (p[n] == ',');
    }
    return 0;
}

static int wanted(const arc_opts *o, const char *name) {
    if (!o->conditions) return 1;
    size_t n = strlen(name);
    for (const char *p = o->conditions; (p = strstr(p, name)); p += n)
        if ((p == o->conditions || p[-1] == ',') && (p[n] == ',' || !p[n])) return 1;
    return 0;
}

/* all | reference | first:N | shuffled:K; role_train picks what "reference"
 * means (self-edit.py's first 12 subtasks, or eval-self-edits.py's 9 of the
 * seed-0 shuffle). */
static int apply_select(arc_set *s, const char *sel, int role_train, const char *option) {
    char *end;
    if (!sel || !strcmp(sel, "all")) return 0;
    if (!strcmp(sel, "reference")) {
        if (role_train) seal_arc_select_first(s, 12);
        else seal_arc_select_shuffled(s, 9, 0);
        return 0;
    }
    int first = !strncmp(sel, "first:", 6), shuf = !strncmp(sel, "shuffled:", 9);
    const char *num = first ? sel + 6 : shuf ? sel + 9 : NULL;
    long v = num ? strtol(num, &end, 10) : 0;
    if (!num || !*num || *end || v < 1 || v > 1000000)
        return seal_err("%s \"%s\": expected all, reference, first:N or shuffled:K (N, K >= 1)", option, sel);
    if (first) seal_arc_select_first(s, (int)v);
    else seal_arc_select_shuffled(s, (int)v, 0);
    return 0;
}

static void group_tasks(arc_tasks *t) {
    t->g = seal_calloc((size_t)(t->set.n ? t->set.n : 1), sizeof *t->g);
    t->n = 0;
    for (int i = 0; i < t->set.n; i++) {
        arc_group *g = NULL;
        for (int k = 0; k < t->n && !g; k++)
            if (!strcmp(t->g[k].task_id, t->set.sub[i].task_id)) g = &t->g[k];
        if (!g) {
            g = &t->g[t->n++];
            g->task_id = t->set.sub[i].task_id;
            g->sub = seal_calloc((size_t)t->set.n, sizeof *g->sub);
        }
        g->sub[g->n++] = i;
    }
}

static void free_tasks(arc_tasks *t) {
    for (int i = 0; i < t->n; i++) free(t->g[i].sub);
    free(t->g);
    seal_arc_set_free(&t->set);
    memset(t, 0, sizeof *t);
}

static int load_tasks(arc_tasks *t, const char *ch, const char *so, const char *ids, const char *sel, int role_train,
                      const char *option) {
    if (seal_arc_load(&t->set, ch, so)) return -1;
    if (ids && seal_arc_select_ids(&t->set, ids)) return -1;
    if (apply_select(&t->set, sel, role_train, option)) return -1;
    if (t->set.n == 0) return seal_err("%s: no task selected", ch);
    for (int i = 0; i < t->set.n; i++)
        if (!t->set.sub[i].t.has_out) return seal_err("%s: subtask %s has no solution", so ? so : ch, t->set.sub[i].id);
    group_tasks(t);
    return 0;
}

static int load_given(arc_state *st) {
    size_t len;
    char *text = seal_read_file(st->o->given_config, &len);
    if (!text) return -1;
    arc_cfg_status s = seal_arc_config_parse(text, len, &st->given);
    free(text);
    if (s == ARC_CFG_REJECT) return seal_err("%s: %s", st->o->given_config, st->given.reason);
    return 0;
}

/* --given-name: a results label and journal key prefix, so no '/', none of
 * the other conditions' names, and short enough for results.json's names. */
static int check_given_name(const arc_opts *o) {
    const char *n = o->given_name;
    if (!n) return 0;
    if (!o->given_config) return seal_err("--given-name \"%s\": it names --given-config's condition; give that too", n);
    if (!*n || strlen(n) > 31 || strchr(n, '/') || strchr(n, ','))
        return seal_err("--given-name \"%s\": expected 1 to 31 characters, no '/' or ','", n);
    for (int i = 0; arc_condition_names[i]; i++)
        if (!strcmp(n, arc_condition_names[i]) && strcmp(n, "given-config"))
            return seal_err("--given-name \"%s\": that is another condition's name", n);
    return 0;
}

/* --oracle-configs: {task id: config in the reference's schema}. Every
 * evaluation task needs one (a missing task is named); a value that is not
 * a config under the self-edit rules is refused naming its task. Each job
 * keeps the value's compact JSON as its self-edit text (a worker rank parses
 * it again). */
static int load_oracle_map(arc_state *st) {
    const char *path = st->o->oracle_configs;
    json_t *root = seal_json_load_file(path, 0);
    if (!root) return -1;
    int n = st->eval.n, rc = json_is_object(root) ? 0 : seal_err("%s: not a JSON object {task id: config}", path);
    st->oracle_cfg = seal_calloc((size_t)n, sizeof *st->oracle_cfg);
    st->oracle_text = seal_calloc((size_t)n, sizeof *st->oracle_text);
    for (int t = 0; t < n && rc == 0; t++) {
        const char *id = st->eval.g[t].task_id;
        json_t *v = json_object_get(root, id);
        char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        arc_config *c = &st->oracle_cfg[t];
        if (!v) rc = seal_err("%s: no configuration for task %s", path, id);
        else if (!text) rc = seal_err("%s: task %s: the configuration cannot be encoded", path, id);
        else if (seal_arc_config_parse(text, strlen(text), c) == ARC_CFG_REJECT)
            rc = seal_err("%s: task %s: %s", path, id, c->reason);
        st->oracle_text[t] = text;
    }
    json_decref(root);
    return rc;
}

int seal_arc_state_load(arc_state *st, const arc_opts *o, int rl) {
    memset(st, 0, sizeof *st);
    st->o = o;
    const char *inputs[] = {o->model_dir, NULL};
    if (!o->model_dir || !o->challenges || !o->run_dir) return seal_err("a model, --challenges and --run are required");
    if (seal_output_check(o->run_dir, "--run", 1, inputs)) return -1;
    if (check_conditions(o->conditions) || check_given_name(o) || seal_threads_resolve(o->threads, &st->threads))
        return -1;
    if (o->workers < 1 || o->workers > ARC_MAX_WORKERS)
        return seal_err("--workers: need 1 <= N <= %d (got %d)", ARC_MAX_WORKERS, o->workers);
    if (o->workers > 1 && seal_rank_size() > 1)
        return seal_err("--workers %d: under MPI each rank runs one pair at a time; use more ranks", o->workers);
    if (rl && !o->train_challenges) return seal_err("arc rl: --train-challenges is required");
    if (!rl && wanted(o, "seal") && o->conditions) return seal_err("--conditions: seal needs `seal arc rl`");
    if (o->given_config && load_given(st)) return -1;
    if (load_tasks(&st->eval, o->challenges, o->solutions, o->tasks, o->select, 0, "--select")) return -1;
    if (o->oracle_configs && load_oracle_map(st)) return -1;
    if (rl && load_tasks(&st->train, o->train_challenges, o->train_solutions, o->train_tasks, o->train_select, 1,
                         "--train-select"))
        return -1;
    if (seal_model_load(&st->base, o->model_dir) || !(st->tok = seal_tok_load(o->model_dir))) return -1;
    if (seal_chat_load(&st->tpl, o->model_dir)) return -1;
    st->tpl.date_today = 0; /* pinned: "26 Jul 2024" (the reference writes the run's date) */
    return 0;
}

/* ------------------------------------------------------------ run record */

typedef struct { const char *key; long long v; } int_key;
typedef struct { const char *key; double v; } real_key;
typedef struct { const char *key; const char *v; } str_key;

static int record_keys(seal_run_record *r, const int_key *ints, size_t ni, const real_key *reals, size_t nr,
                       const str_key *strs, size_t ns) {
    int rc = 0;
    for (size_t i = 0; i < ni && rc == 0; i++) rc = seal_run_record_int(r, ints[i].key, ints[i].v);
    for (size_t i = 0; i < nr && rc == 0; i++) rc = seal_run_record_real(r, reals[i].key, reals[i].v);
    for (size_t i = 0; i < ns && rc == 0; i++) rc = seal_run_record_str(r, strs[i].key, strs[i].v);
    return rc;
}

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

int seal_arc_record_jobs(seal_run_record *r, const arc_opts *o, int threads) {
    const int_key ints[] = {
        {"ttt_rank", o->ttt.rank}, {"ttt_targets", o->ttt.targets}, {"ttt_batch", o->ttt.batch},
        {"ttt_warmup", o->ttt.warmup_steps}, {"ttt_max_steps", o->ttt.max_steps}, {"ttt_cap", o->ttt.cap},
        {"max_len", o->ttt.max_len}, {"ttt_pad", o->ttt.pad_longest}, {"ttt_leave_n", o->ttt.n_leave},
        {"max_answer_tokens", o->solve.max_answer}, {"include_n", o->solve.include_n}, {"permute_n", o->solve.permute_n},
        {"seed", (long long)o->seed}, {"workers", o->workers}};
    const real_key reals[] = {{"ttt_alpha", o->ttt.alpha}};
    const str_key strs[] = {{"model", o->model_dir}};
    if (seal_run_record_threads(r, threads, seal_matmul_fast_arithmetic())) return -1;
    return record_keys(r, ints, NKEYS(ints), reals, NKEYS(reals), strs, NKEYS(strs));
}

/* Every other option of `seal arc` that changes results, under its option's
 * name ('_' for '-'); the oracle's fixed tools, loss and leave-n too. */
static int record_options(seal_run_record *r, const arc_opts *o, int threads) {
    const int_key ints[] = {
        {"k", o->k}, {"k_train", o->k_train}, {"edit_tries", o->edit_tries}, {"max_edit_tokens", o->max_new_edit},
        {"oracle_groups", o->oracle.groups}, {"oracle_strategy", o->oracle.strategy},
        {"oracle_epochs", o->oracle.epochs}, {"oracle_leave_n", o->oracle_leave_n}, {"sft_rank", o->sft_rank},
        {"sft_epochs", o->sft_epochs}, {"sft_batch", o->sft_batch}, {"sft_targets", o->sft_targets}};
    const real_key reals[] = {{"temperature", o->temperature}, {"oracle_lr", o->oracle.lr},
                              {"sft_alpha", o->sft_alpha}, {"sft_lr", o->sft_lr}};
    const str_key strs[] = {{"challenges", o->challenges}, {"solutions", o->solutions},
                            {"tasks", o->tasks}, {"select", o->select}, {"train_challenges", o->train_challenges},
                            {"train_solutions", o->train_solutions}, {"train_tasks", o->train_tasks},
                            {"train_select", o->train_challenges ? o->train_select : NULL},
                            {"conditions", o->conditions}, {"given_config", o->given_config},
                            {"given_name", o->given_name}, {"oracle_configs", o->oracle_configs}};
    if (seal_arc_record_jobs(r, o, threads)) return -1;
    return record_keys(r, ints, NKEYS(ints), reals, NKEYS(reals), strs, NKEYS(strs));
}

int seal_arc_record_inputs(seal_run_record *r, const arc_state *st) {
    const arc_opts *o = st->o;
    const str_key files[] = {{"challenges_fingerprint", o->challenges}, {"solutions_fingerprint", o->solutions},
                             {"train_challenges_fingerprint", o->train_challenges},
                             {"train_solutions_fingerprint", o->train_solutions},
                             {"given_config_fingerprint", o->given_config},
                             {"oracle_configs_fingerprint", o->oracle_configs}};
    int rc = seal_run_record_fingerprint(r, "model_fingerprint", seal_st_set_fingerprint(&st->base.weights));
    for (size_t i = 0; i < NKEYS(files) && rc == 0; i++)
        if (files[i].v) rc = seal_run_record_file(r, files[i].key, files[i].v);
    return rc;
}

int seal_arc_state_claim(arc_state *st, const seal_run_record *r, int with_edits) {
    const arc_opts *o = st->o;
    char *path = seal_path_join(o->run_dir, "config.json");
    int rc = seal_mkdir_p(o->run_dir);
    if (rc == 0) {
        seal_clean_stale_tmp(o->run_dir);
        rc = seal_run_record_claim(r, path, "use a new --run directory, or the same options and inputs to resume",
                                   NULL, NULL);
    }
    free(path);
    if (rc == 0 && !(st->pool = seal_pool_create(st->threads))) rc = -1;
    char *p1 = seal_path_join(o->run_dir, "selfedits.jsonl"), *p2 = seal_path_join(o->run_dir, "ttt.jsonl");
    if (rc == 0 && with_edits && seal_journal_open(&st->edits, p1)) rc = -1;
    if (rc == 0 && seal_journal_open(&st->ttt, p2)) rc = -1;
    free(p1);
    free(p2);
    if (rc == 0 && !o->quiet && seal_journal_size(&st->ttt))
        fprintf(stderr, "arc: resuming %s: %zu (task, config) pairs already done\n", o->run_dir,
                seal_journal_size(&st->ttt));
    return rc;
}

static int claim_run(arc_state *st) {
    seal_run_record r;
    seal_run_record_init(&r);
    int rc = record_options(&r, st->o, st->threads) || seal_arc_record_inputs(&r, st) ? -1 : 0;
    if (rc == 0) rc = seal_arc_state_claim(st, &r, 1);
    seal_run_record_free(&r);
    return rc;
}

void seal_arc_state_close(arc_state *st) {
    if (st->edits.path) seal_journal_close(&st->edits);
    if (st->ttt.path) seal_journal_close(&st->ttt);
    for (int t = 0; st->oracle_text && t < st->eval.n; t++) free(st->oracle_text[t]);
    free(st->oracle_text);
    free(st->oracle_cfg);
    free_tasks(&st->eval);
    free_tasks(&st->train);
    if (st->pool) seal_pool_destroy(st->pool);
    if (st->tok) seal_tok_free(st->tok);
    seal_model_free(&st->base);
    seal_strbuf_free(&st->notes);
    json_decref(st->header);
}

/* ------------------------------------------------------------ self-edits */

static unsigned long long mix2(unsigned long long a, unsigned long long b) { return seal_mix64(a ^ seal_mix64(b)); }

static unsigned long long str_seed(const char *s) { return seal_fnv1a64(FNV1A64_INIT, s, strlen(s)); }

json_t *seal_arc_config_value(const arc_config *c) {
    if (c->status == ARC_CFG_REJECT) return json_null();
    char *t = seal_arc_config_json(c);
    json_t *j = t ? json_loads(t, 0, NULL) : NULL;
    free(t);
    return j ? j : json_null();
}

static const char *status_name(arc_cfg_status s) {
    return s == ARC_CFG_OK ? "ok" : s == ARC_CFG_ZERO ? "zero-epochs" : "rejected";
}

/* One sampled answer as the journal keeps it. */
static json_t *attempt_json(const char *text) {
    arc_config c;
    seal_arc_config_parse(text, strlen(text), &c);
    return json_pack("{s:s, s:s, s:s, s:o}", "text", text, "status", status_name(c.status), "reason", c.reason,
                     "config", seal_arc_config_value(&c));
}

static int sample_round(arc_state *st, const seal_model *g, const int *ids, int n_ids, int need, unsigned long long seed,
                        json_t *attempts) {
    const arc_opts *o = st->o;
    int eos[SEAL_GEN_MAX_EOS], n_eos = seal_gen_eos_ids(g, st->tok, eos);
    seal_sampling s = seal_sampling_defaults();
    s.temperature = (float)o->temperature;
    gen_params p = {.max_new = o->max_new_edit, .sampling = s, .eos_ids = eos, .n_eos = n_eos, .tok = st->tok};
    gen_request req = {ids, n_ids, need, seed};
    gen_sample *smp = seal_calloc((size_t)need, sizeof *smp);
    int rc = seal_generate(g, st->pool, &req, 1, &p, smp, NULL, NULL, NULL);
    for (int i = 0; i < need && rc == 0; i++) {
        /* a sample cut mid-character: kept as text, the bad bytes replaced */
        char *text = seal_utf8_sanitize(smp[i].text ? smp[i].text : "", smp[i].text ? smp[i].text_len : 0, NULL, NULL);
        json_t *a = attempt_json(text);
        free(text);
        rc = a ? json_array_append_new(attempts, a) : seal_err("could not journal a self-edit");
    }
    for (int i = 0; i < need; i++) seal_gen_sample_free(&smp[i]);
    free(smp);
    return rc;
}

/* The k self-edits generator g writes for a task (key "gen/<tag>/<task>"):
 * rounds of draws, each asking for what is still missing, until k are
 * configs (OK or ZERO) or edit_tries rounds were drawn; then the last
 * rejected draws fill what is missing. */
static json_t *self_edits(arc_state *st, const seal_model *g, const char *tag, const arc_group *grp, const arc_set *set,
                          int k) {
    char key[160];
    snprintf(key, sizeof key, "gen/%s/%s", tag, grp->task_id);
    json_t *rec = seal_journal_get(&st->edits, key);
    if (rec) return json_object_get(rec, "kept");
    strbuf prompt = {0};
    seal_arc_selfedit_prompt(&set->sub[grp->sub[0]].t, &prompt);
    int *ids = NULL, n_ids = 0, rc = seal_tok_encode(st->tok, prompt.s, prompt.len, 1, &ids, &n_ids);
    json_t *attempts = json_array(), *kept = json_array();
    unsigned long long seed = mix2(mix2(st->o->seed, str_seed(tag)), str_seed(grp->task_id));
    for (int round = 0; rc == 0 && (int)json_array_size(kept) < k && round < st->o->edit_tries; round++) {
        size_t from = json_array_size(attempts);
        rc = sample_round(st, g, ids, n_ids, k - (int)json_array_size(kept), mix2(seed, (unsigned long long)round), attempts);
        for (size_t i = from; rc == 0 && i < json_array_size(attempts); i++) {
            json_t *a = json_array_get(attempts, i);
            if (strcmp(json_string_value(json_object_get(a, "status")), "rejected") != 0) json_array_append(kept, a);
        }
    }
    for (size_t i = json_array_size(attempts); rc == 0 && (int)json_array_size(kept) < k && i-- > 0;) {
        json_t *a = json_array_get(attempts, i); /* the last rejected draws: reward 0 */
        if (!strcmp(json_string_value(json_object_get(a, "status")), "rejected")) json_array_append(kept, a);
    }
    free(ids);
    if (rc == 0)
        rc = seal_journal_put(&st->edits, key, json_pack("{s:s, s:s, s:s, s:o, s:O}", "task_id", grp->task_id, "generator",
                                                           tag, "prompt", prompt.s, "attempts", attempts, "kept", kept));
    else json_decref(attempts);
    json_decref(kept);
    seal_strbuf_free(&prompt);
    rec = rc == 0 ? seal_journal_get(&st->edits, key) : NULL;
    return rec ? json_object_get(rec, "kept") : NULL;
}

/* ------------------------------------------------------------ (task, self-edit) jobs */

static json_t *solve_json(const char *id, const arc_solve_result *r) {
    json_t *texts = json_array(), *preds = json_array();
    for (int i = 0; i < r->n_queries; i++) {
        char *text = seal_utf8_sanitize(r->texts[i], strlen(r->texts[i]), NULL, NULL);
        json_array_append_new(texts, json_string(text));
        free(text);
        json_array_append_new(preds, r->preds[i].valid ? seal_arc_grid_json(&r->preds[i].g) : json_null());
    }
    return json_pack("{s:s, s:i, s:i, s:o, s:o, s:[o,o], s:b, s:I}", "subtask", id, "include_n", r->include_n,
                     "queries", r->n_queries, "answers", texts, "predictions", preds, "attempts",
                     seal_arc_grid_json(&r->attempts[0]), seal_arc_grid_json(&r->attempts[1]), "solved", r->solved, "answer_tokens",
                     (json_int_t)r->tokens);
}

/* TTT for the job when its config trains: *have_a set when an adapter came
 * out; a non-finite loss is a failed pair (reason), not an error. */
static int job_train(arc_state *st, const arc_job *jb, seal_pool *pool, arc_config *c, seal_adapter *a, int *have_a,
                     arc_ttt_info *info, const char **failed) {
    const arc_opts *o = st->o;
    arc_ttt_opts to = o->ttt;
    if (jb->leave_n_all) {
        to.n_leave = o->oracle_leave_n;
        to.leave_n[0] = 1;
        to.leave_n[1] = 2;
    }
    to.seed = mix2(o->seed, 0xA11CEull); /* one A for the whole run, as the reference restores it */
    to.progress = o->ttt.progress && !o->quiet && o->workers == 1; /* workers share one bar: pairs */
    train_dataset ds = {0};
    int rc = seal_arc_ttt_dataset(&jb->set->sub[jb->grp->sub[0]].t, c, st->tok, &st->tpl, jb->target->m->cfg.vocab,
                                  &to, &ds, info);
    if (rc == 0 && ds.n == 0) {
        c->status = ARC_CFG_ZERO;
        snprintf(c->reason, sizeof c->reason, "no TTT example is shorter than %d tokens", to.max_len);
    }
    if (rc == 0 && !jb->leave_n_all) seal_arc_config_budget(c, ds.n, to.batch, to.max_steps);
    if (rc == 0 && c->status == ARC_CFG_OK && c->epochs > 0) {
        rc = seal_arc_ttt_train(jb->target->m, pool, &ds, c, &to, 0, a, info);
        if (rc == 0) *have_a = 1;
        else if (info->nonfinite) {
            *failed = "TTT stopped: a non-finite loss or gradient";
            rc = 0;
        }
    }
    seal_dataset_free(&ds);
    return rc;
}

/* Run pair jb into *out (its journal record, without the key), on pool's
 * threads (NULL: this thread alone). */
static int job_record(arc_state *st, const arc_job *jb, seal_pool *pool, json_t **out) {
    arc_config c = jb->cfg;
    seal_adapter a = {0};
    arc_ttt_info info;
    memset(&info, 0, sizeof info);
    int have_a = 0, rc = 0, solved = 1;
    const char *failed = c.status == ARC_CFG_REJECT ? c.reason : NULL;
    if (!failed && c.status == ARC_CFG_OK) rc = job_train(st, jb, pool, &c, &a, &have_a, &info, &failed);
    json_t *subs = json_array();
    for (int i = 0; rc == 0 && !failed && i < jb->grp->n; i++) {
        const arc_subtask *s = &jb->set->sub[jb->grp->sub[i]];
        arc_solve_result r;
        arc_solve_opts so = st->o->solve;
        so.seed = (unsigned)mix2(st->o->seed, str_seed(s->id));
        rc = seal_arc_solve(jb->target->m, pool, st->tok, &st->tpl, have_a ? &a : NULL, &s->t, &so, &r);
        if (rc) break;
        solved &= r.solved;
        json_array_append_new(subs, solve_json(s->id, &r));
        seal_arc_solve_result_free(&r);
    }
    if (have_a) seal_adapter_free(&a);
    if (rc) {
        json_decref(subs);
        return -1;
    }
    json_t *rec = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:{s:i, s:i, s:i, s:I, s:I, s:o, s:o}, s:o, s:b}", "task_id",
                            jb->grp->task_id, "target", jb->target->name, "self_edit",
                            jb->text ? json_string(jb->text) : json_null(), "config", jb->no_config ? json_null() : seal_arc_config_value(&c),
                            "status", jb->no_config ? "no-adapter" : failed && c.status != ARC_CFG_REJECT ? "failed" : status_name(c.status), "reason", failed ? failed : c.reason, "ttt",
                            "tasks", info.tasks, "dropped_long", info.dropped_long, "examples", info.examples, "tokens",
                            (json_int_t)info.tokens, "steps", (json_int_t)info.steps, "loss_first",
                            seal_json_real(info.loss_first), "loss_last", seal_json_real(info.loss_last), "subtasks",
                            subs, "solved", !failed && solved);
    if (!rec) return seal_err("the record of %s cannot be encoded", jb->key);
    *out = rec;
    return 0;
}

static int run_job(arc_state *st, const arc_job *jb, seal_pool *pool) {
    json_t *rec;
    return job_record(st, jb, pool, &rec) ? -1 : seal_journal_put(&st->ttt, jb->key, rec);
}

/* Test hook (tests/arc/): die like a SIGKILL after this many pairs have been
 * journaled by this process. */
static void maybe_die(void) {
    static long left = -2;
    if (left == -2) left = getenv("SEAL_TEST_KILL_AFTER_LOOPS") ? atol(getenv("SEAL_TEST_KILL_AFTER_LOOPS")) : -1;
    if (left >= 0 && --left <= 0) _exit(137);
}

/* ------------------------------------------------------------ over MPI ranks */

static char *round_path(const arc_opts *o, const char *leaf);

/* Rank 0's farm (rt/farm.h) over the pairs not yet journaled. */
typedef struct {
    arc_state *st;
    arc_job *jobs;
    int *todo, done;
    seal_progress bar;
    const arc_target *fp_of; /* the target whose fingerprint fp is */
    char fp[17];
} arc_farm;

/* How a worker rebuilds a pair's config: the self-edit's text, or which fixed one. */
static const char *job_kind(const arc_state *st, const arc_job *jb) {
    if (jb->text) return "edit";
    if (jb->no_config) return "icl";
    return jb->leave_n_all ? "oracle" : (st->o->given_config ? "given" : "?");
}

static char *pair_describe(void *ctx, int i, size_t *len) {
    arc_farm *f = ctx;
    const arc_job *jb = &f->jobs[f->todo[i]];
    if (f->fp_of != jb->target) {
        snprintf(f->fp, sizeof f->fp, "%016llx", (unsigned long long)seal_st_set_fingerprint(&jb->target->m->weights));
        f->fp_of = jb->target;
    }
    json_t *msg = json_pack("{s:s, s:s, s:i, s:s, s:o, s:s, s:s}", "key", jb->key, "set",
                            jb->set == &f->st->eval.set ? "eval" : "train", "grp",
                            (int)(jb->grp - (jb->set == &f->st->eval.set ? f->st->eval.g : f->st->train.g)), "kind",
                            job_kind(f->st, jb), "text", jb->text ? json_string(jb->text) : json_null(), "target",
                            jb->target->name, "fingerprint", f->fp);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    *len = strlen(text);
    return text;
}

static int pair_local(void *ctx, int i) {
    arc_farm *f = ctx;
    int rc = run_job(f->st, &f->jobs[f->todo[i]], f->st->pool);
    if (rc == 0) maybe_die();
    return rc;
}

static int pair_accept(void *ctx, int i, const char *res, size_t len) {
    arc_farm *f = ctx;
    if (seal_journal_put_text(&f->st->ttt, f->jobs[f->todo[i]].key, res, len)) return -1;
    maybe_die();
    return 0;
}

static void pair_finished(void *ctx, int i) {
    arc_farm *f = ctx;
    f->done++;
    if (!f->st->o->quiet) seal_progress_update(&f->bar, f->done, f->jobs[f->todo[i]].key);
}

static const char *pair_key(void *ctx, int i) { arc_farm *f = ctx; return f->jobs[f->todo[i]].key; }

static int run_jobs_ranks(arc_state *st, arc_job *jobs, int n, const char *label) {
    arc_farm f = {.st = st, .jobs = jobs, .todo = seal_calloc((size_t)n + 1, sizeof(int))};
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!seal_journal_get(&st->ttt, jobs[i].key)) f.todo[m++] = i;
    if (!st->o->quiet && m) seal_progress_start(&f.bar, label, m, "pair");
    seal_farm farm = {&f, m, pair_describe, pair_local, pair_accept, pair_finished, pair_key};
    int rc = seal_farm_run(&farm);
    if (!st->o->quiet && m) seal_progress_finish(&f.bar, f.done, NULL);
    free(f.todo);
    return rc ? seal_err_prefix("pair") : 0;
}

/* A rank other than 0: the inputs, and round 1's model once a job names it. */
typedef struct {
    arc_state st;
    seal_model m1;
    int have_m1;
} arc_worker;

/* The model a job names: the base one, or round 1's, read once as
 * --model-transfer says and checked against the fingerprint rank 0 sent. */
static const arc_target *worker_target(arc_worker *w, const char *name, const char *fp, arc_target *t) {
    t->name = name;
    t->m = &w->st.base;
    if (!strcmp(name, "base")) return t;
    t->m = &w->m1;
    if (w->have_m1) return t;
    char *dir = round_path(w->st.o, "model");
    int rc = seal_transfer_model(w->st.o->model_transfer, dir, fp, &w->m1, &w->have_m1);
    free(dir);
    return rc ? NULL : t;
}

static int pair_serve(void *ctx, const char *text, size_t len, char **result, size_t *rlen) {
    arc_worker *w = ctx;
    arc_state *st = &w->st;
    json_error_t e;
    json_t *msg = json_loadb(text, len, 0, &e);
    const char *key = json_string_value(json_object_get(msg, "key")), *set = json_string_value(json_object_get(msg, "set")),
               *kind = json_string_value(json_object_get(msg, "kind")), *tname = json_string_value(json_object_get(msg, "target")),
               *fp = json_string_value(json_object_get(msg, "fingerprint"));
    const arc_tasks *ts = set && !strcmp(set, "train") ? &st->train : &st->eval;
    json_int_t g = json_integer_value(json_object_get(msg, "grp"));
    arc_job jb = {0};
    arc_target t;
    int rc = key && kind && tname && fp && g >= 0 && g < ts->n ? 0 : seal_err("a job message that is not one (%s)", text);
    if (rc == 0) {
        snprintf(jb.key, sizeof jb.key, "%s", key);
        jb.grp = &ts->g[g], jb.set = &ts->set;
        jb.text = json_string_value(json_object_get(msg, "text"));
        if (!strcmp(kind, "edit") && jb.text) seal_arc_config_parse(jb.text, strlen(jb.text), &jb.cfg);
        else if (!strcmp(kind, "icl")) {
            jb.cfg = (arc_config){.status = ARC_CFG_ZERO, .reason = "in-context learning: no adapter"};
            jb.no_config = 1;
        } else if (!strcmp(kind, "oracle")) jb.cfg = st->o->oracle, jb.leave_n_all = 1;
        else if (!strcmp(kind, "given")) jb.cfg = st->given;
        else rc = seal_err("a job of unknown kind \"%s\"", kind);
    }
    if (rc == 0 && !(jb.target = worker_target(w, tname, fp, &t))) rc = -1;
    json_t *rec = NULL;
    if (rc == 0) rc = job_record(st, &jb, st->pool, &rec);
    if (rc == 0) {
        *result = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
        *rlen = strlen(*result);
    }
    json_decref(rec);
    json_decref(msg);
    return rc;
}

/* Load the inputs, then run the pairs rank 0 hands out until it says stop. */
int seal_arc_serve(const arc_opts *o, int rl) {
    arc_worker w;
    memset(&w, 0, sizeof w);
    arc_opts quiet = *o;
    quiet.quiet = 1; /* rank 0 draws the progress */
    int rc = seal_arc_state_load(&w.st, &quiet, rl);
    if (rc == 0 && !(w.st.pool = seal_pool_create(w.st.threads))) rc = -1;
    rc = seal_farm_join(rc, &w, pair_serve);
    if (w.have_m1) seal_model_free(&w.m1);
    seal_arc_state_close(&w.st);
    return rc;
}

/* The pairs still to run, shared by the workers. */
typedef struct {
    arc_state *st;
    arc_job *jobs;
    int n, next, done, failed;
    char err[512];
    seal_progress bar;
    pthread_mutex_t mu;
} pair_queue;

/* One worker: takes the next pair not yet journaled until none is left or a
 * pair failed. With several workers each runs on its own thread alone (no
 * pool): small models gain more from pairs in parallel than from splitting
 * each product (docs/commands/arc.md, --workers). */
static void *pair_worker(void *arg) {
    pair_queue *q = arg;
    seal_pool *pool = q->st->o->workers > 1 ? NULL : q->st->pool;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->failed && q->next < q->n && seal_journal_get(&q->st->ttt, q->jobs[q->next].key)) q->next++;
        int i = q->failed ? q->n : q->next++;
        pthread_mutex_unlock(&q->mu);
        if (i >= q->n) break;
        int rc = run_job(q->st, &q->jobs[i], pool);
        pthread_mutex_lock(&q->mu);
        if (rc == 0) maybe_die();
        if (rc && !q->failed) {
            q->failed = 1;
            snprintf(q->err, sizeof q->err, "%s: %s", q->jobs[i].key, seal_errmsg());
        }
        q->done++;
        if (!q->st->o->quiet) seal_progress_update(&q->bar, q->done, q->jobs[i].key);
        pthread_mutex_unlock(&q->mu);
    }
    return NULL;
}

int seal_arc_run_jobs(arc_state *st, arc_job *jobs, int n, const char *label) {
    if (seal_rank_size() > 1) return run_jobs_ranks(st, jobs, n, label);
    pair_queue q = {.st = st, .jobs = jobs, .n = n};
    int todo = 0;
    for (int i = 0; i < n; i++) todo += !seal_journal_get(&st->ttt, jobs[i].key);
    pthread_mutex_init(&q.mu, NULL);
    if (!st->o->quiet && todo) seal_progress_start(&q.bar, label, todo, "pair");
    pthread_t th[ARC_MAX_WORKERS];
    int started = 1; /* this thread is worker 0 */
    while (started < st->o->workers && started < todo) {
        int err = pthread_create(&th[started], NULL, pair_worker, &q);
        if (err) { /* the others take its share */
            if (!st->o->quiet) fprintf(stderr, "arc: worker %d not started (%s)\n", started, strerror(err));
            break;
        }
        started++;
    }
    pair_worker(&q);
    for (int w = 1; w < started; w++) pthread_join(th[w], NULL);
    if (!st->o->quiet && todo) seal_progress_finish(&q.bar, q.done, NULL);
    pthread_mutex_destroy(&q.mu);
    return q.failed ? seal_err("%s", q.err) : 0;
}

static int job_solved(arc_state *st, const char *key) {
    return json_is_true(json_object_get(seal_journal_get(&st->ttt, key), "solved"));
}

/* A condition whose k self-edits per task come from generator g (tag names
 * it in the journal), each trained on target: acc[task] = the share of its
 * self-edits that solve it. */
static int cond_self_edits(arc_state *st, const arc_tasks *ts, const char *name, const char *tag, const seal_model *g,
                           const arc_target *target, int k, double *acc) {
    arc_job *jobs = seal_calloc((size_t)ts->n * (size_t)k, sizeof *jobs);
    int n = 0, rc = 0, todo = 0;
    for (int t = 0; t < ts->n; t++) {
        char key[160];
        snprintf(key, sizeof key, "gen/%s/%s", tag, ts->g[t].task_id);
        todo += !seal_journal_get(&st->edits, key);
    }
    seal_progress bar;
    char label[64];
    snprintf(label, sizeof label, "self-edits (%s)", tag);
    if (!st->o->quiet && todo) seal_progress_start(&bar, label, ts->n, "task");
    for (int t = 0; t < ts->n && rc == 0; t++) {
        json_t *kept = self_edits(st, g, tag, &ts->g[t], &ts->set, k);
        if (!st->o->quiet && todo) seal_progress_update(&bar, t + 1, ts->g[t].task_id);
        if (!kept) { rc = -1; break; }
        for (int j = 0; j < k; j++, n++) {
            arc_job *jb = &jobs[n];
            snprintf(jb->key, sizeof jb->key, "%s/%s/%d", name, ts->g[t].task_id, j);
            jb->grp = &ts->g[t];
            jb->set = &ts->set;
            jb->text = json_string_value(json_object_get(json_array_get(kept, (size_t)j), "text"));
            seal_arc_config_parse(jb->text, strlen(jb->text), &jb->cfg);
            jb->target = target;
        }
    }
    if (!st->o->quiet && todo) seal_progress_finish(&bar, ts->n, NULL);
    if (rc == 0) rc = seal_arc_run_jobs(st, jobs, n, name);
    for (int t = 0; rc == 0 && t < ts->n; t++) {
        acc[t] = 0;
        for (int j = 0; j < k; j++) acc[t] += job_solved(st, jobs[t * k + j].key);
        acc[t] /= k;
    }
    free(jobs);
    return rc;
}

/* A condition with one fixed config per task (icl: none; oracle-ttt;
 * given-config). oracle-ttt under --oracle-configs takes each task's own
 * config, as the self-edit it is (its JSON the job's text). */
static int cond_fixed(arc_state *st, const char *name, const arc_config *c, int oracle, const arc_target *target,
                      double *acc) {
    const arc_tasks *ts = &st->eval;
    arc_job *jobs = seal_calloc((size_t)ts->n, sizeof *jobs);
    for (int t = 0; t < ts->n; t++) {
        arc_job *jb = &jobs[t];
        snprintf(jb->key, sizeof jb->key, "%s/%s/0", name, ts->g[t].task_id);
        jb->grp = &ts->g[t];
        jb->set = &ts->set;
        jb->target = target;
        jb->leave_n_all = oracle;
        if (oracle && st->oracle_cfg) {
            jb->cfg = st->oracle_cfg[t];
            jb->text = st->oracle_text[t];
            jb->leave_n_all = 0;
        } else if (c) jb->cfg = *c;
        else {
            jb->cfg = (arc_config){.status = ARC_CFG_ZERO, .reason = "in-context learning: no adapter"};
            jb->no_config = 1;
        }
    }
    int rc = seal_arc_run_jobs(st, jobs, ts->n, name);
    for (int t = 0; rc == 0 && t < ts->n; t++) acc[t] = job_solved(st, jobs[t].key);
    free(jobs);
    return rc;
}

/* ------------------------------------------------------------ one ReST-EM round */

/* Test hook (tests/arc/): with SEAL_TEST_ARC_REWARD_FIRST=1 the first
 * self-edit of every training task counts as rewarded whatever it is, so
 * that a random-weight model exercises behaviour cloning and merging. */
static int forced_reward(int j) {
    const char *e = getenv("SEAL_TEST_ARC_REWARD_FIRST");
    return e && !strcmp(e, "1") && j == 0;
}

/* The rewarded (prompt, response) rows of the training jobs. */
static json_t *rewarded_rows(arc_state *st, int k, int *forced) {
    json_t *rows = json_array();
    *forced = 0;
    for (int t = 0; t < st->train.n; t++) {
        char key[160];
        snprintf(key, sizeof key, "gen/train/%s", st->train.g[t].task_id);
        json_t *gen = seal_journal_get(&st->edits, key);
        for (int j = 0; j < k; j++) {
            snprintf(key, sizeof key, "rl/%s/%d", st->train.g[t].task_id, j);
            json_t *rec = seal_journal_get(&st->ttt, key);
            int force = !json_is_true(json_object_get(rec, "solved")) && forced_reward(j);
            if (!json_is_true(json_object_get(rec, "solved")) && !force) continue;
            *forced += force;
            json_array_append_new(rows, json_pack("{s:O, s:O}", "prompt", json_object_get(gen, "prompt"), "completion",
                                                  json_object_get(json_array_get(json_object_get(gen, "kept"), (size_t)j),
                                                                  "text")));
        }
    }
    return rows;
}

static char *round_path(const arc_opts *o, const char *leaf) {
    char rel[64];
    snprintf(rel, sizeof rel, "round-1/%s", leaf);
    return seal_path_join(o->run_dir, rel);
}

/* E-step on the training tasks (base model writes and is adapted), M-step
 * behaviour cloning into round-1/model. *model_dir gets the round's model,
 * or the base model's when nothing was rewarded (noted in results.md). */
static int rl_round(arc_state *st, char **model_dir) {
    const arc_opts *o = st->o;
    arc_target base = {&st->base, "base"};
    double *acc = seal_calloc((size_t)st->train.n, sizeof *acc);
    int rc = cond_self_edits(st, &st->train, "rl", "train", &st->base, &base, o->k_train, acc), forced = 0;
    free(acc);
    char *mdir = round_path(o, "model");
    seal_replace_dir_recover(mdir);
    json_t *rows = rc == 0 ? rewarded_rows(st, o->k_train, &forced) : NULL;
    size_t n = rows ? json_array_size(rows) : 0;
    if (rc == 0 && n && !seal_is_dir(mdir)) {
        char *sft = round_path(o, "sft.jsonl"), *adir = round_path(o, "adapter");
        seal_sft_opts so = {.rank = o->sft_rank, .alpha = o->sft_alpha, .targets = o->sft_targets,
                            .epochs = o->sft_epochs, .batch = o->sft_batch, .grad_accum = 1, .lr = o->sft_lr,
                            .schedule = SCHED_COSINE, .data_seed = mix2(o->seed, 0x5F7ull),
                            .init_seed = mix2(o->seed, 0xB0Cull), .quiet = o->quiet};
        char *rdir = seal_path_join(o->run_dir, "round-1");
        rc = seal_mkdir_p(rdir);
        free(rdir);
        char *dump = json_dumps(rows, JSON_INDENT(1));
        if (rc == 0) rc = dump ? seal_write_file_atomic(sft, dump, strlen(dump)) : seal_err("round-1: sft rows");
        free(dump);
        if (rc == 0) rc = seal_outer_sft(o->model_dir, st->pool, st->tok, rows, &so, adir, mdir);
        free(sft);
        free(adir);
    }
    seal_strbuf_printf(&st->notes, "\nReST-EM round 1: %zu rewarded self-edits of %d (%d training tasks x %d)%s.\n", n,
                       st->train.n * o->k_train, st->train.n, o->k_train,
                       forced ? " (test hook SEAL_TEST_ARC_REWARD_FIRST forced some)" : "");
    if (rc == 0 && !n)
        seal_strbuf_printf(&st->notes, "No self-edit was rewarded: nothing to clone, so `seal` uses the base model.\n");
    json_object_set_new(st->header, "rewarded", json_integer((json_int_t)n));
    *model_dir = rc == 0 ? (n ? seal_strdup(mdir) : seal_strdup(o->model_dir)) : NULL;
    free(mdir);
    json_decref(rows);
    return rc;
}

/* ------------------------------------------------------------ the runs */

static int write_results(arc_state *st, condition *c, int n) {
    const arc_opts *o = st->o;
    static const seal_report_words words = {
        .title = "SEAL few-shot ARC",
        .metric = "success-rate",
        .metric_line = "success rate: solved (task, self-edit) pairs / all pairs, as the paper reports it (a task is "
                       "solved when every one of its subtasks is, pass@2 after voting); icl, oracle-ttt and "
                       "given-config have one configuration per task. 95% CI: bootstrap over tasks.",
        .axis = "success rate",
        .units = "tasks",
        .items = "pairs",
        .svg = "success.svg",
        .keys = {"success_rate", "n_tasks", "n_pairs"}};
    json_object_set_new(st->header, "model", json_string(o->model_dir));
    json_object_set_new(st->header, "k", json_integer(o->k));
    seal_report r = {.c = c, .n = n, .n_passages = st->eval.n, .n_questions = (long)st->eval.n * o->k,
                     .header = st->header, .md_notes = st->notes.s, .words = &words};
    return seal_report_write(o->run_dir, &r);
}

static int run(const arc_opts *o, int rl) {
    if (seal_rank() != 0) return seal_arc_serve(o, rl);
    arc_state st;
    int rc = seal_arc_state_load(&st, o, rl);
    if (rc == 0) rc = claim_run(&st);
    st.header = json_object();
    condition conds[5];
    memset(conds, 0, sizeof conds);
    int nc = 0;
    arc_target base = {&st.base, "base"};
    if (rc == 0 && wanted(o, "icl")) {
        snprintf(conds[nc].name, sizeof conds[nc].name, "icl");
        conds[nc].acc = seal_calloc((size_t)st.eval.n, sizeof(double));
        rc = cond_fixed(&st, "icl", NULL, 0, &base, conds[nc++].acc);
    }
    if (rc == 0 && wanted(o, "ttt-base-self-edit")) {
        snprintf(conds[nc].name, sizeof conds[nc].name, "ttt-base-self-edit");
        conds[nc].acc = seal_calloc((size_t)st.eval.n, sizeof(double));
        rc = cond_self_edits(&st, &st.eval, "ttt-base-self-edit", "base", &st.base, &base, o->k, conds[nc++].acc);
    }
    if (rc == 0 && rl && wanted(o, "seal")) {
        char *mdir = NULL;
        seal_model m1;
        rc = rl_round(&st, &mdir);
        if (rc == 0) rc = seal_model_load(&m1, mdir);
        if (rc == 0) {
            arc_target t1 = {&m1, strcmp(mdir, o->model_dir) ? "round-1" : "base"};
            snprintf(conds[nc].name, sizeof conds[nc].name, "seal");
            conds[nc].acc = seal_calloc((size_t)st.eval.n, sizeof(double));
            rc = cond_self_edits(&st, &st.eval, "seal", "round-1", &m1, &t1, o->k, conds[nc++].acc);
            seal_model_free(&m1);
        }
        free(mdir);
    }
    if (rc == 0 && wanted(o, "oracle-ttt")) {
        snprintf(conds[nc].name, sizeof conds[nc].name, "oracle-ttt");
        conds[nc].acc = seal_calloc((size_t)st.eval.n, sizeof(double));
        rc = cond_fixed(&st, "oracle-ttt", &o->oracle, 1, &base, conds[nc++].acc);
        if (o->oracle_configs)
            seal_strbuf_printf(&st.notes, "\noracle-ttt: each task's own configuration from %s, run as that self-edit "
                               "(the step budget, --ttt-leave-n).\n", o->oracle_configs);
    }
    if (rc == 0 && o->given_config) {
        const char *name = o->given_name ? o->given_name : "given-config";
        snprintf(conds[nc].name, sizeof conds[nc].name, "%s", name);
        conds[nc].acc = seal_calloc((size_t)st.eval.n, sizeof(double));
        rc = cond_fixed(&st, name, &st.given, 0, &base, conds[nc++].acc);
    }
    if (rc == 0) rc = write_results(&st, conds, nc);
    for (int i = 0; i < nc; i++) free(conds[i].acc);
    seal_arc_state_close(&st);
    return rc;
}

int seal_arc_eval(const arc_opts *o) { return run(o, 0); }

int seal_arc_rl(const arc_opts *o) { return run(o, 1); }
