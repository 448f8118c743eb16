/* test_world: the knowledge world generator (src/sandbox/world.*): determinism,
 * disjoint splits, no held-out person leaks into pretrain.jsonl, SEAL formats
 * byte for byte, questions answered by world.json, and the judge. */
#include <ctype.h>
#include <ftw.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sandbox/world.h"
#include "sandbox/world_internal.h"
#include "tok/prompts.h"
#include "util/err.h"
#include "util/fsutil.h"

static char tmpdir[] = "/tmp/test_world_XXXXXX";

static void small_opts(world_opts *o, uint64_t seed) {
    seal_world_opts_default(o);
    o->seed = seed;
    o->n_pretrain = 200;
    o->n_train = 20;
    o->n_eval = 10;
    o->n_drill = 300;
    o->docs_per_person = 8;
    o->background_docs = 300;
}

static char *gen_dir(const char *name, uint64_t seed) {
    world_opts o;
    small_opts(&o, seed);
    world w;
    char *dir = seal_path_join(tmpdir, name);
    CHECK(seal_world_generate(&w, &o) == 0);
    CHECK_MSG(seal_world_write(&w, dir, NULL) == 0, "%s", seal_errmsg());
    seal_world_free(&w);
    return dir;
}

static int same_file(const char *a, const char *b, const char *name) {
    char *pa = seal_path_join(a, name), *pb = seal_path_join(b, name);
    size_t na, nb;
    char *x = seal_read_file(pa, &na), *y = seal_read_file(pb, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x), free(y), free(pa), free(pb);
    return same;
}

/* Occurrences of needle in hay as whole words (no letter on either side). */
static int count_word(const char *hay, size_t n, const char *needle) {
    size_t m = strlen(needle);
    int c = 0;
    if (!m) return 0;
    for (const char *p = hay; (p = memmem(p, n - (size_t)(p - hay), needle, m)); p++) {
        int before = p > hay && isalpha((unsigned char)p[-1]);
        int after = p + m < hay + n && isalpha((unsigned char)p[m]);
        if (!before && !after) c++;
    }
    return c;
}

/* Split text into sentences ending in ". " or a final "."; calls f on each. */
static void each_sentence(const char *text, void (*f)(const char *s, void *ctx), void *ctx) {
    char buf[512];
    const char *p = text;
    while (*p) {
        const char *e = strstr(p, ". ");
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        if (n >= sizeof buf) n = sizeof buf - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        f(buf, ctx);
        p += e ? n + 1 : n;
    }
}

typedef struct { const world *w; const char *name; unsigned seen; int bad, n; int pos[WORLD_N_ATTR]; } sent_ctx;

static void judge_sentence(const char *s, void *vctx) {
    sent_ctx *c = vctx;
    world_judgement j;
    int v = seal_world_judge_line(c->w, c->name, s, &j);
    c->n++;
    if (v != WORLD_LINE_CORRECT) {
        c->bad++;
        fprintf(stderr, "passage sentence not judged correct (%d) for %s: \"%s\"\n", v, c->name, s);
    } else {
        c->seen |= 1u << j.attr;
        c->pos[j.attr] = c->n; /* 1-based position of the attribute's sentence */
    }
}

static void test_determinism(void) {
    char *a = gen_dir("a", 7), *b = gen_dir("b", 7), *c = gen_dir("c", 8);
    const char *files[4] = {"pretrain.jsonl", "train.json", "eval.json", "world.json"};
    for (int i = 0; i < 4; i++) {
        CHECK_MSG(same_file(a, b, files[i]), "%s differs for the same seed", files[i]);
        CHECK_MSG(!same_file(a, c, files[i]), "%s is the same for different seeds", files[i]);
    }
    free(a), free(b), free(c);
}

/* Held-out people: disjoint splits, passages judged sentence by sentence,
 * questions answered by world.json, no leak into pretrain.jsonl. */
