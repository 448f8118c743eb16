/* progress.h: progress bars on stderr for long steps: done/total, rate, ETA
 * and a caller's status text. On a terminal the bar redraws in place (at most
 * 10 times a second); otherwise a plain line is printed at most every 10 s, so
 * logs stay readable. SEAL_PROGRESS=0 silences it. */
#ifndef SEAL_UTIL_PROGRESS_H
#define SEAL_UTIL_PROGRESS_H

typedef struct {
    char label[48];
    long total, done0; /* done0: units already finished when the bar started (a resumed run) */
    double t0, last_print;
    const char *unit;
    int tty, quiet, printed;
} seal_progress;

void seal_progress_start(seal_progress *p, const char *label, long total, const char *unit);
/* A resumed job: `done0` of the units were finished before this process
 * started, so the rate and ETA count only the units done since. */
void seal_progress_resume_from(seal_progress *p, long done0);
/* Report that `done` units are finished; status may be NULL. */
void seal_progress_update(seal_progress *p, long done, const char *status);
/* Final line (always printed unless quiet). */
void seal_progress_finish(seal_progress *p, long done, const char *status);
/* Wall-clock seconds since an arbitrary origin (monotonic). */
double seal_now(void);

#endif
