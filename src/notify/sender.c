/*
 * notify/sender: the delivering thread. See sender.h.
 *
 * The queue is an array of pending alerts, each with the state of its
 * delivery to every notifier (done, attempts made, when the next is due).
 * The thread picks the attempt due first, makes it with the lock released
 * (the alert stays put: only this thread removes alerts), then records the
 * outcome. A reload replaces the notifiers under the lock and bumps a
 * generation, so that an attempt that was running finds its notifier again
 * by equality, or learns it is gone.
 */
#include "config.h"
#include "notify/sender.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify/deliver.h"
#include "util.h"

struct target {
    int done;
    int tries;
    double due;     /* monotonic seconds of the next attempt */
    char last[160]; /* why the last attempt failed */
    int abandoned;  /* the last attempt was cut short by the stop */
};

struct pending {
    struct alert *a;
    struct target to[SENDER_NOTIFIERS];
};

struct sender {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC: a post, a reload, the stop */
    pthread_t thread;
    int log_fd; /* -1: no log */
    double backoff;

    /* Under lock. */
    struct notifier nv[SENDER_NOTIFIERS];
    int n;
    uint64_t generation; /* of nv */
    struct pending q[SENDER_QUEUE];
    int nq;
    struct sender_stats stats;
    int stopping;
    double give_up_at; /* monotonic seconds, once stopping */
    int finished;      /* the thread is past its last attempt */

    atomic_int cancel;       /* abandon the attempt running */
    struct notifier current; /* the thread's copy of the notifier it tries */
};

/* One line of the alert log, the time first; a single write, so that lines
 * of several pytops appending to one log do not mix. */
static void log_line(struct sender *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_line(struct sender *s, const char *fmt, ...)
{
    if (s->log_fd < 0)
        return;
    char line[2048];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t len = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + len, sizeof line - len - 1, fmt, ap); /* room for the '\n' */
    va_end(ap);
    if (n > 0)
        len += (size_t)n < sizeof line - len - 2 ? (size_t)n : sizeof line - len - 2;
    line[len++] = '\n';
    if (write(s->log_fd, line, len) < 0) {
        /* The log is a record, not a reason to stop alerting. */
    }
}

/* A delivery that will not be tried again: the log and stderr. then:
 * what ended the tries when it was not their number (", then pytop
 * stopped"), or "". */
static void report_failure(struct sender *s, const struct notifier *n, const struct alert *a,
                           int tries, const char *why, const char *then)
{
    char desc[1400];
    notifier_describe(n, desc, sizeof desc);
    if (tries == 0) {
        log_line(s, "failed %s: pytop stopped before the first try : %s", desc, a->subject);
        fprintf(stderr, "pytop: alert not delivered to %s: pytop stopped before the first try\n",
                desc);
        return;
    }
    const char *word = tries == 1 ? "try" : "tries";
    log_line(s, "failed %s after %d %s: %s%s : %s", desc, tries, word, why, then, a->subject);
    fprintf(stderr, "pytop: alert not delivered to %s: %s after %d %s%s\n", desc, why, tries, word,
            then);
}

static void wait_until(struct sender *s, double when)
{
    struct timespec ts = {.tv_sec = (time_t)when};
    ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9) % 1000000000L;
    pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static int all_done(const struct sender *s, const struct pending *p)
{
    for (int i = 0; i < s->n; i++)
        if (!p->to[i].done)
            return 0;
    return 1;
}

/* Free the alerts delivered everywhere, keeping the others in order. */
static void remove_done(struct sender *s)
{
    int kept = 0;
    for (int i = 0; i < s->nq; i++) {
        if (all_done(s, &s->q[i]))
            alert_free(s->q[i].a);
        else
            s->q[kept++] = s->q[i];
    }
    s->nq = kept;
}

/* The attempt due first: 0 with *qi, *ti, *due, or -1 when none. */
static int next_attempt(const struct sender *s, int *qi, int *ti, double *due)
{
    int found = -1;
    for (int q = 0; q < s->nq; q++)
        for (int t = 0; t < s->n; t++) {
            const struct target *tg = &s->q[q].to[t];
            if (!tg->done && (found < 0 || tg->due < *due)) {
                *qi = q, *ti = t, *due = tg->due;
                found = 0;
            }
        }
    return found;
}

/* Make the attempt (qi, ti) with the lock released, then record it. */
static void attempt(struct sender *s, int qi, int ti)
{
    struct alert *a = s->q[qi].a;
    int tries = s->q[qi].to[ti].tries + 1;
    uint64_t generation = s->generation;
    s->current = s->nv[ti];
    if (tries > 1)
        s->stats.retries++;
    pthread_mutex_unlock(&s->lock);

    char why[512] = "";
    int rc = deliver_cancellable(&s->current, a, &s->cancel, why, sizeof why);
    int final = rc == 0 || tries >= SENDER_TRIES;
    if (rc == 0) {
        char desc[1400];
        notifier_describe(&s->current, desc, sizeof desc);
        log_line(s, "sent %s : %s", desc, a->subject);
    } else if (final) {
        report_failure(s, &s->current, a, tries, why, "");
    }

    pthread_mutex_lock(&s->lock);
    if (rc == 0)
        s->stats.sent++;
    else if (final)
        s->stats.failed++;
    if (s->generation != generation) {
        /* Reloaded meanwhile: the notifier's place now, if it stayed. */
        ti = -1;
        for (int i = 0; i < s->n && ti < 0; i++)
            if (notifier_same(&s->nv[i], &s->current))
                ti = i;
        if (ti < 0)
            return;
    }
    struct target *tg = &s->q[qi].to[ti];
    str_copy(tg->last, sizeof tg->last, why);
    tg->abandoned = rc != 0 && atomic_load(&s->cancel);
    tg->tries = tries;
    tg->done = final;
    tg->due = monotonic_s() + s->backoff * (double)(1u << (tries - 1));
}

