#include "seal/inner.h"

#include <stdlib.h>
#include <string.h>

#include "model/adapter.h"
#include "seal/grade.h"
#include "tok/prompts.h"
#include "seal/selfedit.h"
#include "train/dataset.h"
#include "util/err.h"
#include "util/progress.h"

inner_opts seal_inner_opts_defaults(void) {
    return (inner_opts){.rank = 32, .alpha = 64, .targets = (1u << MOD_Q) | (1u << MOD_V), .lr = 1e-3,
                        .max_grad_norm = 1.0, .epochs = 10, .batch_size = 1, .grad_accum = 1, .max_len = 2048,
                        .schedule = SCHED_LINEAR, .append_eos = 1, .max_new = 64, .grader = GRADE_EM,
                        .f1_threshold = 0.5};
}

int seal_inner_dataset_opts(const inner_opts *o, const seal_model *m, dataset_opts *d) {
    seal_dataset_opts_default(d);
    d->append_eos = o->pad_to > 0 ? 0 : o->append_eos;
    d->max_len = o->max_len;
    d->vocab = m->cfg.vocab;
    d->eos_id = m->cfg.n_eos ? m->cfg.eos_ids[0] : -1;
    if (o->pad_to <= 0) return 0;
    if (m->cfg.max_pos > 0 && o->pad_to > m->cfg.max_pos)
        return seal_err("--pad-to %d exceeds the model's context (max_position_embeddings %d)", o->pad_to, m->cfg.max_pos);
    if (d->eos_id < 0) return seal_err("--pad-to: the model has no EOS token to pad with");
    d->pad_to = o->pad_to;
    d->pad_labels = o->pad_labels;
    d->pad_id = d->eos_id;
    return 0;
}

void seal_qa_result_free(qa_result *r) {
    for (int i = 0; i < r->n_q; i++) free(r->answers[i]);
    free(r->answers);
    free(r->correct);
    memset(r, 0, sizeof *r);
}

/* Greedy answers to n prompts, one batch. answers[i] is malloc'd and stripped. */
static int greedy_answers(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_adapter *a,
                          char **prompts, int n, int max_new, char **answers) {
    gen_request *reqs = seal_calloc((size_t)n, sizeof *reqs);
    gen_sample *out = seal_calloc((size_t)n, sizeof *out);
    int **ids = seal_calloc((size_t)n, sizeof(int *)), rc = 0, eos[8];
    for (int i = 0; i < n && rc == 0; i++) {
        int len;
        rc = seal_tok_encode(tok, prompts[i], strlen(prompts[i]), 1, &ids[i], &len);
        reqs[i] = (gen_request){.ids = ids[i], .n = len, .n_samples = 1, .seed = 0};
    }
    gen_params p = {.max_new = max_new, .sampling = seal_sampling_defaults(), .eos_ids = eos, .n_eos = seal_gen_eos_ids(m, tok, eos),
                    .tok = tok, .adapter = a};
    p.sampling.temperature = 0;
    if (rc == 0) rc = seal_generate(m, pool, reqs, n, &p, out, NULL, NULL, NULL);
    for (int i = 0; i < n; i++) {
        if (rc == 0) answers[i] = seal_py_strip_dup(out[i].text ? out[i].text : "");
        seal_gen_sample_free(&out[i]);
        free(ids[i]);
    }
    free(ids);
    free(out);
    free(reqs);
    return rc;
}

/* Is answer correct for qa under the configured grader? */
static int grade_one(const inner_opts *o, seal_pool *pool, const char *title, const seal_qa *qa, const char *answer,
                     int *correct) {
    if (!answer[0]) { *correct = 0; return 0; } /* the reference: empty answers are wrong without grading */
    if (o->grader == GRADE_EM) { *correct = seal_grade_exact_match(answer, qa->answer); return 0; }
    if (o->grader == GRADE_F1) { *correct = seal_grade_f1(answer, qa->answer) >= o->f1_threshold; return 0; }
    size_t qn = strlen(title) + strlen(qa->question) + 16;
    char *q = seal_malloc(qn);
    snprintf(q, qn, "Topic: %s\n%s", title, qa->question);
    char *prompt = seal_grade_judge_prompt(q, qa->answer, answer), *reply = NULL;
    int rc = o->judge_remote ? seal_judge_ask(o->judge_remote, prompt, correct)
                             : greedy_answers(o->judge, pool, o->judge_tok, NULL, &prompt, 1, 8, &reply);
    if (rc == 0 && !o->judge_remote) *correct = seal_grade_parse_verdict(reply);
    free(reply);
    free(prompt);
    free(q);
    return rc;
}

