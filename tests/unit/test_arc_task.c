/* test_arc_task: arc/task.h and arc/format.h on hand-made files written to a
 * temp dir: file order, subtask expansion, both layouts, 28 malformed files
 * each refused with a message naming the file, task and field, the
 * reference's selections (the seed-0 shuffle order is NumPy's, recorded), and
 * the texts against strings written out by hand from seal-method.md §3.2/§3.5.
 *
 * Modes for tests/arc/test_arc_data.sh (real files, live Python):
 *   test_arc_task order  CH SOL           every subtask id, one a line
 *   test_arc_task first  CH SOL N         ids after seal_arc_select_first(N)
 *   test_arc_task shuffled CH SOL K SEED  ids after seal_arc_select_shuffled
 *   test_arc_task prompt CH SOL SUBTASK   the self-edit prompt, raw
 *   test_arc_task ttt    CH SOL SUBTASK   system, user and answer, each then "\n=\n" */
#include <sys/stat.h>
#include <unistd.h>

#include "arc/format.h"
#include "arc/task.h"
#include "check.h"
#include "util/err.h"

static char dir[] = "/tmp/seal_arc_task_XXXXXX";

static char *path_in(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *put(const char *name, const char *text) {
    const char *p = path_in(name);
    FILE *f = fopen(p, "w");
    if (!f) { perror(p); exit(1); }
    fputs(text, f);
    fclose(f);
    return p;
}

#define GOOD_TRAIN "\"train\": [{\"input\": [[1,2],[3,4]], \"output\": [[4,3],[2,1]]}]"
#define GOOD_TEST "\"test\": [{\"input\": [[5,6],[7,8]]}]"
#define GOOD_SOL "{\"t1\": [[[8,7],[6,5]]]}"

static const char *ids_of(const arc_set *s) {
    static char buf[4096];
    buf[0] = '\0';
    for (int i = 0; i < s->n; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, s->sub[i].id);
    }
    return buf;
}

/* ---- loading -------------------------------------------------------------- */

static void test_kaggle_order(void) {
    const char *ch = put("order.json",
        "{\"zz\": {" GOOD_TRAIN ", \"test\": [{\"input\": [[1]]}, {\"input\": [[2]]}]},"
        " \"aa\": {" GOOD_TRAIN ", " GOOD_TEST "},"
        " \"mm\": {" GOOD_TRAIN ", " GOOD_TEST "}}");
    const char *sol = put("order_sol.json",
        "{\"mm\": [[[3]]], \"zz\": [[[4]], [[5, 5]]], \"aa\": [[[6]]], \"unused\": [[[7]]]}");
    arc_set s;
    CHECK(seal_arc_load(&s, ch, sol) == 0);
    CHECK_MSG(!strcmp(ids_of(&s), "zz-0,zz-1,aa-0,mm-0"), "order %s", ids_of(&s));   /* file order, not sorted */
    if (s.n == 4) {
        CHECK(!strcmp(s.sub[1].task_id, "zz") && s.sub[1].test_index == 1);
        CHECK(s.sub[1].t.query.in.c[0] == 2 && s.sub[1].t.has_out && s.sub[1].t.query.out.w == 2);
        CHECK(s.sub[0].t.n_demo == 1 && s.sub[0].t.demo != s.sub[1].t.demo);   /* each owns its demos */
        const arc_grid *g = &s.sub[2].t.demo[0].out;
        CHECK(g->h == 2 && g->w == 2 && arc_at(g, 0, 0) == 4 && arc_at(g, 1, 1) == 1);
        CHECK(s.sub[3].t.query.out.c[0] == 3);
    }
    seal_arc_set_free(&s);
    CHECK(seal_arc_load(&s, ch, NULL) == 0);   /* no solutions: queries without outputs */
    CHECK(s.n == 4 && !s.sub[0].t.has_out);
    seal_arc_set_free(&s);
}

