/*
 * proc/proc: the process table through libproc2. See proc.h.
 *
 * libproc2 owns the stacks it returns from a reap until the next one, so
 * every snapshot is copied into our own proc_info array. CPU % is computed
 * here, not with libproc2's PIDS_TICS_ALL_DELTA, so that a table built by
 * hand and a real one behave the same and a reused pid is recognised by its
 * start time.
 */
#include "config.h"
#include "proc/proc.h"

#include <errno.h>
#include <libproc2/pids.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remote/task.h"
#include "util.h"

/* The kernel's PF_KTHREAD bit in /proc/PID/stat flags. */
#define PROC_PF_KTHREAD 0x00200000UL

struct proc_sample {
    pid_t pid;
    unsigned long long start_ticks;
    unsigned long long cpu_ticks;
};

/* The items we ask libproc2 for; PIDS_VAL indexes follow this order. */
enum proc_item_index {
    PI_PID,
    PI_PPID,
    PI_EUID,
    PI_CMD,
    PI_CMDLINE_V,
    PI_STATE,
    PI_FLAGS,
    PI_NLWP,
    PI_RSS,
    PI_TICS,
    PI_BEGAN,
    PI_UTIL,
    PI_COUNT
};

static const enum pids_item proc_items[PI_COUNT] = {
    [PI_PID] = PIDS_ID_PID,    [PI_PPID] = PIDS_ID_PPID,        [PI_EUID] = PIDS_ID_EUID,
    [PI_CMD] = PIDS_CMD,       [PI_CMDLINE_V] = PIDS_CMDLINE_V, [PI_STATE] = PIDS_STATE,
    [PI_FLAGS] = PIDS_FLAGS,   [PI_NLWP] = PIDS_NLWP,           [PI_RSS] = PIDS_MEM_RES,
    [PI_TICS] = PIDS_TICS_ALL, [PI_BEGAN] = PIDS_TICS_BEGAN,    [PI_UTIL] = PIDS_UTILIZATION,
};

/* The boot time ("btime" in /proc/stat), 0 if unknown. */
static time_t proc_boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (f == NULL)
        return 0;
    char line[256];
    long long btime = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &btime) == 1)
            break;
    fclose(f);
    return (time_t)btime;
}

static void proc_info_clear(struct proc_info *p)
{
    free(p->cmdline);
    p->cmdline = NULL;
}

static void proc_entries_free(struct proc_info *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        proc_info_clear(&v[i]);
    free(v);
}

/* argv joined with single spaces; "" for kernel threads and zombies. */
static char *proc_join_argv(char **argv, int kthread)
{
    size_t len = 0;
    if (!kthread && argv != NULL)
        for (char **a = argv; *a; a++)
            len += strlen(*a) + 1;
    char *s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    if (len == 0)
        return s;
    char *w = s;
    for (char **a = argv; *a; a++) {
        size_t l = strlen(*a);
        memcpy(w, *a, l);
        w += l;
        *w++ = ' ';
    }
    w[-1] = '\0';
    return s;
}

/* libproc2 reports "[comm]" for a process without a command line. */
static int proc_argv_is_placeholder(char **argv, const char *comm)
{
    if (argv == NULL || argv[0] == NULL)
        return 1;
    if (argv[1] != NULL)
        return 0;
    size_t l = strlen(argv[0]), cl = strlen(comm);
    return l == cl + 2 && argv[0][0] == '[' && argv[0][l - 1] == ']' &&
           strncmp(argv[0] + 1, comm, cl) == 0;
}

