/* arc_sandbox_measure.c: self-edits of a `seal arc` run judged against the
 * ARC world's per-puzzle tool-group tags (arc_sandbox_measure.h). */
#include "seal/arc_sandbox_measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "arc/config.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"

enum { N_GROUPS = 4 };
static const char *const group_names[N_GROUPS] = {"basic", "size", "chain", "repeat"};
static const unsigned group_bits[N_GROUPS] = {ARC_TOOL_BASIC, ARC_TOOL_SIZE, ARC_TOOL_CHAIN, ARC_TOOL_REPEAT};

/* Per group (and colour at index N_GROUPS): configs with it on / all
 * configs, among puzzles the group preserves and among those it poisons. */
typedef struct {
    long on[N_GROUPS + 1][2], n[N_GROUPS + 1][2];
} reading_tally;

typedef struct {
    long responses, status[3], kept, clean;
    json_t *reasons, *tools, *strategy, *lr, *epochs;
    long groups_on[N_GROUPS];
    reading_tally rd;
} stats;

static void bump(json_t *counts, const char *key) {
    json_t *v = json_object_get(counts, key);
    json_object_set_new(counts, key, json_integer((v ? json_integer_value(v) : 0) + 1));
}

/* "none", or the groups' initials in the order basic size chain repeat. */
static void tools_label(unsigned groups, char out[8]) {
    int n = 0;
    for (int g = 0; g < N_GROUPS; g++)
        if (groups & group_bits[g]) out[n++] = "BSCR"[g];
    out[n] = 0;
    if (!n) strcpy(out, "none");
}

/* The tag of one group for a puzzle: 0 preserves, 1 poisons, -1 mixed/absent. */
static int tag_of(const json_t *tags, const char *group) {
    const char *t = json_string_value(json_object_get(tags, group));
    return !t ? -1 : !strcmp(t, "preserves") ? 0 : !strcmp(t, "poisons") ? 1 : -1;
}

/* One kept config of a puzzle with these tags. */
static void tally_config(stats *s, const arc_config *c, const json_t *tags) {
    char label[8], num[32];
    s->kept++;
    tools_label(c->groups, label);
    bump(s->tools, label);
    bump(s->strategy, c->strategy == ARC_LOSS_ALL_TOKENS ? "train_using_all_tokens" : "train_using_output_tokens");
    snprintf(num, sizeof num, "%g", c->lr);
    bump(s->lr, num);
    snprintf(num, sizeof num, "%d", c->epochs);
    bump(s->epochs, num);
    int clean = !c->groups || tag_of(tags, "colour") == 0;
    for (int g = 0; g <= N_GROUPS; g++) {
        int on = g < N_GROUPS ? !!(c->groups & group_bits[g]) : !!c->groups;
        int t = tag_of(tags, g < N_GROUPS ? group_names[g] : "colour");
        if (g < N_GROUPS) s->groups_on[g] += on;
        if (g < N_GROUPS && on && t != 0) clean = 0;
        if (t < 0) continue;
        s->rd.n[g][t]++;
        s->rd.on[g][t] += on;
    }
    s->clean += clean;
}

/* One record "gen/GEN/<task>": every attempt counted, the kept configs tallied. */
static int tally_record(stats *s, const json_t *rec, const json_t *puzzles, const char *path) {
    const char *task = json_string_value(json_object_get(rec, "task_id"));
    const json_t *tags = task ? json_object_get(json_object_get(puzzles, task), "tags") : NULL;
    if (!tags) return seal_err("%s: task %s is not a puzzle of the world", path, task ? task : "(none)");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(rec, "attempts"), i, a) {
        const char *text = json_string_value(json_object_get(a, "text"));
        arc_config c;
        seal_arc_config_parse(text ? text : "", text ? strlen(text) : 0, &c);
        s->responses++;
        s->status[c.status]++;
        if (c.status != ARC_CFG_OK) bump(s->reasons, c.reason);
    }
    json_array_foreach(json_object_get(rec, "kept"), i, a) {
        const char *text = json_string_value(json_object_get(a, "text"));
        arc_config c;
        if (seal_arc_config_parse(text ? text : "", text ? strlen(text) : 0, &c) == ARC_CFG_OK) tally_config(s, &c, tags);
    }
    return 0;
}

json_t *seal_arc_world_puzzles(const char *path) {
    json_t *w = seal_json_load_file(path, 0), *by_id = NULL;
    const char *format = json_string_value(json_object_get(w, "format"));
    if (w && (!format || strcmp(format, "seal-world-arc")))
        seal_err("%s: not an ARC world (format %s; `seal world arc` writes one)", path, format ? format : "missing");
    else if (w) {
        by_id = json_object();
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(w, "puzzles"), i, p) {
            const char *id = json_string_value(json_object_get(p, "id"));
            if (id) json_object_set(by_id, id, p);
        }
    }
    json_decref(w);
    return by_id;
}

