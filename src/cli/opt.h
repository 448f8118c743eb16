/* opt.h: the one option table every `seal <command>` is parsed with.
 *
 * A command describes its options once, as an array of cli_opt ending with
 * {0}: name, type, where the value goes, bounds, a metavar and a help line.
 * cli_parse() then does everything a user meets: strict value parsing (the
 * whole string, finite, within bounds, whole where whole), one-line errors that
 * name the option and the accepted range, a missing required option named in
 * one line, --help generated from the table (defaults read from the targets,
 * so fill the config struct with its defaults before parsing), and a hidden
 * --help-json that prints the table for tests to enumerate.
 *
 *   my_opts o = my_opts_defaults();
 *   const cli_opt opts[] = {
 *       CLI_SECTION("Data:"),
 *       CLI_OPT(CLI_INT, "rounds", 0, &o.rounds, "N", "ReST-EM rounds", 0, 100, CLI_RESULT),
 *       CLI_OPT(CLI_F64, "lr", 0, &o.lr, "X", "learning rate", 0, 10, CLI_RESULT | CLI_GT_MIN),
 *       CLI_OPT_STR("model", 'm', &o.model_dir, "DIR", "model directory", CLI_REQUIRED),
 *       CLI_OPT_CHOICE("grader", &o.grader, "NAME", "how answers are graded", "em|f1|judge", CLI_RESULT),
 *       CLI_THREADS_OPT(&o.threads),
 *       {0}};
 *   const cli_spec spec = {"seal knowledge eval", "-m MODEL --eval FILE --run DIR [options]",
 *                          "What the command does...", opts, 0, 0, NULL};
 *   int rc = cli_parse(&spec, argc, argv, NULL, NULL);
 *   if (rc != CLI_CONTINUE) return rc;     // help printed (0) or usage error (2)
 */
#ifndef SEAL_CLI_OPT_H
#define SEAL_CLI_OPT_H

#include <stdio.h>

typedef enum {
    CLI_END = 0,
    CLI_SECTION, /* a heading in --help ("Inner loop:"); only .help is used */
    CLI_FLAG,    /* no value: *(int *)dst = 1 */
    CLI_INT,     /* int *: a whole decimal number in [min, max] */
    CLI_I64,     /* long long *: likewise */
    CLI_U64,     /* unsigned long long *: a whole number >= 0 (seeds); min/max ignored unless max > 0 */
    CLI_F64,     /* double *: a finite number in [min, max] */
    CLI_F32,     /* float *: likewise, stored as float */
    CLI_STR,     /* const char **: the argument itself (argv is not copied) */
    CLI_CHOICE,  /* int *: the index of the value in .choices ("em|f1|judge") */
    CLI_CUSTOM,  /* .parse(value, dst): 0, or -1 after seal_err() saying what is wrong */
} cli_opt_type;

enum {
    CLI_REQUIRED = 1 << 0, /* must be given (a one-line error names it otherwise) */
    CLI_RESULT = 1 << 1,   /* changes a run's results: the run record must hold it (tests check) */
    CLI_GT_MIN = 1 << 2,   /* the lower bound is exclusive (x > min) */
    CLI_REPEAT = 1 << 3,   /* may be given more than once (CLI_STR/CLI_CUSTOM: each value goes to .parse
                              or, for CLI_STR, overwrites); without it a second use is an error */
    CLI_HIDDEN = 1 << 4,   /* not shown in --help (still in --help-json) */
};

typedef struct cli_opt {
    cli_opt_type type;
    const char *name;    /* long name without "--" */
    char short_name;     /* 'm' for -m, or 0 */
    void *dst;           /* where the value goes (see the types) */
    const char *metavar; /* "N", "X", "DIR"; NULL for flags */
    const char *help;    /* one line (may be long: wrapped when printed) */
    double min, max;     /* numeric bounds, inclusive unless CLI_GT_MIN */
    unsigned flags;      /* CLI_REQUIRED | CLI_RESULT | ... */
    const char *choices; /* CLI_CHOICE: "a|b|c"; CLI_CUSTOM: the accepted values, for --help (optional) */
    int (*parse)(const char *value, void *dst); /* CLI_CUSTOM */
    int *given;          /* optional: incremented each time the option appears */
} cli_opt;

