/*
 * proc/usage: CPU and memory of chosen processes. See usage.h.
 */
#include "config.h"
#include "proc/usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/proc.h"
#include "remote/task.h"
#include "util.h"

/* Resident KiB from /proc/PID/statm (size, resident, ... in pages). */
static int resident_kib(pid_t pid, unsigned long *kib)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    unsigned long size, resident;
    int ok = fgets(buf, sizeof buf, f) != NULL && sscanf(buf, "%lu %lu", &size, &resident) == 2;
    fclose(f);
    if (!ok)
        return -1;
    *kib = resident * (unsigned long)(sysconf(_SC_PAGESIZE) / 1024);
    return 0;
}

int proc_usage_refresh(struct proc_usage_set *s, const pid_t *pids, int n)
{
    struct proc_usage *v = n > 0 ? calloc((size_t)n, sizeof *v) : NULL;
    if (n > 0 && v == NULL) {
        proc_usage_free(s);
        return -1;
    }
    double now = monotonic_s();
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        struct proc_usage u = {.pid = pids[i], .at = now, .cpu_pct = -1};
        if (task_group_cpu_ns(pids[i], &u.cpu_ns) != 0 || resident_kib(pids[i], &u.rss_kib) != 0)
            continue; /* gone */
        const struct proc_usage *old = proc_usage_find(s, pids[i]);
        if (old != NULL && now > old->at && u.cpu_ns >= old->cpu_ns)
            u.cpu_pct = proc_cpu_percent(old->cpu_ns, u.cpu_ns, now - old->at, 1000000000L);
        v[k++] = u;
    }
    free(s->v);
    s->v = v;
    s->n = k;
    return 0;
}

const struct proc_usage *proc_usage_find(const struct proc_usage_set *s, pid_t pid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pid == pid)
            return &s->v[i];
    return NULL;
}

void proc_usage_free(struct proc_usage_set *s)
{
    free(s->v);
    *s = (struct proc_usage_set){0};
}
