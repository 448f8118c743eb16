/* world.c: generating the knowledge world (people, passages) and writing its
 * four files. The vocabularies and templates are in world_vocab.c, the judge
 * and seal_world_load in world_judge.c; docs/world.md gives the reasons. */
#include "sandbox/world.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/world_internal.h"
#include "tok/prompts.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/rng.h"
#include "util/strbuf.h"

/* ---- options ---- */

void seal_world_opts_default(world_opts *o) {
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->n_pretrain = 400;
    o->n_train = 200;
    o->n_eval = 100;
    o->n_drill = 24000;
    o->docs_per_person = 60;
    o->qa_frac = 0.5;
    o->qa_repeats = 3;
    o->drill_echo = 0.35;
    o->background_docs = 8000;
    o->min_facts = 5;
    o->max_facts = 8;
    o->pre_min_facts = 5;
    /* Pretraining reads every style often enough to learn to resolve it;
     * held-out passages lean on the indirect ones (reverse, hop). */
    o->pre_style[STYLE_PLAIN] = 0.4, o->pre_style[STYLE_REVERSE] = 0.3, o->pre_style[STYLE_HOP] = 0.3;
    o->held_style[STYLE_PLAIN] = 0.2, o->held_style[STYLE_REVERSE] = 0.35, o->held_style[STYLE_HOP] = 0.45;
    o->doc_mix[DOC_PASSAGE] = 0.45, o->doc_mix[DOC_IMPLICATIONS] = 0.35, o->doc_mix[DOC_REWRITE] = 0.2;
}

static int check_weights(const double *w, int n, const char *what) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        if (!(w[i] >= 0)) return seal_err("world: %s: negative or NaN weight", what);
        s += w[i];
    }
    return s > 0 ? 0 : seal_err("world: %s: weights sum to zero", what);
}

static int check_opts(const world_opts *o) {
    if (o->n_pretrain < 1 || o->n_train < 0 || o->n_eval < 0 || o->n_drill < 0)
        return seal_err("world: --people must be >= 1, --train, --eval and --drill >= 0");
    if (o->qa_repeats < 1) return seal_err("world: --qa-repeats must be >= 1");
    if (!(o->drill_echo >= 0 && o->drill_echo <= 1)) return seal_err("world: --drill-echo must be in [0, 1]");
    if ((long long)o->n_pretrain + o->n_train + o->n_eval + o->n_drill > 100000)
        return seal_err("world: at most 100000 people in all (the name space is limited)");
    if (o->docs_per_person < 0 || o->background_docs < 0) return seal_err("world: document counts must be >= 0");
    if (!(o->qa_frac >= 0 && o->qa_frac <= 1)) return seal_err("world: --qa-frac must be in [0, 1]");
    if (o->min_facts < 1 || o->max_facts > WORLD_N_ATTR || o->min_facts > o->max_facts)
        return seal_err("world: facts per held-out passage must satisfy 1 <= min <= max <= %d", WORLD_N_ATTR);
    if (o->pre_min_facts < 1 || o->pre_min_facts > WORLD_N_ATTR)
        return seal_err("world: --pretrain-min-facts must be in [1, %d]", WORLD_N_ATTR);
    if (check_weights(o->pre_style, WORLD_N_STYLE, "--pretrain-style") ||
        check_weights(o->held_style, WORLD_N_STYLE, "--heldout-style") ||
        check_weights(o->doc_mix, WORLD_N_DOC, "--doc-mix"))
        return -1;
    return 0;
}

static int pick_weighted(seal_rng *r, const double *w, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += w[i];
    double u = seal_rng_double(r) * s;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    return n - 1;
}

static void shuffle_ints(seal_rng *r, int *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int)seal_rng_below(r, (uint64_t)i + 1), t = a[i];
        a[i] = a[j], a[j] = t;
    }
}

/* ---- names ---- */

/* FNV-1a from this basis, which is not FNV's (14695981039346656037, one digit
 * longer): kept, since a different basis could change which names collide and
 * so every world generated so far. 0 marks an empty slot, so it becomes 1. */
#define NAME_HASH_BASIS 1469598103934665603ull

static uint64_t name_hash(const char *s) {
    uint64_t h = seal_fnv1a64(NAME_HASH_BASIS, s, strlen(s));
    return h ? h : 1;
}

typedef struct { uint64_t *slot; size_t mask; } name_set;

/* Insert; 0 if it was already there (or collides with an existing hash). */
static int name_set_add(name_set *s, const char *name) {
    uint64_t h = name_hash(name);
    for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (s->slot[i] == h) return 0;
        if (!s->slot[i]) { s->slot[i] = h; return 1; }
    }
}

