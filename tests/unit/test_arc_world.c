/* test_arc_world: the ARC puzzle world (src/sandbox/arc_*.c).
 * - rules on hand-worked grids (values written out by hand, not by the code);
 * - determinism: the same seed writes byte-identical files, another seed not;
 * - the Kaggle files load with seal_arc_load and hold the generated puzzles;
 * - every family's declared tool-group tags, measured with the real
 *   augmenters (arc/augment.h) and colour permutation: PRESERVES = every
 *   augmented pair is a valid example of the same program, POISONS = more
 *   than 55% are not (a composition: more than a third), MIXED = some are
 *   and some are not (a composition's MIXED makes no claim);
 * - each tool group preserves some families and poisons others;
 * - no training or evaluation pair occurs in the pretraining text (in the
 *   TTT form or the self-edit form);
 * - the corpus documents are what the pipeline renders (seal_arc_render
 *   with the chat template the world names, seal_arc_selfedit_prompt), and
 *   every self-edit completion parses as a valid config, covering every
 *   tool subset, both strategies, every learning rate and epoch count. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arc/augment.h"
#include "arc/config.h"
#include "arc/format.h"
#include "check.h"
#include "sandbox/arc_world.h"
#include "seal/arc_ttt.h"
#include "tok/chat.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static char tmpdir[] = "/tmp/test_arc_world_XXXXXX";

/* A grid from rows of digits, "120/003". */
static arc_grid G(const char *s) {
    arc_grid g = {0};
    int r = 0, c = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '/') {
            g.w = c;
            r++, c = 0;
            continue;
        }
        g.c[r * 16 + c++] = (unsigned char)(*p - '0'); /* staged with stride 16, packed below */
    }
    g.h = r + 1;
    if (!g.w) g.w = c;
    arc_grid out = {.h = g.h, .w = g.w};
    for (int i = 0; i < g.h; i++)
        for (int j = 0; j < g.w; j++) out.c[i * g.w + j] = g.c[i * 16 + j];
    return out;
}

static aw_program one(int family, int p0, int p1, int p2) {
    aw_program p = {1, {{.family = family, .p = {p0, p1, p2}}}};
    return p;
}

static void expect(const aw_program *p, const char *in, const char *want, const char *what) {
    arc_grid a = G(in), b, w = G(want);
    int rc = seal_aw_apply(p, &a, &b);
    CHECK_MSG(rc == 0 && seal_arc_grid_equal(&b, &w), "%s", what);
}

static void test_rules(void) {
    aw_program p = one(AW_GRAVITY, 0, 0, 0);
    expect(&p, "100/020/000", "000/000/120", "gravity down");
    p = one(AW_GRAVITY, 3, 0, 0);
    expect(&p, "120/300", "012/003", "gravity right");
    p = one(AW_GRAVITY_WALL, 1, 5, 0); /* up, wall 5: the 2 below the wall rises to it */
    expect(&p, "000/050/000/020", "000/050/020/000", "gravity up, wall 5");
    p = one(AW_GRAVITY_WALL, 2, 5, 0);
    expect(&p, "0510203", "0512300", "gravity left, wall 5");
    p = one(AW_SHIFT, 1, -1, 0); /* down 1, left 1, cyclic */
    expect(&p, "100/000/000", "000/001/000", "shift (1,-1)");
    p = one(AW_ZOOM, 2, 0, 0);
    expect(&p, "12", "1122/1122", "zoom 2");
    p = one(AW_MIRROR, 1, 0, 0);
    expect(&p, "12/30", "1221/3003", "mirror beside");
    p = one(AW_MIRROR, 0, 1, 0);
    expect(&p, "12/30", "30/12/12/30", "mirror below, image first");
    p = one(AW_BORDER, 4, 0, 0);
    expect(&p, "000/010/000", "444/414/444", "border 4");
    p = one(AW_MOVE_COLOUR, 3, 1, 1);
    expect(&p, "310/003/000", "010/030/000", "move colour 3 by (1,1), the one at the corner lost");
    p = one(AW_CROP_FRAME, 2, 0, 0);
    expect(&p, "12221/12721/12221", "7", "crop inside the 2 frame");
    p = one(AW_SYMMETRY, 0, 9, 0);
    expect(&p, "1921/3003", "1221/3003", "symmetry left-right, mask 9");
    p = one(AW_LARGEST, 6, 0, 0);
    expect(&p, "1102/0002/3002", "1106/0006/3006", "largest to 6");
    p = one(AW_FILL_HOLES, 0, 0, 0); /* the hole inside the 3s fills; the 0s open to the edge stay */
    expect(&p, "00000/03330/03030/03330/00000", "00000/03330/03330/03330/00000", "fill holes");
    expect(&p, "1110/1010/1110/0004", "1110/1110/1110/0004", "fill holes at the corner");
    expect(&p, "0220/2002/0220", "0220/2222/0220", "fill a two-cell hole");
    p = one(AW_TURN, -1, 0, 0); /* anti-transpose: out[i][j] = in[W-1-j][H-1-i] */
    expect(&p, "12/34", "42/31", "anti-transpose");
    p = one(AW_TURN, ARC_VIEW_ROT90, 0, 0); /* np.rot90: counter-clockwise */
    expect(&p, "12/34", "24/13", "rot90");
    aw_program r = {1, {{.family = AW_RECOLOUR, .p = {0, 2, 1, 3, 4, 5, 6, 7, 8, 0}}}};
    expect(&r, "129", "210", "recolour 1<->2, 9->0");
    aw_program c = {2, {{.family = AW_GRAVITY, .p = {0}}, {.family = AW_BORDER, .p = {7}}}};
    expect(&c, "0100/0000/0000/0000", "7777/7007/7007/7777", "gravity down then border 7 (covers the fallen cell)");
    arc_grid big = G("1"), out;
    big.h = big.w = 11;
    memset(big.c, 1, sizeof big.c);
    aw_program z = one(AW_ZOOM, 3, 0, 0);
    CHECK(seal_aw_apply(&z, &big, &out) == -1); /* 33 a side: undefined */
    aw_program f = one(AW_CROP_FRAME, 5, 0, 0);
    arc_grid nf = G("12/34");
    CHECK(seal_aw_apply(&f, &nf, &out) == -1); /* no frame */
}

