/* test_squad.c: SEAL passage files (both formats, bad inputs), the writer's
 * bytes against Python's json.dump(indent=2, ensure_ascii=False), and
 * pyrandom against values recorded from /usr/bin/python3 3.11
 * (tests/seal/squad_ref.py pyrandom SEED...).
 *
 * With arguments it is also the C side of tests/seal/test_squad_data.sh:
 *   test_squad pyrandom SEED...               lines to diff against squad_ref.py pyrandom
 *   test_squad select IN SEED START N OUT     load IN, save the subset to OUT, print counts
 *   test_squad convert IN OUT                 load IN (either format), save all of it to OUT */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "seal/pyrandom.h"
#include "seal/squad.h"
#include "util/err.h"
#include "util/fsutil.h"

/* ---- pyrandom: the lines squad_ref.py prints ---------------------------- */

static void appendf(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char **buf, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *buf = seal_realloc(*buf, *len + (size_t)m + 1);
    va_start(ap, fmt);
    vsnprintf(*buf + *len, (size_t)m + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)m;
}

/* Same draws in the same order as squad_ref.py's pyrandom(); malloc'd text. */
static char *pyrandom_lines(unsigned long long seed) {
    char *b = NULL;
    size_t n = 0;
    py_random r;
    seal_pyrandom_seed(&r, seed);
    appendf(&b, &n, "seed %llu\nu32", seed);
    for (int i = 0; i < 5; i++) appendf(&b, &n, " %u", (unsigned)seal_pyrandom_getrandbits(&r, 32));
    appendf(&b, &n, "\nbits");
    static const int ks[] = {0, 1, 7, 31, 32, 33, 53, 64};
    for (int i = 0; i < 8; i++) appendf(&b, &n, " %llu", (unsigned long long)seal_pyrandom_getrandbits(&r, ks[i]));
    appendf(&b, &n, "\nrandom");
    for (int i = 0; i < 3; i++) appendf(&b, &n, " %llu", (unsigned long long)(seal_pyrandom_random(&r) * 9007199254740992.0));
    appendf(&b, &n, "\nbelow");
    static const uint64_t ns[] = {1, 2, 3, 10, 1000, 1ull << 31, (1ull << 33) + 1, (1ull << 63) + 5};
    for (int i = 0; i < 8; i++) appendf(&b, &n, " %llu", (unsigned long long)seal_pyrandom_randbelow(&r, ns[i]));
    int x[2067];
    for (int i = 0; i < 10; i++) x[i] = i;
    seal_pyrandom_shuffle(&r, x, 10, sizeof x[0]);
    appendf(&b, &n, "\nshuffle10");
    for (int i = 0; i < 10; i++) appendf(&b, &n, " %d", x[i]);
    for (int i = 0; i < 2067; i++) x[i] = i;
    seal_pyrandom_shuffle(&r, x, 2067, sizeof x[0]);
    appendf(&b, &n, "\nshuffle2067");
    for (int i = 0; i < 20; i++) appendf(&b, &n, " %d", x[i]);
    appendf(&b, &n, "\n");
    return b;
}

