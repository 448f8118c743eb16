/* report.c: see report.h. */
#include "seal/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seal/stats.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"
#include "util/strbuf.h"

/* Bars with 95% CI whiskers, one per condition; y from 0 to 1. */
static void render_svg(strbuf *s, const condition *c, int n, const double *acc, const double *lo, const double *hi,
                       const char *title, const char *metric) {
    int W = 120 + 110 * n, H = 360, top = 30, bottom = 300;
    seal_strbuf_printf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                  "font-size=\"12\">\n", W, H);
    seal_strbuf_printf(s, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">%s: "
                  "%s (95%% CI)</text>\n", W / 2, title, metric);
    for (int t = 0; t <= 10; t += 2) {
        double y = bottom - (bottom - top) * t / 10.0;
        seal_strbuf_printf(s, "<line x1=\"60\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"55\" y=\"%.1f\" "
                      "text-anchor=\"end\">%.1f</text>\n", W - 20, y, y, y + 4, t / 10.0);
    }
    for (int i = 0; i < n; i++) {
        double x = 100 + 110 * i, y = bottom - (bottom - top) * acc[i];
        double yl = bottom - (bottom - top) * lo[i], yh = bottom - (bottom - top) * hi[i];
        seal_strbuf_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"60\" height=\"%.1f\" fill=\"#4a7fb5\"/>\n", x - 30, y,
                      bottom - y);
        seal_strbuf_printf(s, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x, x, yl, yh);
        seal_strbuf_printf(s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, bottom + 18, c[i].name);
    }
    seal_strbuf_printf(s, "</svg>\n");
}

static json_t *interval(double lo, double hi) {
    json_t *a = json_array();
    json_array_append_new(a, seal_json_real(lo));
    json_array_append_new(a, seal_json_real(hi));
    return a;
}

