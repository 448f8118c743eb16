/* seal sandbox: measurements of the tiny-model sandbox against its world. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "gen/generate.h"
#include "model/model.h"
#include "rt/threadpool.h"
#include "sandbox/world.h"
#include "seal/prompts.h"
#include "seal/selfedit.h"
#include "seal/squad.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *usage =
    "usage: seal sandbox probe --world DIR --out FILE [--n N] [--group qa|noqa|all]\n"
    "       seal sandbox oracle --world DIR --passages FILE --out FILE\n"
    "       seal sandbox faithfulness --world DIR --run RUN [--tag eval0]\n"
    "       seal sandbox faithfulness --world DIR --model MODEL --passages FILE [--n N] [-k K] [--seed S]\n"
    "\n"
    "probe         SEAL-format questions about N pretraining people (all their attributes), to\n"
    "              measure closed-book QA on what pretraining taught: `seal knowledge eval\n"
    "              --eval FILE --conditions base`. --group: people with QA documents, without, or all.\n"
    "oracle        the ideal self-edit of each passage: every fact it states, plainly, with the\n"
    "              full name and in the question's direction, as {title: text} for\n"
    "              `seal knowledge eval --given-self-edits FILE --given-name passage+oracle`.\n"
    "faithfulness  judge every line of a run's self-edits (selfedits.jsonl, key gen/TAG/*) against\n"
    "              the world: correct / wrong value / unsupported attribute / no fact, and the\n"
    "              share of samples with at least three statements about the entity (JSON).\n"
    "              With --model: sample K (5) implications self-edits of MODEL for the first N (30)\n"
    "              passages of FILE (temperature 1.0, top-p 0.95, 160 tokens, seed S) and judge\n"
    "              those (the figure tracked across pretraining checkpoints).\n";

static int load_world(world *w, const char *dir) {
    char *p = seal_path_join(dir, "world.json");
    int rc = world_load(w, p);
    free(p);
    return rc;
}

static int write_json(const char *path, json_t *j) {
    char *text = json_dumps(j, JSON_INDENT(1));
    int rc = seal_write_file_atomic(path, text, strlen(text));
    free(text);
    return rc;
}

static int probe(const world *w, const char *out, int n, const char *group) {
    json_t *arr = json_array();
    for (int i = 0; i < w->n_people && (int)json_array_size(arr) < n; i++) {
        const world_person *p = &w->people[i];
        if (p->split != WORLD_PRETRAIN) continue;
        if ((!strcmp(group, "qa") && !p->qa) || (!strcmp(group, "noqa") && p->qa)) continue;
        json_t *qs = json_array();
        for (int a = 0; a < WORLD_N_ATTR; a++) {
            if (!(p->mask >> a & 1)) continue;
            char *q = world_question(p, (world_attr)a);
            json_array_append_new(qs, json_pack("{s:s, s:s}", "question", q, "answer", world_answer(p, (world_attr)a)));
            free(q);
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "title", p->name, "context", "", "questions", qs));
    }
    int rc = write_json(out, arr);
    json_decref(arr);
    return rc;
}

static int oracle(const world *w, const char *passages, const char *out) {
    seal_passages ps;
    if (passages_load(&ps, passages)) return -1;
    json_t *o = json_object();
    int rc = 0;
    for (int i = 0; i < ps.n && rc == 0; i++) {
        const world_person *p = world_find(w, ps.p[i].title);
        if (!p) { rc = seal_err("%s: \"%s\" is not a person of this world", passages, ps.p[i].title); break; }
        size_t len = 0, cap = 256;
        char *text = seal_malloc(cap);
        text[0] = '\0';
        for (int a = 0; a < WORLD_N_ATTR; a++) {
            if (!(p->mask >> a & 1)) continue;
            char *s = world_fact_sentence(p, (world_attr)a);
            size_t sl = strlen(s);
            if (len + sl + 2 > cap) text = seal_realloc(text, cap = (len + sl + 2) * 2);
            memcpy(text + len, s, sl);
            len += sl;
            text[len++] = '\n';
            text[len] = '\0';
            free(s);
        }
        json_object_set_new(o, p->name, json_string(text));
        free(text);
    }
    if (rc == 0) rc = write_json(out, o);
    json_decref(o);
    passages_free(&ps);
    return rc;
}

/* Verdict counts over the lines of self-edits about one entity. */
typedef struct { long counts[4], samples, with3; } faith_tally;

static int judge_self_edit(const world *w, const char *title, const char *edit, faith_tally *t) {
    char *s = seal_strdup(edit), *save = NULL;
    int statements = 0, rc = 0;
    for (char *l = strtok_r(s, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
        char *x = py_strip_dup(l);
        if (x[0]) {
            int v = world_judge_line(w, title, x, NULL);
            if (v < 0) rc = -1;
            else t->counts[v]++, statements += v != WORLD_LINE_UNKNOWN;
        }
        free(x);
    }
    free(s);
    t->samples++;
    t->with3 += statements >= 3;
    return rc;
}

static int print_tally(const faith_tally *t, const char *what) {
    long lines = t->counts[0] + t->counts[1] + t->counts[2] + t->counts[3];
    if (!t->samples) return seal_err("%s: no self-edits", what);
    double d = (double)(lines ? lines : 1);
    printf("{\"samples\":%ld,\"lines\":%ld,\"correct\":%.4f,\"wrong_value\":%.4f,\"unsupported\":%.4f,\"no_fact\":%.4f,"
           "\"samples_with_3_statements\":%.4f}\n", t->samples, lines, t->counts[1] / d, t->counts[2] / d,
           t->counts[3] / d, t->counts[0] / d, (double)t->with3 / t->samples);
    return 0;
}

static int faithfulness(const world *w, const char *run, const char *tag) {
    char *path = seal_path_join(run, "selfedits.jsonl");
    size_t len;
    char *text = seal_read_file(path, &len);
    if (!text) { free(path); return -1; }
    faith_tally t = {0};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "gen/%s/", tag);
    int rc = 0;
    for (char *line = strtok(text, "\n"); line && rc == 0; line = strtok(NULL, "\n")) {
        json_t *rec = json_loads(line, 0, NULL);
        const char *key = json_string_value(json_object_get(rec, "key")), *title = json_string_value(json_object_get(rec, "title"));
        if (!key || strncmp(key, prefix, strlen(prefix)) || !title) { json_decref(rec); continue; }
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(rec, "completions"), i, c)
            if (rc == 0) rc = judge_self_edit(w, title, json_string_value(c), &t);
        json_decref(rec);
    }
    free(text);
    if (rc == 0) rc = print_tally(&t, path);
    free(path);
    return rc;
}