/* Recorded with /usr/bin/python3 (3.11.2): tests/seal/squad_ref.py pyrandom 0 42 12345 4294967296 18446744073709551615 3000000000 */
static const struct { unsigned long long seed; const char *lines; } PY_RECORDED[] = {
    {0, "seed 0\n"
        "u32 3626764237 1654615998 3255389356 3823568514 1806341205\n"
        "bits 0 0 33 2073320061 2195908194 2087043557 7059830666782643 5595132141482622304\n"
        "random 8717167392983304 3225022060913177 8031365230618712\n"
        "below 0 0 1 2 773 407295012 3874773259 1821862095355237593\n"
        "shuffle10 6 8 9 3 2 0 4 7 5 1\n"
        "shuffle2067 150 249 152 960 488 950 524 1927 955 518 55 1958 1694 499 1548 1550 2051 622 2031 1495\n"},
    {42, "seed 42\n"
         "u32 2746317213 478163327 107420369 3184935163 1181241943\n"
         "bits 0 0 28 299655412 3163119785 4735180711 8036041610782387 1603738325357503540\n"
         "random 5318683718061126 286272926941993 843931694654114\n"
         "below 0 0 2 3 733 1801823908 5241752544 5131712758418120108\n"
         "shuffle10 5 9 3 4 1 7 8 6 2 0\n"
         "shuffle2067 172 1504 1485 137 1378 1341 537 612 1164 121 1385 299 1612 774 458 24 729 1085 266 1480\n"},
    {12345, "seed 12345\n"
            "u32 1789368711 3146859322 43676229 3522623596 3544234957\n"
            "bits 0 1 38 1836395613 1582316135 4001984784 5098148815881226 2982613905704790608\n"
            "random 3360260349706193 7873862439752613 2351689650639232\n"
            "below 0 0 1 1 543 1770039327 715425150 3504353380093752459\n"
            "shuffle10 1 8 4 6 7 2 3 0 9 5\n"
            "shuffle2067 893 652 836 265 1479 1787 429 156 1235 392 1546 619 973 313 1541 237 740 1152 1585 589\n"},
    {4294967296ull, "seed 4294967296\n"
                    "u32 485306839 1508871100 1794561286 4014597330 71624475\n"
                    "bits 0 0 78 1881395657 3460227584 3274195809 4914399667873900 8334527133290745189\n"
                    "random 126085552236055 682509147183637 8470252775260512\n"
                    "below 0 1 1 6 490 1985290963 8111125757 2542947691152435567\n"
                    "shuffle10 3 2 0 7 6 1 9 5 4 8\n"
                    "shuffle2067 463 1958 373 474 274 776 934 104 1311 1082 40 1592 1209 225 589 24 510 1811 1462 83\n"},
    {18446744073709551615ull, "seed 18446744073709551615\n"
                              "u32 93740670 1068495656 1452108352 2657516307 910393425\n"
                              "bits 0 0 78 204048575 3949527284 3868957638 6594285631384622 13697207522376501736\n"
                              "random 489571560378621 1734324888763702 4795333768968897\n"
                              "below 0 1 1 4 284 157547622 5644141004 5361299505010502960\n"
                              "shuffle10 3 4 0 8 2 1 6 5 7 9\n"
                              "shuffle2067 2054 394 945 1683 355 299 156 1650 235 1226 1912 1218 1771 1453 425 162 74 171 433 47\n"},
    {3000000000ull, "seed 3000000000\n"
                    "u32 3673392199 1656907970 3572238743 1784876264 1731978897\n"
                    "bits 0 0 120 2013319197 3628336550 7950990642 1949588914616863 4415932094740224775\n"
                    "random 2163810294677042 5849756017452194 8435782534529172\n"
                    "below 0 0 2 6 67 1682245166 2321609255 727184916134869325\n"
                    "shuffle10 4 8 5 0 2 6 9 7 3 1\n"
                    "shuffle2067 1455 1490 1367 1975 2060 348 698 100 1821 1326 1744 1128 1588 422 1078 1069 2052 164 130 185\n"},
};

/* random.sample(range(n), k), values recorded from /usr/bin/python3 3.11:
 * both of CPython's branches (pool: n small against k; set: n large). */
static void test_pyrandom_sample(void) {
    py_random r;
    size_t out[500];
    seal_pyrandom_seed(&r, 42); /* r.sample(range(974), 500): the pool branch */
    CHECK(seal_pyrandom_sample(&r, 974, 500, out) == 0);
    static const size_t a[8] = {654, 114, 25, 759, 281, 250, 228, 142};
    for (int i = 0; i < 8; i++) CHECK_MSG(out[i] == a[i], "sample(974, 500)[%d] = %zu, want %zu", i, out[i], a[i]);
    CHECK(seal_pyrandom_sample(&r, 974, 500, out) == 0); /* the next draw of the same generator */
    CHECK(out[497] == 969 && out[498] == 884 && out[499] == 774);
    seal_pyrandom_seed(&r, 42);
    CHECK(seal_pyrandom_sample(&r, 30, 7, out) == 0);
    static const size_t b[7] = {20, 3, 0, 23, 8, 7, 24};
    for (int i = 0; i < 7; i++) CHECK(out[i] == b[i]);
    seal_pyrandom_seed(&r, 42); /* r.sample(range(10000), 500): the set branch */
    CHECK(seal_pyrandom_sample(&r, 10000, 500, out) == 0);
    CHECK(out[0] == 1824 && out[1] == 409 && out[2] == 4506 && out[5] == 2286 && out[498] == 7461 && out[499] == 6790);
    seal_pyrandom_seed(&r, 7); /* sample(range(5), 5), sample(range(3), 0), sample(range(40), 3) */
    CHECK(seal_pyrandom_sample(&r, 5, 5, out) == 0);
    CHECK(out[0] == 2 && out[1] == 1 && out[2] == 3 && out[3] == 0 && out[4] == 4);
    CHECK(seal_pyrandom_sample(&r, 3, 0, out) == 0);
    CHECK(seal_pyrandom_sample(&r, 40, 3, out) == 0);
    CHECK(out[0] == 34 && out[1] == 6 && out[2] == 23);
    CHECK(seal_pyrandom_sample(&r, 3, 4, out) == -1);
}

