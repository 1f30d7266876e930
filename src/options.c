/*
 * options: command line, environment and config file. See options.h.
 *
 * Every long option is described once, in the table below; the same table
 * drives getopt_long, the PYTOP_<NAME> environment variables and the
 * "name = value" lines of the config file. Sources are applied from the
 * weakest (config file) to the strongest (command line).
 */
#include "config.h"
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum opt_kind { OPT_FLAG, OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_WAIT, OPT_DURATION, OPT_LIST };

struct opt_spec {
    const char *name; /* long name; PYTOP_ + upper-case with '_' for env */
    int short_name;   /* 0 if none */
    enum opt_kind kind;
    size_t offset; /* into struct options */
    const char *help;
};

#define OFF(field) offsetof(struct options, field)

static const struct opt_spec specs[] = {
    {"pid", 'p', OPT_INT, OFF(pid), "attach to process PID"},
    {"port", 'P', OPT_INT, OFF(port), "attach to the process(es) listening on TCP PORT"},
    {"rate", 'r', OPT_DOUBLE, OFF(rate), "samples per second per process (default 100)"},
    {"duration", 'd', OPT_DURATION, OFF(duration), "stop after SEC seconds (or 90s, 5m, 2h)"},
    {"subprocesses", 's', OPT_FLAG, OFF(subprocesses), "also profile descendants (workers)"},
    {"idle", 'i', OPT_FLAG, OFF(idle), "keep samples of idle threads"},
    {"gil", 'g', OPT_FLAG, OFF(gil), "keep only samples of the GIL holder"},
    {"native", 'n', OPT_FLAG, OFF(native), "include native frames (pauses threads)"},
    {"native-all", 0, OPT_FLAG, OFF(native_all), "with -n: keep the interpreter's own frames too"},
    {"debug-dir", 0, OPT_LIST, OFF(debug_dirs),
     "with -n: debug files in DIR too, as in /usr/lib/debug (repeatable)"},
    {"blocking", 0, OPT_FLAG, OFF(blocking), "pause each thread while reading its stack"},
    {"nonblocking", 0, OPT_FLAG, 0, "never pause the target (the default)"},
    {"threads", 't', OPT_FLAG, OFF(threads), "record: a frame per thread"},
    {"function", 'F', OPT_FLAG, OFF(function), "aggregate by function, not line"},
    {"output", 'o', OPT_STRING, OFF(output), "output file"},
    {"format", 'f', OPT_STRING, OFF(format), "output format"},
    {"locals", 0, OPT_FLAG, OFF(locals), "dump: show local variables"},
    {"async", 0, OPT_FLAG, OFF(async_tasks),
     "asyncio tasks: dump lists them, record and top sample each"},
    {"by-endpoint", 0, OPT_FLAG, OFF(by_endpoint),
     "record: a root frame per endpoint (request GET /users/{id})"},
    {"wait", 0, OPT_WAIT, OFF(wait), "wait up to SEC (30) s for the PID or port"},
    {"full-filenames", 0, OPT_FLAG, OFF(full_filenames), "show whole file paths"},
    {"all", 0, OPT_FLAG, OFF(all), "list: every process, not only Python"},
    {"categories", 0, OPT_STRING, OFF(categories), "report: a file of more module categories"},
    {"slow", 0, OPT_DURATION, OFF(slow),
     "watch, the view's endpoints: a request this long is slow (default 500ms)"},
    {"include", 0, OPT_LIST, OFF(include), "watch: only request paths matching GLOB (repeatable)"},
    {"exclude", 0, OPT_LIST, OFF(exclude), "watch: never request paths matching GLOB (repeatable)"},
    {"alert-window", 0, OPT_DURATION, OFF(alert_window),
     "watch: one alert per endpoint per DURATION (default 1d)"},
    {"notify", 0, OPT_LIST, OFF(notify),
     "watch: send alerts: webhook=URL, mattermost=SERVER,TOKEN,CHANNEL, "
     "email=SMTP-URL,FROM,TO[,TO...] (repeatable)"},
    {"ca-file", 0, OPT_STRING, OFF(ca_file), "watch: CA certificates for the notifiers' TLS"},
    {"notify-retry", 0, OPT_DURATION, OFF(notify_retry),
     "watch: retry an alert not delivered after TIME, doubling, 4 tries (default 2s)"},
    {"config", 'c', OPT_STRING, OFF(config), "config file"},
    {"help", 'h', OPT_FLAG, OFF(help), "this help"},
    {"version", 'V', OPT_FLAG, OFF(version), "print the version"},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static const struct {
    const char *name;
    enum pt_command cmd;
} commands[] = {
    {"top", CMD_TOP},       {"record", CMD_RECORD}, {"dump", CMD_DUMP},   {"list", CMD_LIST},
    {"report", CMD_REPORT}, {"diff", CMD_DIFF},     {"watch", CMD_WATCH},
};

void options_usage(void)
{
    printf("Usage: pytop [top] [OPTIONS] TARGET      live view (the default command)\n"
           "       pytop record [OPTIONS] TARGET     sample without a UI, write a profile\n"
           "       pytop dump [OPTIONS] TARGET       print every thread's Python stack once\n"
           "       pytop list [--all]                list Python processes and their roles\n"
           "       pytop report [OPTIONS] PROFILE    report from a saved profile\n"
           "       pytop diff [OPTIONS] BEFORE AFTER  differential flamegraph of two profiles\n"
           "       pytop watch [OPTIONS] TARGET      run as a service: capture slow requests,\n"
           "                                         raise alerts\n"
           "\n"
           "TARGET: -p PID | -P PORT | -- COMMAND [ARGS...]\n"
           "        (none: the live view opens the process picker)\n"
           "Reads CPython 3.8-3.15 (3.13+ through the target's own debug offsets).\n"
           "\nOptions:\n");
    for (size_t i = 0; i < NSPECS; i++) {
        char left[48];
        const char *arg =
            specs[i].kind == OPT_INT        ? (specs[i].short_name == 'P' ? " PORT" : " PID")
            : specs[i].kind == OPT_DOUBLE   ? (specs[i].short_name == 'r' ? " HZ" : " SEC")
            : specs[i].kind == OPT_STRING   ? (specs[i].short_name == 'f' ? " FMT" : " FILE")
            : specs[i].kind == OPT_WAIT     ? "[=SEC]"
            : specs[i].kind == OPT_DURATION ? (specs[i].short_name == 'd' ? " SEC" : " TIME")
            : specs[i].kind == OPT_LIST     ? (strcmp(specs[i].name, "notify") == 0      ? " SPEC"
                                               : strcmp(specs[i].name, "debug-dir") == 0 ? " DIR"
                                                                                         : " GLOB")
                                            : "";
        if (specs[i].short_name)
            snprintf(left, sizeof left, "-%c, --%s%s", specs[i].short_name, specs[i].name, arg);
        else
            snprintf(left, sizeof left, "    --%s%s", specs[i].name, arg);
        printf("  %-26s %s\n", left, specs[i].help);
    }
    printf("\nIn the live view, ? lists every key. Enter on a function shows its callers\n"
           "and callees, T the call tree, F a flamegraph in the terminal; Esc returns.\n");
    printf("\nEvery option can be set as PYTOP_<NAME> in the environment (PYTOP_RATE=250)\n"
           "or as 'name = value' in $XDG_CONFIG_HOME/pytop/config.\n");
}

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

int options_parse_duration(const char *s, double *out)
{
    static const struct {
        const char *unit;
        double seconds;
    } units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"", 1}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || !isfinite(v) || v < 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            *out = v * units[i].seconds;
            return 0;
        }
    return -1;
}

