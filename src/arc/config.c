/* config.c: a self-edit, the model's JSON choice of tools and training, read
 * as untrusted input (seal-method.md §3.2, §7).
 *
 * The reference (few-shot/self-edit.py) calls json.loads on the whole
 * response (no code fences or surrounding text stripped: anything but
 * whitespace around one JSON value is a parse error and a resample), then
 *   - hashes (data_generation.items(), training.items()): a missing or
 *     non-object data_generation or training, or a list or object value in
 *     either, crashes it;
 *   - a use_* key missing: no augmenters and 0 epochs (its except branch);
 *     booleans judged by Python truthiness;
 *   - a strategy, learning_rate or num_train_epochs missing: 0 epochs, lr 0,
 *     strategy train_using_all_tokens;
 *   - a strategy not one of the two names: 0 epochs;
 *   - epochs * n // 2 > 375: 0 epochs (seal_arc_config_budget).
 * seal rejects what would crash it or what it would judge surprisingly, and
 * keeps every rule that gives 0 epochs (ARC_CFG_ZERO). Types are checked
 * before those rules, so a wrongly typed key rejects a self-edit even when a
 * missing key would also have made it 0 epochs. docs/commands/arc.md lists
 * every choice with its reason. */
#include "arc/config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arc/augment.h"
#include "util/strbuf.h"

/* A response is at most 128 tokens; a config file a user wrote is small. */
#define CFG_TEXT_MAX 65536
/* Adam moves each weight by about lr per step: past 1 no run can mean it. */
#define CFG_LR_MAX 1.0
/* epochs * n // 2 > 375 for every TTT set (n >= 1) once epochs >= 752: the
 * reference's budget makes such a self-edit 0 epochs whatever its set, so
 * deciding it here keeps 1e300 out of an int. */
#define CFG_EPOCHS_OVER_ANY_BUDGET 752

static const char *const use_key[4] = {"use_basic_augmentations", "use_size_augmentations",
                                       "use_chain_augmentations", "use_repeat_augmentations"};
static const unsigned use_tool[4] = {ARC_TOOL_BASIC, ARC_TOOL_SIZE, ARC_TOOL_CHAIN, ARC_TOOL_REPEAT};
static const char *const strategy_name[2] = {"train_using_all_tokens", "train_using_output_tokens"};
static const char *const training_key[3] = {"strategy", "learning_rate", "num_train_epochs"};

/* Record status and a one-line printable reason (jansson's error text may
 * quote the response's bytes). Returns status. */
