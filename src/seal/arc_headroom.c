/* arc_headroom.c: the ARC headroom grid (arc_headroom.h): the grid and the
 * world's puzzle facts, one job per (configuration, puzzle) through the ARC
 * run machinery (arc_run.h), then the table from the journal. */
#include "seal/arc_headroom.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "rt/rank.h"
#include "seal/arc_run.h"
#include "seal/arc_sandbox_measure.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"
#include "util/strbuf.h"

#define HR_MAX_LIST 16
#define HR_MAX_FAM 4

static const char *const group_names[4] = {"basic", "size", "chain", "repeat"}; /* bits 1, 2, 4, 8 */
static const char *const tag_names[3] = {"preserves", "mixed", "poisons"};

arc_headroom_opts seal_arc_headroom_defaults(void) {
    arc_headroom_opts o = {0};
    o.lrs = "1e-4";
    o.epochs = "2";
    o.strategies = ARC_HR_BOTH;
    o.tools = "all";
    o.arc = seal_arc_opts_defaults();
    o.arc.ttt.progress = 0; /* one bar for the whole grid */
    return o;
}

/* ------------------------------------------------------------ the grid */

typedef struct {
    arc_config cfg;
    char name[48]; /* "BS_out_lr0.001_ep2" */
    char *text;    /* the config's canonical JSON: the job's self-edit */
} hr_config;

typedef struct {
    double lr[HR_MAX_LIST];
    int n_lr, ep[HR_MAX_LIST], n_ep;
    unsigned tools[16];
    int n_tools, tool_index[16]; /* tool_index[mask]: its place in tools[], or -1 */
    arc_loss strat[2];
    int n_strat;
    hr_config *c; /* [n], in the fixed order */
    int n;
} hr_grid;

/* The comma-separated items of list, each handed to take (which says what
 * is wrong with one, naming option). */
static int for_items(const char *list, const char *option, void *ctx, int (*take)(void *, const char *, const char *)) {
    for (const char *p = list;; p += strcspn(p, ",") + 1) {
        char item[64];
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item) return seal_err("%s \"%s\": an empty or overlong item", option, list);
        memcpy(item, p, n);
        item[n] = 0;
        if (take(ctx, option, item)) return -1;
        if (!p[n]) return 0;
    }
}

static int take_lr(void *ctx, const char *option, const char *item) {
    hr_grid *g = ctx;
    char *end, a[32], b[32];
    double v = strtod(item, &end);
    if (*end || !(v > 0) || !(v <= 1)) return seal_err("%s: \"%s\" is not a learning rate in (0, 1]", option, item);
    if (g->n_lr == HR_MAX_LIST) return seal_err("%s: more than %d learning rates", option, HR_MAX_LIST);
    snprintf(a, sizeof a, "%g", v);
    for (int i = 0; i < g->n_lr; i++) {
        snprintf(b, sizeof b, "%g", g->lr[i]);
        if (!strcmp(a, b)) return seal_err("%s: %s is listed twice (to 6 digits)", option, item);
    }
    g->lr[g->n_lr++] = v;
    return 0;
}

static int take_epochs(void *ctx, const char *option, const char *item) {
    hr_grid *g = ctx;
    char *end;
    long v = strtol(item, &end, 10);
    if (*end || v < 1 || v > 1000) return seal_err("%s: \"%s\" is not a whole number of epochs in 1..1000", option, item);
    if (g->n_ep == HR_MAX_LIST) return seal_err("%s: more than %d epoch counts", option, HR_MAX_LIST);
    for (int i = 0; i < g->n_ep; i++)
        if (g->ep[i] == v) return seal_err("%s: %ld is listed twice", option, v);
    g->ep[g->n_ep++] = (int)v;
    return 0;
}

/* A tool subset: "none", or letters of b (basic), s (size), c (chain), r
 * (repeat), each once. seen[mask] marks the subsets taken. */
static int take_tools(void *ctx, const char *option, const char *item) {
    int *seen = ctx;
    unsigned m = 0;
    for (const char *ch = item; strcmp(item, "none") && *ch; ch++) {
        const char *at = strchr("bscr", tolower((unsigned char)*ch));
        unsigned bit = at && *ch ? 1u << (at - "bscr") : 0;
        if (!bit || (m & bit))
            return seal_err("%s: \"%s\" is not a tool subset (none, or letters of b s c r, each once)", option, item);
        m |= bit;
    }
    if (seen[m]) return seal_err("%s: \"%s\" is listed twice", option, item);
    seen[m] = 1;
    return 0;
}

static void tools_name(unsigned m, char *out) {
    int n = 0;
    for (int b = 0; b < 4; b++)
        if (m & 1u << b) out[n++] = "BSCR"[b];
    strcpy(out + n, n ? "" : "none");
}

/* Fill c (the config of these values), its name and canonical text; the
 * text must read back as the same config under seal arc's rules. */