/* DIR/world.json's puzzles. */
static json_t *load_puzzles(const char *world_dir) {
    char *path = seal_path_join(world_dir, "world.json");
    json_t *by_id = seal_arc_world_puzzles(path);
    free(path);
    return by_id;
}

static json_t *share(long a, long b) { return b ? json_real((double)a / (double)b) : json_null(); }

static json_t *reading_json(const stats *s) {
    json_t *r = json_object();
    for (int g = 0; g <= N_GROUPS; g++)
        json_object_set_new(r, g < N_GROUPS ? group_names[g] : "colour",
                            json_pack("{s:o, s:I, s:o, s:I}", "on_when_preserves", share(s->rd.on[g][0], s->rd.n[g][0]),
                                      "preserves", (json_int_t)s->rd.n[g][0], "on_when_poisons",
                                      share(s->rd.on[g][1], s->rd.n[g][1]), "poisons", (json_int_t)s->rd.n[g][1]));
    return r;
}

static json_t *stats_json(stats *s, const char *generator, long tasks) {
    json_t *on = json_object();
    for (int g = 0; g < N_GROUPS; g++) json_object_set_new(on, group_names[g], share(s->groups_on[g], s->kept));
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:O, s:I, s:O, s:o, s:O, s:O, s:O, s:o, s:o}",
                     "generator", generator, "tasks", (json_int_t)tasks, "responses", (json_int_t)s->responses, "ok",
                     (json_int_t)s->status[ARC_CFG_OK], "zero_epochs", (json_int_t)s->status[ARC_CFG_ZERO], "rejected",
                     (json_int_t)s->status[ARC_CFG_REJECT], "valid_share", share(s->status[ARC_CFG_OK], s->responses),
                     "parse_share", share(s->status[ARC_CFG_OK] + s->status[ARC_CFG_ZERO], s->responses), "reasons",
                     s->reasons, "kept_configs", (json_int_t)s->kept, "tools", s->tools, "groups_on", on, "strategy",
                     s->strategy, "learning_rate", s->lr, "epochs", s->epochs, "reading", reading_json(s),
                     "clean_share", share(s->clean, s->kept));
}

json_t *seal_arc_selfedit_stats(const char *world_dir, const char *run_dir, const char *generator) {
    json_t *puzzles = load_puzzles(world_dir), *out = NULL;
    char *path = seal_path_join(run_dir, "selfedits.jsonl");
    char *text = puzzles ? seal_read_file(path, NULL) : NULL;
    char prefix[256];
    snprintf(prefix, sizeof prefix, "gen/%s/", generator);
    stats s = {.reasons = json_object(), .tools = json_object(), .strategy = json_object(), .lr = json_object(),
               .epochs = json_object()};
    long tasks = 0;
    int rc = text ? 0 : -1;
    char *save = NULL;
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
        json_t *rec = json_loads(line, 0, NULL);
        const char *key = json_string_value(json_object_get(rec, "key"));
        if (key && !strncmp(key, prefix, strlen(prefix))) {
            tasks++;
            rc = tally_record(&s, rec, puzzles, path);
        }
        json_decref(rec);
    }
    if (rc == 0 && !tasks) rc = seal_err("%s: no self-edits under key %s*", path, prefix);
    if (rc == 0) out = stats_json(&s, generator, tasks);
    json_decref(s.reasons), json_decref(s.tools), json_decref(s.strategy), json_decref(s.lr), json_decref(s.epochs);
    json_decref(puzzles);
    free(text);
    free(path);
    return out;
}

/* The ground truth's config for a puzzle with these tags. */
static json_t *oracle_config(const json_t *tags, int output_tokens, double lr, int epochs) {
    arc_config c = {.strategy = output_tokens ? ARC_LOSS_OUTPUT_TOKENS : ARC_LOSS_ALL_TOKENS, .lr = lr, .epochs = epochs};
    if (tag_of(tags, "colour") == 0)
        for (int g = 0; g < N_GROUPS; g++)
            if (tag_of(tags, group_names[g]) == 0) c.groups |= group_bits[g];
    char *text = seal_arc_config_json(&c);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return j;
}

json_t *seal_arc_oracle_configs(const char *world_dir, const char *split, int output_tokens, double lr, int epochs) {
    json_t *puzzles = load_puzzles(world_dir), *out = puzzles ? json_object() : NULL;
    const char *id;
    json_t *p;
    json_object_foreach(puzzles, id, p) {
        const char *sp = json_string_value(json_object_get(p, "split"));
        if (sp && !strcmp(sp, split))
            json_object_set_new(out, id, oracle_config(json_object_get(p, "tags"), output_tokens, lr, epochs));
    }
    json_decref(puzzles);
    if (out && !json_object_size(out)) {
        json_decref(out);
        seal_err("%s/world.json: no puzzle of split %s", world_dir, split);
        return NULL;
    }
    return out;
}