static arc_cfg_status vsetr(arc_config *c, arc_cfg_status st, const char *fmt, va_list ap) {
    c->status = st;
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    for (char *p = c->reason; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
    return st;
}

static arc_cfg_status reject(arc_config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static arc_cfg_status reject(arc_config *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    *c = (arc_config){.strategy = ARC_LOSS_ALL_TOKENS};
    vsetr(c, ARC_CFG_REJECT, fmt, ap);
    va_end(ap);
    return ARC_CFG_REJECT;
}

/* A reference rule that makes the self-edit 0 epochs; the first one met
 * gives the reason. */
static void zero(arc_config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void zero(arc_config *c, const char *fmt, ...) {
    c->epochs = 0;
    if (c->status != ARC_CFG_OK) return;
    va_list ap;
    va_start(ap, fmt);
    vsetr(c, ARC_CFG_ZERO, fmt, ap);
    va_end(ap);
}

static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

/* 0, or a reject when a member of group is a list or object (the reference
 * hashes each group's items, and those cannot be hashed). */
static int check_hashable(arc_config *c, json_t *group, const char *name) {
    const char *key;
    json_t *v;
    json_object_foreach(group, key, v) {
        if (json_is_object(v) || json_is_array(v)) {
            reject(c, "%s.%.40s is %s: the reference cannot hash it and crashes", name, key, type_name(v));
            return -1;
        }
    }
    return 0;
}

/* data_generation's use_* keys: present ones must be true or false. */
static int read_tools(arc_config *c, json_t *dg, int *missing) {
    *missing = -1;
    for (int k = 0; k < 4; k++) {
        json_t *v = json_object_get(dg, use_key[k]);
        if (!v) {
            if (*missing < 0) *missing = k;
            continue;
        }
        if (!json_is_boolean(v)) {
            const char *s = json_is_string(v) ? json_string_value(v) : NULL;
            reject(c, "data_generation.%s is %s%s%.20s%s, not true or false", use_key[k], type_name(v), s ? " \"" : "",
                   s ? s : "", s ? "\"" : "");
            return -1;
        }
        if (json_is_true(v)) c->groups |= use_tool[k];
    }
    return 0;
}

/* training.learning_rate: a number in [0, CFG_LR_MAX]. */
static int read_lr(arc_config *c, json_t *v) {
    if (!json_is_number(v)) {
        reject(c, "training.learning_rate is %s, not a number", type_name(v));
        return -1;
    }
    double lr = json_number_value(v);
    if (!(lr >= 0) || !(lr <= CFG_LR_MAX)) {
        reject(c, "training.learning_rate %g is outside [0, %g]", lr, CFG_LR_MAX);
        return -1;
    }
    c->lr = lr;
    return 0;
}

/* training.num_train_epochs: a whole number >= 0 (3.0 counts: the
 * reference's trainer runs 3.0 epochs as 3), clipped to
 * CFG_EPOCHS_OVER_ANY_BUDGET. */
static int read_epochs(arc_config *c, json_t *v) {
    if (!json_is_number(v)) {
        reject(c, "training.num_train_epochs is %s, not a number", type_name(v));
        return -1;
    }
    double e = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
    if (e < 0) {
        reject(c, "training.num_train_epochs %g is negative", e);
        return -1;
    }
    if (e != floor(e)) {
        reject(c, "training.num_train_epochs %g is not a whole number", e);
        return -1;
    }
    c->epochs = e >= CFG_EPOCHS_OVER_ANY_BUDGET ? CFG_EPOCHS_OVER_ANY_BUDGET : (int)e;
    return 0;
}

/* The reference's rules that make a well-typed self-edit 0 epochs, in its
 * order; the fields end as the reference leaves them. */
static void apply_rules(arc_config *c, int missing_tool, json_t *tr) {
    int epochs = c->epochs;
    if (missing_tool >= 0) {
        c->groups = 0;
        zero(c, "data_generation.%s missing: no augmenters, 0 epochs", use_key[missing_tool]);
    }
    for (int k = 0; k < 3; k++)
        if (!json_object_get(tr, training_key[k])) {
            c->lr = 0;
            c->strategy = ARC_LOSS_ALL_TOKENS;
            zero(c, "training.%s missing: 0 epochs", training_key[k]);
            return;
        }
    json_t *s = json_object_get(tr, "strategy");
    const char *name = json_is_string(s) ? json_string_value(s) : "";
    if (json_is_string(s) && !strcmp(name, strategy_name[0])) c->strategy = ARC_LOSS_ALL_TOKENS;
    else if (json_is_string(s) && !strcmp(name, strategy_name[1])) c->strategy = ARC_LOSS_OUTPUT_TOKENS;
    else {
        c->strategy = ARC_LOSS_OUTPUT_TOKENS; /* the reference trains with loss_on_all_tokens=False */
        zero(c, "training.strategy is %s%s%.40s%s, not %s or %s: 0 epochs", type_name(s), json_is_string(s) ? " \"" : "",
             name, json_is_string(s) ? "\"" : "", strategy_name[0], strategy_name[1]);
    }
    if (epochs >= CFG_EPOCHS_OVER_ANY_BUDGET)
        zero(c, "training.num_train_epochs is over the 375-step budget for any TTT set: 0 epochs");
    if (epochs == 0) zero(c, "training.num_train_epochs is 0");
    if (c->lr == 0) zero(c, "training.learning_rate is 0: training would change nothing");
}

static arc_cfg_status from_json(json_t *root, arc_config *c) {
    if (!json_is_object(root)) return reject(c, "the response is %s, not a JSON object", type_name(root));
    json_t *dg = json_object_get(root, "data_generation"), *tr = json_object_get(root, "training");
    if (!dg) return reject(c, "data_generation missing (the reference crashes on it)");
    if (!json_is_object(dg)) return reject(c, "data_generation is %s, not an object", type_name(dg));
    if (!tr) return reject(c, "training missing (the reference crashes on it)");
    if (!json_is_object(tr)) return reject(c, "training is %s, not an object", type_name(tr));
    int missing_tool;
    if (read_tools(c, dg, &missing_tool)) return c->status;
    json_t *lr = json_object_get(tr, "learning_rate"), *ep = json_object_get(tr, "num_train_epochs");
    if (check_hashable(c, dg, "data_generation") || check_hashable(c, tr, "training")) return c->status;
    if ((lr && read_lr(c, lr)) || (ep && read_epochs(c, ep))) return c->status;
    apply_rules(c, missing_tool, tr);
    return c->status;
}

arc_cfg_status seal_arc_config_parse(const char *text, size_t len, arc_config *c) {
    *c = (arc_config){.strategy = ARC_LOSS_ALL_TOKENS, .status = ARC_CFG_OK};
    if (!text) return reject(c, "no response text");
    if (len > CFG_TEXT_MAX) return reject(c, "the response is %zu bytes, over the %d-byte limit", len, CFG_TEXT_MAX);
    json_error_t e;
    /* jansson bounds nesting itself (JSON_PARSER_MAX_DEPTH, 2048) */
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY, &e);
    if (!root) return reject(c, "not valid JSON: line %d column %d: %s", e.line, e.column, e.text);
    arc_cfg_status st = from_json(root, c);
    json_decref(root);
    return st;
}

void seal_arc_config_budget(arc_config *c, int n_examples, int batch, int max_steps) {
    if (c->status != ARC_CFG_OK) return;
    if (batch < 1) batch = 1;
    long long steps = (long long)c->epochs * (n_examples > 0 ? n_examples : 0) / batch;
    if (steps > max_steps)
        zero(c, "training.num_train_epochs %d x %d examples / batch %d = %lld steps, over %d: 0 epochs", c->epochs,
             n_examples, batch, steps, max_steps);
}

/* The shortest %g text that reads back as x (Python's repr does the same). */
static void put_real(strbuf *b, double x) {
    char buf[32];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) break;
    }
    seal_strbuf_puts(b, buf);
}

char *seal_arc_config_json(const arc_config *c) {
    strbuf b = {0};
    seal_strbuf_puts(&b, "{\"data_generation\": {");
    for (int k = 0; k < 4; k++)
        seal_strbuf_printf(&b, "%s\"%s\": %s", k ? ", " : "", use_key[k], c->groups & use_tool[k] ? "true" : "false");
    seal_strbuf_printf(&b, "}, \"training\": {\"strategy\": \"%s\", \"learning_rate\": ",
                       strategy_name[c->strategy == ARC_LOSS_OUTPUT_TOKENS]);
    put_real(&b, isfinite(c->lr) ? c->lr : 0);
    seal_strbuf_printf(&b, ", \"num_train_epochs\": %d}}", c->epochs);
    return b.s;
}