static int is_vocab_word(const char *w) {
    for (int i = 0; i < N_CITY; i++) if (!strcasecmp(w, SEAL_W_CITY[i])) return 1;
    for (int i = 0; i < N_COUNTRY; i++) if (!strcasecmp(w, SEAL_W_COUNTRY[i])) return 1;
    for (int i = 0; i < N_ORG; i++) if (!strcasecmp(w, SEAL_W_ORG[i])) return 1;
    for (int i = 0; i < N_UNIV; i++)
        if (!strncasecmp(w, SEAL_W_UNIV[i], strlen(w)) && SEAL_W_UNIV[i][strlen(w)] == ' ') return 1;
    return 0;
}

/* A fresh full name (given, family) not yet in the set. */
static void new_name(seal_rng *r, name_set *used, char *full, char *given, char *family) {
    for (;;) {
        snprintf(given, 16, "%s%s", SEAL_W_G1[seal_rng_below(r, SEAL_W_NG1)], SEAL_W_G2[seal_rng_below(r, SEAL_W_NG2)]);
        snprintf(family, 24, "%s%s%s", SEAL_W_F1[seal_rng_below(r, SEAL_W_NF1)], SEAL_W_FM[seal_rng_below(r, SEAL_W_NFM)], SEAL_W_F3[seal_rng_below(r, SEAL_W_NF3)]);
        snprintf(full, 40, "%s %s", given, family);
        if (is_vocab_word(given) || is_vocab_word(family)) continue;
        if (name_set_add(used, full)) return;
    }
}

/* ---- sentences ---- */

enum { REF_FULL, REF_GIVEN, REF_PRONOUN };

static const char *value_str(const world_person *p, world_attr a) {
    if (a == ATTR_SPOUSE) return p->spouse;
    int n;
    return seal_world_values(a, &n)[p->val[a]];
}

/* Append template t about p (person reference ref) with value phrase x. */
static void render(strbuf *b, const wtemplate *t, const world_person *p, int ref, const char *x) {
    size_t start = b->len;
    for (const char *s = t->text; *s;) {
        if (s[0] == '{' && s[1] && s[2] == '}') {
            char k = s[1];
            if (k == 'X') seal_strbuf_puts(b, x);
            else if (ref == REF_PRONOUN && k == 'S') seal_strbuf_puts(b, p->female ? "she" : "he");
            else if (ref == REF_PRONOUN && k == 'P') seal_strbuf_puts(b, p->female ? "her" : "his");
            else {
                seal_strbuf_puts(b, ref == REF_FULL ? p->name : p->given);
                if (k == 'P') seal_strbuf_puts(b, "'s");
            }
            s += 3;
        } else {
            seal_strbuf_put(b, s, 1);
            s++;
        }
    }
    b->s[start] = (char)toupper((unsigned char)b->s[start]);
}

/* A random template of attribute a with the given direction (impl_only: the
 * implications subset). Every attribute has both directions in both subsets. */
static const wtemplate *pick_template(seal_rng *r, world_attr a, int rev, int impl_only) {
    int idx[16], n = 0;
    for (int i = 0; i < SEAL_W_NTEMPLATES[a]; i++) {
        const wtemplate *t = &SEAL_W_TEMPLATES[a][i];
        if (t->rev == rev && (!impl_only || t->impl)) idx[n++] = i;
    }
    return &SEAL_W_TEMPLATES[a][idx[seal_rng_below(r, (uint64_t)n)]];
}

/* A random hop kind that exists for p's value of a, or -1. */
static int pick_hop(seal_rng *r, const world_person *p, world_attr a) {
    int kinds[W_MAX_HOP], n = 0;
    char tmp[96];
    if (a == ATTR_SPOUSE) return -1;
    for (int k = 0; k < W_MAX_HOP; k++)
        if (seal_hop_phrase(a, p->val[a], k, tmp, sizeof tmp)) kinds[n++] = k;
    return n ? kinds[seal_rng_below(r, (uint64_t)n)] : -1;
}

/* What a passage said about each attribute, so that implications can copy it. */
typedef struct { int hop_kind[WORLD_N_ATTR]; const wtemplate *tmpl[WORLD_N_ATTR]; } passage_info;

/* Append a passage about p stating attrs[0..n) in that order: the first
 * sentence names the person in full, later ones use a pronoun, the given name
 * or the full name; each sentence's style is drawn from style[]. */
static void gen_passage(strbuf *b, const world_person *p, const int *attrs, int n, const double *style, seal_rng *r,
                        passage_info *info) {
    static const double ref_w[3] = {0.2, 0.3, 0.5}; /* full, given, pronoun */
    char x[96];
    for (int a = 0; a < WORLD_N_ATTR; a++) info->hop_kind[a] = -1;
    for (int i = 0; i < n; i++) {
        world_attr a = (world_attr)attrs[i];
        int st = pick_weighted(r, style, WORLD_N_STYLE), rev = st == STYLE_REVERSE, hop = -1;
        if (st == STYLE_HOP) {
            hop = pick_hop(r, p, a);
            rev = hop < 0 ? 1 : seal_rng_double(r) < 0.3;
        }
        if (hop >= 0) seal_hop_phrase(a, p->val[a], hop, x, sizeof x);
        else snprintf(x, sizeof x, "%s", value_str(p, a));
        info->hop_kind[a] = hop;
        info->tmpl[a] = pick_template(r, a, rev, 0);
        int ref = i == 0 ? REF_FULL : pick_weighted(r, ref_w, 3);
        if (i) seal_strbuf_puts(b, " ");
        render(b, info->tmpl[a], p, ref, x);
    }
}

