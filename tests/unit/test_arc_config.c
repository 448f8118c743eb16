/* test_arc_config: self-edits as untrusted input (arc/config.h). Every case's
 * outcome is the rule of seal-method.md §3.2/§7 (or of config.c's header
 * where the reference crashes or judges surprisingly), written down here by
 * hand: valid configs, the reference's 0-epoch cases, and more than 30
 * malformed responses, each with a non-empty one-line reason that names the
 * key or the problem. Run it under ASan/UBSan too (build-asan). */
#include <stdint.h>

#include "arc/augment.h"
#include "arc/config.h"
#include "check.h"
#include "util/err.h"

/* The paper's Fig. 3 self-edit, with placeholders for the fields varied. */
#define DG(b, s, c, r) \
    "\"data_generation\": {\"use_basic_augmentations\": " b ", \"use_size_augmentations\": " s \
    ", \"use_chain_augmentations\": " c ", \"use_repeat_augmentations\": " r "}"
#define TR(st, lr, ep) "\"training\": {\"strategy\": " st ", \"learning_rate\": " lr ", \"num_train_epochs\": " ep "}"
#define FIG3 "{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}"

typedef struct {
    const char *text;
    arc_cfg_status want;
    const char *needle; /* in the reason ("" for OK) */
} cfg_case;