static void small_opts(aw_opts *o, uint64_t seed) {
    seal_aw_opts_default(o);
    o->seed = seed;
    o->n_pretrain = 600;
    o->n_train = 20;
    o->n_eval = 40;
    o->n_selfedit = 400;
}

static char *gen_dir(const char *name, const aw_opts *o, aw_world *keep) {
    aw_world w;
    char *dir = seal_path_join(tmpdir, name);
    CHECK_MSG(seal_aw_generate(&w, o) == 0, "%s", seal_errmsg());
    CHECK_MSG(seal_aw_write(&w, dir, NULL) == 0, "%s", seal_errmsg());
    if (keep) *keep = w;
    else seal_aw_free(&w);
    return dir;
}

static const char *const files[] = {"arc-world_training_challenges.json", "arc-world_training_solutions.json",
                                    "arc-world_evaluation_challenges.json", "arc-world_evaluation_solutions.json",
                                    "pretrain.jsonl", "world.json"};

static int same_file(const char *a, const char *b, const char *name) {
    char *pa = seal_path_join(a, name), *pb = seal_path_join(b, name);
    size_t na, nb;
    char *x = seal_read_file(pa, &na), *y = seal_read_file(pb, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x), free(y), free(pa), free(pb);
    return same;
}

static void test_determinism(void) {
    aw_opts o;
    small_opts(&o, 7);
    char *a = gen_dir("a", &o, NULL), *b = gen_dir("b", &o, NULL);
    o.seed = 8;
    char *c = gen_dir("c", &o, NULL);
    for (int i = 0; i < 6; i++) CHECK_MSG(same_file(a, b, files[i]), "%s differs between two runs", files[i]);
    CHECK(!same_file(a, c, "pretrain.jsonl"));
    CHECK(!same_file(a, c, "arc-world_evaluation_challenges.json"));
    free(a), free(b), free(c);
}

/* The Kaggle files load and hold exactly the world's held-out puzzles. */
static void check_split(const aw_world *w, const char *dir, aw_split split, const char *name) {
    char ch[128], so[128];
    snprintf(ch, sizeof ch, "%s/arc-world_%s_challenges.json", dir, name);
    snprintf(so, sizeof so, "%s/arc-world_%s_solutions.json", dir, name);
    arc_set s;
    CHECK_MSG(seal_arc_load(&s, ch, so) == 0, "%s", seal_errmsg());
    int k = 0;
    for (int i = 0; i < w->n; i++) {
        const aw_puzzle *pz = &w->pz[i];
        if (pz->split != split) continue;
        if (k >= s.n) { k++; continue; }
        const arc_subtask *st = &s.sub[k++];
        CHECK(!strcmp(st->task_id, pz->id));
        CHECK(st->t.has_out && seal_arc_task_equal(&st->t, &pz->t));
        CHECK(pz->t.n_demo >= w->opts.demos_min && pz->t.n_demo <= w->opts.demos_max);
        /* the program maps every input to its output */
        for (int d = 0; d <= pz->t.n_demo; d++) {
            const arc_pair *pr = d < pz->t.n_demo ? &pz->t.demo[d] : &pz->t.query;
            arc_grid y;
            CHECK(seal_aw_apply(&pz->prog, &pr->in, &y) == 0 && seal_arc_grid_equal(&y, &pr->out));
            CHECK(pr->in.h >= w->opts.min_side && pr->in.h <= w->opts.max_side);
        }
    }
    CHECK_MSG(k == s.n, "%s: %d puzzles in the world, %d in the file", name, k, s.n);
    seal_arc_set_free(&s);
}