static int make_config(hr_config *c, unsigned tools, arc_loss s, double lr, int epochs) {
    char t[8];
    c->cfg = (arc_config){.groups = tools, .strategy = s, .lr = lr, .epochs = epochs, .status = ARC_CFG_OK};
    tools_name(tools, t);
    snprintf(c->name, sizeof c->name, "%s_%s_lr%g_ep%d", t, s == ARC_LOSS_OUTPUT_TOKENS ? "out" : "all", lr, epochs);
    c->text = seal_arc_config_json(&c->cfg);
    arc_config back;
    if (!c->text || seal_arc_config_parse(c->text, strlen(c->text), &back) != ARC_CFG_OK || back.groups != tools ||
        back.strategy != s || back.lr != lr || back.epochs != epochs)
        return seal_err("configuration %s does not read back as itself", c->name);
    return 0;
}

static void free_grid(hr_grid *g) {
    for (int i = 0; i < g->n; i++) free(g->c[i].text);
    free(g->c);
    memset(g, 0, sizeof *g);
}

static int build_grid(const arc_headroom_opts *o, hr_grid *g) {
    int seen[16] = {0};
    memset(g, 0, sizeof *g);
    if (o->strategies < ARC_HR_ALL_TOKENS || o->strategies > ARC_HR_BOTH)
        return seal_err("--strategies: %d is not all, output or both", o->strategies);
    if (!o->lrs || !o->epochs || !o->tools) return seal_err("--lrs, --epochs and --tools need a value");
    if (for_items(o->lrs, "--lrs", g, take_lr) || for_items(o->epochs, "--epochs", g, take_epochs)) return -1;
    if (!strcmp(o->tools, "all")) for (int m = 0; m < 16; m++) seen[m] = 1;
    else if (for_items(o->tools, "--tools", seen, take_tools)) return -1;
    for (unsigned m = 0; m < 16; m++) {
        g->tool_index[m] = seen[m] ? g->n_tools : -1;
        if (seen[m]) g->tools[g->n_tools++] = m;
    }
    if (o->strategies != ARC_HR_ALL_TOKENS) g->strat[g->n_strat++] = ARC_LOSS_OUTPUT_TOKENS;
    if (o->strategies != ARC_HR_OUTPUT_TOKENS) g->strat[g->n_strat++] = ARC_LOSS_ALL_TOKENS;
    g->c = seal_calloc((size_t)(g->n_tools * g->n_strat * g->n_lr * g->n_ep), sizeof *g->c);
    for (int t = 0; t < g->n_tools; t++)
        for (int s = 0; s < g->n_strat; s++)
            for (int l = 0; l < g->n_lr; l++)
                for (int e = 0; e < g->n_ep; e++)
                    if (make_config(&g->c[g->n++], g->tools[t], g->strat[s], g->lr[l], g->ep[e])) return -1;
    return 0;
}

/* The index of the configuration like c but with tool set m, or -1. */
static int config_with_tools(const hr_grid *g, int c, unsigned m) {
    int per_tool = g->n_strat * g->n_lr * g->n_ep;
    return g->tool_index[m] < 0 ? -1 : g->tool_index[m] * per_tool + c % per_tool;
}

/* ------------------------------------------------------------ the world's facts */

typedef struct {
    const char *id;
    char fam[HR_MAX_FAM][24]; /* distinct families of its rules */
    int n_fam;
    int tag[4];               /* per group: index into tag_names, -1 unknown */
    char *program;
} hr_puzzle;

static int puzzle_facts(const json_t *p, const char *path, hr_puzzle *z) {
    json_t *rules = json_object_get(p, "rules"), *tags = json_object_get(p, "tags");
    const char *prog = json_string_value(json_object_get(p, "program"));
    if (!json_is_array(rules) || !json_is_object(tags) || !prog)
        return seal_err("%s: puzzle %s: rules, tags or program missing or of the wrong type", path, z->id);
    z->program = seal_strdup(prog);
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const char *f = json_string_value(json_object_get(json_array_get(rules, i), "family"));
        if (!f || strlen(f) >= sizeof z->fam[0]) return seal_err("%s: puzzle %s: rules[%zu].family is not a family name", path, z->id, i);
        int have = 0;
        for (int k = 0; k < z->n_fam; k++) have |= !strcmp(z->fam[k], f);
        if (have) continue;
        if (z->n_fam == HR_MAX_FAM) return seal_err("%s: puzzle %s: more than %d families", path, z->id, HR_MAX_FAM);
        strcpy(z->fam[z->n_fam++], f);
    }
    for (int g = 0; g < 4; g++) {
        const char *t = json_string_value(json_object_get(tags, group_names[g]));
        z->tag[g] = -1;
        for (int k = 0; t && k < 3; k++)
            if (!strcmp(t, tag_names[k])) z->tag[g] = k;
    }
    return 0;
}

