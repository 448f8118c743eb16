/* seal sandbox: measurements of the tiny-model sandbox against its world. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sandbox/world.h"
#include "seal/selfedit.h"
#include "seal/squad.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *usage =
    "usage: seal sandbox probe --world DIR --out FILE [--n N] [--group qa|noqa|all]\n"
    "       seal sandbox oracle --world DIR --passages FILE --out FILE\n"
    "       seal sandbox faithfulness --world DIR --run RUN [--tag eval0]\n"
    "\n"
    "probe         SEAL-format questions about N pretraining people (all their attributes), to\n"
    "              measure closed-book QA on what pretraining taught: `seal knowledge eval\n"
    "              --eval FILE --conditions base`. --group: people with QA documents, without, or all.\n"
    "oracle        the ideal self-edit of each passage: every fact it states, plainly, with the\n"
    "              full name and in the question's direction, as {title: text} for\n"
    "              `seal knowledge eval --given-self-edits FILE --given-name passage+oracle`.\n"
    "faithfulness  judge every line of a run's self-edits (selfedits.jsonl, key gen/TAG/*) against\n"
    "              the world: correct / wrong value / unsupported attribute / no fact, and the\n"
    "              share of samples with at least three statements about the entity (JSON).\n";

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

static int faithfulness(const world *w, const char *run, const char *tag) {
    char *path = seal_path_join(run, "selfedits.jsonl");
    size_t len;
    char *text = seal_read_file(path, &len);
    if (!text) { free(path); return -1; }
    long counts[4] = {0}, samples = 0, with3 = 0;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "gen/%s/", tag);
    int rc = 0;
    for (char *line = strtok(text, "\n"); line && rc == 0; line = strtok(NULL, "\n")) {
        json_t *rec = json_loads(line, 0, NULL);
        const char *key = json_string_value(json_object_get(rec, "key")), *title = json_string_value(json_object_get(rec, "title"));
        if (!key || strncmp(key, prefix, strlen(prefix)) || !title) { json_decref(rec); continue; }
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(rec, "completions"), i, c) {
            char *s = seal_strdup(json_string_value(c)), *save = NULL;
            int statements = 0;
            for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *t = py_strip_dup(l);
                if (t[0]) {
                    int v = world_judge_line(w, title, t, NULL);
                    if (v < 0) { rc = -1; free(t); break; }
                    counts[v]++;
                    statements += v != WORLD_LINE_UNKNOWN;
                }
                free(t);
            }
            free(s);
            samples++;
            with3 += statements >= 3;
        }
        json_decref(rec);
    }
    free(text);
    free(path);
    if (rc) return -1;
    long lines = counts[0] + counts[1] + counts[2] + counts[3];
    if (!samples) return seal_err("%s: no self-edits under gen/%s/", run, tag);
    printf("{\"samples\":%ld,\"lines\":%ld,\"correct\":%.4f,\"wrong_value\":%.4f,\"unsupported\":%.4f,\"no_fact\":%.4f,"
           "\"samples_with_3_statements\":%.4f}\n", samples, lines, (double)counts[1] / (lines ? lines : 1),
           (double)counts[2] / (lines ? lines : 1), (double)counts[3] / (lines ? lines : 1),
           (double)counts[0] / (lines ? lines : 1), (double)with3 / samples);
    return 0;
}

int cmd_sandbox(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') return cli_usage(usage, !(argc >= 2 && !strcmp(argv[1], "--help")));
    const char *sub = argv[1];
    static struct option opts[] = {{"world", 1, 0, 'w'}, {"out", 1, 0, 'o'}, {"n", 1, 0, 'n'}, {"group", 1, 0, 'g'},
                                   {"passages", 1, 0, 'p'}, {"run", 1, 0, 'r'}, {"tag", 1, 0, 't'}, {"help", 0, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char *wdir = NULL, *out = NULL, *group = "all", *passages = NULL, *run = NULL, *tag = "eval0";
    int n = 200, c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': wdir = optarg; break;
        case 'o': out = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'g': group = optarg; break;
        case 'p': passages = optarg; break;
        case 'r': run = optarg; break;
        case 't': tag = optarg; break;
        case 'h': return cli_usage(usage, 0);
        default: return cli_usage(usage, 1);
        }
    }
    if (!wdir || optind != argc) return cli_usage(usage, 1);
    world w;
    if (load_world(&w, wdir)) return cli_fail();
    int rc;
    if (!strcmp(sub, "probe") && out) rc = probe(&w, out, n, group);
    else if (!strcmp(sub, "oracle") && out && passages) rc = oracle(&w, passages, out);
    else if (!strcmp(sub, "faithfulness") && run) rc = faithfulness(&w, run, tag);
    else { world_free(&w); return cli_usage(usage, 1); }
    world_free(&w);
    return rc ? cli_fail() : 0;
}
