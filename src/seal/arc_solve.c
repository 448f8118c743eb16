/* arc_solve.c: one subtask's queries, answers, predictions and vote
 * (arc_solve.h). */
#include "seal/arc_solve.h"

#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "gen/generate.h"
#include "seal/arc_ttt.h"
#include "util/err.h"

arc_solve_opts seal_arc_solve_defaults(void) {
    arc_solve_opts o = {.max_len = 8192, .max_answer = 0, .answer_batch = 8, .include_n = 1, .permute_n = 2, .seed = 0};
    return o;
}

void seal_arc_solve_result_free(arc_solve_result *r) {
    for (int i = 0; i < r->n_queries; i++) free(r->texts[i]);
    free(r->texts);
    free(r->preds);
    memset(r, 0, sizeof *r);
}

/* The length the reference compares with the context: prompt and answer
 * (its messages_w_output) when the answer is known, else the prompt's. */
static int fitted_length(const arc_task *q, const seal_tokenizer *tok, const chat_template *tpl, int prompt_len,
                         int *total) {
    *total = prompt_len;
    if (!q->has_out) return 0;
    char *text = seal_arc_render(q, tpl, 1);
    int *ids = NULL, rc = text ? seal_tok_encode(tok, text, strlen(text), 0, &ids, total) : -1;
    free(text);
    free(ids);
    return rc;
}

/* The queries at leave-n `n` whose prompts fit: prompts[i] (malloc'd ids),
 * lens[i], views[i]. Returns how many fit, or -1 + seal_err. */
static int fitting_queries(const arc_task *sub, int n, const seal_tokenizer *tok, const chat_template *tpl,
                           const arc_solve_opts *o, int ***prompts, int **lens, arc_view **views, int *dropped) {
    arc_query_list ql = {0};
    if (seal_arc_eval_queries(sub, n, o->permute_n, o->seed, &ql)) return -1;
    *prompts = seal_calloc((size_t)(ql.n ? ql.n : 1), sizeof **prompts);
    *lens = seal_calloc((size_t)(ql.n ? ql.n : 1), sizeof **lens);
    *views = seal_calloc((size_t)(ql.n ? ql.n : 1), sizeof **views);
    int fit = 0, rc = 0;
    *dropped = 0;
    for (int i = 0; i < ql.n && rc == 0; i++) {
        char *text = seal_arc_render(&ql.q[i].t, tpl, 0);
        int *ids = NULL, len = 0, total = 0;
        rc = text ? seal_tok_encode(tok, text, strlen(text), 0, &ids, &len) : -1;
        free(text);
        if (rc == 0) rc = fitted_length(&ql.q[i].t, tok, tpl, len, &total);
        if (rc) {
            free(ids);
            break;
        }
        if (total >= o->max_len || len < 1) {
            free(ids);
            (*dropped)++;
            continue;
        }
        (*prompts)[fit] = ids;
        (*lens)[fit] = len;
        (*views)[fit++] = ql.q[i].inverse;
    }
    seal_arc_query_list_free(&ql);
    if (rc) {
        for (int i = 0; i < fit; i++) free((*prompts)[i]);
        return -1;
    }
    return fit;
}

/* Greedy answers to the prompts, answer_batch at a time, into r->texts and
 * r->preds (mapped back by views). */
static int answer(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_adapter *a,
                  int **prompts, const int *lens, const arc_view *views, int n, const arc_solve_opts *o,
                  arc_solve_result *r) {
    int eos[SEAL_GEN_MAX_EOS], n_eos = seal_gen_eos_ids(m, tok, eos);
    seal_sampling greedy = seal_sampling_defaults();
    greedy.temperature = 0;
    gen_params p = {.max_new = o->max_answer > 0 ? o->max_answer : o->max_len, .sampling = greedy, .eos_ids = eos,
                    .n_eos = n_eos, .tok = tok, .adapter = a, .max_positions = o->max_len};
    int step = o->answer_batch > 0 ? o->answer_batch : 1;
    gen_request *reqs = seal_calloc((size_t)step, sizeof *reqs);
    gen_sample *out = seal_calloc((size_t)step, sizeof *out);
    int rc = 0;
    for (int s = 0; s < n && rc == 0; s += step) {
        int k = n - s < step ? n - s : step;
        for (int i = 0; i < k; i++) reqs[i] = (gen_request){prompts[s + i], lens[s + i], 1, 0};
        gen_stats st;
        memset(&st, 0, sizeof st);
        rc = seal_generate(m, pool, reqs, k, &p, out, NULL, NULL, &st);
        for (int i = 0; i < k && rc == 0; i++) {
            arc_prediction *pr = &r->preds[s + i];
            const char *t = out[i].text ? out[i].text : "";
            r->texts[s + i] = seal_strdup(t);
            r->tokens += out[i].n;
            arc_grid g;
            pr->inverter = views[s + i];
            pr->valid = seal_arc_parse_prediction(t, strlen(t), &g) == 0;
            if (pr->valid) seal_arc_view_apply(views[s + i], &g, &pr->g);
        }
        if (rc == 0) r->seconds += st.prefill_seconds + st.decode_seconds;
        for (int i = 0; i < k && rc == 0; i++) seal_gen_sample_free(&out[i]);
    }
    free(reqs);
    free(out);
    return rc;
}

int seal_arc_solve(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const chat_template *tpl,
                   const seal_adapter *a, const arc_task *sub, const arc_solve_opts *o, arc_solve_result *r) {
    memset(r, 0, sizeof *r);
    int **prompts = NULL, *lens = NULL, n = 0, include_n = o->include_n;
    arc_view *views = NULL;
    for (;; include_n++) {
        n = fitting_queries(sub, include_n, tok, tpl, o, &prompts, &lens, &views, &r->dropped_long);
        if (n != 0 || include_n >= sub->n_demo) break;
        free(prompts); free(lens); free(views); /* none fits: a shorter context */
    }
    if (n < 0) {
        free(prompts); free(lens); free(views);
        return -1;
    }
    r->include_n = include_n;
    r->n_queries = n;
    r->texts = seal_calloc((size_t)(n ? n : 1), sizeof *r->texts);
    r->preds = seal_calloc((size_t)(n ? n : 1), sizeof *r->preds);
    int rc = answer(m, pool, tok, a, prompts, lens, views, n, o, r);
    for (int i = 0; i < n; i++) free(prompts[i]);
    free(prompts); free(lens); free(views);
    if (rc) {
        seal_arc_solve_result_free(r);
        return -1;
    }
    seal_arc_vote(r->preds, n, r->attempts);
    r->solved = sub->has_out &&
                (seal_arc_grid_equal(&r->attempts[0], &sub->query.out) || seal_arc_grid_equal(&r->attempts[1], &sub->query.out));
    return 0;
}
