/*
 * options: the command line, PYTOP_* environment variables and the config
 * file, merged into one struct options (command line > environment >
 * config file > defaults), as the man page (man/pytop.1) describes.
 */
#ifndef PYTOP_OPTIONS_H
#define PYTOP_OPTIONS_H

#include <sys/types.h>

#include "error.h"

enum pt_command { CMD_TOP, CMD_RECORD, CMD_DUMP, CMD_LIST, CMD_REPORT, CMD_DIFF, CMD_WATCH };

/* A repeatable option's values (--exclude, --notify). A source stronger
 * than the one the values came from replaces them, as for any option. */
#define OPT_LIST_MAX 16
struct opt_list {
    const char *v[OPT_LIST_MAX];
    int n;
    int level; /* 1 config file, 2 environment, 3 command line */
};

struct options {
    enum pt_command command;
    pid_t pid;       /* -p; 0 if not given */
    int port;        /* -P; 0 if not given */
    char **cmd_argv; /* after "--": NULL-terminated, or NULL */
    int cmd_argc;
    double rate;                /* -r, Hz */
    double duration;            /* -d, seconds; 0 = until stopped */
    int subprocesses;           /* -s */
    int idle;                   /* -i */
    int gil;                    /* -g */
    int native;                 /* -n */
    int native_all;             /* --native-all */
    struct opt_list debug_dirs; /* --debug-dir: more places for debug files */
    int blocking;               /* --blocking */
    int threads;                /* -t */
    int function;               /* -F */
    int locals;                 /* --locals */
    int async_tasks;            /* --async */
    int by_endpoint;            /* --by-endpoint */
    int full_filenames;         /* --full-filenames */
    int all;                    /* list --all */
    double wait;                /* --wait seconds; 0 = do not wait */
    const char *output;         /* -o; NULL = command default */
    const char *format;         /* -f; NULL = from the extension */
    const char *config;         /* -c */
    const char *categories;     /* report --categories: a file of more categories */
    double slow;                /* --slow seconds: a slow request (watch, the view's e) */
    double alert_window;        /* --alert-window seconds: one alert per endpoint per window */
    struct opt_list include, exclude; /* watch: URL path globs */
    struct opt_list notify;           /* watch: notifier specs */
    const char *ca_file;              /* watch: CA bundle for the notifiers' TLS */
    double notify_retry;              /* watch: first retry of an alert, seconds (doubling) */
    char **positional;                /* report PROFILE / diff BEFORE AFTER */
    int npositional;
    int help, version;
    int argc; /* what was parsed, for a reload (watch's SIGHUP) */
    char **argv;
    char *owned[96]; /* strings copied from the config file etc., freed by options_free */
    int nowned;
};

/* Parse argv (and the environment and config file). On a usage error fill
 * err with PT_E_USAGE and a one-line message; returns 0 or -1. Strings
 * point into argv or into storage that lives until exit. */
int options_parse(int argc, char **argv, struct options *opt, struct pt_error *err);

/* A duration: a number with ms, s, m, h or d after it, or seconds
 * alone. 0, or -1 when it is not one. */
int options_parse_duration(const char *s, double *out);

/* Free what options_parse allocated. */
void options_free(struct options *opt);

/* Print the --help text of pytop to stdout. */
void options_usage(void);

#endif