static double sum_of(const double *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

/* The headline accuracy of c and its 95% CI (see report.h for the metrics). */
static double headline(const seal_report *r, const condition *c, double *lo, double *hi) {
    int P = r->n_passages;
    if (!r->counted) {
        seal_bootstrap_ci(c->acc, P, 10000, 12345, lo, hi);
        return seal_mean_of(c->acc, P);
    }
    seal_bootstrap_ratio_diff_ci(c->right, NULL, r->counted, P, 10000, 12345, lo, hi);
    double n = sum_of(r->counted, P);
    return n > 0 ? sum_of(c->right, P) / n : 0.0;
}

/* Appends "a - b" (paired bootstrap CI over passages) to cmp and to md. */
static void add_comparison(json_t *cmp, strbuf *md, const seal_report *r, const condition *a, const condition *b) {
    int P = r->n_passages;
    double dlo, dhi, d;
    if (r->counted) {
        double n = sum_of(r->counted, P);
        d = n > 0 ? (sum_of(a->right, P) - sum_of(b->right, P)) / n : 0.0;
        seal_bootstrap_ratio_diff_ci(a->right, b->right, r->counted, P, 10000, 777, &dlo, &dhi);
    } else {
        d = seal_mean_of(a->acc, P) - seal_mean_of(b->acc, P);
        seal_bootstrap_diff_ci(a->acc, b->acc, P, 10000, 777, &dlo, &dhi);
    }
    json_t *row = json_object();
    json_object_set_new(row, "a", json_string(a->name));
    json_object_set_new(row, "b", json_string(b->name));
    json_object_set_new(row, "difference", seal_json_real(d));
    json_object_set_new(row, "ci95", interval(dlo, dhi));
    json_array_append_new(cmp, row);
    seal_strbuf_printf(md, "| %s - %s | %+.3f | [%+.3f, %+.3f] |\n", a->name, b->name, d, dlo, dhi);
}

static const char *const knowledge_keys[3] = {"accuracy", "n_passages", "n_questions"};

/* The conditions table: rows of results.json's "conditions" and results.md,
 * under a line that names the metric. */
static json_t *condition_rows(const seal_report *r, strbuf *md, double *accs, double *lo, double *hi) {
    int P = r->n_passages;
    long nq = r->counted ? (long)sum_of(r->counted, P) : r->n_questions;
    json_t *conds = json_array();
    if (r->counted)
        seal_strbuf_printf(md, "accuracy: per-question accuracy (correct / questions, over %s), as the paper's "
                           "continued-pretraining figures; per-passage mean: the mean over passages of per-passage "
                           "accuracy (all their questions). 95%% CIs: bootstrap over passages.\n\n"
                           "| condition | accuracy | 95%% CI | per-passage mean | 95%% CI | passages | questions |\n"
                           "|---|---|---|---|---|---|---|\n", r->label ? r->label : "every question");
    else if (r->words)
        seal_strbuf_printf(md, "%s\n\n| condition | %s | 95%% CI | %s | %s |\n|---|---|---|---|---|\n",
                           r->words->metric_line, r->words->metric, r->words->units, r->words->items);
    else
        seal_strbuf_printf(md, "accuracy: the mean over passages of per-passage accuracy (per-passage mean), as the "
                           "paper's single-passage figures. 95%% CI: bootstrap over passages.\n\n"
                           "| condition | accuracy | 95%% CI | passages | questions |\n|---|---|---|---|---|\n");
    for (int i = 0; i < r->n; i++) {
        const condition *c = &r->c[i];
        double acc = accs[i] = headline(r, c, &lo[i], &hi[i]);
        json_t *row = json_object();
        json_object_set_new(row, "name", json_string(c->name));
        const char *const *keys = r->words ? r->words->keys : knowledge_keys;
        json_object_set_new(row, keys[0], seal_json_real(acc));
        json_object_set_new(row, keys[1], json_integer(P));
        json_object_set_new(row, keys[2], json_integer(nq));
        json_object_set_new(row, "ci95", interval(lo[i], hi[i]));
        if (r->counted) {
            double pm = seal_mean_of(c->acc, P), plo, phi;
            seal_bootstrap_ci(c->acc, P, 10000, 12345, &plo, &phi);
            json_object_set_new(row, "passage_mean", seal_json_real(pm));
            json_object_set_new(row, "passage_mean_ci95", interval(plo, phi));
            seal_strbuf_printf(md, "| %s | %.3f | [%.3f, %.3f] | %.3f | [%.3f, %.3f] | %d | %ld |\n", c->name, acc,
                               lo[i], hi[i], pm, plo, phi, P, nq);
        } else
            seal_strbuf_printf(md, "| %s | %.3f | [%.3f, %.3f] | %d | %ld |\n", c->name, acc, lo[i], hi[i], P, nq);
        json_array_append_new(conds, row);
    }
    return conds;
}

static json_t *comparison_rows(const seal_report *r, strbuf *md) {
    json_t *cmp = json_array();
    seal_strbuf_printf(md, "\n| comparison | difference | 95%% CI (paired bootstrap over %s) |\n|---|---|---|\n",
                       r->words ? r->words->units : "passages");
    int ps = -1;
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->c[i].name, "passage+self-edit")) ps = i;
    for (int i = 1; i < r->n; i++) {
        add_comparison(cmp, md, r, &r->c[i], &r->c[i - 1]);
        if (ps >= 0 && i > ps + 1) add_comparison(cmp, md, r, &r->c[i], &r->c[ps]);
    }
    return cmp;
}

int seal_report_write(const char *run_dir, const seal_report *r) {
    size_t n = (size_t)(r->n ? r->n : 1);
    double *accs = seal_malloc(sizeof(double) * n), *lo = seal_malloc(sizeof(double) * n);
    double *hi = seal_malloc(sizeof(double) * n);
    strbuf md = {0}, svg = {0};
    json_t *root = json_object();
    json_object_set_new(root, "conditions", condition_rows(r, &md, accs, lo, hi));
    json_object_set_new(root, "comparisons", comparison_rows(r, &md));
    json_object_set_new(root, "metric",
                        json_string(r->words ? r->words->metric : r->counted ? "per-question" : "per-passage-mean"));
    if (r->md_notes) seal_strbuf_printf(&md, "%s", r->md_notes);
    if (r->header) json_object_update(root, r->header);
    char *text = json_dumps(root, JSON_INDENT(2));
    render_svg(&svg, r->c, r->n, accs, lo, hi, r->words ? r->words->title : "SEAL knowledge incorporation",
               r->words ? r->words->axis : r->counted ? "per-question accuracy" : "mean per-passage accuracy");
    int rc = !text || seal_write_file_in(run_dir, "results.json", text, strlen(text)) ||
                     seal_write_file_in(run_dir, "results.md", md.s, md.len) ||
                     seal_write_file_in(run_dir, r->words ? r->words->svg : "accuracy.svg", svg.s, svg.len) ? -1 : 0;
    free(text);
    seal_strbuf_free(&md);
    seal_strbuf_free(&svg);
    free(accs); free(lo); free(hi);
    json_decref(root);
    return rc;
}
