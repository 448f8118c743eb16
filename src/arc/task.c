/* task.c: loading ARC tasks (Kaggle challenges + solutions, or one task per
 * file), expanding them into subtasks, and the reference's subset selections.
 *
 * Validation happens bottom-up: a grid reports "row R column C: ...", the
 * caller prefixes the field ("train[2].output"), then the task, then the
 * file, with seal_err_prefix, so every message names all four. */
#include "arc/task.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_load.h"
#include "util/nprandom.h"

/* No ARC task comes near these (at most 10 demonstrations and 4 test inputs
 * in ARC-AGI 1 and 2); they bound what a hostile file can make us allocate
 * (each subtask copies its task's demonstrations). */
#define ARC_DEMO_MAX 100
#define ARC_TEST_MAX 100
#define ARC_ID_MAX ((int)sizeof(((arc_subtask *)0)->task_id) - 1)

/* ---- tasks ---------------------------------------------------------------- */

void seal_arc_task_copy(arc_task *dst, const arc_task *src) {
    *dst = *src;
    dst->demo = NULL;
    if (src->n_demo > 0) {
        dst->demo = seal_malloc((size_t)src->n_demo * sizeof *dst->demo);
        memcpy(dst->demo, src->demo, (size_t)src->n_demo * sizeof *dst->demo);
    }
}

void seal_arc_task_free(arc_task *t) {
    free(t->demo);
    t->demo = NULL;
    t->n_demo = 0;
}

/* Everything seal_arc_task_equal compares, in order, so equal tasks hash equal. */
uint64_t seal_arc_task_hash(const arc_task *t) {
    int head[2] = {t->n_demo, t->has_out};
    uint64_t h = seal_fnv1a64(FNV1A64_INIT, head, sizeof head);
    for (int i = 0; i < t->n_demo; i++) {
        h = seal_arc_grid_hash(&t->demo[i].in, h);
        h = seal_arc_grid_hash(&t->demo[i].out, h);
    }
    h = seal_arc_grid_hash(&t->query.in, h);
    return t->has_out ? seal_arc_grid_hash(&t->query.out, h) : h;
}

int seal_arc_task_equal(const arc_task *a, const arc_task *b) {
    if (a->n_demo != b->n_demo || a->has_out != b->has_out) return 0;
    for (int i = 0; i < a->n_demo; i++)
        if (!seal_arc_grid_equal(&a->demo[i].in, &b->demo[i].in) ||
            !seal_arc_grid_equal(&a->demo[i].out, &b->demo[i].out))
            return 0;
    if (!seal_arc_grid_equal(&a->query.in, &b->query.in)) return 0;
    return !a->has_out || seal_arc_grid_equal(&a->query.out, &b->query.out);
}

/* ---- validation ----------------------------------------------------------- */

/* What a JSON value is, for messages: its text when short, else its kind. */
static void json_describe(const json_t *v, char *buf, size_t n) {
    switch (json_typeof(v)) {
    case JSON_INTEGER: snprintf(buf, n, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: snprintf(buf, n, "%g (a real)", json_real_value(v)); break;
    case JSON_STRING: snprintf(buf, n, "the string \"%.20s\"", json_string_value(v)); break;
    case JSON_TRUE: snprintf(buf, n, "true"); break;
    case JSON_FALSE: snprintf(buf, n, "false"); break;
    case JSON_NULL: snprintf(buf, n, "null"); break;
    case JSON_ARRAY: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "an object"); break;
    }
}

/* One row of cells into g->c[r * w ..]; w is row 0's length. */
static int parse_row(const json_t *row, int r, int w, arc_grid *g) {
    if (!json_is_array(row)) return seal_err("row %d is not a list", r);
    int n = (int)json_array_size(row);
    if (n == 0) return seal_err("row %d is empty", r);
    if (n > ARC_SIDE_MAX) return seal_err("row %d has %d cells (at most %d)", r, n, ARC_SIDE_MAX);
    if (n != w) return seal_err("row %d has %d cells, row 0 has %d (rows must be equal)", r, n, w);
    for (int c = 0; c < n; c++) {
        const json_t *v = json_array_get(row, (size_t)c);
        json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
        if (!json_is_integer(v) || x < 0 || x >= ARC_COLOURS) {
            char what[48];
            json_describe(v, what, sizeof what);
            return seal_err("row %d column %d: %s is not a colour 0-9", r, c, what);
        }
        g->c[r * w + c] = (unsigned char)x;
    }
    return 0;
}

