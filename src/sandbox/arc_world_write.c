/* arc_world_write.c: the ARC world's files (arc_world.h, docs/world.md):
 * Kaggle-layout challenges and solutions for the training and evaluation
 * puzzles, pretrain.jsonl (solved pretraining puzzles in the TTT chat format,
 * and self-edit documents) and world.json (the ground truth). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/config.h"
#include "arc/format.h"
#include "sandbox/arc_world.h"
#include "tok/chat.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define AW_FORMAT "seal-world-arc"
#define AW_VERSION 1

/* Meta Llama 3 Instruct's template (3.0: no date block); tok/chat.h renders
 * it as CHAT_LLAMA3 without date_block, with the tokenizer's bos_token or,
 * when that is null, <|begin_of_text|>. */
const char seal_aw_chat_template[] =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 "
    "%}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

const char *const seal_aw_special_tokens[] = {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                                              "<|eot_id|>", NULL};

static const chat_template aw_template = {.family = CHAT_LLAMA3, .bos = "<|begin_of_text|>"};

/* ---- pretrain.jsonl ---- */

/* A solved puzzle as the TTT trainer and the answering code see it (the
 * messages of arc/format.h through the template), ending after the answer's
 * <|eot_id|>: what the model must learn to continue. */
static char *solved_doc(const arc_task *t) {
    strbuf sys = {0}, user = {0}, ans = {0};
    seal_arc_ttt_system(t, &sys);
    seal_arc_ttt_user(t, &user);
    seal_arc_ttt_answer(t, &ans);
    chat_msg m[3] = {{"system", sys.s}, {"user", user.s}, {"assistant", ans.s}};
    char *text = seal_chat_render(&aw_template, m, 3, 0);
    seal_strbuf_free(&sys);
    seal_strbuf_free(&user);
    seal_strbuf_free(&ans);
    return text;
}

/* The self-edit prompt over t's demonstrations, then a config drawn from the
 * task-independent distribution: each tool group on or off with
 * probability 1/2, either loss strategy, a learning rate and epochs uniform
 * over the option lists. */
static char *selfedit_doc(const arc_task *t, const aw_opts *o, seal_rng *r) {
    arc_config c = {.status = ARC_CFG_OK};
    c.groups = (unsigned)seal_rng_below(r, 16);
    c.strategy = seal_rng_below(r, 2) ? ARC_LOSS_OUTPUT_TOKENS : ARC_LOSS_ALL_TOKENS;
    c.lr = o->lrs[seal_rng_below(r, (uint64_t)o->n_lr)];
    c.epochs = o->epochs[seal_rng_below(r, (uint64_t)o->n_epochs)];
    strbuf b = {0};
    seal_arc_selfedit_prompt(t, &b);
    char *json = seal_arc_config_json(&c);
    seal_strbuf_puts(&b, json);
    seal_strbuf_puts(&b, "<|eot_id|>");
    free(json);
    return b.s;
}

static void put_doc(strbuf *out, char *text, aw_stats *st) {
    json_t *o = json_pack("{s:s}", "text", text);
    char *line = json_dumps(o, JSON_COMPACT);
    seal_strbuf_puts(out, line);
    seal_strbuf_puts(out, "\n");
    st->docs++;
    st->bytes += (long long)strlen(text);
    free(line);
    json_decref(o);
    free(text);
}

/* Documents in a seeded random order: one solved document per pretraining
 * puzzle and n_selfedit self-edit documents over random pretraining puzzles. */
static char *pretrain_text(const aw_world *w, aw_stats *st) {
    const aw_opts *o = &w->opts;
    int n_pre = o->n_pretrain, n = n_pre + o->n_selfedit;
    int *order = seal_malloc(sizeof *order * (size_t)(n ? n : 1));
    seal_rng r;
    seal_rng_seed(&r, seal_mix64(o->seed ^ 0x617263636f727075ull));
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)seal_rng_below(&r, (uint64_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    strbuf out = {0};
    seal_strbuf_puts(&out, "");
    for (int i = 0; i < n; i++) {
        if (order[i] < n_pre) {
            put_doc(&out, solved_doc(&w->pz[order[i]].t), st);
            st->solved_docs++;
        } else {
            const aw_puzzle *pz = &w->pz[seal_rng_below(&r, (uint64_t)n_pre)];
            put_doc(&out, selfedit_doc(&pz->t, o, &r), st);
            st->selfedit_docs++;
        }
    }
    free(order);
    return out.s;
}

/* ---- Kaggle files and world.json ---- */

static json_t *challenge_json(const arc_task *t) {
    json_t *train = json_array();
    for (int i = 0; i < t->n_demo; i++)
        json_array_append_new(train, json_pack("{s:o,s:o}", "input", seal_arc_grid_json(&t->demo[i].in), "output",
                                               seal_arc_grid_json(&t->demo[i].out)));
    return json_pack("{s:o,s:[{s:o}]}", "train", train, "test", "input", seal_arc_grid_json(&t->query.in));
}

static json_t *rule_json(const aw_rule *r) {
    json_t *p = json_array();
    for (int i = 0; i < AW_NPARAM; i++) json_array_append_new(p, json_integer(r->p[i]));
    return json_pack("{s:s,s:o,s:b}", "family", seal_aw_family_name(r->family), "params", p, "heldout",
                     seal_aw_rule_heldout(r));
}

static json_t *tags_json(const aw_program *p) {
    json_t *t = json_object();
    for (int g = 0; g < AW_N_GROUP; g++) json_object_set_new(t, seal_aw_group_name(g), json_string(seal_aw_tag_name(seal_aw_tag(p, g))));
    return t;
}

static json_t *puzzle_json(const aw_puzzle *pz) {
    static const char *const split[3] = {"pretrain", "train", "eval"};
    char d[256];
    seal_aw_describe(&pz->prog, d, sizeof d);
    json_t *rules = json_array();
    for (int i = 0; i < pz->prog.n; i++) json_array_append_new(rules, rule_json(&pz->prog.r[i]));
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:i}", "id", pz->id, "split", split[pz->split], "program", d, "rules",
                     rules, "tags", tags_json(&pz->prog), "demos", pz->t.n_demo);
}