int seal_answer_questions(const seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_adapter *adapter,
                     const seal_passage *p, const inner_opts *o, qa_result *r) {
    memset(r, 0, sizeof *r);
    if (p->n_qa <= 0) return seal_err("passage \"%s\" has no questions", p->title);
    if (o->grader == GRADE_JUDGE && !o->judge_remote && (!o->judge || !o->judge_tok))
        return seal_err("judge grading needs a judge model");
    r->n_q = p->n_qa;
    r->answers = seal_calloc((size_t)p->n_qa, sizeof(char *));
    r->correct = seal_calloc((size_t)p->n_qa, 1);
    char **prompts = seal_calloc((size_t)p->n_qa, sizeof(char *));
    for (int i = 0; i < p->n_qa; i++) prompts[i] = seal_answer_prompt(p->title, p->qa[i].question);
    int rc = greedy_answers(m, pool, tok, adapter, prompts, p->n_qa, o->max_new, r->answers);
    int right = 0;
    for (int i = 0; i < p->n_qa && rc == 0; i++) {
        int c = 0;
        rc = grade_one(o, pool, p->title, &p->qa[i], r->answers[i], &c);
        r->correct[i] = (unsigned char)c;
        right += c;
    }
    for (int i = 0; i < p->n_qa; i++) free(prompts[i]);
    free(prompts);
    r->accuracy = (double)right / p->n_qa;
    if (rc) seal_qa_result_free(r);
    return rc;
}

int seal_inner_train(seal_model *m, seal_pool *pool, const seal_tokenizer *tok, char *const *seqs, int n_seqs,
                     const inner_opts *o, unsigned long long seed, seal_model *copy, seal_adapter *a, qa_result *r) {
    memset(r, 0, sizeof *r);
    memset(a, 0, sizeof *a);
    if (o->full) memset(copy, 0, sizeof *copy);
    train_dataset ds = {0};
    dataset_opts dopt;
    int rc = seal_inner_dataset_opts(o, m, &dopt);
    for (int i = 0; i < n_seqs && rc == 0; i++) rc = seal_dataset_add_text(&ds, tok, seqs[i], &dopt);
    if (rc == 0 && ds.n == 0) rc = seal_err("inner loop: no training sequences");
    batch_iter it = {0};
    int have_it = rc == 0 && seal_batch_iter_init(&it, &ds, o->batch_size, seed, 1) == 0;
    if (rc == 0 && !have_it) rc = -1;
    seal_model *target = m;
    if (rc == 0) {
        if (o->full) { seal_model_clone_f32(copy, m); target = copy; }
        else rc = seal_adapter_init(a, &m->cfg, o->rank, o->alpha, 0, o->dropout, o->targets, seed);
    }
    if (rc == 0) {
        train_opts to = seal_train_opts_defaults();
        to.lr = o->lr; to.weight_decay = o->weight_decay; to.max_grad_norm = o->max_grad_norm;
        to.epochs = o->epochs; to.grad_accum = o->grad_accum; to.schedule = o->schedule; to.seed = seed; to.quiet = 1;
        batch_source src = seal_batch_iter_source(&it);
        train_result tr;
        rc = seal_train_run(target, pool, o->full ? NULL : a, &src, &to, &tr);
        r->train_loss_first = tr.first_loss;
        r->train_loss_last = tr.last_loss;
        r->train_steps = tr.steps;
    }
    if (have_it) seal_batch_iter_free(&it);
    seal_dataset_free(&ds);
    if (rc && a->store) seal_adapter_free(a);
    if (rc && o->full && copy->owned) seal_model_free(copy);
    return rc;
}

int seal_inner_loop(seal_model *m, seal_pool *pool, const seal_tokenizer *tok, const seal_passage *p, char *const *seqs,
               int n_seqs, const inner_opts *o, unsigned long long seed, qa_result *r) {
    double t0 = seal_now();
    seal_adapter a;
    seal_model copy;
    int rc = seal_inner_train(m, pool, tok, seqs, n_seqs, o, seed, &copy, &a, r);
    if (rc == 0) {
        long steps = r->train_steps;
        double l0 = r->train_loss_first, l1 = r->train_loss_last;
        rc = seal_answer_questions(o->full ? &copy : m, pool, tok, o->full ? NULL : &a, p, o, r);
        r->train_steps = steps;
        r->train_loss_first = l0;
        r->train_loss_last = l1;
        if (a.store) seal_adapter_free(&a);
        if (o->full) seal_model_free(&copy);
    }
    r->seconds = seal_now() - t0;
    return rc;
}