static int proc_copy_stack(const struct proc_table *t, struct pids_stack *s, struct proc_info *p)
{
    memset(p, 0, sizeof *p);
    p->pid = PIDS_VAL(PI_PID, s_int, s, t->info);
    p->ppid = PIDS_VAL(PI_PPID, s_int, s, t->info);
    p->uid = PIDS_VAL(PI_EUID, u_int, s, t->info);
    const char *comm = PIDS_VAL(PI_CMD, str, s, t->info);
    snprintf(p->comm, sizeof p->comm, "%s", comm ? comm : "");
    p->state = PIDS_VAL(PI_STATE, s_ch, s, t->info);
    p->kthread = (PIDS_VAL(PI_FLAGS, ul_int, s, t->info) & PROC_PF_KTHREAD) != 0;
    p->threads = PIDS_VAL(PI_NLWP, s_int, s, t->info);
    p->rss_kib = PIDS_VAL(PI_RSS, ul_int, s, t->info);
    p->cpu_ticks = PIDS_VAL(PI_TICS, ull_int, s, t->info);
    p->start_ticks = PIDS_VAL(PI_BEGAN, ull_int, s, t->info);
    p->start_time = t->boot_time + (time_t)(p->start_ticks / (unsigned long long)t->hertz);
    p->cpu_pct = PIDS_VAL(PI_UTIL, real, s, t->info);
    char **argv = PIDS_VAL(PI_CMDLINE_V, strv, s, t->info);
    int none = p->kthread || proc_argv_is_placeholder(argv, p->comm);
    p->cmdline = proc_join_argv(argv, none);
    return p->cmdline ? 0 : -1;
}

static int proc_cmp_info(const void *a, const void *b)
{
    pid_t x = ((const struct proc_info *)a)->pid, y = ((const struct proc_info *)b)->pid;
    return (x > y) - (x < y);
}

static int proc_cmp_sample(const void *a, const void *b)
{
    pid_t x = ((const struct proc_sample *)a)->pid, y = ((const struct proc_sample *)b)->pid;
    return (x > y) - (x < y);
}

int proc_pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

double proc_cpu_percent(unsigned long long ticks_before, unsigned long long ticks_after,
                        double seconds, long hertz)
{
    if (seconds <= 0 || hertz <= 0 || ticks_after < ticks_before)
        return 0.0;
    return (double)(ticks_after - ticks_before) / (double)hertz / seconds * 100.0;
}

/* Give every entry of v its CPU % since the previous snapshot. */
static void proc_apply_cpu(struct proc_table *t, struct proc_info *v, size_t n, double now)
{
    if (t->prev == NULL)
        return;
    double seconds = now - t->prev_time;
    for (size_t i = 0; i < n; i++) {
        struct proc_sample key = {.pid = v[i].pid};
        const struct proc_sample *old =
            bsearch(&key, t->prev, t->nprev, sizeof key, proc_cmp_sample);
        if (old != NULL && old->start_ticks == v[i].start_ticks)
            v[i].cpu_pct = proc_cpu_percent(old->cpu_ticks, v[i].cpu_ticks, seconds, t->hertz);
        /* else: new since the last snapshot, keep its lifetime average */
    }
}