/* A grid: a non-empty list of equally long non-empty lists of integers 0-9,
 * at most 30 a side. Reals (even 1.0), strings and booleans are refused. */
static int parse_grid(const json_t *j, arc_grid *g) {
    if (!json_is_array(j)) return seal_err("not a list of rows");
    int h = (int)json_array_size(j);
    if (h == 0) return seal_err("empty grid (no rows)");
    if (h > ARC_SIDE_MAX) return seal_err("%d rows (at most %d)", h, ARC_SIDE_MAX);
    const json_t *row0 = json_array_get(j, 0);
    int w = json_is_array(row0) ? (int)json_array_size(row0) : 0;
    if (w > ARC_SIDE_MAX) return seal_err("row 0 has %d cells (at most %d)", w, ARC_SIDE_MAX);
    memset(g, 0, sizeof *g);
    g->h = h;
    g->w = w;
    for (int r = 0; r < h; r++)
        if (parse_row(json_array_get(j, (size_t)r), r, w, g)) return -1;
    return 0;
}

/* obj[key] as a grid; the error names "field.key". */
static int parse_grid_field(const json_t *obj, const char *field, const char *key, arc_grid *g) {
    const json_t *v = json_object_get(obj, key);
    if (!v) return seal_err("%s: no \"%s\"", field, key);
    if (parse_grid(v, g)) return seal_err_prefix("%s.%s", field, key);
    return 0;
}

/* A list under key with 1..max entries. */
static const json_t *get_list(const json_t *task, const char *key, int max) {
    const json_t *v = json_object_get(task, key);
    if (!v) { seal_err("no \"%s\" list", key); return NULL; }
    if (!json_is_array(v)) { seal_err("\"%s\" is not a list", key); return NULL; }
    size_t n = json_array_size(v);
    if (n == 0) { seal_err("\"%s\" is empty", key); return NULL; }
    if (n > (size_t)max) { seal_err("\"%s\" has %zu entries (at most %d)", key, n, max); return NULL; }
    return v;
}

/* Task ids become file and folder names downstream (adapters, journals), so
 * only [A-Za-z0-9_.-], not starting with '.', and short. */
static int check_id(const char *id) {
    size_t n = strlen(id);
    if (n == 0) return seal_err("empty task id");
    if (n > (size_t)ARC_ID_MAX) return seal_err("task id \"%.60s\" is longer than %d characters", id, ARC_ID_MAX);
    if (id[0] == '.') return seal_err("task id \"%s\" starts with '.'", id);
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return seal_err("task id \"%.60s\" has a character other than A-Z a-z 0-9 _ - .", id);
    }
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

static void set_push(arc_set *s, const arc_subtask *st) {
    /* The capacity is implicit: 4, then doubled whenever n reaches it. */
    if (s->n == 0 || (s->n >= 4 && (s->n & (s->n - 1)) == 0)) {
        size_t cap = s->n ? 2 * (size_t)s->n : 4;
        s->sub = seal_realloc(s->sub, cap * sizeof *s->sub);
    }
    s->sub[s->n++] = *st;
}

/* The demonstrations of task (its "train" list) into a malloc'd array. */
static int parse_demos(const json_t *task, arc_pair **out, int *n_out) {
    const json_t *train = get_list(task, "train", ARC_DEMO_MAX);
    if (!train) return -1;
    int n = (int)json_array_size(train);
    arc_pair *d = seal_malloc((size_t)n * sizeof *d);
    for (int i = 0; i < n; i++) {
        const json_t *ex = json_array_get(train, (size_t)i);
        char field[32];
        snprintf(field, sizeof field, "train[%d]", i);
        if (!json_is_object(ex)) { free(d); return seal_err("%s is not an object", field); }
        if (parse_grid_field(ex, field, "input", &d[i].in) || parse_grid_field(ex, field, "output", &d[i].out)) {
            free(d);
            return -1;
        }
    }
    *out = d;
    *n_out = n;
    return 0;
}

/* Where a test input's answer comes from: the Kaggle solutions list (sols,
 * named by sol_file) or, without one, the test entry's own "output". */
typedef struct {
    const json_t *sols;
    const char *sol_file;
} answers;