/* Each selected task's facts from the world's world.json (every one must be
 * there). */
static int load_facts(const char *path, const arc_tasks *ts, hr_puzzle *z) {
    json_t *by_id = seal_arc_world_puzzles(path);
    int rc = by_id ? 0 : -1;
    for (int t = 0; t < ts->n && rc == 0; t++) {
        z[t].id = ts->g[t].task_id;
        json_t *hit = json_object_get(by_id, z[t].id);
        rc = hit ? puzzle_facts(hit, path, &z[t]) : seal_err("%s: puzzle %s is not in it (another world's files?)", path, z[t].id);
    }
    json_decref(by_id);
    return rc;
}

/* ------------------------------------------------------------ the table */

typedef struct {
    int n, nc;
    unsigned char *s, *icl; /* s[c * n + p]: configuration c solved puzzle p */
    double *rate;           /* [nc] */
    int best, n_icl, n_oracle;
    int *first;             /* [n]: the first configuration solving p, or -1 */
} hr_table;

typedef struct {
    double on, off;
    long n;
} hr_diff;

static int solved(arc_state *st, const char *key) {
    return json_is_true(json_object_get(seal_journal_get(&st->ttt, key), "solved"));
}

static void tabulate(arc_state *st, const hr_grid *g, const arc_job *jobs, hr_table *t) {
    int n = st->eval.n, stride = 1 + g->n;
    t->n = n, t->nc = g->n;
    t->s = seal_calloc((size_t)(g->n * n) + 1, 1);
    t->icl = seal_calloc((size_t)n + 1, 1);
    t->rate = seal_calloc((size_t)g->n + 1, sizeof *t->rate);
    t->first = seal_calloc((size_t)n + 1, sizeof *t->first);
    for (int p = 0; p < n; p++) {
        t->icl[p] = (unsigned char)solved(st, jobs[p * stride].key);
        t->n_icl += t->icl[p];
        t->first[p] = -1;
        for (int c = 0; c < g->n; c++) {
            int s = solved(st, jobs[p * stride + 1 + c].key);
            t->s[c * n + p] = (unsigned char)s;
            t->rate[c] += s;
            if (s && t->first[p] < 0) t->first[p] = c;
        }
        t->n_oracle += t->first[p] >= 0;
    }
    t->best = 0;
    for (int c = 0; c < g->n; c++) {
        t->rate[c] /= n;
        if (t->rate[c] > t->rate[t->best]) t->best = c;
    }
}

static void free_table(hr_table *t) {
    free(t->s);
    free(t->icl);
    free(t->rate);
    free(t->first);
}

/* Group `bit` on minus off over the matched pairs of the grid and the
 * puzzles sel marks (NULL: all). */
static hr_diff group_diff(const hr_grid *g, const hr_table *t, unsigned bit, const unsigned char *sel) {
    hr_diff d = {0, 0, 0};
    for (int c = 0; c < g->n; c++) {
        int off = g->c[c].cfg.groups & bit ? config_with_tools(g, c, g->c[c].cfg.groups & ~bit) : -1;
        for (int p = 0; off >= 0 && p < t->n; p++)
            if (!sel || sel[p]) {
                d.on += t->s[c * t->n + p];
                d.off += t->s[off * t->n + p];
                d.n++;
            }
    }
    if (d.n) d.on /= (double)d.n, d.off /= (double)d.n;
    return d;
}

/* The mean success of the configurations keep() accepts, over all puzzles. */
static double mean_where(const hr_grid *g, const hr_table *t, int (*keep)(const hr_config *, const void *), const void *v) {
    double sum = 0;
    long n = 0;
    for (int c = 0; c < g->n; c++)
        if (keep(&g->c[c], v)) sum += t->rate[c], n++;
    return n ? sum / (double)n : 0;
}

static int has_lr(const hr_config *c, const void *v) { return c->cfg.lr == *(const double *)v; }
static int has_epochs(const hr_config *c, const void *v) { return c->cfg.epochs == *(const int *)v; }
static int has_strategy(const hr_config *c, const void *v) { return (int)c->cfg.strategy == *(const int *)v; }

/* The distinct families of the puzzles, sorted by name. */
static int family_list(const hr_puzzle *z, int n, const char ***out) {
    const char **f = seal_calloc((size_t)(n * HR_MAX_FAM) + 1, sizeof *f);
    int nf = 0;
    for (int p = 0; p < n; p++)
        for (int k = 0; k < z[p].n_fam; k++) {
            int i = 0;
            while (i < nf && strcmp(f[i], z[p].fam[k]) < 0) i++;
            if (i < nf && !strcmp(f[i], z[p].fam[k])) continue;
            memmove(f + i + 1, f + i, (size_t)(nf - i) * sizeof *f);
            f[i] = z[p].fam[k];
            nf++;
        }
    *out = f;
    return nf;
}

