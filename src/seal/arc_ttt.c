/* arc_ttt.c: an ARC task's test-time-training set, and training on it
 * (arc_ttt.h has the rules and their sources). */
#include "seal/arc_ttt.h"

#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "arc/format.h"
#include "rt/threadpool.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

arc_ttt_opts seal_arc_ttt_defaults(void) {
    arc_ttt_opts o = {0};
    o.rank = 128;
    o.alpha = 16.0f;
    o.targets = 1u << MOD_Q | 1u << MOD_V | 1u << MOD_GATE | 1u << MOD_UP | 1u << MOD_DOWN;
    o.batch = 2;
    o.warmup_steps = 11;
    o.max_steps = 375;
    o.cap = 250;
    o.max_len = 8192;
    o.pad_longest = 1;
    o.leave_n[0] = 1;
    o.leave_n[1] = 2;
    o.n_leave = 2;
    return o;
}

char *seal_arc_render(const arc_task *t, const chat_template *tpl, int with_answer) {
    strbuf sys = {0}, user = {0}, ans = {0};
    seal_arc_ttt_system(t, &sys);
    seal_arc_ttt_user(t, &user);
    chat_msg m[3] = {{"system", sys.s}, {"user", user.s}, {"assistant", NULL}};
    if (with_answer) {
        seal_arc_ttt_answer(t, &ans);
        m[2].content = ans.s;
    }
    /* the reference appends the generation prompt after the answer too */
    char *text = seal_chat_render(tpl, m, with_answer ? 3 : 2, 1);
    seal_strbuf_free(&sys);
    seal_strbuf_free(&user);
    seal_strbuf_free(&ans);
    return text ? text : (seal_err("chat template: could not render an ARC task"), NULL);
}

/* One training example: ids of the whole text (special tokens added, as the
 * reference's tokenizer call does) and, for the output-token loss, how many
 * leading tokens carry no loss. */
typedef struct {
    int *ids;
    int n, prompt_len;
} ttt_ids;

static int encode_example(const arc_task *t, const seal_tokenizer *tok, const chat_template *tpl, int need_prompt,
                          ttt_ids *e) {
    memset(e, 0, sizeof *e);
    char *text = seal_arc_render(t, tpl, 1);
    if (!text) return -1;
    int rc = seal_tok_encode(tok, text, strlen(text), 1, &e->ids, &e->n);
    free(text);
    if (rc || !need_prompt) return rc;
    char *prompt = seal_arc_render(t, tpl, 0);
    int *pids = NULL, np = 0;
    rc = prompt ? seal_tok_encode(tok, prompt, strlen(prompt), 1, &pids, &np) : -1;
    free(prompt);
    free(pids);
    /* by length, as TRL and the reference's header search agree when the
     * prompt's tokens are a prefix of the text's (the template ends in a
     * special header) */
    e->prompt_len = np;
    return rc;
}

/* Drop the tasks whose text has max_len tokens or more; keep the ids of the
 * rest in ids[] (parallel to the compacted list). */
static int filter_long(arc_task_list *l, const seal_tokenizer *tok, const chat_template *tpl, const arc_ttt_opts *o,
                       int need_prompt, ttt_ids *ids, int *dropped) {
    int keep = 0;
    *dropped = 0;
    for (int i = 0; i < l->n; i++) {
        ttt_ids e;
        if (encode_example(&l->t[i], tok, tpl, need_prompt, &e)) {
            for (int j = i; j < l->n; j++) seal_arc_task_free(&l->t[j]);
            l->n = keep;
            return -1;
        }
        if (e.n >= o->max_len) {
            free(e.ids);
            seal_arc_task_free(&l->t[i]);
            (*dropped)++;
            continue;
        }
        ids[keep] = e;
        l->t[keep++] = l->t[i];
    }
    l->n = keep;
    return 0;
}