static const cfg_case cases[] = {
    /* valid */
    {FIG3, ARC_CFG_OK, ""},
    {"\n  " FIG3 "\n\t", ARC_CFG_OK, ""}, /* json.loads skips JSON whitespace around the value */
    {"{" DG("true", "true", "true", "true") ", " TR("\"train_using_output_tokens\"", "0.0001", "2.0") "}", ARC_CFG_OK,
     ""},
    {"{\"notes\": [1, {\"a\": 2}], " DG("false", "true", "false", "true") ", " TR("\"train_using_all_tokens\"", "1", "751")
     "}", ARC_CFG_OK, ""}, /* unknown top-level keys are ignored, as the reference does */
    {"{" DG("true", "false", "false", "false") ", \"training\": {\"strategy\": \"train_using_all_tokens\", "
     "\"learning_rate\": 5e-5, \"num_train_epochs\": 1, \"why\": \"because\"}}", ARC_CFG_OK, ""},

    /* the reference's rules: 0 epochs */
    {"{\"data_generation\": {\"use_basic_augmentations\": true, \"use_chain_augmentations\": false, "
     "\"use_repeat_augmentations\": false}, " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_ZERO,
     "data_generation.use_size_augmentations missing"},
    {"{\"data_generation\": {}, " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_ZERO,
     "use_basic_augmentations missing"},
    {"{" DG("true", "false", "false", "false") ", \"training\": {\"strategy\": \"train_using_all_tokens\", "
     "\"num_train_epochs\": 3}}", ARC_CFG_ZERO, "training.learning_rate missing"},
    {"{" DG("true", "false", "false", "false") ", \"training\": {}}", ARC_CFG_ZERO, "training.strategy missing"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_on_everything\"", "1e-05", "3") "}", ARC_CFG_ZERO,
     "training.strategy is a string \"train_on_everything\""},
    {"{" DG("true", "false", "false", "false") ", " TR("5", "1e-05", "3") "}", ARC_CFG_ZERO, "training.strategy is a number"},
    {"{" DG("true", "false", "false", "false") ", " TR("null", "1e-05", "3") "}", ARC_CFG_ZERO, "training.strategy is null"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "0") "}", ARC_CFG_ZERO,
     "num_train_epochs is 0"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "752") "}", ARC_CFG_ZERO,
     "375-step budget"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "1e300") "}", ARC_CFG_ZERO,
     "375-step budget"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "0", "3") "}", ARC_CFG_ZERO,
     "learning_rate is 0"},

    /* rejected: not a JSON object */
    {"", ARC_CFG_REJECT, "not valid JSON"},
    {"Sure! Here is the configuration you asked for.", ARC_CFG_REJECT, "not valid JSON"},
    {"```json\n" FIG3 "\n```", ARC_CFG_REJECT, "not valid JSON"}, /* json.loads does not strip fences */
    {"Here it is: " FIG3, ARC_CFG_REJECT, "not valid JSON"},
    {FIG3 " I hope this helps", ARC_CFG_REJECT, "not valid JSON"},
    {FIG3 FIG3, ARC_CFG_REJECT, "not valid JSON"},
    {"{\"data_generation\": {\"use_basic_augmentations\": true, \"use_size_augm", ARC_CFG_REJECT, "not valid JSON"},
    {"\xef\xbb\xbf" FIG3, ARC_CFG_REJECT, "not valid JSON"}, /* a BOM: json.loads refuses it too */
    {"[1, 2]", ARC_CFG_REJECT, "is an array, not a JSON object"},
    {"3", ARC_CFG_REJECT, "is a number, not a JSON object"},
    {"null", ARC_CFG_REJECT, "is null, not a JSON object"},
    {"\"train_using_all_tokens\"", ARC_CFG_REJECT, "is a string, not a JSON object"},
    /* rejected: the reference would crash */
    {"{" TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT, "data_generation missing"},
    {"{\"data_generation\": [true, false], " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "data_generation is an array"},
    {"{\"data_generation\": \"basic\", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "data_generation is a string"},
    {"{" DG("true", "false", "false", "false") "}", ARC_CFG_REJECT, "training missing"},
    {"{" DG("true", "false", "false", "false") ", \"training\": 3}", ARC_CFG_REJECT, "training is a number"},
    {"{" DG("true", "false", "false", "false") ", " TR("[\"train_using_all_tokens\"]", "1e-05", "3") "}",
     ARC_CFG_REJECT, "training.strategy is an array"},
    {"{\"data_generation\": {\"use_basic_augmentations\": true, \"use_size_augmentations\": false, "
     "\"use_chain_augmentations\": false, \"use_repeat_augmentations\": false, \"extra\": {}}, "
     TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT, "data_generation.extra is an object"},
    /* rejected: Python truthiness would be surprising */
    {"{" DG("\"false\"", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}",
     ARC_CFG_REJECT, "use_basic_augmentations is a string \"false\", not true or false"},
    {"{" DG("true", "0", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "use_size_augmentations is a number"},
    {"{" DG("true", "false", "1", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "use_chain_augmentations is a number"},
    {"{" DG("true", "false", "false", "null") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "use_repeat_augmentations is null"},
    {"{" DG("[]", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3") "}", ARC_CFG_REJECT,
     "use_basic_augmentations is an array"},
    /* rejected: numbers */
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "\"1e-4\"", "3") "}",
     ARC_CFG_REJECT, "training.learning_rate is a string, not a number"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "true", "3") "}", ARC_CFG_REJECT,
     "training.learning_rate is true"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "-1e-4", "3") "}", ARC_CFG_REJECT,
     "training.learning_rate -0.0001 is outside"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "2", "3") "}", ARC_CFG_REJECT,
     "training.learning_rate 2 is outside"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "NaN", "3") "}", ARC_CFG_REJECT,
     "not valid JSON"}, /* json.loads would take NaN; jansson (and JSON) do not */
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "Infinity", "3") "}",
     ARC_CFG_REJECT, "not valid JSON"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e400", "3") "}", ARC_CFG_REJECT,
     "not valid JSON"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "-1") "}", ARC_CFG_REJECT,
     "training.num_train_epochs -1 is negative"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "2.5") "}",
     ARC_CFG_REJECT, "training.num_train_epochs 2.5 is not a whole number"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "\"3\"") "}",
     ARC_CFG_REJECT, "training.num_train_epochs is a string"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "true") "}",
     ARC_CFG_REJECT, "training.num_train_epochs is true"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "null") "}",
     ARC_CFG_REJECT, "training.num_train_epochs is null"},
    {"{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "99999999999999999999999") "}",
     ARC_CFG_REJECT, "not valid JSON"}, /* over jansson's integer range */
    /* types are checked before the 0-epoch rules */
    {"{\"data_generation\": {}, " TR("\"bogus\"", "\"fast\"", "3") "}", ARC_CFG_REJECT, "training.learning_rate is a string"},
    /* bytes */
    {"{\"data_generation\": {\"use_basic_augmentations\": \"\xff\xfe\"}}", ARC_CFG_REJECT, "not valid JSON"},
    {"\x01\x02\x03\x7f\x80", ARC_CFG_REJECT, "not valid JSON"},
};