static void select_family(const hr_puzzle *z, int n, const char *fam, unsigned char *sel, int *count) {
    *count = 0;
    for (int p = 0; p < n; p++) {
        sel[p] = 0;
        for (int k = 0; k < z[p].n_fam; k++) sel[p] |= !strcmp(z[p].fam[k], fam);
        *count += sel[p];
    }
}

/* ------------------------------------------------------------ headroom.json */

static const char *strategy_name(arc_loss s) {
    return s == ARC_LOSS_OUTPUT_TOKENS ? "train_using_output_tokens" : "train_using_all_tokens";
}

static json_t *rate_json(int solved_n, int n) {
    return json_pack("{s:f, s:i}", "success_rate", n ? (double)solved_n / n : 0.0, "solved", solved_n);
}

static json_t *configs_json(const hr_grid *g, const hr_table *t) {
    json_t *a = json_array();
    for (int c = 0; c < g->n; c++) {
        char tn[8];
        tools_name(g->c[c].cfg.groups, tn);
        json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:s, s:f, s:i, s:f, s:i}", "name", g->c[c].name, "config",
                                           seal_arc_config_value(&g->c[c].cfg), "tools", tn, "strategy",
                                           strategy_name(g->c[c].cfg.strategy), "lr", g->c[c].cfg.lr, "epochs",
                                           g->c[c].cfg.epochs, "success_rate", t->rate[c], "solved",
                                           (int)(t->rate[c] * t->n + 0.5)));
    }
    return a;
}

static json_t *diff_json(const char *key, const char *value, hr_diff d, int puzzles) {
    return json_pack("{s:s, s:i, s:I, s:f, s:f, s:f}", key, value, "puzzles", puzzles, "pairs", (json_int_t)d.n, "on",
                     d.on, "off", d.off, "delta", d.on - d.off);
}

/* One tool group: overall, per family (raises / lowers by >= 10 points),
 * per the group's own tag. */
static json_t *group_json(const hr_grid *g, const hr_table *t, const hr_puzzle *z, const char **fams, int nf, int b) {
    unsigned bit = 1u << b;
    unsigned char *sel = seal_calloc((size_t)t->n + 1, 1);
    json_t *fj = json_array(), *raises = json_array(), *lowers = json_array(), *tj = json_array();
    for (int f = 0; f < nf; f++) {
        int count;
        select_family(z, t->n, fams[f], sel, &count);
        hr_diff d = group_diff(g, t, bit, sel);
        json_array_append_new(fj, diff_json("family", fams[f], d, count));
        if (d.n && d.on - d.off >= 0.1 - 1e-9) json_array_append_new(raises, json_string(fams[f]));
        if (d.n && d.on - d.off <= -0.1 + 1e-9) json_array_append_new(lowers, json_string(fams[f]));
    }
    for (int k = 0; k < 3; k++) {
        int count = 0;
        for (int p = 0; p < t->n; p++) count += sel[p] = z[p].tag[b] == k;
        json_array_append_new(tj, diff_json("tag", tag_names[k], group_diff(g, t, bit, sel), count));
    }
    hr_diff all = group_diff(g, t, bit, NULL);
    free(sel);
    return json_pack("{s:s, s:I, s:f, s:f, s:f, s:o, s:o, s:o, s:o}", "group", group_names[b], "pairs",
                     (json_int_t)all.n, "on", all.on, "off", all.off, "delta", all.on - all.off, "families", fj,
                     "raises", raises, "lowers", lowers, "tags", tj);
}

/* Per family: puzzles, icl, the best fixed configuration, the oracle. */
static json_t *families_json(const hr_table *t, const hr_puzzle *z, const char **fams, int nf) {
    json_t *a = json_array();
    unsigned char *sel = seal_calloc((size_t)t->n + 1, 1);
    for (int f = 0; f < nf; f++) {
        int count, icl = 0, best = 0, orc = 0;
        select_family(z, t->n, fams[f], sel, &count);
        for (int p = 0; p < t->n; p++)
            if (sel[p]) icl += t->icl[p], best += t->s[t->best * t->n + p], orc += t->first[p] >= 0;
        json_array_append_new(a, json_pack("{s:s, s:i, s:f, s:f, s:f}", "family", fams[f], "puzzles", count, "icl",
                                           (double)icl / count, "best_fixed", (double)best / count, "oracle",
                                           (double)orc / count));
    }
    free(sel);
    return a;
}

