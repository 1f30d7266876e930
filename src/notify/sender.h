/*
 * notify/sender: the thread that delivers alerts, so that sampling is
 * never held up by a slow or dead receiver.
 *
 * Alerts wait in a bounded queue; each goes to every notifier, and a
 * notifier that fails is tried again after backoff_s, 2 * backoff_s, ...
 * (SENDER_TRIES attempts in all) while the others and the next alerts go
 * on: the thread always makes the attempt that is due first, and waits
 * for the next without holding its lock. Every outcome is one line of
 * the alert log; a failure is also one line on stderr. Nothing here is
 * fatal to pytop, and no secret of a notifier is written anywhere (see
 * notifier_describe).
 */
#ifndef PYTOP_NOTIFY_SENDER_H
#define PYTOP_NOTIFY_SENDER_H

#include <stdint.h>

#include "error.h"
#include "notify/alert.h"
#include "notify/notifier.h"

#define SENDER_TRIES     4  /* attempts per alert and notifier */
#define SENDER_QUEUE     64 /* alerts not yet delivered everywhere */
#define SENDER_NOTIFIERS 16 /* notifiers at the most */

struct sender;

/* queued and dropped count alerts; sent and failed count deliveries (an
 * alert to one notifier); retries count attempts after a first. */
struct sender_stats {
    uint64_t queued, sent, failed, dropped, retries;
};

/* Start the thread for the n notifiers of v (copied; at most
 * SENDER_NOTIFIERS). log_path: the alert log, appended one line per
 * outcome, the ISO-8601 UTC time first and the alert's subject last:
 *   2026-12-05T03:20:01Z sent webhook https://hooks.example.com/... : SUBJECT
 *   ... failed email smtp://mail:25 to a@x after 4 tries: REASON : SUBJECT
 *   ... failed DESCRIPTION after 1 try: REASON, then pytop stopped : SUBJECT
 *   ... dropped (64 alerts waiting already) : SUBJECT
 * (NULL or "" for none). A failure is also "pytop: alert not delivered to
 * DESCRIPTION: REASON after 4 tries" on stderr. backoff_s: the first
 * retry's delay, doubled at each retry. 0, or -1 with err (PT_E_USAGE,
 * PT_E_IO for the log, PT_E_SYS). */
int sender_start(struct sender **out, const struct notifier *v, int n, const char *log_path,
                 double backoff_s, struct pt_error *err);

/* Queue a for every notifier; takes ownership of a. Never blocks on a
 * delivery. 0, or -1 when SENDER_QUEUE alerts are waiting already: a is
 * then freed, counted as dropped and logged. */
int sender_post(struct sender *s, struct alert *a);

/* Replace the notifiers (a config reload; at most SENDER_NOTIFIERS of v
 * are taken). Queued alerts go to the new ones; a notifier that stays the
 * same keeps what it was doing (no alert twice to it). */
void sender_set_notifiers(struct sender *s, const struct notifier *v, int n);

void sender_get_stats(struct sender *s, struct sender_stats *out);

/* Deliver what is queued within grace_s seconds, retries included (an
 * attempt still running then is abandoned), give up on the rest (each
 * logged as failed), join the thread and free s. */
void sender_stop(struct sender *s, double grace_s);

/* sender_stop, and the statistics as they end, gave-ups included, in
 * *out (NULL: not wanted). */
void sender_stop_stats(struct sender *s, double grace_s, struct sender_stats *out);

#endif