/* n distinct random attributes of p's mask into out (random order). */
static int pick_attrs(seal_rng *r, unsigned mask, int n, int *out) {
    int all[WORLD_N_ATTR], m = 0;
    for (int a = 0; a < WORLD_N_ATTR; a++)
        if (mask >> a & 1) all[m++] = a;
    shuffle_ints(r, all, m);
    if (n > m) n = m;
    memcpy(out, all, (size_t)n * sizeof *out);
    return n;
}

/* ---- people ---- */

static int cmp_name(const void *a, const void *b, void *ctx) {
    const world_person *p = ctx;
    return strcmp(p[*(const int *)a].name, p[*(const int *)b].name);
}

void seal_world_index_names(world *w) {
    w->by_name = seal_malloc((size_t)(w->n_people ? w->n_people : 1) * sizeof *w->by_name);
    for (int i = 0; i < w->n_people; i++) w->by_name[i] = i;
    qsort_r(w->by_name, (size_t)w->n_people, sizeof *w->by_name, cmp_name, w->people);
}

int seal_world_generate(world *w, const world_opts *o) {
    memset(w, 0, sizeof *w);
    if (check_opts(o)) return -1;
    w->opts = *o;
    int total = o->n_pretrain + o->n_train + o->n_eval + o->n_drill, heldout_end = o->n_pretrain + o->n_train + o->n_eval;
    w->n_people = total;
    w->people = seal_calloc((size_t)total, sizeof *w->people);
    name_set used = {0};
    int n_avoid = o->avoid ? o->avoid->n_people : 0;
    size_t cap = 1024;
    while (cap < ((size_t)total + (size_t)n_avoid) * 8) cap *= 2;
    used.slot = seal_calloc(cap, sizeof *used.slot);
    used.mask = cap - 1;
    for (int i = 0; i < n_avoid; i++) { /* another world's names, e.g. the pretraining world of the model */
        name_set_add(&used, o->avoid->people[i].name);
        if (o->avoid->people[i].spouse[0]) name_set_add(&used, o->avoid->people[i].spouse);
    }
    seal_rng r;
    seal_rng_seed(&r, o->seed);
    strbuf b = {0};
    for (int i = 0; i < total; i++) {
        world_person *p = &w->people[i];
        p->split = i < o->n_pretrain ? WORLD_PRETRAIN : i < o->n_pretrain + o->n_train ? WORLD_TRAIN
                 : i < heldout_end ? WORLD_EVAL : WORLD_DRILL;
        new_name(&r, &used, p->name, p->given, p->family);
        char fam[24];
        new_name(&r, &used, p->spouse, p->spouse_given, fam);
        p->female = (int)seal_rng_below(&r, 2);
        for (int a = 0; a < WORLD_N_ATTR; a++) {
            int n;
            seal_world_values((world_attr)a, &n);
            p->val[a] = a == ATTR_SPOUSE ? 0 : (int)seal_rng_below(&r, (uint64_t)n);
        }
        p->mask = (1u << WORLD_N_ATTR) - 1;
        if (p->split == WORLD_PRETRAIN) p->qa = seal_rng_double(&r) < o->qa_frac;
        if (p->split == WORLD_PRETRAIN || p->split == WORLD_DRILL) continue;
        /* Held-out: the person has only the facts of its one passage. */
        int attrs[WORLD_N_ATTR];
        int n = o->min_facts + (int)seal_rng_below(&r, (uint64_t)(o->max_facts - o->min_facts + 1));
        n = pick_attrs(&r, p->mask, n, attrs);
        p->mask = 0;
        for (int k = 0; k < n; k++) p->mask |= 1u << attrs[k];
        for (int a = 0; a < WORLD_N_ATTR; a++)
            if (!(p->mask >> a & 1)) p->val[a] = -1;
        if (!(p->mask >> ATTR_SPOUSE & 1)) p->spouse[0] = p->spouse_given[0] = '\0';
        passage_info info;
        seal_strbuf_clear(&b);
        gen_passage(&b, p, attrs, n, o->held_style, &r, &info);
        p->passage = seal_strdup(b.s);
    }
    seal_strbuf_free(&b);
    free(used.slot);
    w->opts.avoid = NULL; /* borrowed for generation only; avoid_path stays for world.json */
    seal_world_index_names(w);
    return 0;
}

void seal_world_free(world *w) {
    for (int i = 0; i < w->n_people; i++) free(w->people[i].passage);
    free(w->people);
    free(w->by_name);
    memset(w, 0, sizeof *w);
}