static json_t *by_json(const hr_grid *g, const hr_table *t) {
    json_t *lr = json_array(), *ep = json_array(), *st = json_array();
    for (int i = 0; i < g->n_lr; i++)
        json_array_append_new(lr, json_pack("{s:f, s:f}", "lr", g->lr[i], "success_rate",
                                            mean_where(g, t, has_lr, &g->lr[i])));
    for (int i = 0; i < g->n_ep; i++)
        json_array_append_new(ep, json_pack("{s:i, s:f}", "epochs", g->ep[i], "success_rate",
                                            mean_where(g, t, has_epochs, &g->ep[i])));
    for (int i = 0; i < g->n_strat; i++) {
        int s = (int)g->strat[i];
        json_array_append_new(st, json_pack("{s:s, s:f}", "strategy", strategy_name(g->strat[i]), "success_rate",
                                            mean_where(g, t, has_strategy, &s)));
    }
    return json_pack("{s:o, s:o, s:o}", "lr", lr, "epochs", ep, "strategy", st);
}

static json_t *puzzles_json(const hr_grid *g, const hr_table *t, const hr_puzzle *z) {
    json_t *a = json_array();
    for (int p = 0; p < t->n; p++) {
        json_t *fam = json_array(), *by = json_array();
        for (int k = 0; k < z[p].n_fam; k++) json_array_append_new(fam, json_string(z[p].fam[k]));
        for (int c = 0; c < g->n; c++)
            if (t->s[c * t->n + p]) json_array_append_new(by, json_string(g->c[c].name));
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:b, s:o, s:s}", "id", z[p].id, "program", z[p].program,
                                           "families", fam, "icl", t->icl[p], "solved_by", by, "oracle_config",
                                           g->c[t->first[p] >= 0 ? t->first[p] : t->best].name));
    }
    return a;
}

/* Issue 16's bars on this table. */
static json_t *bars_json(const hr_table *t, json_t *groups) {
    double icl = (double)t->n_icl / t->n, orc = (double)t->n_oracle / t->n, best = t->rate[t->best];
    json_t *two = json_array();
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *gj = json_array_get(groups, i);
        if (json_array_size(json_object_get(gj, "raises")) && json_array_size(json_object_get(gj, "lowers")))
            json_array_append(two, json_object_get(gj, "group"));
    }
    return json_pack("{s:b, s:f, s:b, s:f, s:b, s:o, s:b}", "icl_at_most_10", icl <= 0.1 + 1e-9, "oracle_minus_icl",
                     orc - icl, "oracle_40_above_icl", orc - icl >= 0.4 - 1e-9, "oracle_minus_best", orc - best,
                     "best_10_below_oracle", orc - best >= 0.1 - 1e-9, "groups_raising_and_lowering", two,
                     "a_group_raises_and_lowers", json_array_size(two) > 0);
}

typedef struct {
    const arc_headroom_opts *o;
    const hr_grid *g;
    const hr_table *t;
    const hr_puzzle *z;
    const char **fams;
    int nf;
} hr_view;

static json_t *headroom_json(const hr_view *v) {
    const hr_grid *g = v->g;
    const hr_table *t = v->t;
    json_t *groups = json_array();
    for (int b = 0; b < 4; b++) json_array_append_new(groups, group_json(g, t, v->z, v->fams, v->nf, b));
    json_t *best = rate_json((int)(t->rate[t->best] * t->n + 0.5), t->n);
    json_object_set_new(best, "name", json_string(g->c[t->best].name));
    json_object_set_new(best, "config", seal_arc_config_value(&g->c[t->best].cfg));
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "format",
                     "seal-arc-headroom", "world", v->o->world_dir, "split", v->o->split_train ? "train" : "eval",
                     "model", v->o->arc.model_dir, "n_puzzles", t->n, "n_configs", g->n, "icl",
                     rate_json(t->n_icl, t->n), "best_fixed", best, "oracle", rate_json(t->n_oracle, t->n), "bars",
                     bars_json(t, groups), "configs", configs_json(g, t), "groups", groups, "families",
                     families_json(t, v->z, v->fams, v->nf), "by", by_json(g, t), "puzzles", puzzles_json(g, t, v->z));
}

/* ------------------------------------------------------------ headroom.md */

