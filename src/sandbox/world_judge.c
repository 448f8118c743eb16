/* world_judge.c: deciding what a self-edit line says about an entity, and
 * reading world.json back. The judge inverts the generator's templates: a line
 * is a fact when it matches a template of some attribute with the person slot
 * naming the entity (full name, given name or a pronoun) and the value slot
 * naming a value of that attribute, plainly or through a hop phrase. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/world.h"
#include "sandbox/world_internal.h"
#include "util/err.h"
#include "util/json_load.h"

/* Subject kind of person-slot text s (len n) of kind k ('S', 'P', 'O'), or -1. */
static int person_ref(const world_person *p, char k, const char *s, size_t n) {
    const char *names[2] = {p->name, p->given};
    for (int i = 0; i < 2; i++) {
        size_t m = strlen(names[i]);
        if (k == 'P') {
            if (n == m + 2 && !strncasecmp(s, names[i], m) && !strncmp(s + m, "'s", 2)) return i;
        } else if (n == m && !strncasecmp(s, names[i], m)) return i;
    }
    static const char *const pron[3][2] = {{"he", "she"}, {"his", "her"}, {"him", "her"}};
    int row = k == 'S' ? 0 : k == 'P' ? 1 : 2;
    for (int i = 0; i < 2; i++)
        if (n == strlen(pron[row][i]) && !strncasecmp(s, pron[row][i], n)) return 2;
    return -1;
}

/* 1 or 2 words, each a capital letter followed by lowercase letters. */
static int looks_like_name(const char *s, size_t n) {
    int words = 0;
    for (size_t i = 0; i < n;) {
        if (!isupper((unsigned char)s[i])) return 0;
        size_t j = i + 1;
        while (j < n && islower((unsigned char)s[j])) j++;
        if (j == i + 1) return 0;
        words++;
        if (j == n) break;
        if (s[j] != ' ') return 0;
        i = j + 1;
        if (i == n) return 0;
    }
    return words >= 1 && words <= 2;
}

/* Resolve value-slot text of attribute a: 1 with *value (and *hop) set, else 0. */
static int resolve_value(const world_person *p, world_attr a, const char *s, size_t n, int *value, int *hop) {
    *hop = 0;
    if (a == ATTR_SPOUSE) {
        if ((n == strlen(p->spouse) && !strncmp(s, p->spouse, n)) ||
            (n == strlen(p->spouse_given) && !strncmp(s, p->spouse_given, n)))
            return *value = 0, 1;
        return looks_like_name(s, n) ? (*value = -1, 1) : 0;
    }
    int nv;
    const char *const *v = seal_world_values(a, &nv);
    for (int i = 0; i < nv; i++)
        if (n == strlen(v[i]) && !strncasecmp(s, v[i], n)) return *value = i, 1;
    char buf[128];
    for (int i = 0; i < nv; i++)
        for (int k = 0; k < W_MAX_HOP; k++)
            if (seal_hop_phrase(a, i, k, buf, sizeof buf) && n == strlen(buf) && !strncasecmp(s, buf, n))
                return *value = i, *hop = 1, 1;
    return 0;
}

/* Template pieces: lit[0] slot[0] lit[1] slot[1] lit[2]. */
typedef struct { const char *lit[3]; size_t len[3]; char slot[2]; } tpl_parts;

static void split_template(const char *t, tpl_parts *tp) {
    const char *s = t;
    for (int i = 0; i < 2; i++) {
        const char *q = strchr(s, '{');
        tp->lit[i] = s, tp->len[i] = (size_t)(q - s), tp->slot[i] = q[1];
        s = q + 3;
    }
    tp->lit[2] = s, tp->len[2] = strlen(s);
}

static const char *find_ci(const char *h, size_t hn, const char *needle, size_t nn) {
    for (size_t i = 0; i + nn <= hn; i++)
        if (!strncasecmp(h + i, needle, nn)) return h + i;
    return NULL;
}

static int rank(int verdict) {
    static const int r[4] = {0, 3, 2, 1}; /* unknown < unsupported < wrong < correct */
    return r[verdict];
}