static void test_dir_layout(void) {
    char sub[600];
    snprintf(sub, sizeof sub, "%s/tasks", dir);
    mkdir(sub, 0700);
    put("tasks/bbb.json", "{" GOOD_TRAIN ", \"test\": [{\"input\": [[1]], \"output\": [[2]]}]}");
    put("tasks/aaa.json", "{" GOOD_TRAIN ", \"test\": [{\"input\": [[3]], \"output\": [[4]]}, {\"input\": [[5]]}]}");
    put("tasks/notes.txt", "not a task");
    arc_set s;
    CHECK(seal_arc_load(&s, sub, NULL) == 0);
    CHECK_MSG(!strcmp(ids_of(&s), "aaa-0,aaa-1,bbb-0"), "dir order %s", ids_of(&s));
    if (s.n == 3) CHECK(s.sub[0].t.has_out && !s.sub[1].t.has_out && s.sub[2].t.query.out.c[0] == 2);
    seal_arc_set_free(&s);
    CHECK_ERR(seal_arc_load(&s, sub, path_in("x.json")), "not a directory");
    put("tasks/ccc.json", "{" GOOD_TRAIN ", \"test\": [{\"input\": [[1, 2], [3]]}]}");
    CHECK_ERR(seal_arc_load(&s, sub, NULL), "tasks/ccc.json: task ccc: test[0].input: row 1 has 1 cells");
    snprintf(sub, sizeof sub, "%s/empty", dir);
    mkdir(sub, 0700);
    CHECK_ERR(seal_arc_load(&s, sub, NULL), "no *.json task files");
}

/* A challenges text (and solutions text, or NULL), the needle its error must
 * contain, and whether the message names the solutions file instead. */
typedef struct {
    const char *what, *ch, *sol, *needle;
    int names_sol;
} bad_case;

#define T1(body) "{\"t1\": {" body "}}"
#define GRID_IN(g) T1("\"train\": [{\"input\": " g ", \"output\": [[1]]}], " GOOD_TEST)

static const bad_case BAD[] = {
    {"not JSON", "{\"t1\": {\"train\": [", GOOD_SOL, "not valid JSON", 0},
    {"a list of tasks", "[1, 2]", GOOD_SOL, "not an object of tasks", 0},
    {"no tasks", "{}", GOOD_SOL, "not an object of tasks", 0},
    {"task not an object", "{\"t1\": 5}", GOOD_SOL, "task t1: not an object", 0},
    {"ragged rows", GRID_IN("[[1,2],[3]]"), GOOD_SOL, "task t1: train[0].input: row 1 has 1 cells, row 0 has 2", 0},
    {"colour 10", GRID_IN("[[1,10]]"), GOOD_SOL, "train[0].input: row 0 column 1: 10 is not a colour 0-9", 0},
    {"colour -1", GRID_IN("[[-1]]"), GOOD_SOL, "row 0 column 0: -1 is not a colour 0-9", 0},
    {"colour 1.5", GRID_IN("[[0],[1.5]]"), GOOD_SOL, "row 1 column 0: 1.5 (a real) is not a colour", 0},
    {"colour 1.0", GRID_IN("[[1.0]]"), GOOD_SOL, "1 (a real) is not a colour", 0},
    {"colour \"3\"", GRID_IN("[[\"3\"]]"), GOOD_SOL, "the string \"3\" is not a colour", 0},
    {"colour true", GRID_IN("[[true]]"), GOOD_SOL, "true is not a colour", 0},
    {"colour null", GRID_IN("[[null]]"), GOOD_SOL, "null is not a colour", 0},
    {"31 columns", GRID_IN("[[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]"), GOOD_SOL,
     "row 0 has 31 cells (at most 30)", 0},
    {"31 rows", GRID_IN("[[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],"
                        "[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0]]"), GOOD_SOL, "31 rows (at most 30)", 0},
    {"empty grid", GRID_IN("[]"), GOOD_SOL, "train[0].input: empty grid", 0},
    {"empty row", GRID_IN("[[]]"), GOOD_SOL, "train[0].input: row 0 is empty", 0},
    {"grid not a list", GRID_IN("7"), GOOD_SOL, "train[0].input: not a list of rows", 0},
    {"row not a list", GRID_IN("[[1],2]"), GOOD_SOL, "row 1 is not a list", 0},
    {"missing train", T1(GOOD_TEST), GOOD_SOL, "task t1: no \"train\" list", 0},
    {"empty train", T1("\"train\": [], " GOOD_TEST), GOOD_SOL, "task t1: \"train\" is empty", 0},
    {"train entry not an object", T1("\"train\": [5], " GOOD_TEST), GOOD_SOL, "task t1: train[0] is not an object", 0},
    {"train without output", T1("\"train\": [{\"input\": [[1]]}], " GOOD_TEST), GOOD_SOL,
     "task t1: train[0]: no \"output\"", 0},
    {"missing test", T1(GOOD_TRAIN), GOOD_SOL, "task t1: no \"test\" list", 0},
    {"test without input", T1(GOOD_TRAIN ", \"test\": [{\"output\": [[1]]}]"), GOOD_SOL, "task t1: test[0]: no \"input\"", 0},
    {"test without solution", T1(GOOD_TRAIN ", " GOOD_TEST), "{\"t2\": [[[1]]]}", "task t1 has no solutions", 1},
    {"solution count mismatch", T1(GOOD_TRAIN ", " GOOD_TEST), "{\"t1\": [[[1]], [[2]]]}",
     "task t1: 2 solutions in", 0},
    {"solutions not a list", T1(GOOD_TRAIN ", " GOOD_TEST), "{\"t1\": 3}", "task t1: solutions are not a list", 1},
    {"solution grid bad", T1(GOOD_TRAIN ", " GOOD_TEST), "{\"t1\": [[[1, 12]]]}",
     "task t1: solution 0 in", 0},
    {"solutions not an object", T1(GOOD_TRAIN ", " GOOD_TEST), "[]", "not an object {\"id\"", 1},
    {"solutions not JSON", T1(GOOD_TRAIN ", " GOOD_TEST), "{\"t1\": [", "not valid JSON", 1},
    {"duplicate task id", "{\"t1\": {" GOOD_TRAIN ", " GOOD_TEST "}, \"t1\": {" GOOD_TRAIN ", " GOOD_TEST "}}",
     GOOD_SOL, "duplicate object key", 0},
    {"bad task id", "{\"a/x\": {" GOOD_TRAIN ", " GOOD_TEST "}}", "{\"a/x\": [[[1]]]}",
     "task id \"a/x\" has a character other than", 0},
};

