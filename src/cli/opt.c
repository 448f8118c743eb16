/* opt.c: the one option table (see opt.h). */
#include "cli/opt.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/strbuf.h"

#define HELP_COLUMN 30
#define HELP_WIDTH 100

/* ---- strict number parsing ---- */

/* The accepted range of a numeric option, as a message fragment. */
static void range_text(char *buf, size_t n, cli_opt_type type, double min, double max, int gt_min) {
    if (type == CLI_U64 && max > 0) snprintf(buf, n, "a whole number from 0 to %.0f", max);
    else if (type == CLI_U64) snprintf(buf, n, "a whole number >= 0");
    else if (type == CLI_INT || type == CLI_I64) snprintf(buf, n, "a whole number from %.0f to %.0f", gt_min ? min + 1 : min, max);
    else snprintf(buf, n, "%g %s X <= %g", min, gt_min ? "<" : "<=", max);
}

static int cli_parse_int(const char *what, const char *s, long long min, long long max, long long *out) {
    char range[96];
    snprintf(range, sizeof range, "a whole number from %lld to %lld", min, max);
    const char *p = s + (*s == '-' || *s == '+');
    if (*p < '0' || *p > '9') return seal_err("%s: \"%s\" is not a whole number (accepted: %s)", what, s, range);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0') return seal_err("%s: \"%s\" is not a whole number (accepted: %s)", what, s, range);
    if (errno == ERANGE || v < min || v > max) return seal_err("%s: %s is out of range (accepted: %s)", what, s, range);
    *out = v;
    return 0;
}

static int cli_parse_double(const char *what, const char *s, double min, double max, int gt_min, double *out) {
    char range[96];
    range_text(range, sizeof range, CLI_F64, min, max, gt_min);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || isspace((unsigned char)*s))
        return seal_err("%s: \"%s\" is not a number (accepted: %s)", what, s, range);
    if (!isfinite(v)) return seal_err("%s: \"%s\" is not a finite number (accepted: %s)", what, s, range);
    if (v > max || (gt_min ? v <= min : v < min)) return seal_err("%s: %s is out of range (accepted: %s)", what, s, range);
    *out = v;
    return 0;
}

static int parse_u64(const char *what, const cli_opt *o, const char *s, unsigned long long *out) {
    char range[96];
    range_text(range, sizeof range, CLI_U64, o->min, o->max, 0);
    if (*s < '0' || *s > '9') return seal_err("%s: \"%s\" is not a whole number (accepted: %s)", what, s, range);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0') return seal_err("%s: \"%s\" is not a whole number (accepted: %s)", what, s, range);
    if (errno == ERANGE || (o->max > 0 && (double)v > o->max)) return seal_err("%s: %s is out of range (accepted: %s)", what, s, range);
    *out = v;
    return 0;
}

static int parse_choice(const char *what, const char *choices, const char *s, int *out) {
    int idx = 0;
    for (const char *p = choices; *p; idx++) {
        size_t n = strcspn(p, "|");
        if (strlen(s) == n && !strncmp(p, s, n)) { *out = idx; return 0; }
        p += n + (p[n] == '|');
    }
    strbuf list = {0};
    for (const char *p = choices; *p; p++) {
        if (*p == '|') seal_strbuf_puts(&list, ", ");
        else seal_strbuf_put(&list, p, 1);
    }
    int rc = seal_err("%s: \"%s\" is not one of %s", what, s, list.len ? list.s : "");
    seal_strbuf_free(&list);
    return rc;
}

