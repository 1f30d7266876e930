/*
 * proc/children: descendants from /proc/PID/task/TID/children. See
 * children.h.
 */
#include "config.h"
#include "proc/children.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc/proc.h"
#include "remote/task.h"
#include "util.h"

/* A tree larger than this is cut: pids reused while the lists are read
 * could, in theory, make a loop. */
#define DESCENDANTS_MAX 65536

/* Whether the kernel keeps the lists: its own thread's is always there. */
static int lists_kept(void)
{
    return access("/proc/thread-self/children", R_OK) == 0;
}

/* Append the children of every thread of pid (a thread's children are
 * listed under the thread that forked them). 0, -1 out of memory. */
static int children_append(pid_t pid, struct tid_list *out)
{
    struct tid_list tids = {0};
    if (task_list(pid, &tids) != 0)
        return 0; /* gone */
    int rc = 0;
    for (size_t i = 0; i < tids.n && rc == 0; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)tids.v[i]);
        size_t len;
        char *text = read_file(path, &len);
        if (text == NULL)
            continue; /* the thread ended */
        char *p = text, *end;
        for (long c = strtol(p, &end, 10); end != p; c = strtol(p, &end, 10)) {
            p = end;
            if (c <= 0)
                continue;
            if (vec_reserve((void **)&out->v, &out->cap, sizeof *out->v, out->n + 1) != 0) {
                rc = -1;
                break;
            }
            out->v[out->n++] = (pid_t)c;
        }
        free(text);
    }
    tid_list_free(&tids);
    return rc;
}

ssize_t proc_descendants_live(pid_t pid, pid_t **out)
{
    *out = NULL;
    if (!lists_kept())
        return -1;
    /* Breadth first: v[0..n) are found, v[next..n) still to expand. */
    struct tid_list found = {0};
    if (children_append(pid, &found) != 0) {
        free(found.v);
        return -1;
    }
    for (size_t next = 0; next < found.n && found.n < DESCENDANTS_MAX; next++) {
        if (children_append(found.v[next], &found) != 0) {
            free(found.v);
            return -1;
        }
    }
    if (found.n == 0) {
        free(found.v);
        return 0;
    }
    /* Sorted, and once each (a process reparented while the lists were
     * read can be listed twice). */
    qsort(found.v, found.n, sizeof *found.v, proc_pid_cmp);
    size_t k = 0;
    for (size_t i = 0; i < found.n; i++)
        if (k == 0 || found.v[k - 1] != found.v[i])
            found.v[k++] = found.v[i];
    *out = found.v;
    return (ssize_t)k;
}