static int cmp_key(const void *key, const void *elem, void *ctx) {
    const world_person *p = ctx;
    return strcmp(key, p[*(const int *)elem].name);
}

const world_person *seal_world_find(const world *w, const char *name) {
    int lo = 0, hi = w->n_people;
    while (lo < hi) {
        int mid = (lo + hi) / 2, c = cmp_key(name, &w->by_name[mid], w->people);
        if (!c) return &w->people[w->by_name[mid]];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

char *seal_world_question(const world_person *p, world_attr a) {
    const char *k[1] = {"N"}, *v[1] = {p->name};
    return seal_template_fill(SEAL_W_QUESTION[a], k, v, 1);
}

const char *seal_world_answer(const world_person *p, world_attr a) { return value_str(p, a); }

char *seal_world_fact_sentence(const world_person *p, world_attr a) {
    strbuf b = {0};
    seal_strbuf_puts(&b, "");
    for (int i = 0; i < SEAL_W_NTEMPLATES[a]; i++)
        if (!SEAL_W_TEMPLATES[a][i].rev && SEAL_W_TEMPLATES[a][i].impl) {
            render(&b, &SEAL_W_TEMPLATES[a][i], p, REF_FULL, value_str(p, a));
            break;
        }
    return b.s;
}

/* ---- pretraining documents ---- */

/* The implication lines for a passage about p stating attrs[0..n) (in that
 * order): at least min(3, n) of its facts, in the passage's order, each TRUE,
 * mostly plain (full name, forward, hop resolved) and sometimes less useful
 * (given name, pronoun, reverse, hop copied). The passage's order makes
 * reading one sentence after the other the learnable way to write them. */
static void gen_implications(strbuf *b, const world_person *p, const int *attrs, int n, const passage_info *info,
                             seal_rng *r) {
    static const double ref_w[3] = {0.75, 0.1, 0.15};
    int lo = n < 3 ? n : 3, k = lo + (int)seal_rng_below(r, (uint64_t)(n - lo + 1));
    int keep[WORLD_N_ATTR] = {0}, idx[WORLD_N_ATTR];
    for (int i = 0; i < n; i++) idx[i] = i;
    shuffle_ints(r, idx, n);
    for (int i = 0; i < k; i++) keep[idx[i]] = 1;
    char x[96];
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (!keep[i]) continue;
        world_attr a = (world_attr)attrs[i];
        int hop = info->hop_kind[a];
        int keep_hop = hop >= 0 && seal_rng_double(r) < 0.15;
        if (keep_hop) seal_hop_phrase(a, p->val[a], hop, x, sizeof x);
        else snprintf(x, sizeof x, "%s", value_str(p, a));
        if (!first) seal_strbuf_puts(b, "\n");
        first = 0;
        render(b, pick_template(r, a, seal_rng_double(r) < 0.1, 1), p, pick_weighted(r, ref_w, 3), x);
        /* Sometimes also the background fact behind a resolved hop: a true
         * indirect implication ("The capital of Vorland is Miltren."). */
        if (hop >= 0 && !keep_hop && seal_rng_double(r) < 0.1) {
            seal_hop_phrase(a, p->val[a], hop, x, sizeof x);
            x[0] = (char)toupper((unsigned char)x[0]);
            seal_strbuf_puts(b, "\n");
            seal_strbuf_puts(b, x);
            seal_strbuf_puts(b, " is ");
            seal_strbuf_puts(b, value_str(p, a));
            seal_strbuf_puts(b, ".");
        }
    }
}

/* Echo drill lines: every fact of a plain passage, in its order, each in the
 * passage sentence's own words with the full name as subject ("Her sport is
 * cycling." -> "Kaso Vendrel's sport is cycling."). The value follows the same
 * words as in the passage, so an induction head (attend to what came after
 * this context before) predicts it: the easy end of the copying curriculum
 * that the harder lines (reordered words, reverse, hops) build on. */
static void gen_echo_lines(strbuf *b, const world_person *p, const int *attrs, int n, const passage_info *info) {
    for (int i = 0; i < n; i++) {
        world_attr a = (world_attr)attrs[i];
        if (i) seal_strbuf_puts(b, "\n");
        render(b, info->tmpl[a], p, REF_FULL, value_str(p, a));
    }
}

/* Rewrites restate what the passage says (plainly or reversed); they never
 * introduce a hop the passage did not use. */
static const double REWRITE_STYLE[WORLD_N_STYLE] = {0.7, 0.3, 0.0};

/* One person document of kind `kind` into b. */
static void person_doc(strbuf *b, const world *w, const world_person *p, int kind, seal_rng *r) {
    const world_opts *o = &w->opts;
    int attrs[WORLD_N_ATTR];
    int n = o->pre_min_facts + (int)seal_rng_below(r, (uint64_t)(WORLD_N_ATTR - o->pre_min_facts + 1));
    n = pick_attrs(r, p->mask, n, attrs);
    passage_info info;
    strbuf ps = {0};
    static const double plain[WORLD_N_STYLE] = {1, 0, 0};
    gen_passage(&ps, p, attrs, n, kind == DOC_ECHO ? plain : o->pre_style, r, &info);
    if (kind == DOC_PASSAGE) {
        seal_strbuf_puts(b, p->name);
        seal_strbuf_puts(b, "\n");
        seal_strbuf_puts(b, ps.s);
    } else if (kind == DOC_IMPLICATIONS || kind == DOC_ECHO) {
        char *prompt = seal_self_edit_prompt(SELF_EDIT_IMPLICATIONS, p->name, ps.s);
        seal_strbuf_puts(b, prompt);
        free(prompt);
        if (kind == DOC_ECHO) gen_echo_lines(b, p, attrs, n, &info);
        else gen_implications(b, p, attrs, n, &info, r);
    } else {
        char *prompt = seal_self_edit_prompt(SELF_EDIT_REWRITE, p->name, ps.s);
        seal_strbuf_puts(b, prompt);
        free(prompt);
        int m = 2 + (int)seal_rng_below(r, 2);
        for (int i = 0; i < m; i++) {
            passage_info tmp;
            shuffle_ints(r, attrs, n);
            if (i) seal_strbuf_puts(b, "\n");
            gen_passage(b, p, attrs, n, REWRITE_STYLE, r, &tmp);
        }
    }
    seal_strbuf_free(&ps);
}

static void qa_doc(strbuf *b, const char *title, const char *question, const char *answer) {
    char *prompt = seal_answer_prompt(title, question);
    seal_strbuf_puts(b, prompt);
    seal_strbuf_puts(b, answer);
    free(prompt);
}

/* Shuffle n sentences (already rendered, one per entry) and append them. */
static void put_shuffled(strbuf *b, char (*s)[160], int n, seal_rng *r) {
    int idx[8];
    for (int i = 0; i < n; i++) idx[i] = i;
    shuffle_ints(r, idx, n);
    for (int i = 0; i < n; i++) {
        if (i) seal_strbuf_puts(b, " ");
        seal_strbuf_puts(b, s[idx[i]]);
    }
}

/* A background document: a country, city, firm or university described in
 * varied sentences, or a QA document about one background fact. */
static int background_doc(strbuf *b, seal_rng *r) {
    char s[8][160], x[96];
    int n = 0, kind = (int)seal_rng_below(r, 5);
    if (kind == 0) { /* country */
        int k = (int)seal_rng_below(r, N_COUNTRY);
        const char *c = SEAL_W_COUNTRY[k], *cap = SEAL_W_CITY[country_capital(k)];
        static const char *const capf[] = {"The capital of %s is %s.", "%2$s is the capital of %1$s.",
                                           "%s has its capital in %s.", "The capital city of %s is %s."};
        seal_strbuf_printf(b, "%s\n", c);
        snprintf(s[n++], 160, "%s is a country.", c);
        snprintf(s[n++], 160, capf[seal_rng_below(r, 4)], c, cap);
        snprintf(s[n++], 160, "The cities of %s are %s, %s and %s.", c, SEAL_W_CITY[3 * k], SEAL_W_CITY[3 * k + 1], SEAL_W_CITY[3 * k + 2]);
        put_shuffled(b, s, n, r);
    } else if (kind == 1) { /* city */
        int c = (int)seal_rng_below(r, N_CITY), o = seal_city_org(c), u = seal_city_univ(c);
        const char *city = SEAL_W_CITY[c], *ctry = SEAL_W_COUNTRY[city_country(c)];
        seal_strbuf_printf(b, "%s\n", city);
        snprintf(s[n++], 160, seal_rng_below(r, 2) ? "%s is a city in %s." : "%s lies in %s.", city, ctry);
        if (city_is_capital(c))
            snprintf(s[n++], 160, seal_rng_below(r, 2) ? "%s is the capital of %s." : "%s is the capital city of %s.", city, ctry);
        if (o >= 0) {
            seal_hop_phrase(ATTR_BIRTH_CITY, c, 1, x, sizeof x);
            switch (seal_rng_below(r, 3)) {
            case 0: snprintf(s[n++], 160, "%s has its headquarters in %s.", SEAL_W_ORG[o], city); break;
            case 1: snprintf(s[n++], 160, "The firm %s is based in %s.", SEAL_W_ORG[o], city); break;
            default: snprintf(s[n++], 160, "%s is %s.", city, x); break;
            }
        }
        if (u >= 0) {
            seal_hop_phrase(ATTR_BIRTH_CITY, c, 2, x, sizeof x);
            switch (seal_rng_below(r, 3)) {
            case 0: snprintf(s[n++], 160, "%s is in %s.", SEAL_W_UNIV[u], city); break;
            case 1: snprintf(s[n++], 160, "%s is home to %s.", city, SEAL_W_UNIV[u]); break;
            default: snprintf(s[n++], 160, "%s is %s.", city, x); break;
            }
        }
        put_shuffled(b, s, n, r);
    } else if (kind == 2) { /* organisation */
        int o = (int)seal_rng_below(r, N_ORG);
        const char *org = SEAL_W_ORG[o], *city = SEAL_W_CITY[SEAL_W_ORG_HQ[o]];
        seal_strbuf_printf(b, "%s\n", org);
        snprintf(s[n++], 160, "%s is a %s company.", org, SEAL_W_ORG_INDUSTRY[o]);
        seal_hop_phrase(ATTR_EMPLOYER, o, (int)seal_rng_below(r, 2), x, sizeof x);
        switch (seal_rng_below(r, 4)) {
        case 0: snprintf(s[n++], 160, "%s is headquartered in %s.", org, city); break;
        case 1: snprintf(s[n++], 160, "The headquarters of %s are in %s.", org, city); break;
        default: snprintf(s[n++], 160, "%c%s is %s.", toupper((unsigned char)x[0]), x + 1, org); break;
        }
        seal_hop_phrase(ATTR_BIRTH_CITY, SEAL_W_ORG_HQ[o], 1, x, sizeof x);
        snprintf(s[n++], 160, "%s is %s.", city, x);
        put_shuffled(b, s, n, r);
    } else if (kind == 3) { /* university */
        int u = (int)seal_rng_below(r, N_UNIV);
        const char *un = SEAL_W_UNIV[u], *city = SEAL_W_CITY[SEAL_W_UNIV_CITY[u]];
        seal_strbuf_printf(b, "%s\n", un);
        snprintf(s[n++], 160, "%s is a university in %s.", un, city);
        snprintf(s[n++], 160, "The university in %s is %s.", city, un);
        seal_hop_phrase(ATTR_BIRTH_CITY, SEAL_W_UNIV_CITY[u], 2, x, sizeof x);
        snprintf(s[n++], 160, "%s is %s.", city, x);
        put_shuffled(b, s, n, r);
    } else { /* a background QA */
        char q[160];
        int k = (int)seal_rng_below(r, N_COUNTRY), c = (int)seal_rng_below(r, N_CITY), o = (int)seal_rng_below(r, N_ORG),
            u = (int)seal_rng_below(r, N_UNIV);
        switch (seal_rng_below(r, 7)) {
        case 0: snprintf(q, sizeof q, "What is the capital of %s?", SEAL_W_COUNTRY[k]);
            qa_doc(b, SEAL_W_COUNTRY[k], q, SEAL_W_CITY[country_capital(k)]); break;
        case 1: snprintf(q, sizeof q, "In which country is %s?", SEAL_W_CITY[c]);
            qa_doc(b, SEAL_W_CITY[c], q, SEAL_W_COUNTRY[city_country(c)]); break;
        case 2: snprintf(q, sizeof q, "Where is %s headquartered?", SEAL_W_ORG[o]);
            qa_doc(b, SEAL_W_ORG[o], q, SEAL_W_CITY[SEAL_W_ORG_HQ[o]]); break;
        case 3: snprintf(q, sizeof q, "Which company is headquartered in %s?", SEAL_W_CITY[SEAL_W_ORG_HQ[o]]);
            qa_doc(b, SEAL_W_CITY[SEAL_W_ORG_HQ[o]], q, SEAL_W_ORG[o]); break;
        case 4: snprintf(q, sizeof q, "In which city is %s?", SEAL_W_UNIV[u]);
            qa_doc(b, SEAL_W_UNIV[u], q, SEAL_W_CITY[SEAL_W_UNIV_CITY[u]]); break;
        case 5: snprintf(q, sizeof q, "Which university is in %s?", SEAL_W_CITY[SEAL_W_UNIV_CITY[u]]);
            qa_doc(b, SEAL_W_CITY[SEAL_W_UNIV_CITY[u]], q, SEAL_W_UNIV[u]); break;
        default: snprintf(q, sizeof q, "Which country has %s as its capital?", SEAL_W_CITY[country_capital(k)]);
            qa_doc(b, SEAL_W_CITY[country_capital(k)], q, SEAL_W_COUNTRY[k]); break;
        }
        return 5;
    }
    return 4;
}

/* ---- writing ---- */

/* A growing array of JSONL lines (malloc'd). */
typedef struct { char **line; size_t n, cap; long long bytes; } line_list;

static void add_doc(line_list *l, const char *text) {
    json_t *o = json_object();
    json_object_set_new(o, "text", json_string(text));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (l->n == l->cap) l->line = seal_realloc(l->line, (l->cap = l->cap * 2 + 1024) * sizeof *l->line);
    l->line[l->n++] = s;
    l->bytes += (long long)strlen(text);
}

/* docs_by_kind: 0 passage, 1 implications, 2 rewrite, 3 QA, 4 background text, 5 background QA. */
static int write_pretrain(const world *w, const char *path, world_stats *st) {
    const world_opts *o = &w->opts;
    seal_rng r;
    seal_rng_seed(&r, o->seed ^ 0x7072657472616e31ull); /* its own stream: people stay as seal_world_generate made them */
    line_list docs = {0};
    strbuf b = {0};
    for (int i = 0; i < w->n_people; i++) {
        const world_person *p = &w->people[i];
        if (p->split == WORLD_DRILL) {
            double u = seal_rng_double(&r);
            int kind = u < o->drill_echo ? DOC_ECHO : u < o->drill_echo + 0.8 * (1 - o->drill_echo) ? DOC_IMPLICATIONS
                                                                                                 : DOC_REWRITE;
            seal_strbuf_clear(&b);
            person_doc(&b, w, p, kind, &r);
            add_doc(&docs, b.s);
            st->docs_by_kind[kind == DOC_ECHO ? DOC_IMPLICATIONS : kind]++;
            continue;
        }
        if (p->split != WORLD_PRETRAIN) continue;
        for (int d = 0; d < o->docs_per_person; d++) {
            int kind = pick_weighted(&r, o->doc_mix, WORLD_N_DOC);
            seal_strbuf_clear(&b);
            person_doc(&b, w, p, kind, &r);
            add_doc(&docs, b.s);
            st->docs_by_kind[kind]++;
        }
        if (!p->qa) continue;
        for (int a = 0; a < WORLD_N_ATTR; a++) {
            char *q = seal_world_question(p, (world_attr)a);
            seal_strbuf_clear(&b);
            qa_doc(&b, p->name, q, seal_world_answer(p, (world_attr)a));
            free(q);
            for (int k = 0; k < o->qa_repeats; k++) add_doc(&docs, b.s);
            st->docs_by_kind[3] += o->qa_repeats;
        }
    }
    for (int i = 0; i < o->background_docs; i++) {
        seal_strbuf_clear(&b);
        st->docs_by_kind[background_doc(&b, &r)]++;
        add_doc(&docs, b.s);
    }
    seal_strbuf_free(&b);
    /* Shuffle so that a sequential reader sees a stationary mixture. */
    for (size_t i = docs.n; i > 1; i--) {
        size_t j = (size_t)seal_rng_below(&r, i);
        char *t = docs.line[i - 1];
        docs.line[i - 1] = docs.line[j], docs.line[j] = t;
    }
    st->pretrain_docs = (long long)docs.n;
    st->pretrain_bytes = docs.bytes;
    seal_atomic_file f;
    int rc = seal_atomic_begin(&f, path);
    strbuf out = {0};
    for (size_t i = 0; i < docs.n; i++) {
        if (!rc) {
            seal_strbuf_puts(&out, docs.line[i]);
            seal_strbuf_puts(&out, "\n");
            if (out.len > (1 << 20) || i + 1 == docs.n) {
                rc = seal_atomic_write(&f, out.s, out.len);
                seal_strbuf_clear(&out);
            }
        }
        free(docs.line[i]);
    }
    free(docs.line);
    seal_strbuf_free(&out);
    if (rc) { seal_atomic_abort(&f); return -1; }
    return seal_atomic_commit(&f);
}

static int write_json(const char *path, json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(1));
    json_decref(j);
    if (!s) return seal_err("%s: cannot encode JSON", path);
    size_t n = strlen(s);
    s = seal_realloc(s, n + 2);
    s[n] = '\n';
    int rc = seal_write_file_atomic(path, s, n + 1);
    free(s);
    return rc;
}