static int show; /* `test_arc_config reasons` prints each outcome */

static void check_case(const char *text, size_t len, arc_cfg_status want, const char *needle, int i) {
    arc_config c;
    memset(&c, 0x5a, sizeof c); /* parse must overwrite everything */
    arc_cfg_status st = seal_arc_config_parse(text, len, &c);
    if (show) printf("%3d %s %s\n", i, st == ARC_CFG_OK ? "OK    " : st == ARC_CFG_ZERO ? "ZERO  " : "REJECT", c.reason);
    CHECK_MSG(st == want && c.status == want, "case %d: status %d, want %d (%s)", i, st, want, c.reason);
    if (want == ARC_CFG_OK) CHECK_MSG(c.reason[0] == 0, "case %d: OK with a reason: %s", i, c.reason);
    else {
        CHECK_MSG(c.reason[0] && strstr(c.reason, needle), "case %d: reason \"%s\" lacks \"%s\"", i, c.reason, needle);
        CHECK_MSG(!strchr(c.reason, '\n'), "case %d: reason spans lines", i);
    }
    if (want != ARC_CFG_OK) CHECK_MSG(c.epochs == 0, "case %d: %d epochs", i, c.epochs);
}

static void test_table(void) {
    int n = (int)(sizeof cases / sizeof cases[0]), bad = 0;
    for (int i = 0; i < n; i++) check_case(cases[i].text, strlen(cases[i].text), cases[i].want, cases[i].needle, i);
    for (int i = 0; i < n; i++) bad += cases[i].want == ARC_CFG_REJECT;
    CHECK_MSG(bad >= 30, "only %d malformed cases", bad);
}

/* Inputs too big for the table: 10 MB of text, 100k '[' (over 64 KiB: refused
 * before parsing), 60k '[' (under it: jansson's depth limit of 2048), binary
 * with NUL bytes, and the text not NUL-terminated. */
static void test_huge(void) {
    size_t big = 10u << 20;
    char *t = malloc(big);
    memset(t, 'a', big);
    check_case(t, big, ARC_CFG_REJECT, "over the 65536-byte limit", 100);
    memset(t, '[', 100000);
    check_case(t, 100000, ARC_CFG_REJECT, "over the 65536-byte limit", 101);
    check_case(t, 60000, ARC_CFG_REJECT, "maximum parsing depth", 102);
    for (size_t i = 0; i < 4096; i++) t[i] = (char)(i * 37 + 11);
    t[0] = 0;
    check_case(t, 4096, ARC_CFG_REJECT, "not valid JSON", 103);
    const char *fig = FIG3;
    memcpy(t, fig, strlen(fig));
    memset(t + strlen(fig), '}', 16); /* parse only len bytes, whatever follows */
    check_case(t, strlen(fig), ARC_CFG_OK, "", 104);
    check_case(NULL, 0, ARC_CFG_REJECT, "no response text", 105);
    free(t);
}