/* ---- equivariance ---- */

typedef struct {
    long valid, invalid;
} tally;

/* Is every pair of t a valid example of p? Count them. */
static void count_pairs(const aw_program *p, const arc_task *t, tally *ty) {
    for (int d = 0; d <= t->n_demo; d++) {
        const arc_pair *pr = d < t->n_demo ? &t->demo[d] : &t->query;
        arc_grid y;
        int ok = seal_aw_apply(p, &pr->in, &y) == 0 && seal_arc_grid_equal(&y, &pr->out);
        if (ok) ty->valid++;
        else ty->invalid++;
    }
}

static void map_grid(arc_grid *g, const unsigned char *map) {
    for (int i = 0; i < g->h * g->w; i++) g->c[i] = map[g->c[i]];
}

static void measure(const aw_puzzle *pz, int group, unsigned seed, tally *ty) {
    if (group == AW_COLOUR) {
        np_random rng;
        seal_nprandom_seed(&rng, seed);
        unsigned char map[ARC_COLOURS];
        seal_arc_colour_map(&pz->t, &rng, map);
        arc_task t;
        seal_arc_task_copy(&t, &pz->t);
        for (int d = 0; d < t.n_demo; d++) map_grid(&t.demo[d].in, map), map_grid(&t.demo[d].out, map);
        map_grid(&t.query.in, map), map_grid(&t.query.out, map);
        count_pairs(&pz->prog, &t, ty);
        seal_arc_task_free(&t);
        return;
    }
    static const unsigned bit[4] = {ARC_TOOL_BASIC, ARC_TOOL_SIZE, ARC_TOOL_CHAIN, ARC_TOOL_REPEAT};
    arc_augmenter a[ARC_AUG_MAX];
    int n = seal_arc_augmenters(bit[group], a);
    np_random rng;
    seal_nprandom_seed(&rng, 0);
    for (int i = 0; i < n; i++) {
        char name[96];
        if (!strcmp(seal_arc_augmenter_name(&a[i], name, sizeof name), "RandomTranslateXY()")) continue;
        arc_task t;
        if (seal_arc_augment(&a[i], &pz->t, &rng, &t)) continue; /* over 30 a side: the reference drops it */
        count_pairs(&pz->prog, &t, ty);
        seal_arc_task_free(&t);
    }
}

/* Puzzles grouped by (first family, second family or -1, declared tag). */
#define NSIG (AW_N_FAMILY * (AW_N_FAMILY + 1) * 3)
static int sig(const aw_program *p, aw_tag tag) {
    int second = p->n == 2 ? p->r[1].family : AW_N_FAMILY;
    return (p->r[0].family * (AW_N_FAMILY + 1) + second) * 3 + (int)tag;
}

static void test_tags(const aw_world *w) {
    static tally t[AW_N_GROUP][NSIG];
    memset(t, 0, sizeof t);
    for (int i = 0; i < w->n; i++)
        for (int g = 0; g < AW_N_GROUP; g++) {
            aw_tag tag = seal_aw_tag(&w->pz[i].prog, g);
            measure(&w->pz[i], g, (unsigned)i, &t[g][sig(&w->pz[i].prog, tag)]);
        }
    int singles_checked = 0;
    for (int g = 0; g < AW_N_GROUP; g++)
        for (int s = 0; s < NSIG; s++) {
            tally *ty = &t[g][s];
            long n = ty->valid + ty->invalid;
            if (!n) continue;
            aw_tag tag = (aw_tag)(s % 3);
            int a = s / 3 / (AW_N_FAMILY + 1), b = s / 3 % (AW_N_FAMILY + 1);
            /* a composition's tags are rules of thumb: POISONS (one rule poisons)
             * can meet a first rule whose outputs are symmetric, so more than a
             * third broken is asked; MIXED (neither rule applies) claims nothing */
            int ok = tag == AW_PRESERVES ? ty->invalid == 0
                   : tag == AW_POISONS   ? ty->invalid > (b < AW_N_FAMILY ? n / 3.0 : 0.55 * n)
                                         : b < AW_N_FAMILY || (ty->valid > 0 && ty->invalid > 0);
            singles_checked += b == AW_N_FAMILY;
            CHECK_MSG(ok, "%s%s%s under %s: declared %s, measured %ld valid / %ld invalid augmented pairs",
                      seal_aw_family_name(a), b < AW_N_FAMILY ? " then " : "", b < AW_N_FAMILY ? seal_aw_family_name(b) : "",
                      seal_aw_group_name(g), seal_aw_tag_name(tag), ty->valid, ty->invalid);
        }
    CHECK(singles_checked >= AW_N_FAMILY * AW_N_GROUP);
}