static int add_examples(train_dataset *ds, ttt_ids *ids, int n, const arc_config *c, const seal_tokenizer *tok,
                        int vocab, const arc_ttt_opts *o, long *tokens) {
    int longest = 0, rc = 0;
    for (int i = 0; i < n; i++)
        if (ids[i].n > longest) longest = ids[i].n;
    dataset_opts d;
    seal_dataset_opts_default(&d);
    d.max_len = 0;
    d.vocab = vocab;
    if (o->pad_longest) {
        if (seal_tok_eos_id(tok) < 0) return seal_err("tokenizer has no EOS token to pad the TTT set with");
        d.pad_to = longest;
        d.pad_labels = 1;
        d.pad_id = seal_tok_eos_id(tok);
    }
    unsigned char *mask = seal_malloc((size_t)(longest ? longest : 1));
    for (int i = 0; i < n && rc == 0; i++) {
        for (int t = 0; t < ids[i].n; t++) mask[t] = c->strategy == ARC_LOSS_ALL_TOKENS || t >= ids[i].prompt_len;
        rc = seal_dataset_add_ids(ds, ids[i].ids, mask, ids[i].n, &d);
    }
    free(mask);
    *tokens = ds->stats.tokens;
    return rc;
}

int seal_arc_ttt_dataset(const arc_task *t, const arc_config *c, const seal_tokenizer *tok, const chat_template *tpl,
                         int vocab, const arc_ttt_opts *o, train_dataset *ds, arc_ttt_info *info) {
    memset(info, 0, sizeof *info);
    if (c->status != ARC_CFG_OK) return seal_err("a self-edit that is not a valid config has no TTT set");
    arc_task_list l = {0};
    if (seal_arc_ttt_tasks(t, c->groups, o->leave_n, o->n_leave, &l)) return -1;
    info->tasks = l.n;
    int need_prompt = c->strategy == ARC_LOSS_OUTPUT_TOKENS;
    ttt_ids *ids = seal_calloc((size_t)(l.n ? l.n : 1), sizeof *ids);
    int rc = filter_long(&l, tok, tpl, o, need_prompt, ids, &info->dropped_long);
    int n = l.n;
    if (rc == 0 && l.n > o->cap) { /* the cap reorders: encode the kept tasks again */
        for (int i = 0; i < n; i++) free(ids[i].ids);
        seal_arc_cap(&l, o->cap, 0);
        n = 0;
        for (int i = 0; i < l.n && rc == 0; i++, n++) rc = encode_example(&l.t[i], tok, tpl, need_prompt, &ids[i]);
    }
    if (rc == 0) rc = add_examples(ds, ids, l.n, c, tok, vocab, o, &info->tokens);
    info->examples = rc == 0 ? ds->n : 0;
    for (int i = 0; i < n; i++) free(ids[i].ids);
    free(ids);
    seal_arc_task_list_free(&l);
    return rc;
}

int seal_arc_ttt_train(seal_model *m, seal_pool *pool, const train_dataset *ds, const arc_config *c,
                       const arc_ttt_opts *o, long stop_after, seal_adapter *a, arc_ttt_info *info) {
    batch_iter it;
    if (seal_batch_iter_init(&it, ds, o->batch, seal_mix64(o->seed ^ 0xB47C4ull), 1)) return -1;
    if (seal_adapter_init(a, &m->cfg, o->rank, o->alpha, 0, 0.0f, o->targets, o->seed)) {
        seal_batch_iter_free(&it);
        return -1;
    }
    train_opts to = seal_train_opts_defaults();
    to.lr = c->lr;
    to.epochs = c->epochs;
    to.schedule = SCHED_COSINE;
    to.warmup_steps = o->warmup_steps;
    to.weight_decay = 0;
    to.seed = o->seed;
    to.quiet = !o->progress;
    to.max_steps = stop_after;
    batch_source src = seal_batch_iter_source(&it);
    train_result tr;
    memset(&tr, 0, sizeof tr);
    int rc = seal_train_run(m, pool, a, &src, &to, &tr);
    info->steps = tr.steps;
    info->loss_first = tr.first_loss;
    info->loss_last = tr.last_loss;
    info->seconds += tr.seconds;
    info->nonfinite = tr.stopped_nonfinite;
    seal_batch_iter_free(&it);
    if (rc) seal_adapter_free(a);
    return rc;
}