static double num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static void md_summary(strbuf *b, json_t *h) {
    json_t *best = json_object_get(h, "best_fixed"), *bars = json_object_get(h, "bars");
    int n = (int)json_integer_value(json_object_get(h, "n_puzzles"));
    seal_strbuf_printf(b, "# ARC headroom: %d %s puzzles, %d configurations\n\n", n,
                       json_string_value(json_object_get(h, "split")),
                       (int)json_integer_value(json_object_get(h, "n_configs")));
    seal_strbuf_printf(b, "Model `%s`, world `%s`. A puzzle is solved when one of the two voted attempts is its "
                       "test output (seal arc's rule); each configuration trains one LoRA per puzzle.\n\n",
                       json_string_value(json_object_get(h, "model")), json_string_value(json_object_get(h, "world")));
    seal_strbuf_puts(b, "| measure | success | puzzles |\n|---|---|---|\n");
    const char *rows[3][2] = {{"icl", "icl"}, {"best_fixed", NULL}, {"oracle", "per-puzzle oracle"}};
    for (int i = 0; i < 3; i++) {
        json_t *r = json_object_get(h, rows[i][0]);
        char label[96];
        snprintf(label, sizeof label, "best fixed configuration: %s", json_string_value(json_object_get(best, "name")));
        seal_strbuf_printf(b, "| %s | %.1f%% | %d/%d |\n", rows[i][1] ? rows[i][1] : label, 100 * num(r, "success_rate"),
                           (int)json_integer_value(json_object_get(r, "solved")), n);
    }
    json_t *two = json_object_get(bars, "groups_raising_and_lowering");
    seal_strbuf_printf(b, "\nIssue 16's bars: icl <= 10%%: **%s**; oracle >= icl + 40 points: **%s** (%+.1f); best fixed "
                       "<= oracle - 10 points: **%s** (%+.1f); a tool group raising some families and lowering others "
                       "by >= 10 points: **%s**", json_is_true(json_object_get(bars, "icl_at_most_10")) ? "yes" : "no",
                       json_is_true(json_object_get(bars, "oracle_40_above_icl")) ? "yes" : "no",
                       100 * num(bars, "oracle_minus_icl"),
                       json_is_true(json_object_get(bars, "best_10_below_oracle")) ? "yes" : "no",
                       -100 * num(bars, "oracle_minus_best"), json_array_size(two) ? "yes" : "no");
    for (size_t i = 0; i < json_array_size(two); i++)
        seal_strbuf_printf(b, "%s%s", i ? ", " : " (", json_string_value(json_array_get(two, i)));
    seal_strbuf_puts(b, json_array_size(two) ? ").\n" : ".\n");
}

static void md_configs(strbuf *b, json_t *h) {
    json_t *cs = json_object_get(h, "configs");
    seal_strbuf_puts(b, "\n## Configurations (the fixed order)\n\n| configuration | tools | strategy | lr | epochs | "
                        "success |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < json_array_size(cs); i++) {
        json_t *c = json_array_get(cs, i);
        seal_strbuf_printf(b, "| %s | %s | %s | %g | %d | %.1f%% |\n", json_string_value(json_object_get(c, "name")),
                           json_string_value(json_object_get(c, "tools")),
                           strstr(json_string_value(json_object_get(c, "strategy")), "output") ? "output" : "all",
                           num(c, "lr"), (int)json_integer_value(json_object_get(c, "epochs")),
                           100 * num(c, "success_rate"));
    }
}

static void md_list(strbuf *b, json_t *a) {
    for (size_t i = 0; i < json_array_size(a); i++)
        seal_strbuf_printf(b, "%s%s", i ? ", " : "", json_string_value(json_array_get(a, i)));
    if (!json_array_size(a)) seal_strbuf_puts(b, "-");
}

static void md_groups(strbuf *b, json_t *h) {
    json_t *gs = json_object_get(h, "groups"), *fs = json_object_get(h, "families");
    seal_strbuf_puts(b, "\n## Tool groups: success with the group on minus off, points\n\nAveraged over matched pairs of "
                        "the grid (the same configuration with and without the group); a composition counts for each "
                        "of its families.\n\n| family | puzzles | icl | best fixed | oracle | basic | size | chain | "
                        "repeat |\n|---|---|---|---|---|---|---|---|---|\n");
    seal_strbuf_printf(b, "| all | %d | %.1f | %.1f | %.1f |", (int)json_integer_value(json_object_get(h, "n_puzzles")),
                       100 * num(json_object_get(h, "icl"), "success_rate"),
                       100 * num(json_object_get(h, "best_fixed"), "success_rate"),
                       100 * num(json_object_get(h, "oracle"), "success_rate"));
    for (int g = 0; g < 4; g++) seal_strbuf_printf(b, " %+.1f |", 100 * num(json_array_get(gs, (size_t)g), "delta"));
    seal_strbuf_puts(b, "\n");
    for (size_t f = 0; f < json_array_size(fs); f++) {
        json_t *fj = json_array_get(fs, f);
        seal_strbuf_printf(b, "| %s | %d | %.1f | %.1f | %.1f |", json_string_value(json_object_get(fj, "family")),
                           (int)json_integer_value(json_object_get(fj, "puzzles")), 100 * num(fj, "icl"),
                           100 * num(fj, "best_fixed"), 100 * num(fj, "oracle"));
        for (int g = 0; g < 4; g++) {
            json_t *d = json_array_get(json_object_get(json_array_get(gs, (size_t)g), "families"), f);
            if (json_integer_value(json_object_get(d, "pairs"))) seal_strbuf_printf(b, " %+.1f |", 100 * num(d, "delta"));
            else seal_strbuf_puts(b, " - |");
        }
        seal_strbuf_puts(b, "\n");
    }
    seal_strbuf_puts(b, "\n| group | raises (>= +10) | lowers (<= -10) | preserves | mixed | poisons |\n"
                        "|---|---|---|---|---|---|\n");
    for (int g = 0; g < 4; g++) {
        json_t *gj = json_array_get(gs, (size_t)g);
        seal_strbuf_printf(b, "| %s | ", group_names[g]);
        md_list(b, json_object_get(gj, "raises"));
        seal_strbuf_puts(b, " | ");
        md_list(b, json_object_get(gj, "lowers"));
        for (int k = 0; k < 3; k++) {
            json_t *d = json_array_get(json_object_get(gj, "tags"), (size_t)k);
            if (json_integer_value(json_object_get(d, "pairs")))
                seal_strbuf_printf(b, " | %+.1f (%d)", 100 * num(d, "delta"), (int)json_integer_value(json_object_get(d, "puzzles")));
            else seal_strbuf_puts(b, " | -");
        }
        seal_strbuf_puts(b, " |\n");
    }
    seal_strbuf_puts(b, "\n(preserves / mixed / poisons: the same difference over the puzzles whose world.json tag "
                        "for the group is that, with their count.)\n");
}