json_t *seal_world_squad_entry(const world_person *p, const char *context) {
    json_t *qs = json_array();
    for (int a = 0; a < WORLD_N_ATTR; a++) {
        if (!(p->mask >> a & 1)) continue;
        char *q = seal_world_question(p, (world_attr)a);
        json_array_append_new(qs, json_pack("{s:s,s:s}", "question", q, "answer", seal_world_answer(p, (world_attr)a)));
        free(q);
    }
    return json_pack("{s:s,s:s,s:o}", "title", p->name, "context", context, "questions", qs);
}

/* SEAL's SQuAD-style list for one held-out split. */
static json_t *squad_json(const world *w, world_split split) {
    json_t *arr = json_array();
    for (int i = 0; i < w->n_people; i++) {
        const world_person *p = &w->people[i];
        if (p->split == split) json_array_append_new(arr, seal_world_squad_entry(p, p->passage));
    }
    return arr;
}

static json_t *strings_json(const char *const *s, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(s[i]));
    return a;
}

/* The background tables, attribute vocabularies and templates, as world.json
 * stores them (seal_world_load compares them with this build's). */
void seal_world_tables_json(json_t *j) {
    json_t *attrs = json_array();
    for (int a = 0; a < WORLD_N_ATTR; a++) {
        int n;
        const char *const *v = seal_world_values((world_attr)a, &n);
        json_t *t = json_array();
        for (int k = 0; k < SEAL_W_NTEMPLATES[a]; k++) json_array_append_new(t, json_string(SEAL_W_TEMPLATES[a][k].text));
        json_array_append_new(attrs, json_pack("{s:s,s:s,s:o,s:o}", "name", seal_world_attr_name((world_attr)a),
                                               "question", SEAL_W_QUESTION[a], "values", v ? strings_json(v, n) : json_null(),
                                               "templates", t));
    }
    json_object_set_new(j, "attributes", attrs);
    json_t *ctry = json_array();
    for (int k = 0; k < N_COUNTRY; k++)
        json_array_append_new(ctry, json_pack("{s:s,s:s,s:o}", "name", SEAL_W_COUNTRY[k], "capital", SEAL_W_CITY[country_capital(k)],
                                              "cities", strings_json(&SEAL_W_CITY[3 * k], 3)));
    json_object_set_new(j, "countries", ctry);
    json_t *orgs = json_array();
    for (int k = 0; k < N_ORG; k++)
        json_array_append_new(orgs, json_pack("{s:s,s:s,s:s}", "name", SEAL_W_ORG[k], "industry", SEAL_W_ORG_INDUSTRY[k],
                                              "headquarters", SEAL_W_CITY[SEAL_W_ORG_HQ[k]]));
    json_object_set_new(j, "organisations", orgs);
    json_t *univ = json_array();
    for (int k = 0; k < N_UNIV; k++)
        json_array_append_new(univ, json_pack("{s:s,s:s}", "name", SEAL_W_UNIV[k], "city", SEAL_W_CITY[SEAL_W_UNIV_CITY[k]]));
    json_object_set_new(j, "universities", univ);
}