/* Try template t of attribute a on line L (length n); best verdict so far in *best. */
static void try_template(const world_person *p, world_attr a, const wtemplate *t, const char *L, size_t n,
                         int *best, world_judgement *bj) {
    tpl_parts tp;
    split_template(t->text, &tp);
    if (n < tp.len[0] + tp.len[2] + tp.len[1] + 2) return;
    if (strncasecmp(L, tp.lit[0], tp.len[0]) || strncasecmp(L + n - tp.len[2], tp.lit[2], tp.len[2])) return;
    const char *mid = L + tp.len[0];
    size_t mn = n - tp.len[0] - tp.len[2];
    for (const char *q = mid; (q = find_ci(q, mn - (size_t)(q - mid), tp.lit[1], tp.len[1])); q++) {
        const char *s[2] = {mid, q + tp.len[1]};
        size_t sn[2] = {(size_t)(q - mid), mn - (size_t)(q - mid) - tp.len[1]};
        if (!sn[0] || !sn[1]) continue;
        int xi = tp.slot[0] == 'X' ? 0 : 1, pi = 1 - xi;
        int ref = person_ref(p, tp.slot[pi], s[pi], sn[pi]), value, hop;
        if (ref < 0 || !resolve_value(p, a, s[xi], sn[xi], &value, &hop)) continue;
        int verdict = !(p->mask >> a & 1) ? WORLD_LINE_UNSUPPORTED
                      : (a == ATTR_SPOUSE ? value == 0 : value == p->val[a]) ? WORLD_LINE_CORRECT
                                                                              : WORLD_LINE_WRONG;
        if (rank(verdict) > rank(*best)) {
            *best = verdict;
            *bj = (world_judgement){.attr = a, .value = value, .reverse = t->rev, .hop = hop, .subject = ref};
        }
    }
}

int seal_world_judge_line(const world *w, const char *entity_name, const char *line, world_judgement *out) {
    world_judgement j = {.attr = -1, .value = -1, .reverse = 0, .hop = 0, .subject = -1};
    const world_person *p = seal_world_find(w, entity_name);
    if (!p) return seal_err("world: no person named \"%s\"", entity_name);
    /* Strip blanks, list markers ("- ", "* ", "3. ", "3) ") and a missing final period. */
    while (isspace((unsigned char)*line)) line++;
    if ((*line == '-' || *line == '*') && line[1] == ' ') line += 2;
    else if (isdigit((unsigned char)*line)) {
        const char *q = line;
        while (isdigit((unsigned char)*q)) q++;
        if ((*q == '.' || *q == ')') && q[1] == ' ') line = q + 2;
    }
    while (isspace((unsigned char)*line)) line++;
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1])) n--;
    int best = WORLD_LINE_UNKNOWN;
    if (n > 0 && n < 400) {
        char L[404];
        memcpy(L, line, n);
        if (L[n - 1] != '.') L[n++] = '.';
        L[n] = '\0';
        for (int a = 0; a < WORLD_N_ATTR; a++)
            for (int k = 0; k < SEAL_W_NTEMPLATES[a]; k++) try_template(p, (world_attr)a, &SEAL_W_TEMPLATES[a][k], L, n, &best, &j);
    }
    if (out) *out = j;
    return best;
}

/* ---- world.json ---- */