/* The static tables: families with their declared tags, the compositions and
 * which are held out. */
static json_t *tables_json(void) {
    json_t *fam = json_array(), *comp = json_array();
    for (int f = 0; f < AW_N_FAMILY; f++) {
        aw_rule r = {.family = f};
        if (f == AW_FLIP || f == AW_TURN) r.p[0] = f == AW_FLIP ? ARC_VIEW_FLIP0 : ARC_VIEW_TRANSPOSE;
        aw_program p = {1, {r}};
        json_array_append_new(fam, json_pack("{s:s,s:o}", "name", seal_aw_family_name(f), "tags", tags_json(&p)));
        for (int g = 0; g < AW_N_FAMILY; g++) {
            int h = seal_aw_composition_heldout(f, g);
            if (h >= 0)
                json_array_append_new(comp, json_pack("{s:s,s:s,s:b}", "first", seal_aw_family_name(f), "then",
                                                      seal_aw_family_name(g), "heldout", h));
        }
    }
    return json_pack("{s:o,s:o}", "families", fam, "compositions", comp);
}

static json_t *opts_json(const aw_opts *o) {
    json_t *lrs = json_array(), *ep = json_array();
    for (int i = 0; i < o->n_lr; i++) json_array_append_new(lrs, json_real(o->lrs[i]));
    for (int i = 0; i < o->n_epochs; i++) json_array_append_new(ep, json_integer(o->epochs[i]));
    json_t *fams = json_array();
    for (int f = 0; f < AW_N_FAMILY; f++)
        if (o->pre_families >> f & 1u) json_array_append_new(fams, json_string(seal_aw_family_name(f)));
    return json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:f,s:f,s:o,s:o,s:o}", "pretrain", o->n_pretrain,
                     "train", o->n_train, "eval", o->n_eval, "selfedit_docs", o->n_selfedit, "min_side", o->min_side,
                     "max_side", o->max_side, "max_out_side", o->max_out_side, "demos_min", o->demos_min, "demos_max", o->demos_max,
                     "pretrain_demos_min", o->pre_demos_min, "pretrain_demos_max", o->pre_demos_max, "eval_single",
                     o->eval_single, "pretrain_single", o->pre_single, "pretrain_families", fams, "selfedit_lrs", lrs,
                     "selfedit_epochs", ep);
}

static char *world_text(const aw_world *w) {
    json_t *pz = json_array(), *special = json_array();
    for (int i = 0; i < w->n; i++) json_array_append_new(pz, puzzle_json(&w->pz[i]));
    for (int i = 0; seal_aw_special_tokens[i]; i++) json_array_append_new(special, json_string(seal_aw_special_tokens[i]));
    json_t *j = json_pack("{s:s,s:i,s:I,s:o,s:o,s:s,s:o,s:o}", "format", AW_FORMAT, "version", AW_VERSION, "seed",
                          (json_int_t)w->opts.seed, "options", opts_json(&w->opts), "tables", tables_json(),
                          "chat_template", seal_aw_chat_template, "special_tokens", special, "puzzles", pz);
    char *s = json_dumps(j, JSON_INDENT(1));
    json_decref(j);
    return s;
}

/* The challenges and solutions of one split, as Kaggle's two files. */
static int write_split(const aw_world *w, aw_split split, const char *dir, const char *name) {
    json_t *ch = json_object(), *so = json_object();
    for (int i = 0; i < w->n; i++) {
        const aw_puzzle *pz = &w->pz[i];
        if (pz->split != split) continue;
        json_object_set_new(ch, pz->id, challenge_json(&pz->t));
        json_object_set_new(so, pz->id, json_pack("[o]", seal_arc_grid_json(&pz->t.query.out)));
    }
    char *a = json_dumps(ch, JSON_COMPACT), *b = json_dumps(so, JSON_COMPACT);
    char fa[96], fb[96];
    snprintf(fa, sizeof fa, "arc-world_%s_challenges.json", name);
    snprintf(fb, sizeof fb, "arc-world_%s_solutions.json", name);
    int rc = seal_write_file_in(dir, fa, a, strlen(a)) || seal_write_file_in(dir, fb, b, strlen(b));
    free(a), free(b);
    json_decref(ch), json_decref(so);
    return rc ? -1 : 0;
}

int seal_aw_write(const aw_world *w, const char *dir, aw_stats *stats) {
    aw_stats st = {0};
    if (seal_mkdir_p(dir)) return -1;
    if (write_split(w, AW_TRAIN, dir, "training") || write_split(w, AW_EVAL, dir, "evaluation")) return -1;
    char *pre = pretrain_text(w, &st);
    int rc = seal_write_file_in(dir, "pretrain.jsonl", pre, strlen(pre));
    free(pre);
    char *wj = rc ? NULL : world_text(w);
    if (wj) rc = seal_write_file_in(dir, "world.json", wj, strlen(wj));
    free(wj);
    if (stats) *stats = st;
    return rc ? -1 : 0;
}