static int parse_bool(const char *s, int *out)
{
    if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
        !strcasecmp(s, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
        !strcasecmp(s, "off")) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* Apply one value; `from` names the source for messages ("" for the
 * command line, where the option's own name says enough). */
static int apply(struct options *opt, const struct opt_spec *sp, const char *value,
                 const char *from, struct pt_error *err)
{
    void *field = (char *)opt + sp->offset;
    long l;
    double d;
    int b;
    if (sp->offset == 0 && sp->kind == OPT_FLAG) /* --nonblocking */
        return 0;
    switch (sp->kind) {
    case OPT_FLAG:
        if (value == NULL) {
            *(int *)field = 1;
            return 0;
        }
        if (parse_bool(value, &b) != 0)
            return pt_error_set(err, PT_E_USAGE, "%s--%s takes true or false, not '%s'", from,
                                sp->name, value);
        *(int *)field = b;
        return 0;
    case OPT_INT:
        if (parse_int(value, 1, sp->short_name == 'P' ? 65535 : INT_MAX, &l) != 0)
            return pt_error_set(err, PT_E_USAGE, "%s--%s takes a %s, not '%s'", from, sp->name,
                                sp->short_name == 'P' ? "port number (1-65535)"
                                                      : "process ID (a positive number)",
                                value);
        if (sp->short_name == 'P')
            *(int *)field = (int)l;
        else
            *(pid_t *)field = (pid_t)l;
        return 0;
    case OPT_DOUBLE:
        if (parse_double(value, &d) != 0)
            return pt_error_set(err, PT_E_USAGE, "%s--%s takes a positive number, not '%s'", from,
                                sp->name, value);
        *(double *)field = d;
        return 0;
    case OPT_WAIT:
        if (value == NULL) {
            *(double *)field = 30;
            return 0;
        }
        if (parse_double(value, &d) != 0 || d <= 0)
            return pt_error_set(err, PT_E_USAGE, "%s--wait takes a number of seconds, not '%s'",
                                from, value);
        *(double *)field = d;
        return 0;
    case OPT_DURATION:
        if (options_parse_duration(value, &d) != 0)
            return pt_error_set(err, PT_E_USAGE,
                                "%s--%s takes a duration (500ms, 2s, 5m, 1h, 7d), not '%s'", from,
                                sp->name, value);
        *(double *)field = d;
        return 0;
    case OPT_STRING:
    case OPT_LIST: {
        /* Config file lines are reused buffers: keep a copy. */
        if (opt->nowned == (int)(sizeof opt->owned / sizeof opt->owned[0]))
            return pt_error_set(err, PT_E_USAGE, "%stoo many string options", from);
        char *copy = strdup(value);
        if (copy == NULL)
            return pt_error_set(err, PT_E_NOMEM, "out of memory");
        opt->owned[opt->nowned++] = copy;
        if (sp->kind == OPT_STRING) {
            *(const char **)field = copy;
            return 0;
        }
        struct opt_list *list = field;
        int level = from[0] == '\0' ? 3 : strncmp(from, "PYTOP_", 6) == 0 ? 2 : 1;
        if (level > list->level) {
            list->n = 0;
            list->level = level;
        }
        if (list->n == OPT_LIST_MAX)
            return pt_error_set(err, PT_E_USAGE, "%s--%s: at most %d values", from, sp->name,
                                OPT_LIST_MAX);
        list->v[list->n++] = copy;
        return 0;
    }
    }
    return 0;
}

static const struct opt_spec *spec_by_name(const char *name)
{
    for (size_t i = 0; i < NSPECS; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int load_config(struct options *opt, const char *path, int explicit_path,
                       struct pt_error *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        /* The default file is optional; only an explicit -c must exist. */
        if (!explicit_path && (errno == ENOENT || errno == EACCES || errno == ENOTDIR))
            return 0;
        return pt_error_set(err, PT_E_USAGE, "cannot read config file %s: %s", path,
                            strerror(errno));
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        char where[4200];
        snprintf(where, sizeof where, "%s:%d: ", path, lineno);
        if (eq == NULL) {
            rc = pt_error_set(err, PT_E_USAGE, "%sexpected 'name = value'", where);
            break;
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        const struct opt_spec *sp = spec_by_name(name);
        if (sp == NULL || sp->short_name == 'h' || sp->short_name == 'V' || sp->short_name == 'c') {
            rc = pt_error_set(err, PT_E_USAGE, "%sunknown option '%s'", where, name);
            break;
        }
        rc = apply(opt, sp, value, where, err);
    }
    fclose(f);
    return rc;
}

static int load_environment(struct options *opt, struct pt_error *err)
{
    for (size_t i = 0; i < NSPECS; i++) {
        char env[64] = "PYTOP_", from[80];
        size_t at = strlen(env);
        for (const char *p = specs[i].name; *p && at + 1 < sizeof env; p++)
            env[at++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        env[at] = '\0';
        const char *value = getenv(env);
        if (value == NULL || specs[i].short_name == 'h' || specs[i].short_name == 'V' ||
            specs[i].short_name == 'c')
            continue;
        snprintf(from, sizeof from, "%s: ", env);
        if (specs[i].kind == OPT_LIST) {
            /* Several values, separated by blanks (no URL or path glob
             * has one unescaped). */
            char buf[4096];
            str_copy(buf, sizeof buf, value);
            char *save = NULL;
            for (char *tok = strtok_r(buf, " \t\n", &save); tok != NULL;
                 tok = strtok_r(NULL, " \t\n", &save))
                if (apply(opt, &specs[i], tok, from, err) != 0)
                    return -1;
            continue;
        }
        if (apply(opt, &specs[i], value, from, err) != 0)
            return -1;
    }
    return 0;
}

void options_free(struct options *opt)
{
    for (int i = 0; i < opt->nowned; i++)
        free(opt->owned[i]);
    opt->nowned = 0;
}

static void set_defaults(struct options *opt)
{
    options_free(opt);
    memset(opt, 0, sizeof *opt);
    opt->command = CMD_TOP;
    opt->rate = 100;
    opt->slow = 0.5;
    opt->alert_window = 86400;
    opt->notify_retry = 2;
}

int options_parse(int argc, char **argv, struct options *opt, struct pt_error *err)
{
    memset(opt, 0, sizeof *opt);
    set_defaults(opt);
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        size_t i;
        for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[1], commands[i].name) == 0)
                break;
        if (i == sizeof commands / sizeof commands[0])
            return pt_error_set(err, PT_E_USAGE,
                                "unknown command '%s' (commands: top, record, dump, list, "
                                "report, diff, watch; see pytop --help)",
                                argv[1]);
        opt->command = commands[i].cmd;
        first = 2;
    }

    /* Command line into a scratch struct first, to learn -c and what was
     * given; then config, environment, and the command line again on top. */
    struct option longopts[NSPECS + 1];
    char shortopts[3 * NSPECS + 2] = "+:";
    size_t sl = 2;
    for (size_t i = 0; i < NSPECS; i++) {
        int has_arg = specs[i].kind == OPT_FLAG   ? no_argument
                      : specs[i].kind == OPT_WAIT ? optional_argument
                                                  : required_argument;
        longopts[i] = (struct option){specs[i].name, has_arg, NULL, 1000 + (int)i};
        if (specs[i].short_name) {
            shortopts[sl++] = (char)specs[i].short_name;
            if (has_arg == required_argument)
                shortopts[sl++] = ':';
        }
    }
    shortopts[sl] = '\0';
    longopts[NSPECS] = (struct option){0, 0, 0, 0};

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            /* Copied: set_defaults below frees the strings of pass 0. */
            char given[4096], defpath[4096];
            const char *config = opt->config ? str_copy(given, sizeof given, opt->config) : NULL;
            int explicit_path = config != NULL;
            if (config == NULL) {
                const char *xdg = getenv("XDG_CONFIG_HOME");
                const char *home = getenv("HOME");
                if (xdg && *xdg)
                    snprintf(defpath, sizeof defpath, "%s/pytop/config", xdg);
                else if (home && *home)
                    snprintf(defpath, sizeof defpath, "%s/.config/pytop/config", home);
                else
                    defpath[0] = '\0';
                config = defpath[0] ? defpath : NULL;
            }
            enum pt_command cmd = opt->command;
            set_defaults(opt);
            opt->command = cmd;
            if (config && load_config(opt, config, explicit_path, err) != 0)
                return -1;
            if (load_environment(opt, err) != 0)
                return -1;
        }
        optind = first;
        opterr = 0;
        int c, index;
        /* report and diff take their files anywhere among the options
         * ("pytop report p.txt -f markdown"); the others stop at the
         * first argument, which may begin a command to start. */
        const char *so =
            opt->command == CMD_REPORT || opt->command == CMD_DIFF ? shortopts + 1 : shortopts;
        while ((c = getopt_long(argc, argv, so, longopts, &index)) != -1) {
            const struct opt_spec *sp = NULL;
            if (c >= 1000) {
                sp = &specs[c - 1000];
            } else if (c == '?' || c == ':') {
                const char *bad = argv[optind - 1];
                if (c == ':')
                    return pt_error_set(err, PT_E_USAGE,
                                        "option %s needs a value (see pytop --help)", bad);
                if (optopt)
                    return pt_error_set(err, PT_E_USAGE, "unknown option -%c (see pytop --help)",
                                        optopt);
                return pt_error_set(err, PT_E_USAGE, "unknown option %s (see pytop --help)", bad);
            } else {
                for (size_t i = 0; i < NSPECS; i++)
                    if (specs[i].short_name == c)
                        sp = &specs[i];
            }
            if (sp == NULL)
                continue;
            if (apply(opt, sp, optarg, "", err) != 0)
                return -1;
        }
        if (pass == 1) {
            /* "--" ends the options: a command to start follows. Other
             * arguments are positional (report's PROFILE, diff's files). */
            int dashdash = optind > first && strcmp(argv[optind - 1], "--") == 0;
            if (dashdash && optind < argc) {
                opt->cmd_argv = &argv[optind];
                opt->cmd_argc = argc - optind;
            } else if (optind < argc) {
                opt->positional = &argv[optind];
                opt->npositional = argc - optind;
            }
        }
    }
    opt->argc = argc;
    opt->argv = argv;
    if (opt->rate <= 0 || opt->rate > 1000000)
        return pt_error_set(err, PT_E_USAGE, "--rate must be between 1 and 1000000 Hz");
    return 0;
}