static void test_malformed(void) {
    int n = (int)(sizeof BAD / sizeof BAD[0]);
    CHECK(n >= 15);
    for (int i = 0; i < n; i++) {
        const char *ch = put("bad.json", BAD[i].ch), *sol = put("bad_sol.json", BAD[i].sol);
        arc_set s = {(arc_subtask *)1, 99};   /* garbage: load must not read it */
        int rc = seal_arc_load(&s, ch, sol);
        const char *m = seal_errmsg();
        CHECK_MSG(rc != 0 && strstr(m, BAD[i].needle), "%s: rc=%d msg=\"%s\", want \"%s\"", BAD[i].what, rc, m,
                  BAD[i].needle);
        CHECK_MSG(strstr(m, BAD[i].names_sol ? "bad_sol.json" : "bad.json"), "%s: no file in \"%s\"", BAD[i].what, m);
        CHECK(s.n == 0 && s.sub == NULL);
    }
    arc_set s;
    CHECK_ERR(seal_arc_load(&s, path_in("missing.json"), NULL), "cannot open");
}

/* ---- tasks and selection -------------------------------------------------- */

static void test_task_ops(void) {
    const char *ch = put("ops.json", "{\"a\": {\"train\": [{\"input\": [[1]], \"output\": [[2]]},"
                                     " {\"input\": [[3]], \"output\": [[4]]}], \"test\": [{\"input\": [[5]]}, {\"input\": [[5]]}]}}");
    arc_set s;
    CHECK(seal_arc_load(&s, ch, put("ops_sol.json", "{\"a\": [[[6]], [[6, 6]]]}")) == 0);
    if (s.n != 2) { seal_arc_set_free(&s); CHECK(0); return; }
    arc_task c;
    seal_arc_task_copy(&c, &s.sub[0].t);
    CHECK(c.demo != s.sub[0].t.demo && seal_arc_task_equal(&c, &s.sub[0].t));
    CHECK(seal_arc_task_hash(&c) == seal_arc_task_hash(&s.sub[0].t));
    CHECK(!seal_arc_task_equal(&c, &s.sub[1].t));   /* same demos and input, other answer */
    CHECK(seal_arc_task_hash(&c) != seal_arc_task_hash(&s.sub[1].t));
    arc_pair p = c.demo[0];
    c.demo[0] = c.demo[1];
    c.demo[1] = p;   /* demo order matters */
    CHECK(!seal_arc_task_equal(&c, &s.sub[0].t) && seal_arc_task_hash(&c) != seal_arc_task_hash(&s.sub[0].t));
    c.has_out = 0;
    arc_task d;
    seal_arc_task_copy(&d, &c);
    d.query.out.c[0] = 9;   /* an unknown answer is not compared */
    CHECK(seal_arc_task_equal(&c, &d) && seal_arc_task_hash(&c) == seal_arc_task_hash(&d));
    seal_arc_task_free(&c);
    seal_arc_task_free(&d);
    CHECK(c.demo == NULL && c.n_demo == 0);
    seal_arc_set_free(&s);
}

