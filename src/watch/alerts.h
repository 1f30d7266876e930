/*
 * watch/alerts: which endpoints have raised an alert and when, so that
 * an endpoint alerts once per window however many slow requests it has.
 * The state lives in a file of the watch directory, rewritten atomically
 * after each change: a restart of pytop (a deploy, a crash, a reboot)
 * does not alert again within the window.
 */
#ifndef PYTOP_WATCH_ALERTS_H
#define PYTOP_WATCH_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ALERTS_FILE "alert-state"

struct alert_entry {
    char endpoint[200];
    double last;         /* wall clock of its last alert (seconds since the epoch) */
    uint64_t suppressed; /* slow requests since, not alerted */
};

struct alert_state {
    struct alert_entry *v;
    size_t n, cap;
    char path[4096];
};

/* Read the state of directory dir (none yet: empty). Lines that do not
 * parse are left out. 0, or -1 with err (a file that cannot be read). */
int alerts_load(struct alert_state *st, const char *dir, struct pt_error *err);
void alerts_free(struct alert_state *st);

/* A slow request of endpoint at time now: 1 when it raises an alert
 * (recorded as the endpoint's last), 0 when the endpoint alerted less
 * than window seconds ago (counted); *until gets when the endpoint may
 * alert again. -1 when out of memory. */
int alerts_decide(struct alert_state *st, const char *endpoint, double now, double window,
                  double *until);

/* Write the state back (atomically). 0, or -1 with err. */
int alerts_save(const struct alert_state *st, struct pt_error *err);

#endif
