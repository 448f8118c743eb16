#include "util/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double seal_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void seal_progress_start(seal_progress *p, const char *label, long total, const char *unit) {
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    p->unit = unit ? unit : "it";
    p->t0 = p->last_print = seal_now();
    p->tty = isatty(2);
    const char *env = getenv("SEAL_PROGRESS");
    p->quiet = env && !strcmp(env, "0");
}

void seal_progress_resume_from(seal_progress *p, long done0) { p->done0 = done0; }

static void format_eta(char *buf, size_t n, double s) {
    if (s < 0 || s > 360000) snprintf(buf, n, "--:--");
    else if (s >= 3600) snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
    else snprintf(buf, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

static void draw(seal_progress *p, long done, const char *status, int final) {
    double now = seal_now(), el = now - p->t0, rate = el > 0 ? (done - p->done0) / el : 0;
    char eta[32], elapsed[32];
    format_eta(eta, sizeof eta, rate > 0 && p->total > 0 ? (p->total - done) / rate : -1);
    format_eta(elapsed, sizeof elapsed, el);
    int width = 24, fill = p->total > 0 ? (int)(width * (double)done / p->total) : 0;
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    if (final) /* done: the elapsed time, no estimate */
        fprintf(stderr, "%s%s [%s] %ld/%ld %.2f %s/s in %s%s%s\n", p->tty ? "\r\033[K" : "", p->label, bar, done,
                p->total, rate, p->unit, elapsed, status ? " " : "", status ? status : "");
    else
        fprintf(stderr, "%s%s [%s] %ld/%ld %.2f %s/s %s elapsed, %s left%s%s%s", p->tty ? "\r\033[K" : "", p->label,
                bar, done, p->total, rate, p->unit, elapsed, eta, status ? " " : "", status ? status : "",
                p->tty ? "" : "\n");
    fflush(stderr);
    p->last_print = now;
    p->printed = 1;
}

void seal_progress_update(seal_progress *p, long done, const char *status) {
    if (p->quiet) return;
    double now = seal_now();
    if (now - p->last_print < (p->tty ? 0.1 : 10.0) && p->printed) return;
    draw(p, done, status, 0);
}

void seal_progress_finish(seal_progress *p, long done, const char *status) {
    if (p->quiet) return;
    draw(p, done, status, 1);
}