static void md_by(strbuf *b, json_t *h) {
    static const char *const keys[3][2] = {{"lr", "learning rate"}, {"epochs", "epochs"}, {"strategy", "strategy"}};
    json_t *by = json_object_get(h, "by");
    seal_strbuf_puts(b, "\n## Mean success over the rest of the grid\n");
    for (int k = 0; k < 3; k++) {
        json_t *a = json_object_get(by, keys[k][0]);
        seal_strbuf_printf(b, "\n| %s | success |\n|---|---|\n", keys[k][1]);
        for (size_t i = 0; i < json_array_size(a); i++) {
            json_t *r = json_array_get(a, i), *v = json_object_get(r, keys[k][0]);
            if (json_is_string(v)) seal_strbuf_printf(b, "| %s | %.1f%% |\n", json_string_value(v), 100 * num(r, "success_rate"));
            else seal_strbuf_printf(b, "| %g | %.1f%% |\n", json_number_value(v), 100 * num(r, "success_rate"));
        }
    }
}

/* ------------------------------------------------------------ the outputs */

static int write_json_in(const char *dir, const char *name, json_t *j) {
    char *text = j ? json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
    int rc = text ? seal_write_file_in(dir, name, text, strlen(text)) : seal_err("%s: cannot encode the JSON", name);
    free(text);
    return rc;
}

static int write_outputs(const hr_view *v) {
    const char *dir = v->o->arc.run_dir;
    json_t *h = headroom_json(v), *orc = json_object();
    strbuf md = {0};
    md_summary(&md, h);
    md_configs(&md, h);
    md_groups(&md, h);
    md_by(&md, h);
    for (int p = 0; p < v->t->n; p++) {
        int c = v->t->first[p] >= 0 ? v->t->first[p] : v->t->best;
        json_object_set_new(orc, v->z[p].id, seal_arc_config_value(&v->g->c[c].cfg));
    }
    const char *best = v->g->c[v->t->best].text;
    int rc = write_json_in(dir, "headroom.json", h);
    if (rc == 0) rc = seal_write_file_in(dir, "headroom.md", md.s, md.len);
    if (rc == 0) rc = seal_write_file_in(dir, "best_fixed_config.json", best, strlen(best));
    if (rc == 0) rc = write_json_in(dir, "oracle_configs.json", orc);
    json_decref(h);
    json_decref(orc);
    seal_strbuf_free(&md);
    return rc;
}

/* ------------------------------------------------------------ the run */

/* The jobs, puzzle by puzzle: icl, then every configuration in order. */
static arc_job *make_jobs(arc_state *st, const hr_grid *g, const arc_target *base, int *n) {
    int stride = 1 + g->n;
    arc_job *jobs = seal_calloc((size_t)(st->eval.n * stride), sizeof *jobs);
    for (int p = 0; p < st->eval.n; p++)
        for (int c = -1; c < g->n; c++) {
            arc_job *jb = &jobs[p * stride + 1 + c];
            jb->grp = &st->eval.g[p];
            jb->set = &st->eval.set;
            jb->target = base;
            snprintf(jb->key, sizeof jb->key, "%s/%s", c < 0 ? "icl" : g->c[c].name, jb->grp->task_id);
            if (c < 0) {
                jb->cfg = (arc_config){.status = ARC_CFG_ZERO, .reason = "in-context learning: no adapter"};
                jb->no_config = 1;
            } else {
                jb->cfg = g->c[c].cfg;
                jb->text = g->c[c].text;
            }
        }
    *n = st->eval.n * stride;
    return jobs;
}

