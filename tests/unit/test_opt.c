/* test_opt: the one option table (src/cli/opt.c): strict values, bounds,
 * required and repeated options, positionals, generated help. */
#include <unistd.h>

#include "check.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "util/err.h"

typedef struct {
    int epochs, flag, grader;
    long long steps;
    unsigned long long seed;
    double lr;
    float alpha;
    const char *model;
} opts;

/* Parse the words of line (at most 30) against the test table; stderr is silenced. */
static int parse_line(opts *o, const char *line, int *n_pos, char ***pos) {
    *o = (opts){.epochs = 3, .steps = 10, .seed = 1, .lr = 1e-3, .alpha = 16, .grader = 0};
    const cli_opt table[] = {
        CLI_SECTION("Test:"),
        CLI_OPT(CLI_INT, "epochs", 0, &o->epochs, "N", "epochs", 1, 100, CLI_RESULT),
        CLI_OPT(CLI_I64, "steps", 0, &o->steps, "N", "steps", 0, 1e12, 0),
        CLI_OPT(CLI_U64, "seed", 0, &o->seed, "S", "seed", 0, 0, 0),
        CLI_OPT(CLI_F64, "lr", 0, &o->lr, "X", "learning rate", 0, 10, CLI_GT_MIN),
        CLI_OPT(CLI_F32, "alpha", 0, &o->alpha, "A", "alpha", 0, 1e6, 0),
        CLI_OPT_CHOICE("grader", &o->grader, "NAME", "grader", "em|f1|judge", 0),
        CLI_OPT_FLAG("quiet", 'q', &o->flag, "quiet", 0),
        CLI_OPT_STR("model", 'm', &o->model, "DIR", "model", CLI_REQUIRED),
        {0}};
    const cli_spec spec = {"seal test", "-m DIR [options] [FILE]", "A test.", table, 0, 1, NULL};
    static char buf[512]; /* the parsed values point into it */
    char *argv[32] = {"test"};
    int argc = 1;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *w = strtok(buf, " "); w && argc < 31; w = strtok(NULL, " ")) argv[argc++] = w;
    fflush(stderr);
    int saved = dup(2);
    FILE *null = freopen("/dev/null", "w", stderr);
    int rc = cli_parse(&spec, argc, argv, n_pos, pos);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    (void)null;
    return rc;
}

/* The error cli_parse() recorded for line must contain needle and the exit code be 2. */
static void expect_usage_error(const char *line, const char *needle) {
    opts o;
    int rc = parse_line(&o, line, NULL, NULL);
    CHECK_MSG(rc == 2 && strstr(seal_errmsg(), needle), "%s: rc %d, message \"%s\", want \"%s\"", line, rc, seal_errmsg(), needle);
}

int main(void) {
    opts o;
    int np;
    char **pos = NULL;
    CHECK(parse_line(&o, "-m M --epochs 7 --steps=12 --seed 18446744073709551615 --lr 1e-4 --alpha 0.5 --grader f1 -q F",
                     &np, &pos) == CLI_CONTINUE);
    CHECK(o.epochs == 7 && o.steps == 12 && o.seed == 18446744073709551615ull && o.lr == 1e-4 && o.alpha == 0.5f);
    CHECK_MSG(o.grader == 1 && o.flag == 1 && !strcmp(o.model, "M") && np == 1 && !strcmp(pos[0], "F"), "%d %d %s %d", o.grader, o.flag, o.model, np);
    free(pos);
    CHECK(parse_line(&o, "-mM", NULL, NULL) == CLI_CONTINUE && !strcmp(o.model, "M") && o.epochs == 3);

    expect_usage_error("-m M --epochs 2.5", "--epochs: \"2.5\" is not a whole number (accepted: a whole number from 1 to 100)");
    expect_usage_error("-m M --epochs abc", "--epochs: \"abc\" is not a whole number");
    expect_usage_error("-m M --epochs 101", "--epochs: 101 is out of range");
    expect_usage_error("-m M --epochs 0", "--epochs: 0 is out of range");
    expect_usage_error("-m M --epochs 99999999999999999999", "out of range");
    expect_usage_error("-m M --epochs 1e2", "not a whole number");
    expect_usage_error("-m M --lr nan", "--lr: \"nan\" is not a finite number (accepted: 0 < X <= 10)");
    expect_usage_error("-m M --lr inf", "not a finite number");
    expect_usage_error("-m M --lr 1e999", "not a finite number");
    expect_usage_error("-m M --lr 1e-3x", "--lr: \"1e-3x\" is not a number");
    expect_usage_error("-m M --lr 0", "--lr: 0 is out of range");
    expect_usage_error("-m M --lr 11", "out of range");
    expect_usage_error("-m M --alpha -1", "--alpha: -1 is out of range");
    expect_usage_error("-m M --seed -1", "--seed: \"-1\" is not a whole number");
    expect_usage_error("-m M --seed 18446744073709551616", "--seed: 18446744073709551616 is out of range");
    expect_usage_error("-m M --grader bogus", "--grader: \"bogus\" is not one of em, f1, judge");
    expect_usage_error("--epochs 2", "missing --model DIR");
    expect_usage_error("-m M -m N", "--model given more than once");
    expect_usage_error("-m M --nosuch 1", "unknown option --nosuch");
    expect_usage_error("-m M --quiet=1", "--quiet takes no value");
    expect_usage_error("-m M --epochs", "--epochs needs a value (N)");
    expect_usage_error("-m M A B", "unexpected argument \"B\"");
    expect_usage_error("--model=", "--model: empty value");

    /* --help goes to stdout, with defaults and ranges; exit 0 */
    char path[] = "/tmp/seal-test-opt-XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int rc = parse_line(&o, "--help", NULL, NULL);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    char text[4096] = {0};
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    unlink(path);
    CHECK(rc == 0 && n > 0);
    CHECK_MSG(strstr(text, "usage: seal test -m DIR [options] [FILE]") != NULL, "%s", text);
    CHECK_MSG(strstr(text, "--epochs N") && strstr(text, "(default 3; a whole number from 1 to 100)"), "%s", text);
    CHECK_MSG(strstr(text, "(default 0.001; 0 < X <= 10)") != NULL, "%s", text);
    CHECK_MSG(strstr(text, "(default em; em|f1|judge)") != NULL, "%s", text);
    CHECK_MSG(strstr(text, "-m, --model DIR") && strstr(text, "(required)"), "%s", text);

    /* thread counts: never above the CPUs; a bad $SEAL_THREADS is named */
    int t, cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    unsetenv("SEAL_THREADS");
    CHECK(seal_threads_resolve(100000, &t) == 0 && t == cpus);
    CHECK(seal_threads_resolve(1, &t) == 0 && t == 1);
    setenv("SEAL_THREADS", "1", 1);
    CHECK(seal_threads_resolve(0, &t) == 0 && t == 1);
    setenv("SEAL_THREADS", "2x", 1);
    CHECK_ERR(seal_threads_resolve(0, &t), "SEAL_THREADS: \"2x\"");
    unsetenv("SEAL_THREADS");
    return check_report("test_opt");
}
