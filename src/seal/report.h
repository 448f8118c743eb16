/* report.h: internal to src/seal (knowledge and cpt), not a public API: the
 * results of a knowledge run, written from per-passage results.
 *
 *   results.json  every condition's accuracy with its 95% bootstrap CI over
 *                 passages, and the paired differences (comparisons);
 *                 "metric" says which accuracy (below)
 *   results.md    the same as two Markdown tables, under a line naming it
 *   accuracy.svg  a bar chart with the CIs
 *
 * Two metrics, as the paper reports them:
 *   "per-passage-mean"  the mean over passages of per-passage accuracy (the
 *                       single-passage figures: eval, rl); counted NULL
 *   "per-question"      correct / questions over the counted questions (the
 *                       continued-pretraining figures: cpt, e.g. cpt_base.json
 *                       0.4097 = the paper's 41.0); the per-passage mean then
 *                       follows as a second figure ("passage_mean").
 * Both intervals resample passages (the questions of a passage are not
 * independent); the per-question one is the ratio of the resampled sums.
 *
 * Each condition is compared with the one before it; every ReST-EM round after
 * the first also with passage+self-edit (what the rounds gained in all). The
 * bootstrap seeds are fixed, so a rerun writes the same intervals. Nothing is
 * printed: the CLI prints results.md. */
#ifndef SEAL_SEAL_REPORT_H
#define SEAL_SEAL_REPORT_H

#include <jansson.h>

typedef struct {
    char name[32];
    double *acc;   /* per evaluation passage: accuracy over all its questions */
    double *right; /* per-question reports: per passage, the counted questions answered right */
} condition;

/* How a non-knowledge experiment names its table (ARC: success rate over
 * (task, self-edit) pairs, units = tasks). NULL in seal_report: knowledge's. */
typedef struct {
    const char *title;       /* the chart's title, e.g. "SEAL few-shot ARC" */
    const char *metric;      /* results.json's "metric", e.g. "success-rate" */
    const char *metric_line; /* results.md's line above the table (what the figure is, how the CI is drawn) */
    const char *axis;        /* the chart's y label */
    const char *units;       /* the resampled units' column, e.g. "tasks" */
    const char *items;       /* the counted items' column, e.g. "pairs" */
    const char *svg;         /* the chart's file name */
    const char *keys[3];     /* results.json's row keys for the figure, units and items
                                (knowledge: "accuracy", "n_passages", "n_questions") */
} seal_report_words;

typedef struct {
    const condition *c;     /* the conditions, in table order */
    int n;
    int n_passages;         /* each condition's acc has this many */
    long n_questions;
    const double *counted;  /* per passage: questions counted (per-question report); NULL: per-passage mean */
    const char *label;      /* per-question: what is counted, for results.md (NULL: "every question") */
    json_t *header;         /* borrowed: top-level keys of results.json besides the tables */
    const char *md_notes;   /* appended to results.md after the tables (may be NULL) */
    const seal_report_words *words; /* NULL: knowledge's per-passage or per-question accuracy */
} seal_report;

/* Write results.json, results.md and accuracy.svg into run_dir, each
 * atomically. 0, or -1 + seal_err naming the file. */
int seal_report_write(const char *run_dir, const seal_report *r);

#endif