static void test_heldout(const world *w, const char *dir, const char *pretrain, size_t plen) {
    int count[WORLD_DRILL + 1] = {0};
    for (int i = 0; i < w->n_people; i++) count[w->people[i].split]++;
    CHECK(count[WORLD_PRETRAIN] == 200 && count[WORLD_TRAIN] == 20 && count[WORLD_EVAL] == 10 && count[WORLD_DRILL] == 300);
    /* Names are unique across the world (spouses included), so the splits are disjoint. */
    for (int i = 0; i < w->n_people; i++) {
        CHECK(seal_world_find(w, w->people[i].name) == &w->people[i]);
        for (int k = 0; k < w->n_people && w->people[i].spouse[0]; k++)
            if (!strcmp(w->people[i].spouse, w->people[k].name) || (k != i && !strcmp(w->people[i].spouse, w->people[k].spouse)))
                CHECK_MSG(0, "spouse name %s reused", w->people[i].spouse);
    }
    const char *split_file[2] = {"train.json", "eval.json"};
    for (int s = 0; s < 2; s++) {
        char *path = seal_path_join(dir, split_file[s]);
        json_error_t e;
        json_t *arr = json_load_file(path, 0, &e);
        CHECK_MSG(json_is_array(arr) && json_array_size(arr) == (size_t)(s ? 10 : 20), "%s", path);
        size_t i;
        json_t *rec;
        json_array_foreach(arr, i, rec) {
            const char *title = json_string_value(json_object_get(rec, "title"));
            const char *ctx = json_string_value(json_object_get(rec, "context"));
            json_t *qs = json_object_get(rec, "questions");
            const world_person *p = title ? seal_world_find(w, title) : NULL;
            CHECK(p && ctx && p->split == (s ? WORLD_EVAL : WORLD_TRAIN));
            if (!p || !ctx) continue;
            CHECK(!strcmp(ctx, p->passage));
            size_t nq = json_array_size(qs);
            CHECK_MSG(nq >= 5 && nq <= 8, "%s: %zu questions", title, nq);
            CHECK((int)nq == __builtin_popcount(p->mask));
            size_t k;
            json_t *q;
            json_array_foreach(qs, k, q) {
                const char *qt = json_string_value(json_object_get(q, "question"));
                const char *ans = json_string_value(json_object_get(q, "answer"));
                CHECK(qt && ans && strstr(qt, title));
                int found = 0;
                for (int a = 0; a < WORLD_N_ATTR && qt && ans; a++) {
                    if (!(p->mask >> a & 1)) continue;
                    char *wq = seal_world_question(p, (world_attr)a);
                    if (!strcmp(wq, qt)) found = !strcmp(ans, seal_world_answer(p, (world_attr)a));
                    free(wq);
                }
                CHECK_MSG(found, "%s: \"%s\" -> \"%s\" not in world.json", title, qt, ans);
                CHECK(ans && (!strchr(ans, ' ') || !strchr(strchr(ans, ' ') + 1, ' '))); /* one or two words */
            }
            /* Every passage sentence is a correct fact, and together they state exactly the person's facts. */
            sent_ctx c = {w, title, 0, 0, 0, {0}};
            each_sentence(ctx, judge_sentence, &c);
            CHECK(c.bad == 0 && c.seen == p->mask && c.n == __builtin_popcount(p->mask));
            /* Nothing about this person, nor the spouse, nor the passage's first sentence, is in pretraining. */
            CHECK_MSG(count_word(pretrain, plen, p->name) == 0, "held-out name %s in pretrain.jsonl", p->name);
            CHECK_MSG(!p->spouse[0] || count_word(pretrain, plen, p->spouse) == 0, "held-out spouse %s in pretrain.jsonl", p->spouse);
            char first[256];
            snprintf(first, sizeof first, "%s", ctx);
            char *dot = strchr(first, '.');
            if (dot) dot[1] = '\0';
            CHECK(!memmem(pretrain, plen, first, strlen(first)));
        }
        json_decref(arr);
        free(path);
    }
}

