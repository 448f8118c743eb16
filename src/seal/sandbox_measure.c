/* The sandbox measurements (see sandbox_measure.h). */
#include "seal/sandbox_measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/generate.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "tok/prompts.h"
#include "seal/selfedit.h"
#include "seal/squad.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static int in_group(const world_person *p, seal_probe_group group) {
    if (p->split != WORLD_PRETRAIN) return 0;
    return group == SANDBOX_PROBE_ALL || (group == SANDBOX_PROBE_QA) == (p->qa != 0);
}

json_t *seal_sandbox_probe(const world *w, int n, seal_probe_group group) {
    json_t *arr = json_array();
    for (int i = 0; i < w->n_people && (int)json_array_size(arr) < n; i++) {
        const world_person *p = &w->people[i];
        if (in_group(p, group)) json_array_append_new(arr, seal_world_squad_entry(p, ""));
    }
    return arr;
}

/* Every fact of p, one sentence a line. */
static void oracle_text(const world_person *p, strbuf *text) {
    for (int a = 0; a < WORLD_N_ATTR; a++) {
        if (!(p->mask >> a & 1)) continue;
        char *s = seal_world_fact_sentence(p, (world_attr)a);
        seal_strbuf_printf(text, "%s\n", s);
        free(s);
    }
}

json_t *seal_sandbox_oracle(const world *w, const char *passages_path) {
    seal_passages ps;
    if (seal_passages_load(&ps, passages_path)) return NULL;
    json_t *o = json_object();
    for (int i = 0; i < ps.n && o; i++) {
        const world_person *p = seal_world_find(w, ps.p[i].title);
        if (!p) {
            seal_err("%s: \"%s\" is not a person of this world", passages_path, ps.p[i].title);
            json_decref(o);
            o = NULL;
            break;
        }
        strbuf text = {0};
        oracle_text(p, &text);
        json_object_set_new(o, p->name, json_string(text.s ? text.s : ""));
        seal_strbuf_free(&text);
    }
    seal_passages_free(&ps);
    return o;
}

/* Judge the lines of one self-edit about title into t. */
static int judge_self_edit(const world *w, const char *title, const char *edit, seal_faith_tally *t) {
    char *s = seal_strdup(edit), *save = NULL;
    int statements = 0, rc = 0;
    for (char *l = strtok_r(s, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
        char *x = seal_py_strip_dup(l);
        if (x[0]) {
            int v = seal_world_judge_line(w, title, x, NULL);
            if (v < 0) rc = -1;
            else t->counts[v]++, statements += v != WORLD_LINE_UNKNOWN;
        }
        free(x);
    }
    free(s);
    t->samples++;
    t->with3 += statements >= 3;
    return rc;
}

/* Judge the completions of one selfedits.jsonl record, if its key has prefix. */
static int judge_record(const world *w, const char *line, const char *prefix, seal_faith_tally *t) {
    json_t *rec = json_loads(line, 0, NULL);
    const char *key = json_string_value(json_object_get(rec, "key"));
    const char *title = json_string_value(json_object_get(rec, "title"));
    int rc = 0;
    if (key && title && !strncmp(key, prefix, strlen(prefix))) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(rec, "completions"), i, c)
            if (rc == 0) rc = judge_self_edit(w, title, json_string_value(c) ? json_string_value(c) : "", t);
    }
    json_decref(rec);
    return rc;
}

int seal_sandbox_faithfulness_run(const world *w, const char *run_dir, const char *tag, seal_faith_tally *t) {
    memset(t, 0, sizeof *t);
    char *path = seal_path_join(run_dir, "selfedits.jsonl");
    char *text = seal_read_file(path, NULL);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "gen/%s/", tag);
    int rc = text ? 0 : -1;
    char *save = NULL;
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && rc == 0; line = strtok_r(NULL, "\n", &save))
        rc = judge_record(w, line, prefix, t);
    if (rc == 0 && !t->samples) rc = seal_err("%s: no self-edits under key %s*", path, prefix);
    free(text);
    free(path);
    return rc;
}

/* The prompts of the first n passages, tokenized, k samples each. */
static int build_requests(const seal_passages *ps, const seal_tokenizer *tok, int n, int k, unsigned long long seed,
                          gen_request *reqs) {
    for (int i = 0; i < n; i++) {
        char *prompt = seal_self_edit_prompt(SELF_EDIT_IMPLICATIONS, ps->p[i].title, ps->p[i].context);
        int len, *ids;
        int rc = seal_tok_encode(tok, prompt, strlen(prompt), 1, &ids, &len);
        free(prompt);
        if (rc) return -1;
        reqs[i] = (gen_request){.ids = ids, .n = len, .n_samples = k, .seed = seed + 1000u * (unsigned)i};
    }
    return 0;
}

/* Generate the self-edits and judge them. */
static int sample_and_judge(const world *w, const seal_model *m, const seal_tokenizer *tok, int threads,
                            const seal_passages *ps, int n, int k, unsigned long long seed, seal_faith_tally *t) {
    gen_request *reqs = seal_calloc((size_t)n, sizeof *reqs);
    gen_sample *out = seal_calloc((size_t)n * k, sizeof *out);
    seal_pool *pool = seal_pool_create(threads);
    int eos[SEAL_GEN_MAX_EOS], n_eos = seal_gen_eos_ids(m, tok, eos);
    gen_params gp = {.max_new = 160, .sampling = seal_sampling_defaults(), .eos_ids = eos, .n_eos = n_eos, .tok = tok};
    gp.sampling.temperature = 1.0f;
    gp.sampling.top_p = 0.95f;
    int rc = !pool || build_requests(ps, tok, n, k, seed, reqs) || seal_generate(m, pool, reqs, n, &gp, out, NULL, NULL, NULL);
    for (int i = 0; i < n * k && rc == 0; i++) {
        char *e = seal_py_strip_dup(out[i].text ? out[i].text : "");
        rc = judge_self_edit(w, ps->p[i / k].title, e, t);
        free(e);
    }
    for (int i = 0; i < n * k; i++) seal_gen_sample_free(&out[i]);
    for (int i = 0; i < n; i++) free((void *)reqs[i].ids);
    free(out);
    free(reqs);
    if (pool) seal_pool_destroy(pool);
    return rc ? -1 : 0;
}

int seal_sandbox_faithfulness_model(const world *w, const char *model_dir, const char *passages_path, int n, int k,
                                    unsigned long long seed, int threads, seal_faith_tally *t) {
    memset(t, 0, sizeof *t);
    seal_passages ps;
    if (seal_passages_load(&ps, passages_path)) return -1;
    if (n > ps.n) n = ps.n;
    seal_model m;
    seal_tokenizer *tok = NULL;
    int rc = seal_model_load(&m, model_dir);
    if (rc == 0) {
        rc = (tok = seal_tok_load(model_dir)) ? sample_and_judge(w, &m, tok, threads, &ps, n, k, seed, t) : -1;
        if (rc == 0 && !t->samples) rc = seal_err("%s: no passages to sample self-edits for", passages_path);
        if (tok) seal_tok_free(tok);
        seal_model_free(&m);
    }
    seal_passages_free(&ps);
    return rc;
}