/* Every tool group preserves some single families and poisons others. */
static void test_groups_cut_both_ways(void) {
    for (int g = 0; g < AW_N_GROUP; g++) {
        int pres = 0, pois = 0;
        for (int f = 0; f < AW_N_FAMILY; f++) {
            aw_rule r = {.family = f};
            pres += seal_aw_rule_tag(&r, g) == AW_PRESERVES;
            pois += seal_aw_rule_tag(&r, g) == AW_POISONS;
        }
        CHECK_MSG(pres >= 2 && pois >= 2, "%s: %d families preserved, %d poisoned", seal_aw_group_name(g), pres, pois);
    }
}

/* ---- the corpus ---- */

/* pretrain.jsonl's texts, joined by "\n\n" (a form no document contains). */
static char *corpus(const char *dir, int *ndocs) {
    char *path = seal_path_join(dir, "pretrain.jsonl");
    size_t n;
    char *raw = seal_read_file(path, &n);
    free(path);
    strbuf all = {0};
    *ndocs = 0;
    for (char *line = raw, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) break;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        CHECK(j && json_is_string(json_object_get(j, "text")));
        if (j) seal_strbuf_puts(&all, json_string_value(json_object_get(j, "text")));
        seal_strbuf_puts(&all, "\n\n");
        json_decref(j);
        (*ndocs)++;
    }
    free(raw);
    return all.s;
}

static void test_no_leak(const aw_world *w, const char *text) {
    int pairs = 0;
    for (int i = 0; i < w->n; i++) {
        const aw_puzzle *pz = &w->pz[i];
        if (pz->split == AW_PRETRAIN) continue;
        for (int d = 0; d <= pz->t.n_demo; d++) {
            const arc_pair *pr = d < pz->t.n_demo ? &pz->t.demo[d] : &pz->t.query;
            strbuf ttt = {0}, se = {0};
            seal_arc_grid_numpy_str(&pr->in, &ttt); /* "IN -> OUT#" as in the TTT system turn and answer */
            seal_strbuf_puts(&ttt, " -> ");
            seal_arc_grid_numpy_str(&pr->out, &ttt);
            seal_strbuf_puts(&ttt, "#");
            seal_strbuf_puts(&se, "Input:\n"); /* the self-edit prompt's form */
            seal_arc_grid_rows(&pr->in, &se);
            seal_strbuf_puts(&se, "\nOutput:\n");
            seal_arc_grid_rows(&pr->out, &se);
            seal_strbuf_puts(&se, "\n"); /* the prompt's blank line after each pair: the whole output, not a prefix */
            CHECK_MSG(!strstr(text, ttt.s), "%s pair %d occurs in pretrain.jsonl", pz->id, d);
            CHECK_MSG(!strstr(text, se.s), "%s pair %d occurs in pretrain.jsonl (self-edit form)", pz->id, d);
            seal_strbuf_free(&ttt);
            seal_strbuf_free(&se);
            pairs++;
        }
    }
    CHECK(pairs > 100);
}

/* The template the world names is recognised by tok/chat.h as Llama 3 without
 * a date block, and the solved documents are exactly seal_arc_render's
 * training text without its trailing generation header. */