/* Store value into o's target. -1 + seal_err naming --name. */
static int set_value(const cli_opt *o, const char *value) {
    char what[96];
    snprintf(what, sizeof what, "--%s", o->name);
    long long i = 0;
    double d = 0;
    int gt = (o->flags & CLI_GT_MIN) != 0;
    switch (o->type) {
    case CLI_INT:
    case CLI_I64: {
        long long lo = (long long)o->min + gt, hi = (long long)o->max;
        if (cli_parse_int(what, value, lo, hi, &i)) return -1;
        if (o->type == CLI_INT) *(int *)o->dst = (int)i;
        else *(long long *)o->dst = i;
        return 0;
    }
    case CLI_U64: return parse_u64(what, o, value, o->dst);
    case CLI_F64:
    case CLI_F32:
        if (cli_parse_double(what, value, o->min, o->max, gt, &d)) return -1;
        if (o->type == CLI_F64) *(double *)o->dst = d;
        else *(float *)o->dst = (float)d;
        return 0;
    case CLI_STR:
        if (!*value) return seal_err("%s: empty value", what);
        *(const char **)o->dst = value;
        return 0;
    case CLI_CHOICE: return parse_choice(what, o->choices, value, o->dst);
    case CLI_CUSTOM:
        if (o->parse(value, o->dst) == 0) return 0;
        if (strncmp(seal_errmsg(), what, strlen(what))) seal_err_prefix("%s", what);
        return -1;
    default: return seal_err("%s: takes no value", what);
    }
}

/* ---- help ---- */

/* The current value of o's target (the default, before parsing), or "" if none worth showing. */
static void default_text(const cli_opt *o, char *buf, size_t n) {
    buf[0] = '\0';
    switch (o->type) {
    case CLI_INT: snprintf(buf, n, "%d", *(int *)o->dst); break;
    case CLI_I64: snprintf(buf, n, "%lld", *(long long *)o->dst); break;
    case CLI_U64: snprintf(buf, n, "%llu", *(unsigned long long *)o->dst); break;
    case CLI_F64: snprintf(buf, n, "%g", *(double *)o->dst); break;
    case CLI_F32: snprintf(buf, n, "%g", (double)*(float *)o->dst); break;
    case CLI_STR:
        if (*(const char **)o->dst) snprintf(buf, n, "%s", *(const char **)o->dst);
        break;
    case CLI_CHOICE: {
        int idx = *(int *)o->dst;
        const char *p = o->choices;
        for (int k = 0; k < idx && p; k++) p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
        if (p) snprintf(buf, n, "%.*s", (int)strcspn(p, "|"), p);
        break;
    }
    default: break;
    }
}

/* Print text wrapped at HELP_WIDTH, continuation lines indented to HELP_COLUMN; col is the current column. */
static void print_wrapped(FILE *out, const char *text, int col) {
    while (*text) {
        size_t word = strcspn(text, " ");
        if (col > HELP_COLUMN && col + 1 + (int)word > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COLUMN, "");
            col = HELP_COLUMN;
        } else if (col > HELP_COLUMN) {
            fputc(' ', out);
            col++;
        }
        fwrite(text, 1, word, out);
        col += (int)word;
        text += word;
        while (*text == ' ') text++;
    }
    fputc('\n', out);
}

static void print_option(const cli_opt *o, FILE *out) {
    char def[128], range[96], tail[640];
    int col = o->short_name ? fprintf(out, "  -%c, --%s", o->short_name, o->name) : fprintf(out, "      --%s", o->name);
    if (o->metavar) col += fprintf(out, " %s", o->metavar);
    if (col >= HELP_COLUMN - 1) fprintf(out, "\n%*s", HELP_COLUMN, "");
    else fprintf(out, "%*s", HELP_COLUMN - col, "");
    default_text(o, def, sizeof def);
    range[0] = '\0';
    if (o->type >= CLI_INT && o->type <= CLI_F32) range_text(range, sizeof range, o->type, o->min, o->max, (o->flags & CLI_GT_MIN) != 0);
    if (o->type == CLI_CHOICE || (o->type == CLI_CUSTOM && o->choices)) snprintf(range, sizeof range, "%s", o->choices);
    int len = snprintf(tail, sizeof tail, "%s", o->help ? o->help : "");
    if (o->flags & CLI_REQUIRED) snprintf(tail + len, sizeof tail - (size_t)len, " (required)");
    else if (def[0] || range[0])
        snprintf(tail + len, sizeof tail - (size_t)len, " (%s%s%s%s)", def[0] ? "default " : "", def,
                 def[0] && range[0] ? "; " : "", range);
    print_wrapped(out, tail, HELP_COLUMN);
}