/* Pretraining documents: prompts byte for byte, every implication line TRUE. */
static void test_pretrain_docs(const world *w, const char *dir, char **all_text, size_t *all_len) {
    char *path = seal_path_join(dir, "pretrain.jsonl");
    size_t n;
    char *data = seal_read_file(path, &n);
    CHECK(data != NULL);
    size_t cap = n + 1, len = 0;
    char *all = seal_malloc(cap);
    int n_impl = 0, n_lines = 0, n_correct = 0, n_bad = 0, n_qa = 0, n_passage = 0;
    int covered[WORLD_N_ATTR + 1] = {0}, rev = 0, hop = 0, pron = 0;
    const char *impl_head = "Let's read the following passage and produce a list of implications";
    int *drill_docs = seal_calloc((size_t)w->n_people, sizeof *drill_docs);
    for (char *line = data, *next; data && *line; line = next) {
        next = strchr(line, '\n');
        CHECK(next != NULL);
        if (!next) break;
        *next++ = '\0';
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        const char *text = json_string_value(json_object_get(o, "text"));
        CHECK(text && json_object_size(o) == 1);
        if (!text) { json_decref(o); continue; }
        size_t tl = strlen(text);
        memcpy(all + len, text, tl);
        len += tl;
        all[len++] = '\n';
        const char *pt = !strncmp(text, "Let's read", 10) ? strstr(text, "Passage:\n") : NULL;
        if (pt) { /* a self-edit document: count the drill person it is about */
            const char *nl = strchr(pt + 9, '\n');
            char *title = nl ? strndup(pt + 9, (size_t)(nl - pt - 9)) : NULL;
            const world_person *dp = title ? seal_world_find(w, title) : NULL;
            if (dp && dp->split == WORLD_DRILL) drill_docs[dp - w->people]++;
            free(title);
        }
        if (!strncmp(text, impl_head, strlen(impl_head))) {
            /* Passage:\n{title}\n{context}\n\nImplications:\n{lines} */
            const char *t = strstr(text, "Passage:\n"), *imp = strstr(text, "\n\nImplications:\n");
            CHECK(t && imp);
            if (!t || !imp) { json_decref(o); continue; }
            t += 9;
            const char *nl = strchr(t, '\n');
            char *title = strndup(t, (size_t)(nl - t)), *ctx = strndup(nl + 1, (size_t)(imp - nl - 1));
            char *prompt = seal_self_edit_prompt(SELF_EDIT_IMPLICATIONS, title, ctx);
            CHECK(!strncmp(text, prompt, strlen(prompt)));
            const world_person *p = seal_world_find(w, title);
            CHECK(p && (p->split == WORLD_PRETRAIN || p->split == WORLD_DRILL));
            sent_ctx sc = {w, title, 0, 0, 0, {0}};
            each_sentence(ctx, judge_sentence, &sc);
            int last_pos = 0, in_order = 1;
            n_impl++;
            int k = 0;
            for (const char *s = text + strlen(prompt); p && *s; k++) {
                const char *e2 = strchr(s, '\n');
                char *ln = strndup(s, e2 ? (size_t)(e2 - s) : strlen(s));
                world_judgement j;
                int v = seal_world_judge_line(w, title, ln, &j);
                n_lines++;
                if (v == WORLD_LINE_CORRECT) {
                    n_correct++;
                    rev += j.reverse, hop += j.hop, pron += j.subject == 2;
                    in_order &= sc.pos[j.attr] > last_pos;
                    last_pos = sc.pos[j.attr];
                } else if (v != WORLD_LINE_UNKNOWN || strstr(ln, p->given)) {
                    n_bad++;
                    fprintf(stderr, "implication line judged %d for %s: \"%s\"\n", v, title, ln);
                }
                free(ln);
                s = e2 ? e2 + 1 : s + strlen(s);
            }
            covered[k > WORLD_N_ATTR ? WORLD_N_ATTR : k]++;
            CHECK_MSG(in_order, "implication lines out of the passage's order for %s", title);
            free(prompt), free(title), free(ctx);
        } else if (!strncmp(text, "Let's answer", 12)) {
            n_qa++;
            const char *t = strstr(text, "Topic: ");
            const char *nl = t ? strchr(t, '\n') : NULL, *ans = strstr(text, "\nAnswer:\n");
            CHECK(t && nl && ans);
            if (t && nl && ans) {
                char *title = strndup(t + 7, (size_t)(nl - t - 7));
                char *q = strndup(nl + 1, (size_t)(ans - nl - 1));
                char *prompt = seal_answer_prompt(title, q);
                CHECK(!strncmp(text, prompt, strlen(prompt)));
                const world_person *p = seal_world_find(w, title);
                if (p) {
                    CHECK(p->split == WORLD_PRETRAIN && p->qa);
                    int ok = 0;
                    for (int a = 0; a < WORLD_N_ATTR; a++) {
                        char *wq = seal_world_question(p, (world_attr)a);
                        if (!strcmp(wq, q)) ok = !strcmp(ans + 9, seal_world_answer(p, (world_attr)a));
                        free(wq);
                    }
                    CHECK_MSG(ok, "QA document with a wrong answer: %s", text);
                }
                free(prompt), free(title), free(q);
            }
        } else if (strncmp(text, "Let's read", 10)) {
            /* "{title}\n{passage}": a person passage must be all correct facts. */
            const char *nl = strchr(text, '\n');
            char *title = nl ? strndup(text, (size_t)(nl - text)) : NULL;
            const world_person *p = title ? seal_world_find(w, title) : NULL;
            if (p) {
                CHECK(p->split == WORLD_PRETRAIN);
                sent_ctx c = {w, title, 0, 0, 0, {0}};
                each_sentence(nl + 1, judge_sentence, &c);
                CHECK(c.bad == 0 && c.n >= 5);
                n_passage++;
            }
            free(title);
        }
        json_decref(o);
    }
    all[len] = '\0';
    CHECK(n_impl > 100 && n_qa > 100 && n_passage > 100);
    CHECK_MSG(n_bad == 0, "%d implication lines not TRUE", n_bad);
    CHECK_MSG(n_correct >= n_lines * 9 / 10, "%d of %d implication lines judged correct", n_correct, n_lines);
    /* At least three lines (pretraining passages state five facts or more),
     * and variety: short and long lists, reverse, hop and pronoun lines. */
    CHECK(covered[0] + covered[1] + covered[2] == 0);
    CHECK(covered[3] > 0 && covered[7] + covered[8] + covered[9] > 0);
    /* A drill person is read exactly once: never memorizable. */
    int n_drill = 0, drill_once = 0;
    for (int i = 0; i < w->n_people; i++)
        if (w->people[i].split == WORLD_DRILL) n_drill++, drill_once += drill_docs[i] == 1;
    CHECK_MSG(n_drill == 300 && drill_once == n_drill, "%d of %d drill people in exactly one document",
              drill_once, n_drill);
    free(drill_docs);
    CHECK(rev > 0 && hop > 0 && pron > 0 && rev < n_correct / 2);
    if (getenv("TEST_WORLD_VERBOSE"))
        fprintf(stderr, "implications docs %d, lines %d (correct %d: reverse %d, hop %d, pronoun %d), lists of 1: %d, "
                "QA %d, passages %d\n", n_impl, n_lines, n_correct, rev, hop, pron, covered[1], n_qa, n_passage);
    free(data);
    free(path);
    *all_text = all;
    *all_len = len;
}