static void test_formats(const aw_world *w, const char *text, int ndocs) {
    char *dir = seal_path_join(tmpdir, "tpl");
    CHECK(seal_mkdir_p(dir) == 0);
    json_t *cfg = json_pack("{s:s,s:n}", "chat_template", seal_aw_chat_template, "bos_token");
    char *s = json_dumps(cfg, 0);
    CHECK(seal_write_file_in(dir, "tokenizer_config.json", s, strlen(s)) == 0);
    free(s);
    json_decref(cfg);
    chat_template tpl;
    CHECK_MSG(seal_chat_load(&tpl, dir) == 0, "%s", seal_errmsg());
    CHECK(tpl.family == CHAT_LLAMA3 && !tpl.date_block && !tpl.gen_always && !strcmp(tpl.bos, "<|begin_of_text|>"));
    int found = 0;
    for (int i = 0; i < 20; i++) {
        char *r = seal_arc_render(&w->pz[i].t, &tpl, 1);
        const char *tail = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        size_t n = strlen(r), k = strlen(tail);
        CHECK(n > k && !strcmp(r + n - k, tail));
        r[n - k] = '\0';
        strbuf doc = {0};
        seal_strbuf_printf(&doc, "\n\n%s\n\n", r); /* a whole document */
        found += (text[0] && !strncmp(text, r, strlen(r))) || strstr(text, doc.s) != NULL;
        seal_strbuf_free(&doc);
        free(r);
    }
    CHECK_MSG(found == 20, "%d of 20 solved documents found", found);
    /* self-edit documents: the prompt of a pretraining puzzle, a valid config, <|eot_id|> */
    int groups[16] = {0}, strat[2] = {0}, nse = 0, lr_seen[16] = {0}, ep_seen[16] = {0};
    strbuf prompt = {0};
    const char *marker = "<|start_header_id|>assistant<|end_header_id|>\n\n{";
    for (const char *p = text; (p = strstr(p, marker)); p++) {
        const char *json = p + strlen(marker) - 1, *end = strstr(json, "<|eot_id|>");
        arc_config c;
        CHECK(end && seal_arc_config_parse(json, (size_t)(end - json), &c) == ARC_CFG_OK);
        if (!end || c.status != ARC_CFG_OK) continue;
        nse++;
        groups[c.groups]++;
        strat[c.strategy == ARC_LOSS_OUTPUT_TOKENS]++;
        for (int i = 0; i < w->opts.n_lr; i++) lr_seen[i] += c.lr == w->opts.lrs[i];
        for (int i = 0; i < w->opts.n_epochs; i++) ep_seen[i] += c.epochs == w->opts.epochs[i];
    }
    CHECK_MSG(nse == w->opts.n_selfedit, "%d self-edit documents, %d asked", nse, w->opts.n_selfedit);
    CHECK(ndocs == w->opts.n_pretrain + w->opts.n_selfedit);
    for (int g = 0; g < 16; g++) CHECK_MSG(groups[g] > 0, "tool subset %d never drawn", g);
    CHECK(strat[0] > 0 && strat[1] > 0);
    for (int i = 0; i < w->opts.n_lr; i++) CHECK(lr_seen[i] > 0);
    for (int i = 0; i < w->opts.n_epochs; i++) CHECK(ep_seen[i] > 0);
    /* some self-edit prompt is the pipeline's prompt over a pretraining puzzle */
    int prompts = 0;
    for (int i = 0; i < w->opts.n_pretrain; i++) {
        seal_strbuf_clear(&prompt);
        seal_arc_selfedit_prompt(&w->pz[i].t, &prompt);
        seal_strbuf_puts(&prompt, "{\"data_generation\"");
        prompts += strstr(text, prompt.s) != NULL;
    }
    CHECK_MSG(prompts > w->opts.n_selfedit / 2, "%d self-edit prompts found", prompts);
    seal_strbuf_free(&prompt);
    free(dir);
}

static void test_bad_opts(void) {
    aw_opts o;
    aw_world w;
    small_opts(&o, 1);
    o.min_side = 9, o.max_side = 4;
    CHECK_ERR(seal_aw_generate(&w, &o), "sides 9-4");
    small_opts(&o, 1);
    o.demos_min = 1;
    CHECK_ERR(seal_aw_generate(&w, &o), "demonstrations 1-5");
    small_opts(&o, 1); /* too small for most rules: refused, not looping or crashing */
    o.min_side = o.max_side = o.max_out_side = 2;
    CHECK_ERR(seal_aw_generate(&w, &o), "could not draw a puzzle");
}

int main(void) {
    if (!mkdtemp(tmpdir)) return 1;
    test_rules();
    test_determinism();
    test_groups_cut_both_ways();
    test_bad_opts();
    aw_opts o;
    small_opts(&o, 3);
    aw_world w;
    char *dir = gen_dir("w", &o, &w);
    check_split(&w, dir, AW_TRAIN, "training");
    check_split(&w, dir, AW_EVAL, "evaluation");
    test_tags(&w);
    int ndocs;
    char *text = corpus(dir, &ndocs);
    test_no_leak(&w, text);
    test_formats(&w, text, ndocs);
    free(text);
    free(dir);
    seal_aw_free(&w);
    seal_rm_rf(tmpdir);
    return check_report("test_arc_world");
}