/* Sample k implications self-edits of the model for the first n passages (all
 * in one generate() call) and judge them. */
static int faithfulness_model(const world *w, const char *model_dir, const char *passages, int n, int k,
                              unsigned long long seed) {
    seal_passages ps;
    if (passages_load(&ps, passages)) return -1;
    if (n > ps.n) n = ps.n;
    seal_model m;
    seal_tokenizer *tok = NULL;
    seal_pool *pool = NULL;
    int rc = model_load(&m, model_dir);
    if (rc) { passages_free(&ps); return -1; }
    if (!(tok = tok_load(model_dir)) || !(pool = seal_pool_create(cli_threads(0)))) rc = -1;
    gen_request *reqs = seal_calloc((size_t)n, sizeof *reqs);
    gen_sample *out = seal_calloc((size_t)n * k, sizeof *out);
    for (int i = 0; i < n && rc == 0; i++) {
        char *prompt = self_edit_prompt(SELF_EDIT_IMPLICATIONS, ps.p[i].title, ps.p[i].context);
        int len;
        int *ids;
        rc = tok_encode(tok, prompt, strlen(prompt), 1, &ids, &len);
        free(prompt);
        reqs[i] = (gen_request){.ids = rc ? NULL : ids, .n = len, .n_samples = k, .seed = seed + 1000u * (unsigned)i};
    }
    int eos[2] = {m.cfg.n_eos ? m.cfg.eos_ids[0] : -1, tok ? tok_eos_id(tok) : -1};
    gen_params gp = {.max_new = 160, .sampling = sampling_defaults(), .eos_ids = eos, .n_eos = 2, .tok = tok};
    gp.sampling.temperature = 1.0f;
    gp.sampling.top_p = 0.95f;
    if (rc == 0) rc = generate(&m, pool, reqs, n, &gp, out, NULL, NULL, NULL);
    faith_tally t = {0};
    for (int i = 0; i < n * k && rc == 0; i++) {
        char *e = py_strip_dup(out[i].text ? out[i].text : "");
        rc = judge_self_edit(w, ps.p[i / k].title, e, &t);
        free(e);
    }
    if (rc == 0) rc = print_tally(&t, passages);
    for (int i = 0; i < n * k; i++) gen_sample_free(&out[i]);
    for (int i = 0; i < n; i++) free((void *)reqs[i].ids);
    free(out);
    free(reqs);
    if (pool) seal_pool_destroy(pool);
    if (tok) tok_free(tok);
    model_free(&m);
    passages_free(&ps);
    return rc;
}

int cmd_sandbox(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') return cli_usage(usage, !(argc >= 2 && !strcmp(argv[1], "--help")));
    const char *sub = argv[1];
    static struct option opts[] = {{"world", 1, 0, 'w'}, {"out", 1, 0, 'o'}, {"n", 1, 0, 'n'}, {"group", 1, 0, 'g'},
                                   {"passages", 1, 0, 'p'}, {"run", 1, 0, 'r'}, {"tag", 1, 0, 't'}, {"help", 0, 0, 'h'},
                                   {"model", 1, 0, 'm'}, {"k", 1, 0, 'k'}, {"seed", 1, 0, 's'},
                                   {0, 0, 0, 0}};
    const char *wdir = NULL, *out = NULL, *group = "all", *passages = NULL, *run = NULL, *tag = "eval0", *model = NULL;
    int n = -1, k = 5, c;
    unsigned long long seed = 1;
    optind = 2;
    while ((c = getopt_long(argc, argv, "hk:m:", opts, NULL)) != -1) {
        switch (c) {
        case 'w': wdir = optarg; break;
        case 'o': out = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'g': group = optarg; break;
        case 'p': passages = optarg; break;
        case 'r': run = optarg; break;
        case 't': tag = optarg; break;
        case 'm': model = optarg; break;
        case 'k': k = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'h': return cli_usage(usage, 0);
        default: return cli_usage(usage, 1);
        }
    }
    if (!wdir || optind != argc || k < 1 || k > 64) return cli_usage(usage, 1);
    world w;
    if (load_world(&w, wdir)) return cli_fail();
    int rc;
    if (!strcmp(sub, "probe") && out) rc = probe(&w, out, n < 0 ? 200 : n, group);
    else if (!strcmp(sub, "oracle") && out && passages) rc = oracle(&w, passages, out);
    else if (!strcmp(sub, "faithfulness") && run) rc = faithfulness(&w, run, tag);
    else if (!strcmp(sub, "faithfulness") && model && passages)
        rc = faithfulness_model(&w, model, passages, n < 0 ? 30 : n, k, seed);
    else { world_free(&w); return cli_usage(usage, 1); }
    world_free(&w);
    return rc ? cli_fail() : 0;
}