/* The fields of OK and 0-epoch configs, as the reference leaves them. */
static void test_fields(void) {
    arc_config c;
    seal_arc_config_parse(FIG3, strlen(FIG3), &c);
    CHECK(c.groups == ARC_TOOL_BASIC && c.strategy == ARC_LOSS_ALL_TOKENS && c.epochs == 3);
    CHECK(c.lr == 1e-05);
    const char *all = "{" DG("true", "true", "true", "true") ", " TR("\"train_using_output_tokens\"", "0.0001", "2.0") "}";
    seal_arc_config_parse(all, strlen(all), &c);
    CHECK(c.groups == ARC_TOOL_ALL && c.strategy == ARC_LOSS_OUTPUT_TOKENS && c.epochs == 2 && c.lr == 1e-4);
    /* duplicate keys: the last wins, as in json.loads */
    const char *dup = "{\"data_generation\": {\"use_basic_augmentations\": false, \"use_size_augmentations\": false, "
                      "\"use_chain_augmentations\": false, \"use_repeat_augmentations\": false, "
                      "\"use_basic_augmentations\": true}, " TR("\"train_using_all_tokens\"", "1e-05", "3") "}";
    CHECK(seal_arc_config_parse(dup, strlen(dup), &c) == ARC_CFG_OK && c.groups == ARC_TOOL_BASIC);
    /* a missing use_* key: no augmenters even where others say true */
    const char *miss = "{\"data_generation\": {\"use_basic_augmentations\": true}, "
                       TR("\"train_using_all_tokens\"", "1e-05", "3") "}";
    CHECK(seal_arc_config_parse(miss, strlen(miss), &c) == ARC_CFG_ZERO && c.groups == 0 && c.epochs == 0);
    /* a missing training key: lr 0, all tokens */
    const char *mtr = "{" DG("true", "false", "false", "false") ", \"training\": {\"strategy\": "
                      "\"train_using_output_tokens\", \"learning_rate\": 1e-4}}";
    CHECK(seal_arc_config_parse(mtr, strlen(mtr), &c) == ARC_CFG_ZERO);
    CHECK(c.lr == 0 && c.strategy == ARC_LOSS_ALL_TOKENS && c.epochs == 0 && c.groups == ARC_TOOL_BASIC);
}

/* epochs * n // batch > max_steps, worked out by hand: 3 * 250 // 2 = 375 is
 * within 375; 3 * 251 // 2 = 376 is over; 751 * 1 // 2 = 375 within. */
static void test_budget(void) {
    arc_config c;
    seal_arc_config_parse(FIG3, strlen(FIG3), &c);
    seal_arc_config_budget(&c, 250, 2, 375);
    CHECK(c.status == ARC_CFG_OK && c.epochs == 3);
    seal_arc_config_budget(&c, 251, 2, 375);
    CHECK(c.status == ARC_CFG_ZERO && c.epochs == 0 && strstr(c.reason, "376 steps, over 375"));
    const char *e751 = "{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "751") "}";
    seal_arc_config_parse(e751, strlen(e751), &c);
    seal_arc_config_budget(&c, 1, 2, 375);
    CHECK(c.status == ARC_CFG_OK && c.epochs == 751);
    seal_arc_config_budget(&c, 2, 2, 375);
    CHECK(c.status == ARC_CFG_ZERO);
    /* a ZERO or REJECT config is left as it is */
    seal_arc_config_parse("3", 1, &c);
    seal_arc_config_budget(&c, 1000, 2, 375);
    CHECK(c.status == ARC_CFG_REJECT && strstr(c.reason, "not a JSON object"));
}

/* Canonical JSON: the reference's schema in the prompt's key order, reals
 * in their shortest form; it parses back to the same config. */
static void test_json(void) {
    arc_config c, d;
    seal_arc_config_parse(FIG3, strlen(FIG3), &c);
    char *j = seal_arc_config_json(&c);
    CHECK_MSG(!strcmp(j, "{" DG("true", "false", "false", "false") ", " TR("\"train_using_all_tokens\"", "1e-05", "3")
                         "}"), "%s", j);
    CHECK(seal_arc_config_parse(j, strlen(j), &d) == ARC_CFG_OK);
    CHECK(d.groups == c.groups && d.strategy == c.strategy && d.lr == c.lr && d.epochs == c.epochs);
    free(j);
    const char *odd = "{" DG("false", "true", "true", "false") ", " TR("\"train_using_output_tokens\"", "0.0003", "7") "}";
    seal_arc_config_parse(odd, strlen(odd), &c);
    j = seal_arc_config_json(&c);
    CHECK_MSG(!strcmp(j, odd), "%s", j);
    free(j);
}

int main(int argc, char **argv) {
    show = argc > 1 && !strcmp(argv[1], "reasons");
    test_table();
    test_huge();
    test_fields();
    test_budget();
    test_json();
    return check_report("test_arc_config");
}