static int copy_str(char *dst, size_t cap, json_t *v, const char *path, int i, const char *field) {
    const char *s = json_string_value(v);
    if (!s) return seal_err("%s: people[%d].%s: missing or not a string", path, i, field);
    if (strlen(s) >= cap) return seal_err("%s: people[%d].%s: too long (%zu bytes)", path, i, field, strlen(s));
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int load_person(world_person *p, json_t *pj, const char *path, int i) {
    if (!json_is_object(pj)) return seal_err("%s: people[%d]: not an object", path, i);
    if (copy_str(p->name, sizeof p->name, json_object_get(pj, "name"), path, i, "name") ||
        copy_str(p->given, sizeof p->given, json_object_get(pj, "given"), path, i, "given") ||
        copy_str(p->family, sizeof p->family, json_object_get(pj, "family"), path, i, "family"))
        return -1;
    const char *g = json_string_value(json_object_get(pj, "gender"));
    const char *sp = json_string_value(json_object_get(pj, "split"));
    if (!g || (strcmp(g, "female") && strcmp(g, "male")))
        return seal_err("%s: people[%d].gender: expected \"female\" or \"male\"", path, i);
    p->female = !strcmp(g, "female");
    if (!sp) return seal_err("%s: people[%d].split: missing", path, i);
    if (!strcmp(sp, "pretrain")) p->split = WORLD_PRETRAIN;
    else if (!strcmp(sp, "train")) p->split = WORLD_TRAIN;
    else if (!strcmp(sp, "eval")) p->split = WORLD_EVAL;
    else if (!strcmp(sp, "drill")) p->split = WORLD_DRILL;
    else return seal_err("%s: people[%d].split: \"%s\" (expected pretrain, train, eval or drill)", path, i, sp);
    p->qa = json_is_true(json_object_get(pj, "qa"));
    json_t *at = json_object_get(pj, "attributes");
    if (!json_is_object(at)) return seal_err("%s: people[%d].attributes: missing or not an object", path, i);
    p->mask = 0;
    for (int a = 0; a < WORLD_N_ATTR; a++) {
        p->val[a] = -1;
        json_t *v = json_object_get(at, seal_world_attr_name((world_attr)a));
        if (!v) continue;
        p->mask |= 1u << a;
        if (a == ATTR_SPOUSE) {
            if (copy_str(p->spouse, sizeof p->spouse, v, path, i, "attributes.spouse") ||
                copy_str(p->spouse_given, sizeof p->spouse_given, json_object_get(pj, "spouse_given"), path, i,
                         "spouse_given"))
                return -1;
            p->val[a] = 0;
            continue;
        }
        int nv;
        const char *const *vals = seal_world_values((world_attr)a, &nv);
        const char *s = json_string_value(v);
        for (int k = 0; s && k < nv; k++)
            if (!strcmp(s, vals[k])) p->val[a] = k;
        if (p->val[a] < 0)
            return seal_err("%s: people[%d].attributes.%s: unknown value", path, i, seal_world_attr_name((world_attr)a));
    }
    json_t *ps = json_object_get(pj, "passage");
    if (ps && !json_is_string(ps)) return seal_err("%s: people[%d].passage: not a string", path, i);
    p->passage = ps ? seal_strdup(json_string_value(ps)) : NULL;
    return 0;
}

int seal_world_load(world *w, const char *path) {
    memset(w, 0, sizeof *w);
    json_t *j = seal_json_load_file(path, 0);
    if (!j) return -1;
    int rc = -1;
    const char *fmt = json_string_value(json_object_get(j, "format"));
    json_t *ver = json_object_get(j, "version"), *people = json_object_get(j, "people");
    json_t *mine = json_object();
    seal_world_tables_json(mine);
    static const char *const keys[4] = {"attributes", "countries", "organisations", "universities"};
    if (!fmt || strcmp(fmt, WORLD_FORMAT)) { seal_err("%s: format: expected \"%s\"", path, WORLD_FORMAT); goto done; }
    if (json_integer_value(ver) != WORLD_VERSION) {
        seal_err("%s: version %lld, this build reads version %d", path, (long long)json_integer_value(ver), WORLD_VERSION);
        goto done;
    }
    for (int k = 0; k < 4; k++)
        if (!json_equal(json_object_get(j, keys[k]), json_object_get(mine, keys[k]))) {
            seal_err("%s: %s: differs from this build's tables (generated by another version?)", path, keys[k]);
            goto done;
        }
    if (!json_is_array(people)) { seal_err("%s: people: missing or not an array", path); goto done; }
    seal_world_opts_default(&w->opts);
    w->opts.seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
    w->n_people = (int)json_array_size(people);
    w->people = seal_calloc((size_t)(w->n_people ? w->n_people : 1), sizeof *w->people);
    for (int i = 0; i < w->n_people; i++)
        if (load_person(&w->people[i], json_array_get(people, (size_t)i), path, i)) goto done;
    seal_world_index_names(w);
    rc = 0;
done:
    json_decref(mine);
    json_decref(j);
    if (rc) seal_world_free(w);
    return rc;
}