/* Test i's query (input, and output when known) into st. */
static int parse_test(const json_t *test, int i, const answers *a, arc_subtask *st) {
    const json_t *ex = json_array_get(test, (size_t)i);
    char field[32];
    snprintf(field, sizeof field, "test[%d]", i);
    if (!json_is_object(ex)) return seal_err("%s is not an object", field);
    if (parse_grid_field(ex, field, "input", &st->t.query.in)) return -1;
    if (a->sols) {
        if (parse_grid(json_array_get(a->sols, (size_t)i), &st->t.query.out))
            return seal_err_prefix("solution %d in %s", i, a->sol_file);
        st->t.has_out = 1;
    } else if (json_object_get(ex, "output")) {
        if (parse_grid_field(ex, field, "output", &st->t.query.out)) return -1;
        st->t.has_out = 1;
    }
    return 0;
}

/* One task: validate everything, then append a subtask per test input. */
static int add_task(arc_set *s, const char *id, const json_t *task, const answers *a) {
    if (check_id(id)) return -1;
    if (!json_is_object(task)) return seal_err("task %s: not an object", id);
    const json_t *test = get_list(task, "test", ARC_TEST_MAX);
    if (!test) return seal_err_prefix("task %s", id);
    if (a->sols && json_array_size(a->sols) != json_array_size(test))
        return seal_err("task %s: %zu solutions in %s for %zu test inputs", id, json_array_size(a->sols),
                        a->sol_file, json_array_size(test));
    arc_pair *demo = NULL;
    int n_demo = 0;
    if (parse_demos(task, &demo, &n_demo)) return seal_err_prefix("task %s", id);
    int n_test = (int)json_array_size(test), first = s->n;
    for (int i = 0; i < n_test; i++) {
        arc_subtask st;
        memset(&st, 0, sizeof st);
        if (parse_test(test, i, a, &st)) {
            for (int k = first; k < s->n; k++) seal_arc_task_free(&s->sub[k].t);
            s->n = first;
            free(demo);
            return seal_err_prefix("task %s", id);
        }
        snprintf(st.task_id, sizeof st.task_id, "%s", id);
        snprintf(st.id, sizeof st.id, "%s-%d", id, i);
        st.test_index = i;
        st.t.n_demo = n_demo;
        st.t.demo = demo;
        arc_subtask copy;
        copy = st;
        seal_arc_task_copy(&copy.t, &st.t);   /* every subtask owns its demonstrations */
        set_push(s, &copy);
    }
    free(demo);
    return 0;
}

/* The solutions list of task id, checked to be a list. */
static int find_solutions(const json_t *sol_root, const char *sol_file, const char *id, answers *a) {
    a->sol_file = sol_file;
    a->sols = NULL;
    if (!sol_root) return 0;
    a->sols = json_object_get(sol_root, id);
    if (!a->sols) return seal_err("%s: task %s has no solutions", sol_file, id);
    if (!json_is_array(a->sols)) return seal_err("%s: task %s: solutions are not a list of grids", sol_file, id);
    return 0;
}

/* Kaggle: {id: task} in file order (jansson iterates objects in insertion
 * order, which is the file's). Solution entries for tasks not in the
 * challenges are ignored. */
static int load_kaggle(arc_set *s, const char *challenges, const char *solutions) {
    json_t *root = seal_json_load_file(challenges, JSON_REJECT_DUPLICATES), *sol_root = NULL;
    int rc = -1;
    if (!root) return -1;
    if (!json_is_object(root) || json_object_size(root) == 0) {
        seal_err("%s: not an object of tasks {\"id\": {\"train\": ..., \"test\": ...}}", challenges);
        goto out;
    }
    if (solutions) {
        sol_root = seal_json_load_file(solutions, JSON_REJECT_DUPLICATES);
        if (!sol_root) goto out;
        if (!json_is_object(sol_root)) { seal_err("%s: not an object {\"id\": [grid, ...]}", solutions); goto out; }
    }
    const char *id;
    json_t *task;
    json_object_foreach(root, id, task) {
        answers a;
        if (find_solutions(sol_root, solutions, id, &a)) goto out;
        if (add_task(s, id, task, &a)) { seal_err_prefix("%s", challenges); goto out; }
    }
    rc = 0;
out:
    json_decref(root);
    json_decref(sol_root);
    return rc;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names of dir's *.json files, sorted (the reference globs, whose order
 * is the file system's: sorting makes it one order everywhere). */
static int list_json(const char *dir, char ***names, int *n) {
    DIR *d = opendir(dir);
    if (!d) return seal_err("%s: cannot open directory", dir);
    struct dirent *e;
    int cap = 0;
    *names = NULL;
    *n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") || e->d_name[0] == '.') continue;
        if (*n == cap) *names = seal_realloc(*names, (size_t)(cap = cap ? 2 * cap : 16) * sizeof **names);
        (*names)[(*n)++] = seal_strdup(e->d_name);
    }
    closedir(d);
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, cmp_names);
    return 0;
}

