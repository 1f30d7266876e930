/*
 * tests/tools/notify_send: one alert through a sender, for the tests of the
 * notifiers against real receivers (tests/integration/test_notify.py).
 *
 *   notify_send --notify SPEC [--notify SPEC...] [--file PATH...]
 *               [--subject S] [--body-file F] [--log PATH] [--backoff S]
 *               [--ca-file F] [--grace S]
 *
 * Starts a sender with the notifiers, posts one alert, stops with the
 * grace (default 30 s) and prints the sender's statistics as one line:
 * "queued=N sent=N failed=N dropped=N retries=N". Exit status 0 whatever
 * became of the alert, 2 for bad arguments.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/alert.h"
#include "notify/notifier.h"
#include "notify/sender.h"
#include "util.h"

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s --notify SPEC [--notify SPEC...] [--file PATH...] [--subject S]\n"
            "       [--body-file F] [--log PATH] [--backoff S] [--ca-file F] [--grace S]\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"notify", required_argument, NULL, 'n'},
        {"file", required_argument, NULL, 'f'},
        {"subject", required_argument, NULL, 's'},
        {"body-file", required_argument, NULL, 'b'},
        {"log", required_argument, NULL, 'l'},
        {"backoff", required_argument, NULL, 'r'},
        {"ca-file", required_argument, NULL, 'c'},
        {"grace", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    const char *specs[SENDER_NOTIFIERS], *files[ALERT_FILES];
    int nspecs = 0, nfiles = 0;
    const char *subject = "pytop: slow request GET /users/{id} 812 ms (PID 42)";
    const char *body_file = NULL, *log_path = NULL, *ca_file = "";
    double backoff = 1, grace = 30;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (nspecs == SENDER_NOTIFIERS)
                return usage(argv[0]);
            specs[nspecs++] = optarg;
            break;
        case 'f':
            if (nfiles == ALERT_FILES)
                return usage(argv[0]);
            files[nfiles++] = optarg;
            break;
        case 's':
            subject = optarg;
            break;
        case 'b':
            body_file = optarg;
            break;
        case 'l':
            log_path = optarg;
            break;
        case 'r':
            backoff = atof(optarg);
            break;
        case 'c':
            ca_file = optarg;
            break;
        case 'g':
            grace = atof(optarg);
            break;
        default:
            return usage(argv[0]);
        }
    }
    if (nspecs == 0 || optind != argc)
        return usage(argv[0]);

    struct notifier nv[SENDER_NOTIFIERS];
    struct pt_error err = {0};
    for (int i = 0; i < nspecs; i++) {
        if (notifier_parse(specs[i], &nv[i], &err) != 0) {
            fprintf(stderr, "notify_send: %s\n", err.msg);
            return 2;
        }
        str_copy(nv[i].ca_file, sizeof nv[i].ca_file, ca_file);
    }
    char *body = body_file != NULL ? read_file(body_file, NULL) : strdup("A slow request.\n");
    struct alert *a = body != NULL ? alert_new(subject, body) : NULL;
    free(body);
    if (a == NULL) {
        fprintf(stderr, "notify_send: cannot read %s\n", body_file ? body_file : "the body");
        return 2;
    }
    for (int i = 0; i < nfiles; i++)
        alert_add_file(a, files[i]);

    struct sender *s;
    if (sender_start(&s, nv, nspecs, log_path, backoff, &err) != 0) {
        fprintf(stderr, "notify_send: %s\n", err.msg);
        alert_free(a);
        return 2;
    }
    sender_post(s, a);
    struct sender_stats st;
    sender_stop_stats(s, grace, &st);
    printf("queued=%" PRIu64 " sent=%" PRIu64 " failed=%" PRIu64 " dropped=%" PRIu64
           " retries=%" PRIu64 "\n",
           st.queued, st.sent, st.failed, st.dropped, st.retries);
    return 0;
}