/* Tasks s0..s10 with one test each, or the given test counts. */
static void load_many(arc_set *s, const int *tests, int n) {
    char buf[8192];
    int k = snprintf(buf, sizeof buf, "{");
    for (int i = 0; i < n; i++) {
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%s\"s%d\": {" GOOD_TRAIN ", \"test\": [", i ? ", " : "", i);
        for (int j = 0; j < tests[i]; j++) k += snprintf(buf + k, sizeof buf - (size_t)k, "%s{\"input\": [[1]]}", j ? ", " : "");
        k += snprintf(buf + k, sizeof buf - (size_t)k, "]}");
    }
    snprintf(buf + k, sizeof buf - (size_t)k, "}");
    if (seal_arc_load(s, put("many.json", buf), NULL)) { fprintf(stderr, "%s\n", seal_errmsg()); exit(1); }
}

static void test_select(void) {
    static const int ONE[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, MIXED[5] = {2, 1, 2, 1, 3};
    arc_set s;
    load_many(&s, ONE, 11);
    /* np.random.seed(0); np.random.shuffle(list(range(11))) -> [4 9 2 10 6 1 7 8 3 0 5] */
    seal_arc_select_shuffled(&s, 9, 0);
    CHECK_MSG(!strcmp(ids_of(&s), "s4-0,s9-0,s2-0,s10-0,s6-0,s1-0,s7-0,s8-0,s3-0"), "shuffled %s", ids_of(&s));
    seal_arc_set_free(&s);
    load_many(&s, ONE, 3);
    seal_arc_select_shuffled(&s, 10, 0);   /* k beyond n keeps all */
    CHECK(s.n == 3);
    seal_arc_set_free(&s);

    load_many(&s, MIXED, 5);   /* s0-0 s0-1 s1-0 s2-0 s2-1 s3-0 s4-0 s4-1 s4-2 */
    seal_arc_select_first(&s, 4);
    CHECK_MSG(!strcmp(ids_of(&s), "s0-0,s1-0,s2-0"), "first %s", ids_of(&s));
    seal_arc_set_free(&s);
    load_many(&s, MIXED, 5);
    seal_arc_select_first(&s, 100);
    CHECK_MSG(!strcmp(ids_of(&s), "s0-0,s1-0,s2-0,s3-0,s4-0"), "first all %s", ids_of(&s));
    seal_arc_set_free(&s);

    load_many(&s, MIXED, 5);
    CHECK(seal_arc_select_ids(&s, "s4, s0") == 0);   /* set order, every subtask of each */
    CHECK_MSG(!strcmp(ids_of(&s), "s0-0,s0-1,s4-0,s4-1,s4-2"), "ids %s", ids_of(&s));
    CHECK_ERR(seal_arc_select_ids(&s, "s0,s7"), "task s7 is not in the loaded tasks");
    CHECK(s.n == 5);   /* a failed selection changes nothing */
    CHECK_ERR(seal_arc_select_ids(&s, "s0,,s4"), "empty task id");
    CHECK_ERR(seal_arc_select_ids(&s, ""), "empty task id list");
    seal_arc_set_free(&s);
}

/* ---- texts ---------------------------------------------------------------- */

/* seal-method.md §3.1's 6150a2bd, its TTT messages written out by hand from
 * §3.5 (grids as NumPy prints them). */
static void test_ttt_text(void) {
    const char *ch = put("6150.json", "{\"6150a2bd\": {\"train\": [{\"input\": [[3,3,8],[3,7,0],[5,0,0]], "
        "\"output\": [[0,0,5],[0,7,3],[8,3,3]]}, {\"input\": [[5,5,2],[1,0,0],[0,0,0]], "
        "\"output\": [[0,0,0],[0,0,1],[2,5,5]]}], \"test\": [{\"input\": [[6,3,5],[6,8,0],[4,0,0]]}]}}");
    const char *sol = put("6150_sol.json", "{\"6150a2bd\": [[[0,0,4],[0,8,6],[5,3,6]]]}");
    arc_set s;
    CHECK(seal_arc_load(&s, ch, sol) == 0);
    if (s.n != 1) { seal_arc_set_free(&s); CHECK(0); return; }
    strbuf b = {0};
    seal_arc_ttt_system(&s.sub[0].t, &b);
    CHECK_MSG(!strcmp(b.s, "Figure out the underlying transformation in the following examples and apply it to the "
        "test case. Here are some examples from this transformation, your answer must follow the format.\n"
        "The input-output grids are provided as python arrays:\n"
        "[[3 3 8]\n [3 7 0]\n [5 0 0]] -> [[0 0 5]\n [0 7 3]\n [8 3 3]]#\n"
        "[[5 5 2]\n [1 0 0]\n [0 0 0]] -> [[0 0 0]\n [0 0 1]\n [2 5 5]]#\n"), "system %s", b.s);
    seal_strbuf_clear(&b);
    seal_arc_ttt_user(&s.sub[0].t, &b);
    CHECK(!strcmp(b.s, "[[6 3 5]\n [6 8 0]\n [4 0 0]] -> "));
    seal_strbuf_clear(&b);
    seal_arc_ttt_answer(&s.sub[0].t, &b);
    CHECK(!strcmp(b.s, "[[0 0 4]\n [0 8 6]\n [5 3 6]]#"));
    seal_strbuf_clear(&b);
    s.sub[0].t.has_out = 0;
    seal_arc_ttt_answer(&s.sub[0].t, &b);
    CHECK(b.len == 0);

    seal_arc_selfedit_prompt(&s.sub[0].t, &b);
    const char *head = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant "
        "that provide the correct output for the given task immediately.<|eot_id|><|start_header_id|>user"
        "<|end_header_id|>\n\nInput:\n3 3 8\n3 7 0\n5 0 0\n\nOutput:\n0 0 5\n0 7 3\n8 3 3\n\n"
        "Input:\n5 5 2\n1 0 0\n0 0 0\n\nOutput:\n0 0 0\n0 0 1\n2 5 5\n\n------\n\n\nYou are configuring a model "
        "training pipeline by selecting from predefined tools.\n\nYou must make two decisions:\n\n"
        "1. **Data Generation Tools** \xe2\x80\x94 For each";
    const char *tail = "    \"num_train_epochs\": ...\n  }\n}\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    CHECK_MSG(b.len > strlen(head) && !strncmp(b.s, head, strlen(head)), "prompt head %.400s", b.s);
    CHECK_MSG(b.len > strlen(tail) && !strcmp(b.s + b.len - strlen(tail), tail), "prompt tail %s",
              b.s + (b.len > 120 ? b.len - 120 : 0));
    CHECK(strlen(seal_arc_selfedit_instructions) == 980);   /* len(self_edit_prompt.encode()), utils/prompts.py in Python */
    seal_strbuf_free(&b);
    seal_arc_set_free(&s);
}

/* ---- modes for the shell test --------------------------------------------- */

static const arc_subtask *find(const arc_set *s, const char *id) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->sub[i].id, id)) return &s->sub[i];
    return NULL;
}