/* At the end of the grace: every delivery not made is a failure. */
static void give_up(struct sender *s)
{
    for (int q = 0; q < s->nq; q++)
        for (int t = 0; t < s->n; t++) {
            struct target *tg = &s->q[q].to[t];
            if (tg->done)
                continue;
            tg->done = 1;
            s->stats.failed++;
            report_failure(s, &s->nv[t], s->q[q].a, tg->tries, tg->last,
                           tg->abandoned ? "" : ", then pytop stopped");
        }
    remove_done(s);
}

static void *sender_main(void *arg)
{
    struct sender *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        remove_done(s);
        int qi = 0, ti = 0;
        double due = 0;
        int none = next_attempt(s, &qi, &ti, &due) != 0;
        double now = monotonic_s();
        /* Stopping: done when nothing is left or nothing left can be
         * attempted before the grace ends. */
        if (s->stopping && (none || due > s->give_up_at || now >= s->give_up_at))
            break;
        if (none && !s->stopping)
            pthread_cond_wait(&s->wake, &s->lock);
        else if (due > now)
            wait_until(s, due);
        else
            attempt(s, qi, ti);
    }
    give_up(s);
    s->finished = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int sender_start(struct sender **out, const struct notifier *v, int n, const char *log_path,
                 double backoff_s, struct pt_error *err)
{
    *out = NULL;
    if (n < 0 || n > SENDER_NOTIFIERS)
        return pt_error_set(err, PT_E_USAGE, "--notify: at most %d notifiers", SENDER_NOTIFIERS);
    if (!(backoff_s >= 0))
        return pt_error_set(err, PT_E_USAGE, "the retry delay must be 0 or more seconds");
    struct sender *s = calloc(1, sizeof *s);
    if (s == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    s->log_fd = -1;
    if (log_path != NULL && *log_path != '\0') {
        s->log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (s->log_fd < 0) {
            int e = errno;
            free(s);
            return pt_error_sys(err, PT_E_IO, e, "cannot write the alert log %s: %s", log_path,
                                strerror(e));
        }
    }
    memcpy(s->nv, v, (size_t)n * sizeof *v);
    s->n = n;
    s->backoff = backoff_s;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->lock, NULL);
    int rc = pthread_create(&s->thread, NULL, sender_main, s);
    if (rc != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        if (s->log_fd >= 0)
            close(s->log_fd);
        free(s);
        return pt_error_sys(err, PT_E_SYS, rc, "cannot start the alert thread: %s", strerror(rc));
    }
    *out = s;
    return 0;
}

int sender_post(struct sender *s, struct alert *a)
{
    if (a == NULL)
        return -1;
    /* Its subject ends every log line about it: one line. */
    a->subject[sizeof a->subject - 1] = '\0';
    alert_one_line(a->subject);
    pthread_mutex_lock(&s->lock);
    if (s->nq >= SENDER_QUEUE) {
        s->stats.dropped++;
        pthread_mutex_unlock(&s->lock);
        log_line(s, "dropped (%d alerts waiting already) : %s", SENDER_QUEUE, a->subject);
        alert_free(a);
        return -1;
    }
    struct pending *p = &s->q[s->nq++];
    memset(p, 0, sizeof *p);
    p->a = a;
    s->stats.queued++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

void sender_set_notifiers(struct sender *s, const struct notifier *v, int n)
{
    if (n > SENDER_NOTIFIERS) {
        fprintf(stderr, "pytop: only the first %d notifiers are used\n", SENDER_NOTIFIERS);
        n = SENDER_NOTIFIERS;
    }
    pthread_mutex_lock(&s->lock);
    for (int q = 0; q < s->nq; q++) {
        struct target to[SENDER_NOTIFIERS];
        memset(to, 0, sizeof to);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < s->n; i++)
                if (notifier_same(&v[j], &s->nv[i]))
                    to[j] = s->q[q].to[i];
        memcpy(s->q[q].to, to, sizeof to);
    }
    memcpy(s->nv, v, (size_t)n * sizeof *v);
    s->n = n;
    s->generation++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void sender_get_stats(struct sender *s, struct sender_stats *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

void sender_stop(struct sender *s, double grace_s)
{
    sender_stop_stats(s, grace_s, NULL);
}

void sender_stop_stats(struct sender *s, double grace_s, struct sender_stats *out)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    s->give_up_at = monotonic_s() + (grace_s > 0 ? grace_s : 0);
    pthread_cond_broadcast(&s->wake);
    /* An attempt still running when the grace ends is abandoned. */
    while (!s->finished && monotonic_s() < s->give_up_at)
        wait_until(s, s->give_up_at);
    atomic_store(&s->cancel, 1);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    if (out != NULL)
        *out = s->stats;
    for (int q = 0; q < s->nq; q++)
        alert_free(s->q[q].a);
    if (s->log_fd >= 0)
        close(s->log_fd);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