void cli_print_help(const cli_spec *spec, FILE *out) {
    fprintf(out, "usage: %s %s\n", spec->command, spec->usage ? spec->usage : "[options]");
    if (spec->about) fprintf(out, "\n%s%s", spec->about, spec->about[strlen(spec->about) - 1] == '\n' ? "" : "\n");
    fputc('\n', out);
    for (const cli_opt *o = spec->opts; o->type != CLI_END; o++) {
        if (o->type == CLI_SECTION) fprintf(out, "%s%s\n", o == spec->opts ? "" : "\n", o->help);
        else if (!(o->flags & CLI_HIDDEN)) print_option(o, out);
    }
    fprintf(out, "      --help                  this help\n");
    if (spec->epilog) fprintf(out, "\n%s%s", spec->epilog, spec->epilog[strlen(spec->epilog) - 1] == '\n' ? "" : "\n");
}

static const char *type_name(cli_opt_type t) {
    static const char *names[] = {"end", "section", "flag", "int", "int", "u64", "float", "float", "string", "choice", "custom"};
    return names[t];
}

/* --help-json: the table, for tests that enumerate every option. */
static void print_help_json(const cli_spec *spec) {
    json_t *arr = json_array();
    for (const cli_opt *o = spec->opts; o->type != CLI_END; o++) {
        if (o->type == CLI_SECTION) continue;
        char def[128];
        default_text(o, def, sizeof def);
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(o->name));
        if (o->short_name) json_object_set_new(e, "short", json_stringn(&o->short_name, 1));
        json_object_set_new(e, "type", json_string(type_name(o->type)));
        if (o->type >= CLI_INT && o->type <= CLI_F32) {
            json_object_set_new(e, "min", json_real(o->min));
            json_object_set_new(e, "max", json_real(o->type == CLI_U64 && o->max <= 0 ? 1.8446744073709552e19 : o->max));
            json_object_set_new(e, "gt_min", json_boolean(o->flags & CLI_GT_MIN));
        }
        if (o->choices) json_object_set_new(e, "choices", json_string(o->choices));
        json_object_set_new(e, "default", def[0] ? json_string(def) : json_null());
        json_object_set_new(e, "required", json_boolean(o->flags & CLI_REQUIRED));
        json_object_set_new(e, "result", json_boolean(o->flags & CLI_RESULT));
        json_object_set_new(e, "repeat", json_boolean(o->flags & CLI_REPEAT));
        json_array_append_new(arr, e);
    }
    json_t *root = json_pack("{s:s, s:o}", "command", spec->command, "options", arr);
    char *s = json_dumps(root, JSON_INDENT(1));
    if (s) puts(s);
    free(s);
    json_decref(root);
}

/* ---- parsing ---- */

static const cli_opt *find_long(const cli_spec *spec, const char *name, size_t n) {
    for (const cli_opt *o = spec->opts; o->type != CLI_END; o++)
        if (o->type != CLI_SECTION && strlen(o->name) == n && !strncmp(o->name, name, n)) return o;
    return NULL;
}

static const cli_opt *find_short(const cli_spec *spec, char c) {
    for (const cli_opt *o = spec->opts; o->type != CLI_END; o++)
        if (o->type != CLI_SECTION && o->short_name == c) return o;
    return NULL;
}

static int usage_error(const cli_spec *spec) {
    fprintf(stderr, "%s: %s (see %s --help)\n", spec->command, seal_errmsg(), spec->command);
    return 2;
}

/* Count uses per option in a small array parallel to the table. */
static int note_use(const cli_spec *spec, const cli_opt *o, int *uses) {
    int i = (int)(o - spec->opts);
    if (++uses[i] > 1 && !(o->flags & CLI_REPEAT)) return seal_err("--%s given more than once", o->name);
    if (o->given) (*o->given)++;
    return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int parse_one(const cli_spec *spec, int argc, char **argv, int *i, int *uses) {
    const char *arg = argv[*i], *value = NULL;
    const cli_opt *o;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (!(o = find_long(spec, name, n))) return seal_err("unknown option --%.*s", (int)n, name);
        if (eq) value = eq + 1;
    } else {
        if (!(o = find_short(spec, arg[1]))) return seal_err("unknown option -%c", arg[1]);
        if (arg[2]) value = arg + 2;
    }
    if (note_use(spec, o, uses)) return -1;
    if (o->type == CLI_FLAG) {
        if (value) return seal_err("--%s takes no value", o->name);
        *(int *)o->dst = 1;
        return 0;
    }
    if (!value) {
        if (*i + 1 >= argc) return seal_err("--%s needs a value (%s)", o->name, o->metavar ? o->metavar : "VALUE");
        value = argv[++*i];
    }
    return set_value(o, value);
}