static int run_mode(int argc, char **argv) {
    arc_set s;
    if (argc < 4 || seal_arc_load(&s, argv[2], strcmp(argv[3], "-") ? argv[3] : NULL)) {
        fprintf(stderr, "test_arc_task %s: %s\n", argv[1], argc < 4 ? "usage: MODE CH SOL [ARGS]" : seal_errmsg());
        return 2;
    }
    const char *mode = argv[1];
    strbuf b = {0};
    int rc = 0;
    if (!strcmp(mode, "order")) {
        for (int i = 0; i < s.n; i++) printf("%s\n", s.sub[i].id);
    } else if (!strcmp(mode, "first") && argc > 4) {
        seal_arc_select_first(&s, atoi(argv[4]));
        printf("%s\n", ids_of(&s));
    } else if (!strcmp(mode, "shuffled") && argc > 5) {
        seal_arc_select_shuffled(&s, atoi(argv[4]), (unsigned)atoi(argv[5]));
        printf("%s\n", ids_of(&s));
    } else if ((!strcmp(mode, "prompt") || !strcmp(mode, "ttt")) && argc > 4 && find(&s, argv[4])) {
        const arc_task *t = &find(&s, argv[4])->t;
        if (!strcmp(mode, "prompt")) {
            seal_arc_selfedit_prompt(t, &b);
        } else {
            seal_arc_ttt_system(t, &b);
            seal_strbuf_puts(&b, "\n=\n");
            seal_arc_ttt_user(t, &b);
            seal_strbuf_puts(&b, "\n=\n");
            seal_arc_ttt_answer(t, &b);
            seal_strbuf_puts(&b, "\n=\n");
        }
        fwrite(b.s, 1, b.len, stdout);
    } else {
        fprintf(stderr, "test_arc_task: bad mode or arguments\n");
        rc = 2;
    }
    seal_strbuf_free(&b);
    seal_arc_set_free(&s);
    return rc;
}

int main(int argc, char **argv) {
    if (argc > 1) return run_mode(argc, argv);
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a temp dir");
    test_kaggle_order();
    test_dir_layout();
    test_malformed();
    test_task_ops();
    test_select();
    test_ttt_text();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_arc_task");
}