/* Remember (pid, start, ticks) of v for the next refresh's CPU %. */
static int proc_keep_samples(struct proc_table *t, const struct proc_info *v, size_t n, double now)
{
    struct proc_sample *s = malloc((n ? n : 1) * sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        s[i] = (struct proc_sample){v[i].pid, v[i].start_ticks, v[i].cpu_ticks};
    free(t->prev);
    t->prev = s;
    t->nprev = n;
    t->prev_time = now;
    return 0;
}

int proc_table_refresh(struct proc_table *t, struct pt_error *err)
{
    if (t->info == NULL)
        return pt_error_set(err, PT_E_SYS, "a hand-built process table cannot be refreshed");
    struct pids_fetch *f = procps_pids_reap(t->info, PIDS_FETCH_TASKS_ONLY);
    double now = monotonic_s();
    if (f == NULL)
        return pt_error_set(err, PT_E_SYS,
                            "cannot read the process table from /proc (is /proc mounted?)");
    size_t n = (size_t)(f->counts->total > 0 ? f->counts->total : 0);
    struct proc_info *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
    for (size_t i = 0; i < n; i++) {
        if (proc_copy_stack(t, f->stacks[i], &v[i]) != 0) {
            proc_entries_free(v, i + 1);
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
        }
    }
    qsort(v, n, sizeof *v, proc_cmp_info);
    proc_apply_cpu(t, v, n, now);
    if (proc_keep_samples(t, v, n, now) != 0) {
        proc_entries_free(v, n);
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
    }
    proc_entries_free(t->v, t->n);
    t->v = v;
    t->n = t->cap = n;
    return 0;
}

struct proc_table *proc_table_new_empty(void)
{
    struct proc_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->hertz = sysconf(_SC_CLK_TCK);
    if (t->hertz <= 0)
        t->hertz = 100;
    return t;
}

struct proc_table *proc_table_new(struct pt_error *err)
{
    struct proc_table *t = proc_table_new_empty();
    if (t == NULL) {
        pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
        return NULL;
    }
    t->boot_time = proc_boot_time();
    enum pids_item items[PI_COUNT]; /* libproc2 wants them writable; it copies them */
    memcpy(items, proc_items, sizeof items);
    int rc = procps_pids_new(&t->info, items, PI_COUNT);
    if (rc < 0) {
        pt_error_sys(err, PT_E_SYS, -rc,
                     "cannot read the process table from /proc: %s (is /proc mounted?)",
                     strerror(-rc));
        t->info = NULL;
        proc_table_free(t);
        return NULL;
    }
    if (proc_table_refresh(t, err) != 0) {
        proc_table_free(t);
        return NULL;
    }
    return t;
}

int proc_table_add(struct proc_table *t, pid_t pid, pid_t ppid, const char *cmdline)
{
    if (vec_reserve((void **)&t->v, &t->cap, sizeof *t->v, t->n + 1) != 0)
        return -1;
    struct proc_info p = {.pid = pid, .ppid = ppid, .state = 'S', .threads = 1};
    p.cmdline = strdup(cmdline ? cmdline : "");
    if (p.cmdline == NULL)
        return -1;
    size_t at = t->n;
    while (at > 0 && t->v[at - 1].pid > pid)
        at--;
    memmove(&t->v[at + 1], &t->v[at], (t->n - at) * sizeof *t->v);
    t->v[at] = p;
    t->n++;
    return 0;
}

void proc_table_free(struct proc_table *t)
{
    if (t == NULL)
        return;
    proc_entries_free(t->v, t->n);
    free(t->prev);
    if (t->info != NULL)
        procps_pids_unref(&t->info);
    free(t);
}

const struct proc_info *proc_table_find(const struct proc_table *t, pid_t pid)
{
    struct proc_info key = {.pid = pid};
    return t->n ? bsearch(&key, t->v, t->n, sizeof key, proc_cmp_info) : NULL;
}

ssize_t proc_children(const struct proc_table *t, pid_t pid, pid_t **out)
{
    size_t n = 0;
    *out = NULL;
    for (size_t i = 0; i < t->n; i++)
        n += t->v[i].ppid == pid && t->v[i].pid != pid;
    if (n == 0)
        return 0;
    pid_t *v = malloc(n * sizeof *v);
    if (v == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) /* t->v is sorted: so is v */
        if (t->v[i].ppid == pid && t->v[i].pid != pid)
            v[k++] = t->v[i].pid;
    *out = v;
    return (ssize_t)n;
}

ssize_t proc_descendants(const struct proc_table *t, pid_t pid, pid_t **out)
{
    /* Breadth first: v[0..n) are found, v[done..n) still to expand. A pid
     * cannot be its own ancestor, but a table snapshot taken while
     * processes are reparented could in theory say so: mark what is seen. */
    unsigned char *seen = calloc(t->n ? t->n : 1, 1);
    pid_t *v = malloc((t->n ? t->n : 1) * sizeof *v);
    *out = NULL;
    if (seen == NULL || v == NULL) {
        free(seen);
        free(v);
        return -1;
    }
    size_t n = 0;
    const struct proc_info *self = proc_table_find(t, pid);
    if (self != NULL)
        seen[self - t->v] = 1;
    pid_t parent = pid;
    for (size_t next = 0;; parent = v[next++]) {
        for (size_t i = 0; i < t->n; i++) {
            if (!seen[i] && t->v[i].ppid == parent) {
                seen[i] = 1;
                v[n++] = t->v[i].pid;
            }
        }
        if (next >= n)
            break;
    }
    free(seen);
    if (n == 0) {
        free(v);
        return 0;
    }
    qsort(v, n, sizeof *v, proc_pid_cmp);
    *out = v;
    return (ssize_t)n;
}

int proc_exists(pid_t pid)
{
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) != 0 && errno != EPERM)
        return 0;
    /* kill() also accepts the id of a thread: check it leads a process. */
    char *text = task_status(pid, 0);
    if (text == NULL)
        return 1; /* /proc hidden from us (hidepid): trust kill() */
    const char *v = task_status_field(text, "Tgid");
    pid_t tgid = v ? (pid_t)strtol(v, NULL, 10) : pid;
    free(text);
    return tgid == pid;
}