static void test_pyrandom(void) {
    for (size_t i = 0; i < sizeof PY_RECORDED / sizeof PY_RECORDED[0]; i++) {
        char *got = pyrandom_lines(PY_RECORDED[i].seed);
        CHECK_MSG(strcmp(got, PY_RECORDED[i].lines) == 0, "seed %llu:\n got:\n%s want:\n%s", PY_RECORDED[i].seed, got,
                  PY_RECORDED[i].lines);
        free(got);
    }
    /* random.seed(-5) == random.seed(5): CPython keys on abs(); words {5} either way. */
    py_random a, b;
    uint32_t key = 5;
    seal_pyrandom_seed(&a, 5), seal_pyrandom_seed_words(&b, &key, 1);
    CHECK(seal_pyrandom_u32(&a) == seal_pyrandom_u32(&b));
    /* Element sizes other than int (the swap goes in 64-byte chunks). */
    struct { char s[100]; } big[10];
    for (int i = 0; i < 10; i++) memset(big[i].s, 'a' + i, sizeof big[i].s);
    seal_pyrandom_seed(&a, 42);
    seal_pyrandom_shuffle(&a, big, 10, sizeof big[0]);
    static const int want[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1}; /* random.seed(42); shuffle(range(10)) */
    for (int i = 0; i < 10; i++) CHECK(big[i].s[0] == 'a' + want[i] && big[i].s[99] == 'a' + want[i]);
    test_pyrandom_sample();
}

/* ---- files -------------------------------------------------------------- */

static char tmpdir[] = "/tmp/test_squad_XXXXXX";