static int check_required(const cli_spec *spec, const int *uses) {
    for (const cli_opt *o = spec->opts; o->type != CLI_END; o++)
        if ((o->flags & CLI_REQUIRED) && !uses[o - spec->opts])
            return seal_err("missing --%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
    return 0;
}

int cli_parse(const cli_spec *spec, int argc, char **argv, int *n_pos, char ***pos) {
    int n_opts = 0;
    while (spec->opts[n_opts].type != CLI_END) n_opts++;
    int *uses = seal_calloc((size_t)n_opts + 1, sizeof *uses);
    char **positional = seal_calloc((size_t)argc + 1, sizeof *positional);
    int np = 0, rc = CLI_CONTINUE, only_pos = 0;
    for (int i = 1; i < argc && rc == CLI_CONTINUE; i++) {
        const char *a = argv[i];
        if (!only_pos && (!strcmp(a, "--help") || !strcmp(a, "-h"))) { cli_print_help(spec, stdout); rc = 0; }
        else if (!only_pos && !strcmp(a, "--help-json")) { print_help_json(spec); rc = 0; }
        else if (!only_pos && !strcmp(a, "--")) only_pos = 1;
        else if (!only_pos && a[0] == '-' && a[1]) { if (parse_one(spec, argc, argv, &i, uses)) rc = usage_error(spec); }
        else if (np >= spec->max_pos) { seal_err("unexpected argument \"%s\"", a); rc = usage_error(spec); }
        else positional[np++] = argv[i];
    }
    if (rc == CLI_CONTINUE && check_required(spec, uses)) rc = usage_error(spec);
    if (rc == CLI_CONTINUE && np < spec->min_pos) { seal_err("missing argument (%s)", spec->usage); rc = usage_error(spec); }
    free(uses);
    if (rc == CLI_CONTINUE && pos) *pos = positional;
    else free(positional);
    if (n_pos) *n_pos = rc == CLI_CONTINUE ? np : 0;
    return rc;
}

static void print_subcommands(const char *command, const cli_subcommand *subs, FILE *out) {
    fprintf(out, "usage: %s <subcommand> [options]   (%s <subcommand> --help for details)\n\nsubcommands:\n", command, command);
    for (const cli_subcommand *s = subs; s->name; s++) fprintf(out, "  %-14s %s\n", s->name, s->summary);
}

int cli_dispatch(const char *command, const cli_subcommand *subs, int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : NULL;
    if (name && (!strcmp(name, "--help") || !strcmp(name, "-h"))) { print_subcommands(command, subs, stdout); return 0; }
    if (name && !strcmp(name, "--help-json")) {
        json_t *names = json_array();
        for (const cli_subcommand *s = subs; s->name; s++) json_array_append_new(names, json_string(s->name));
        json_t *root = json_pack("{s:s, s:o}", "command", command, "subcommands", names);
        char *text = json_dumps(root, JSON_INDENT(1));
        if (text) puts(text);
        free(text);
        json_decref(root);
        return 0;
    }
    for (const cli_subcommand *s = subs; name && s->name; s++)
        if (!strcmp(name, s->name)) return s->run(argc - 1, argv + 1);
    strbuf list = {0};
    for (const cli_subcommand *s = subs; s->name; s++) seal_strbuf_printf(&list, "%s%s", s == subs ? "" : ", ", s->name);
    if (name) fprintf(stderr, "%s: unknown subcommand \"%s\" (one of %s; see %s --help)\n", command, name, list.s, command);
    else fprintf(stderr, "%s: missing subcommand (one of %s; see %s --help)\n", command, list.s, command);
    seal_strbuf_free(&list);
    return 2;
}