static json_t *world_json(const world *w) {
    const world_opts *o = &w->opts;
    static const char *const split_name[] = {"pretrain", "train", "eval", "drill"};
    json_t *j = json_object();
    json_object_set_new(j, "format", json_string(WORLD_FORMAT));
    json_object_set_new(j, "version", json_integer(WORLD_VERSION));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(j, "options", json_pack("{s:i,s:i,s:i,s:i,s:f,s:i,s:f,s:i,s:i,s:i,s:i,s:i,s:[fff],s:[fff],s:[fff]}",
        "people", o->n_pretrain, "train", o->n_train, "eval", o->n_eval, "drill", o->n_drill, "drill_echo", o->drill_echo, "docs_per_person",
        o->docs_per_person, "qa_frac", o->qa_frac, "qa_repeats", o->qa_repeats, "background_docs", o->background_docs, "min_facts", o->min_facts, "max_facts",
        o->max_facts, "pretrain_min_facts", o->pre_min_facts, "pretrain_style", o->pre_style[0], o->pre_style[1],
        o->pre_style[2], "heldout_style", o->held_style[0], o->held_style[1], o->held_style[2], "doc_mix",
        o->doc_mix[0], o->doc_mix[1], o->doc_mix[2]));
    if (o->avoid_path) json_object_set_new(json_object_get(j, "options"), "avoid_names", json_string(o->avoid_path));
    seal_world_tables_json(j);
    json_t *people = json_array();
    for (int i = 0; i < w->n_people; i++) {
        const world_person *p = &w->people[i];
        json_t *at = json_object();
        for (int a = 0; a < WORLD_N_ATTR; a++)
            if (p->mask >> a & 1) json_object_set_new(at, seal_world_attr_name((world_attr)a), json_string(value_str(p, (world_attr)a)));
        json_t *pj = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "name", p->name, "given", p->given, "family", p->family,
                               "gender", p->female ? "female" : "male", "split", split_name[p->split], "qa", p->qa,
                               "attributes", at);
        if (p->mask >> ATTR_SPOUSE & 1) json_object_set_new(pj, "spouse_given", json_string(p->spouse_given));
        if (p->passage) json_object_set_new(pj, "passage", json_string(p->passage));
        json_array_append_new(people, pj);
    }
    json_object_set_new(j, "people", people);
    return j;
}

int seal_world_write(const world *w, const char *dir, world_stats *stats) {
    world_stats st;
    memset(&st, 0, sizeof st);
    if (seal_mkdir_p(dir)) return -1;
    const char *names[4] = {"pretrain.jsonl", "train.json", "eval.json", "world.json"};
    char *path[4];
    for (int i = 0; i < 4; i++) path[i] = seal_path_join(dir, names[i]);
    int rc = write_pretrain(w, path[0], &st) || write_json(path[1], squad_json(w, WORLD_TRAIN)) ||
             write_json(path[2], squad_json(w, WORLD_EVAL)) || write_json(path[3], world_json(w));
    for (int i = 0; i < 4; i++) free(path[i]);
    if (stats) *stats = st;
    return rc ? -1 : 0;
}