/* One task per file: the id is the file name without ".json". */
static int load_dir(arc_set *s, const char *dir) {
    char **names = NULL;
    int n = 0, rc = 0;
    if (list_json(dir, &names, &n)) return -1;
    if (n == 0) rc = seal_err("%s: no *.json task files", dir);
    for (int i = 0; i < n && !rc; i++) {
        char *path = seal_path_join(dir, names[i]);
        json_t *task = seal_json_load_file(path, JSON_REJECT_DUPLICATES);
        names[i][strlen(names[i]) - 5] = '\0';
        answers a = {NULL, NULL};
        if (!task || add_task(s, names[i], task, &a)) rc = task ? seal_err_prefix("%s", path) : -1;
        json_decref(task);
        free(path);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int seal_arc_load(arc_set *s, const char *challenges, const char *solutions) {
    s->sub = NULL;
    s->n = 0;
    int rc;
    if (seal_is_dir(challenges)) {
        rc = solutions ? seal_err("%s: a solutions file goes with a Kaggle challenges file, not a directory",
                                  solutions)
                       : load_dir(s, challenges);
    } else {
        rc = load_kaggle(s, challenges, solutions);
    }
    if (rc) seal_arc_set_free(s);
    return rc;
}

void seal_arc_set_free(arc_set *s) {
    for (int i = 0; i < s->n; i++) seal_arc_task_free(&s->sub[i].t);
    free(s->sub);
    s->sub = NULL;
    s->n = 0;
}

/* ---- selection ------------------------------------------------------------ */

/* Keep the subtasks with keep[i] set, in order; free the rest. */
static void keep_only(arc_set *s, const unsigned char *keep) {
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        if (keep[i]) s->sub[k++] = s->sub[i];
        else seal_arc_task_free(&s->sub[i].t);
    }
    s->n = k;
}

/* The next comma-separated id of *p (spaces around it trimmed) into id. */
static int next_id(const char **p, char *id, size_t cap) {
    const char *a = *p, *e = strchr(a, ',');
    if (!e) e = a + strlen(a);
    *p = *e ? e + 1 : e;
    while (a < e && *a == ' ') a++;
    while (e > a && e[-1] == ' ') e--;
    if (e == a) return seal_err("empty task id in the list");
    if ((size_t)(e - a) >= cap) return seal_err("task id \"%.*s\" is too long", (int)(e - a), a);
    memcpy(id, a, (size_t)(e - a));
    id[e - a] = '\0';
    return 0;
}

int seal_arc_select_ids(arc_set *s, const char *ids) {
    unsigned char *keep = seal_calloc((size_t)s->n + 1, 1);
    const char *p = ids;
    int rc = 0;
    if (!*p) rc = seal_err("empty task id list");
    while (*p && !rc) {
        char id[sizeof s->sub[0].task_id];
        int found = 0;
        if ((rc = next_id(&p, id, sizeof id))) break;
        for (int i = 0; i < s->n; i++)
            if (!strcmp(s->sub[i].task_id, id)) keep[i] = 1, found = 1;
        if (!found) rc = seal_err("task %s is not in the loaded tasks", id);
    }
    if (!rc) keep_only(s, keep);
    free(keep);
    return rc;
}

void seal_arc_select_first(arc_set *s, int n) {
    unsigned char *keep = seal_calloc((size_t)s->n + 1, 1);
    for (int i = 0; i < s->n && i < n; i++) keep[i] = s->sub[i].test_index == 0;
    keep_only(s, keep);
    free(keep);
}

/* The shuffle permutes an index list with the same draws NumPy makes on the
 * list of subtasks (the draws depend only on the length), then the
 * subtasks are moved once. */
void seal_arc_select_shuffled(arc_set *s, int k, unsigned seed) {
    if (s->n == 0) return;
    np_random r;
    int *order = seal_malloc((size_t)s->n * sizeof *order);
    arc_subtask *sh = seal_malloc((size_t)s->n * sizeof *sh);
    for (int i = 0; i < s->n; i++) order[i] = i;
    seal_nprandom_seed(&r, seed);
    seal_nprandom_shuffle(&r, order, (size_t)s->n, sizeof *order);
    if (k < 0) k = 0;
    for (int i = 0; i < s->n; i++) {
        if (i < k) sh[i] = s->sub[order[i]];
        else seal_arc_task_free(&s->sub[order[i]].t);
    }
    free(s->sub);
    free(order);
    s->sub = sh;
    s->n = k < s->n ? k : s->n;
}