/* Table rows. Use these (or designated initializers): -Wextra refuses a
 * positional initializer that leaves fields out. */
#define CLI_SECTION(title) {.type = CLI_SECTION, .help = (title)}
#define CLI_OPT(type, name, short_name, dst, metavar, help, min, max, flags) \
    {(type), (name), (short_name), (dst), (metavar), (help), (min), (max), (flags), NULL, NULL, NULL}
#define CLI_OPT_FLAG(name, short_name, dst, help, flags) \
    {CLI_FLAG, (name), (short_name), (dst), NULL, (help), 0, 0, (flags), NULL, NULL, NULL}
#define CLI_OPT_STR(name, short_name, dst, metavar, help, flags) \
    {CLI_STR, (name), (short_name), (dst), (metavar), (help), 0, 0, (flags), NULL, NULL, NULL}
#define CLI_OPT_CHOICE(name, dst, metavar, help, choices, flags) \
    {CLI_CHOICE, (name), 0, (dst), (metavar), (help), 0, 0, (flags), (choices), NULL, NULL}
#define CLI_OPT_CUSTOM(name, short_name, dst, metavar, help, parse_fn, accepted, flags) \
    {CLI_CUSTOM, (name), (short_name), (dst), (metavar), (help), 0, 0, (flags), (accepted), (parse_fn), NULL}

typedef struct {
    const char *command; /* "seal knowledge eval": for usage lines and error messages */
    const char *usage;   /* what follows the command in the usage line */
    const char *about;   /* paragraphs printed under the usage line by --help (may be NULL) */
    const cli_opt *opts; /* ends with {0} */
    int min_pos, max_pos; /* positional arguments accepted (both 0: none) */
    const char *epilog;  /* printed after the options by --help (may be NULL) */
} cli_spec;

#define CLI_CONTINUE (-1)

/* Parse argv[1..argc-1] (argv[0] is the command or subcommand name) against
 * spec. Returns CLI_CONTINUE when the command should run; 0 after printing
 * --help (or --help-json) to stdout; 2 after printing a one-line usage error
 * to stderr ("seal knowledge eval: --inner-lr: \"nan\" is not a finite number
 * (accepted: 0 < X <= 10)", "... : missing --eval FILE"). Options may be
 * written --name VALUE or --name=VALUE, -m VALUE or -mVALUE; "--" ends them.
 * Positional arguments, if the spec allows them, are returned in *pos (a
 * malloc'd array of argv pointers, free it) and *n_pos; both may be NULL when
 * the spec takes none. */
int cli_parse(const cli_spec *spec, int argc, char **argv, int *n_pos, char ***pos);

/* Commands with subcommands (`seal knowledge eval|rl|cpt`) dispatch through
 * this table, ended by {0}. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
    const char *summary;
} cli_subcommand;

/* Run the subcommand named by argv[1] with argv shifted by one, and return its
 * exit code. --help lists the subcommands (exit 0); --help-json prints
 * {"command": "seal knowledge", "subcommands": ["eval", ...]} so that tests can
 * walk every table; a missing or unknown subcommand is a one-line usage error
 * (exit 2). command is "seal knowledge". */
int cli_dispatch(const char *command, const cli_subcommand *subs, int argc, char **argv);

/* Print the generated help of spec to out. */
void cli_print_help(const cli_spec *spec, FILE *out);

/* The standard -t/--threads option: 0 (= all CPUs) to 1024, capped later by
 * seal_threads_resolve (rt/threadpool.h) to the CPUs. */
#define CLI_THREADS_OPT(dst) \
    CLI_OPT(CLI_INT, "threads", 't', (dst), "N", "kernel threads (0: all CPUs, or $SEAL_THREADS; at most the CPUs)", 0, 1024, 0)

#endif