static char *write_tmp(const char *name, const char *text) {
    char *path = seal_path_join(tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
    return path;
}

/* SEAL format with escapes, non-ASCII, extra keys, duplicate questions, an empty question list. */
static const char *SEAL_IN =
    "[{\"title\": \"Caf\\u00e9 \\\"Q\\\" \\\\ x\", \"completions\": [\"a\", \"b\"], \"prompt\": \"p\",\n"
    " \"context\": \"Line1\\nLine2\\tTab \\u0001 ctl \\u007f del \xf0\x9f\x98\x80 emoji \\/ slash \\u2028 ls\",\n"
    " \"questions\": [{\"question\": \"Wh\\u00e9re?\", \"answer\": \"Line2\", \"extra\": 1},\n"
    "               {\"question\": \"Wh\\u00e9re?\", \"answer\": \"dup\"}]},\n"
    " {\"title\": \"Empty\", \"context\": \"\", \"questions\": []}]\n";

/* Python: json.dumps(records, indent=2, ensure_ascii=False) of the above (title, context, questions only). */
static const char *SEAL_OUT =
    "[\n  {\n    \"title\": \"Caf\xc3\xa9 \\\"Q\\\" \\\\ x\",\n"
    "    \"context\": \"Line1\\nLine2\\tTab \\u0001 ctl \x7f" " del \xf0\x9f\x98\x80 emoji / slash \xe2\x80\xa8 ls\",\n"
    "    \"questions\": [\n      {\n        \"question\": \"Wh\xc3\xa9re?\",\n        \"answer\": \"Line2\"\n      },\n"
    "      {\n        \"question\": \"Wh\xc3\xa9re?\",\n        \"answer\": \"dup\"\n      }\n    ]\n  },\n"
    "  {\n    \"title\": \"Empty\",\n    \"context\": \"\",\n    \"questions\": []\n  }\n]";

/* Official SQuAD v1.1: two articles, several gold answers, a duplicate question. */
static const char *SQUAD_IN =
    "{\"version\": \"1.1\", \"data\": [\n"
    " {\"title\": \"Super_Bowl_50\", \"paragraphs\": [\n"
    "   {\"context\": \"Denver won Super Bowl 50.\", \"qas\": [\n"
    "     {\"id\": \"a1\", \"question\": \"Who won?\", \"answers\": [{\"answer_start\": 0, \"text\": \"Denver\"},\n"
    "                                                    {\"answer_start\": 0, \"text\": \"Denver Broncos\"}]},\n"
    "     {\"id\": \"a2\", \"question\": \"Who won?\", \"answers\": [{\"answer_start\": 0, \"text\": \"Denver\"}]}]},\n"
    "   {\"context\": \"It was in Santa Clara.\", \"qas\": []}]},\n"
    " {\"title\": \"Fresno,_California\", \"paragraphs\": [\n"
    "   {\"context\": \"Fresno is big.\", \"qas\": [{\"id\": \"b1\", \"question\": \"Is it big?\",\n"
    "     \"answers\": [{\"answer_start\": 10, \"text\": \"big\"}]}]}]}]}";

static int ok_passage(const seal_passage *p, const char *title, const char *context, int n_qa) {
    return !strcmp(p->title, title) && !strcmp(p->context, context) && p->n_qa == n_qa;
}

static void test_seal_format(void) {
    char *in = write_tmp("seal.json", SEAL_IN), *out = seal_path_join(tmpdir, "seal_out.json");
    seal_passages ps;
    CHECK(seal_passages_load(&ps, in) == 0);
    CHECK(ps.n == 2);
    if (ps.n == 2) {
        CHECK(ok_passage(&ps.p[0], "Caf\xc3\xa9 \"Q\" \\ x",
                         "Line1\nLine2\tTab \x01 ctl \x7f del \xf0\x9f\x98\x80 emoji / slash \xe2\x80\xa8 ls", 2));
        CHECK(!strcmp(ps.p[0].qa[1].question, "Wh\xc3\xa9re?") && !strcmp(ps.p[0].qa[1].answer, "dup"));
        CHECK(ok_passage(&ps.p[1], "Empty", "", 0));
        CHECK(seal_passages_count_questions(&ps, NULL, 2) == 2);
        CHECK(seal_passages_save(&ps, NULL, 2, out) == 0);
        size_t len;
        char *bytes = seal_read_file(out, &len);
        CHECK_MSG(bytes && len == strlen(SEAL_OUT) && !memcmp(bytes, SEAL_OUT, len), "wrote:\n%s", bytes ? bytes : "");
        free(bytes);
        /* A chosen subset in the chosen order, and the empty list. */
        int idx[2] = {1, 0};
        CHECK(seal_passages_save(&ps, idx, 2, out) == 0);
        seal_passages back;
        CHECK(seal_passages_load(&back, out) == 0 && back.n == 2 && ok_passage(&back.p[0], "Empty", "", 0) &&
              ok_passage(&back.p[1], ps.p[0].title, ps.p[0].context, 2));
        seal_passages_free(&back);
        CHECK(seal_passages_save(&ps, NULL, 0, out) == 0);
        bytes = seal_read_file(out, &len);
        CHECK(bytes && !strcmp(bytes, "[]"));
        free(bytes);
        idx[0] = 2;
        CHECK_ERR(seal_passages_save(&ps, idx, 1, out), "record index 2 (entry 0) is outside the 2 loaded passages");
    }
    seal_passages_free(&ps);
    CHECK(ps.n == 0 && ps.p == NULL);
    unlink(in), unlink(out), free(in), free(out);
}

static void test_squad_format(void) {
    char *in = write_tmp("squad.json", SQUAD_IN);
    seal_passages ps;
    CHECK(seal_passages_load(&ps, in) == 0);
    CHECK(ps.n == 3);
    if (ps.n == 3) {
        CHECK(ok_passage(&ps.p[0], "Super Bowl 50", "Denver won Super Bowl 50.", 2));
        CHECK(!strcmp(ps.p[0].qa[0].question, "Who won?") && !strcmp(ps.p[0].qa[0].answer, "Denver"));
        CHECK(!strcmp(ps.p[0].qa[1].question, "Who won?") && !strcmp(ps.p[0].qa[1].answer, "Denver"));
        CHECK(ok_passage(&ps.p[1], "Super Bowl 50", "It was in Santa Clara.", 0));
        CHECK(ok_passage(&ps.p[2], "Fresno, California", "Fresno is big.", 1));
        CHECK(!strcmp(ps.p[2].qa[0].answer, "big"));
        CHECK(seal_passages_count_questions(&ps, NULL, 3) == 3);
    }
    seal_passages_free(&ps);
    unlink(in), free(in);
}

static void check_bad(const char *text, const char *needle) {
    char *path = write_tmp("bad.json", text);
    seal_passages ps;
    CHECK_ERR(seal_passages_load(&ps, path), needle);
    CHECK(ps.n == 0 && ps.p == NULL);
    /* Every message names the file. */
    CHECK_MSG(strstr(seal_errmsg(), path) != NULL, "message without the path: %s", seal_errmsg());
    unlink(path), free(path);
}

static void test_bad_inputs(void) {
    const char *ok = "{\"title\": \"t\", \"context\": \"c\", \"questions\": [{\"question\": \"q\", \"answer\": \"a\"}]}";
    char buf[1024];
    check_bad("", "not valid JSON");
    check_bad("[{\"title\": ", "not valid JSON: line 1");
    check_bad("[\"\xff\"]", "not valid JSON");
    check_bad("[\"a\\u0000b\"]", "not valid JSON");
    check_bad("\"passages\"", "top level is a string, expected a list of passages");
    check_bad("42", "top level is a number");
    check_bad("null", "top level is null");
    /* SEAL format */
    snprintf(buf, sizeof buf, "[%s, 7]", ok);
    check_bad(buf, "record 1 is a number, expected an object");
    snprintf(buf, sizeof buf, "[%s, %s, {\"title\": \"t\", \"questions\": []}]", ok, ok);
    check_bad(buf, "record 2: missing \"context\"");
    snprintf(buf, sizeof buf, "[%s, {\"title\": 3, \"context\": \"c\", \"questions\": []}]", ok);
    check_bad(buf, "record 1: \"title\" is a number, expected a string");
    check_bad("[{\"title\": null, \"context\": \"c\", \"questions\": []}]", "record 0: \"title\" is null, expected a string");
    check_bad("[{\"title\": \"t\", \"context\": \"c\"}]", "record 0: missing \"questions\"");
    check_bad("[{\"title\": \"t\", \"context\": \"c\", \"questions\": {}}]", "record 0: \"questions\" is an object, expected a list");
    snprintf(buf, sizeof buf, "[%s, {\"title\": \"t\", \"context\": \"c\", \"questions\": [{\"question\": \"q\", \"answer\": \"a\"}, {\"question\": \"q\"}]}]", ok);
    check_bad(buf, "record 1: question 1: missing \"answer\"");
    check_bad("[{\"title\": \"t\", \"context\": \"c\", \"questions\": [[\"q\", \"a\"]]}]", "record 0: question 0 is a list, expected an object");
    check_bad("[{\"title\": \"t\", \"context\": \"c\", \"questions\": [{\"question\": \"q\", \"answer\": [\"a\"]}]}]",
              "record 0: question 0: \"answer\" is a list, expected a string");
    /* official SQuAD format */
    check_bad("{\"version\": \"1.1\"}", "top level: missing \"data\"");
    check_bad("{\"data\": {}}", "top level: \"data\" is an object, expected a list");
    check_bad("{\"data\": [{\"paragraphs\": []}]}", "data[0]: missing \"title\"");
    check_bad("{\"data\": [{\"title\": [\"x\"], \"paragraphs\": []}]}", "data[0]: \"title\" is a list, expected a string");
    check_bad("{\"data\": [{\"title\": \"T_1\", \"paragraphs\": [{\"context\": \"c\", \"qas\": []}, {\"qas\": []}]}]}",
              "data[0] (\"T_1\") paragraphs[1] (record 1): missing \"context\"");
    check_bad("{\"data\": [{\"title\": \"A\", \"paragraphs\": [{\"context\": \"c\", \"qas\": []}]},"
              " {\"title\": \"B\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"id\": \"x9\", \"question\": \"q\", \"answers\": []}]}]}]}",
              "data[1] (\"B\") paragraphs[0] (record 1): qas[0] (id \"x9\"): question has no answers");
    check_bad("{\"data\": [{\"title\": \"A\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"question\": \"q\"}]}]}]}",
              "paragraphs[0] (record 0): qas[0]: missing \"answers\"");
    check_bad("{\"data\": [{\"title\": \"A\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"question\": \"q\", \"answers\": [{\"answer_start\": 0}]}]}]}]}",
              "qas[0]: answers[0]: missing \"text\"");
    check_bad("{\"data\": [{\"title\": \"A\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"question\": \"q\", \"answers\": [\"a\"]}]}]}]}",
              "qas[0]: answers[0] is a string, expected an object");
    check_bad("{\"data\": [{\"title\": \"A\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"question\": 1, \"answers\": []}]}]}]}",
              "qas[0]: \"question\" is a number, expected a string");
    /* a missing file */
    seal_passages ps;
    CHECK_ERR(seal_passages_load(&ps, "/nonexistent/squad_val.json"), "/nonexistent/squad_val.json");
}

static void test_select(void) {
    /* Selection only looks at the count; records need no strings. */
    seal_passages all = {seal_calloc(2067, sizeof(seal_passage)), 10};
    int *idx;
    CHECK(seal_passages_select(&all, 42, 0, 10, &idx) == 0);
    static const int s42[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1}; /* random.seed(42); shuffle(range(10)) */
    CHECK(!memcmp(idx, s42, sizeof s42));
    free(idx);
    CHECK(seal_passages_select(&all, 42, 3, 4, &idx) == 0);
    CHECK(!memcmp(idx, s42 + 3, 4 * sizeof(int)));
    free(idx);
    CHECK(seal_passages_select(&all, 42, 10, 0, &idx) == 0);
    free(idx);
    CHECK_ERR(seal_passages_select(&all, 42, 5, 6, &idx), "passage subset [5, 11) is not inside the 10 loaded passages");
    CHECK(idx == NULL);
    CHECK_ERR(seal_passages_select(&all, 42, -1, 2, &idx), "not inside");
    CHECK_ERR(seal_passages_select(&all, 42, 0, -1, &idx), "not inside");
    /* Recorded: random.seed(s); x = list(range(2067)); random.shuffle(x); x[:8] */
    all.n = 2067;
    static const struct { unsigned long long seed; int first[8]; } full[] = {
        {42, {1168, 760, 685, 1193, 1679, 1572, 1257, 522}},
        {12345, {1675, 2014, 1079, 623, 959, 1621, 1989, 775}},
        {0, {1260, 196, 515, 1188, 1047, 1765, 1846, 58}},
    };
    for (int i = 0; i < 3; i++) {
        CHECK(seal_passages_select(&all, full[i].seed, 0, 8, &idx) == 0);
        CHECK_MSG(!memcmp(idx, full[i].first, sizeof full[i].first), "seed %llu: got %d %d %d %d", full[i].seed, idx[0],
                  idx[1], idx[2], idx[3]);
        free(idx);
    }
    CHECK(seal_passages_select(&all, 42, 2060, 7, &idx) == 0);
    free(idx);
    free(all.p);
}

/* ---- modes for tests/seal/test_squad_data.sh ------------------------------ */

static int mode_main(int argc, char **argv) {
    if (!strcmp(argv[1], "pyrandom")) {
        for (int i = 2; i < argc; i++) {
            char *s = pyrandom_lines(strtoull(argv[i], NULL, 10));
            fputs(s, stdout);
            free(s);
        }
        return 0;
    }
    seal_passages ps;
    int rc = 1;
    if (!strcmp(argv[1], "select") && argc == 7) {
        int *idx = NULL, n = atoi(argv[5]);
        if (!seal_passages_load(&ps, argv[2])) {
            if (!seal_passages_select(&ps, strtoull(argv[3], NULL, 10), atoi(argv[4]), n, &idx) &&
                !seal_passages_save(&ps, idx, n, argv[6])) {
                printf("passages %d questions %ld selected %d selected_questions %ld\n", ps.n,
                       seal_passages_count_questions(&ps, NULL, ps.n), n, seal_passages_count_questions(&ps, idx, n));
                rc = 0;
            }
            free(idx);
            seal_passages_free(&ps);
        }
    } else if (!strcmp(argv[1], "convert") && argc == 4) {
        if (!seal_passages_load(&ps, argv[2])) {
            if (!seal_passages_save(&ps, NULL, ps.n, argv[3])) {
                printf("passages %d questions %ld\n", ps.n, seal_passages_count_questions(&ps, NULL, ps.n));
                rc = 0;
            }
            seal_passages_free(&ps);
        }
    } else {
        fprintf(stderr, "usage: test_squad [pyrandom SEED... | select IN SEED START N OUT | convert IN OUT]\n");
        return 2;
    }
    if (rc) fprintf(stderr, "test_squad: %s\n", seal_errmsg());
    return rc;
}

int main(int argc, char **argv) {
    if (argc > 1) return mode_main(argc, argv);
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_pyrandom();
    test_seal_format();
    test_squad_format();
    test_bad_inputs();
    test_select();
    rmdir(tmpdir);
    return check_report("test_squad");
}
