/*
 * main: argv -> options -> one command; errors become one line on stderr
 * and the exit status of the man page's EXIT STATUS (1 runtime, 2 usage).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "commands.h"
#include "options.h"
#include "remote/debuginfo.h"
#include "remote/mem.h"
#include "util.h"

int main(int argc, char **argv)
{
    struct options opt;
    struct pt_error err;
    pt_error_clear(&err);
    signal(SIGPIPE, SIG_IGN);
    files_limit_raise();
    if (options_parse(argc, argv, &opt, &err) != 0) {
        fprintf(stderr, "pytop: %s\n", err.msg);
        options_free(&opt);
        return pt_error_exit_status(&err);
    }
    if (opt.help || opt.version) {
        if (opt.help)
            options_usage();
        else
            printf("pytop %s\n", PACKAGE_VERSION);
        options_free(&opt);
        return 0;
    }
    int rc;
    if (opt.native_all && !opt.native) {
        fprintf(stderr, "pytop: --native-all goes with -n/--native\n");
        options_free(&opt);
        return 2;
    }
    for (int i = 0; i < opt.debug_dirs.n; i++) {
        struct stat st;
        if (stat(opt.debug_dirs.v[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "pytop: --debug-dir %s: not a directory\n", opt.debug_dirs.v[i]);
            options_free(&opt);
            return 2;
        }
    }
    debuginfo_set_dirs(opt.debug_dirs.v, opt.debug_dirs.n);
    switch (opt.command) {
    case CMD_DUMP:
        rc = cmd_dump(&opt, &err);
        break;
    case CMD_LIST:
        rc = cmd_list(&opt, &err);
        break;
    case CMD_TOP:
        rc = cmd_top(&opt, &err);
        break;
    case CMD_RECORD:
        rc = cmd_record(&opt, &err);
        break;
    case CMD_REPORT:
        rc = cmd_report(&opt, &err);
        break;
    case CMD_DIFF:
        rc = cmd_diff(&opt, &err);
        break;
    case CMD_WATCH:
        rc = cmd_watch(&opt, &err);
        break;
    default:
        rc = pt_error_set(
            &err, PT_E_USAGE,
            "this command is not available yet in pytop %s: use top, record, dump, list, "
            "report or diff",
            PACKAGE_VERSION);
        break;
    }
    options_free(&opt);
    char note[4608];
    if (remote_fallback_take(note, sizeof note))
        fprintf(stderr, "pytop: %s\n", note);
    while (debuginfo_hint_take(note, sizeof note))
        fprintf(stderr, "pytop: %s\n", note);
    if (rc != 0) {
        fprintf(stderr, "pytop: %s\n", err.msg);
        return pt_error_exit_status(&err);
    }
    return 0;
}