static int record_grid(seal_run_record *r, const arc_headroom_opts *o, const hr_grid *g, const char *world_json) {
    static const char *const strat[] = {"all", "output", "both"};
    json_t *lrs = json_array(), *eps = json_array(), *tools = json_array();
    for (int i = 0; i < g->n_lr; i++) json_array_append_new(lrs, json_real(g->lr[i]));
    for (int i = 0; i < g->n_ep; i++) json_array_append_new(eps, json_integer(g->ep[i]));
    for (int i = 0; i < g->n_tools; i++) {
        char t[8];
        tools_name(g->tools[i], t);
        json_array_append_new(tools, json_string(t));
    }
    if (seal_run_record_str(r, "world", o->world_dir) || seal_run_record_str(r, "split", o->split_train ? "train" : "eval") ||
        seal_run_record_int(r, "puzzles", o->puzzles) || seal_run_record_json(r, "lrs", lrs) ||
        seal_run_record_json(r, "epochs", eps) || seal_run_record_str(r, "strategies", strat[o->strategies]) ||
        seal_run_record_json(r, "tools", tools))
        return -1;
    return seal_run_record_file(r, "world_fingerprint", world_json);
}

typedef struct {
    arc_opts ao;
    char *challenges, *solutions, *world_json;
    char select[32];
} hr_inputs;

/* The arc options of the run: the split's Kaggle files, its first N. */
static void arc_inputs(const arc_headroom_opts *o, hr_inputs *in) {
    const char *split = o->split_train ? "training" : "evaluation";
    char name[64];
    in->ao = o->arc;
    snprintf(name, sizeof name, "arc-world_%s_challenges.json", split);
    in->challenges = seal_path_join(o->world_dir, name);
    snprintf(name, sizeof name, "arc-world_%s_solutions.json", split);
    in->solutions = seal_path_join(o->world_dir, name);
    in->world_json = seal_path_join(o->world_dir, "world.json");
    snprintf(in->select, sizeof in->select, o->puzzles ? "first:%d" : "all", o->puzzles);
    in->ao.challenges = in->challenges;
    in->ao.solutions = in->solutions;
    in->ao.select = in->select;
    in->ao.conditions = NULL;
    in->ao.tasks = NULL;
    in->ao.given_config = in->ao.given_name = in->ao.oracle_configs = NULL;
}

static void free_inputs(hr_inputs *in) {
    free(in->challenges);
    free(in->solutions);
    free(in->world_json);
}

static int claim(arc_state *st, const arc_headroom_opts *o, const hr_grid *g, const hr_inputs *in) {
    seal_run_record r;
    seal_run_record_init(&r);
    int rc = seal_arc_record_jobs(&r, &in->ao, st->threads) || seal_arc_record_inputs(&r, st) ||
                     record_grid(&r, o, g, in->world_json) ? -1 : 0;
    if (rc == 0) rc = seal_arc_state_claim(st, &r, 0);
    seal_run_record_free(&r);
    return rc;
}

/* Load, check and claim; then the jobs and the table. */
static int measure(const arc_headroom_opts *o, const hr_grid *g, hr_inputs *in) {
    arc_state st;
    int rc = seal_arc_state_load(&st, &in->ao, 0), n_jobs = 0;
    if (rc == 0 && o->puzzles > st.eval.n)
        rc = seal_err("--puzzles %d: %s has %d puzzles", o->puzzles, in->challenges, st.eval.n);
    hr_puzzle *z = seal_calloc((size_t)st.eval.n + 1, sizeof *z);
    if (rc == 0) rc = load_facts(in->world_json, &st.eval, z);
    if (rc == 0) rc = claim(&st, o, g, in);
    arc_target base = {&st.base, "base"};
    arc_job *jobs = rc == 0 ? make_jobs(&st, g, &base, &n_jobs) : NULL;
    if (rc == 0) rc = seal_arc_run_jobs(&st, jobs, n_jobs, "headroom");
    if (rc == 0) {
        hr_table t = {0};
        tabulate(&st, g, jobs, &t);
        hr_view v = {o, g, &t, z, NULL, 0};
        v.nf = family_list(z, t.n, &v.fams);
        rc = write_outputs(&v);
        free(v.fams);
        free_table(&t);
    }
    for (int p = 0; p < st.eval.n; p++) free(z[p].program);
    free(z);
    free(jobs);
    seal_arc_state_close(&st);
    return rc;
}

int seal_arc_headroom(const arc_headroom_opts *o) {
    if (!o->world_dir || !o->arc.model_dir || !o->arc.run_dir) return seal_err("--world, a model and --run are required");
    if (o->puzzles < 0) return seal_err("--puzzles %d: expected 0 (all) or more", o->puzzles);
    hr_inputs in;
    arc_inputs(o, &in);
    hr_grid g;
    int rc = seal_rank() != 0 ? seal_arc_serve(&in.ao, 0) : build_grid(o, &g) ? -1 : measure(o, &g, &in);
    if (seal_rank() == 0) free_grid(&g);
    free_inputs(&in);
    return rc;
}