static int judge(const world *w, const char *name, world_judgement *j, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int judge(const world *w, const char *name, world_judgement *j, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return seal_world_judge_line(w, name, line, j);
}

static void test_judge(const world *w) {
    const world_person *p = NULL, *cap = NULL, *other = NULL, *h = NULL;
    for (int i = 0; i < w->n_people; i++) {
        const world_person *q = &w->people[i];
        if (q->split == WORLD_PRETRAIN && !p) p = q;
        else if (q->split == WORLD_PRETRAIN && !other) other = q;
        if (q->split == WORLD_PRETRAIN && !cap && city_is_capital(q->val[ATTR_BIRTH_CITY])) cap = q;
        if (q->split != WORLD_PRETRAIN && !h && !(q->mask >> ATTR_PET & 1)) h = q;
    }
    CHECK(p && cap && other && h);
    if (!p || !cap || !other || !h) return;
    int n;
    const char *const *city = seal_world_values(ATTR_BIRTH_CITY, &n), *const *inst = seal_world_values(ATTR_INSTRUMENT, &n);
    const char *const *year = seal_world_values(ATTR_BIRTH_YEAR, &n), *const *org = seal_world_values(ATTR_EMPLOYER, &n);
    int c = p->val[ATTR_BIRTH_CITY], in = p->val[ATTR_INSTRUMENT], o = p->val[ATTR_EMPLOYER];
    world_judgement j;
    CHECK(judge(w, p->name, &j, "%s was born in %s.", p->name, city[c]) == WORLD_LINE_CORRECT);
    CHECK(j.attr == ATTR_BIRTH_CITY && j.value == c && j.subject == 0 && !j.reverse && !j.hop);
    CHECK(judge(w, p->name, &j, "%s was born in %s.", p->name, city[(c + 1) % N_CITY]) == WORLD_LINE_WRONG);
    CHECK(j.attr == ATTR_BIRTH_CITY && j.value == (c + 1) % N_CITY);
    CHECK(judge(w, p->name, &j, "%s was born in %s.", p->name, year[p->val[ATTR_BIRTH_YEAR]]) == WORLD_LINE_CORRECT);
    CHECK(j.attr == ATTR_BIRTH_YEAR);
    CHECK(judge(w, p->name, &j, "- %s plays the %s", p->given, inst[in]) == WORLD_LINE_CORRECT && j.subject == 1);
    CHECK(judge(w, p->name, &j, "3. %s plays the %s.", p->given, inst[(in + 1) % 20]) == WORLD_LINE_WRONG);
    CHECK(judge(w, p->name, &j, "%s works for %s.", p->female ? "She" : "He", org[o]) == WORLD_LINE_CORRECT);
    CHECK(j.attr == ATTR_EMPLOYER && j.subject == 2);
    char hop[96];
    seal_hop_phrase(ATTR_EMPLOYER, (o + 1) % N_ORG, 0, hop, sizeof hop);
    CHECK(judge(w, p->name, &j, "%s works for %s.", p->name, hop) == WORLD_LINE_WRONG && j.hop);
    seal_hop_phrase(ATTR_BIRTH_CITY, cap->val[ATTR_BIRTH_CITY], 0, hop, sizeof hop);
    hop[0] = (char)toupper((unsigned char)hop[0]);
    CHECK(judge(w, cap->name, &j, "%s is the city where %s was born.", hop, cap->name) == WORLD_LINE_CORRECT);
    CHECK(j.attr == ATTR_BIRTH_CITY && j.hop && j.reverse);
    /* Spouse in both directions; another name is a contradiction. */
    CHECK(judge(w, p->name, &j, "%s is married to %s.", p->spouse, p->given) == WORLD_LINE_CORRECT && j.reverse);
    CHECK(judge(w, p->name, &j, "%s is married to Qaro Zimvek.", p->name) == WORLD_LINE_WRONG);
    /* Not about this entity, or not a fact: unknown. */
    CHECK(judge(w, p->name, &j, "%s was born in %s.", other->name, city[c]) == WORLD_LINE_UNKNOWN && j.attr == -1);
    CHECK(judge(w, p->name, &j, "The sky is blue.") == WORLD_LINE_UNKNOWN);
    CHECK(judge(w, p->name, &j, "%s is the capital of %s.", city[0], SEAL_W_COUNTRY[0]) == WORLD_LINE_UNKNOWN);
    CHECK(judge(w, p->name, &j, "%s was born in Atlantis.", p->name) == WORLD_LINE_UNKNOWN);
    CHECK(judge(w, p->name, &j, "%s", "") == WORLD_LINE_UNKNOWN);
    /* A held-out person's passage does not state a pet: unsupported. */
    CHECK(judge(w, h->name, &j, "%s owns a cat.", h->name) == WORLD_LINE_UNSUPPORTED && j.attr == ATTR_PET);
    CHECK_ERR(seal_world_judge_line(w, "Nobody Here", "Nobody Here owns a cat.", NULL), "no person");
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Names two worlds share: people and spouses of b that a also uses. */
static int shared_names(const world *a, const world *b) {
    int n = 0;
    for (int i = 0; i < b->n_people; i++)
        for (int j = 0; j < a->n_people; j++) {
            const world_person *p = &b->people[i], *q = &a->people[j];
            n += !strcmp(p->name, q->name) || !strcmp(p->name, q->spouse) ||
                 (p->spouse[0] && (!strcmp(p->spouse, q->name) || !strcmp(p->spouse, q->spouse)));
        }
    return n;
}

/* --avoid-names: another seed's world takes none of the first world's names
 * (without it, two worlds of 3,000 people share dozens). */
static void test_avoid(void) {
    world_opts o;
    world a, b;
    small_opts(&o, 1);
    o.n_drill = 2800;
    CHECK(seal_world_generate(&a, &o) == 0);
    o.seed = 2;
    CHECK(seal_world_generate(&b, &o) == 0);
    int without = shared_names(&a, &b);
    seal_world_free(&b);
    o.avoid = &a;
    CHECK(seal_world_generate(&b, &o) == 0);
    int with = shared_names(&a, &b);
    CHECK_MSG(without > 5 && with == 0, "shared names: %d without --avoid-names, %d with", without, with);
    seal_world_free(&b);
    seal_world_free(&a);
}

int main(void) {
    if (!mkdtemp(tmpdir)) TEST_SKIP("cannot create a temp dir");
    test_determinism();
    test_avoid();
    /* world.json reads back to the world that seal_world_generate made. */
    char *dir = seal_path_join(tmpdir, "a"), *wj = seal_path_join(dir, "world.json");
    world w, g;
    world_opts o;
    small_opts(&o, 7);
    CHECK(seal_world_generate(&g, &o) == 0);
    CHECK_MSG(seal_world_load(&w, wj) == 0, "%s", seal_errmsg());
    CHECK(w.n_people == g.n_people);
    for (int i = 0; i < w.n_people && i < g.n_people; i++) {
        const world_person *a = &w.people[i], *b = &g.people[i];
        CHECK(!strcmp(a->name, b->name) && !strcmp(a->spouse, b->spouse) && a->mask == b->mask &&
              a->split == b->split && a->qa == b->qa && a->female == b->female &&
              !memcmp(a->val, b->val, sizeof a->val) && !a->passage == !b->passage &&
              (!a->passage || !strcmp(a->passage, b->passage)));
    }
    seal_world_free(&g);
    char *all;
    size_t len;
    test_pretrain_docs(&w, dir, &all, &len);
    test_heldout(&w, dir, all, len);
    test_judge(&w);
    free(all);
    seal_world_free(&w);
    /* Bad inputs. */
    char *bad = seal_path_join(tmpdir, "bad.json");
    CHECK(seal_write_file_atomic(bad, "{\"format\": \"other\"}", 19) == 0);
    CHECK_ERR(seal_world_load(&w, bad), "format");
    CHECK(seal_write_file_atomic(bad, "[1,", 3) == 0);
    CHECK_ERR(seal_world_load(&w, bad), "bad.json");
    seal_world_opts_default(&o);
    o.min_facts = 9, o.max_facts = 3;
    CHECK_ERR(seal_world_generate(&g, &o), "facts");
    free(bad), free(dir), free(wj);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_report("test_world");
}
