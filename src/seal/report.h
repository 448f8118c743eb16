/* report.h: internal to src/seal (knowledge and cpt), not a public API: the
 * results of a knowledge run, written from per-passage accuracies.
 *
 *   results.json  every condition's mean accuracy with its 95% bootstrap CI
 *                 over passages, and the paired differences (comparisons)
 *   results.md    the same as two Markdown tables
 *   accuracy.svg  a bar chart with the CIs
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
    double *acc; /* per evaluation passage */
} condition;

typedef struct {
    const condition *c;     /* the conditions, in table order */
    int n;
    int n_passages;         /* each condition's acc has this many */
    long n_questions;
    const double *qacc;     /* per condition: question-level accuracy (NULL: no such column) */
    const char *qacc_label; /* its heading in results.md (NULL: "question accuracy") */
    json_t *header;         /* borrowed: top-level keys of results.json besides the tables */
    const char *md_notes;   /* appended to results.md after the tables (may be NULL) */
} seal_report;

/* Write results.json, results.md and accuracy.svg into run_dir, each
 * atomically. 0, or -1 + seal_err naming the file. */
int seal_report_write(const char *run_dir, const seal_report *r);

#endif
