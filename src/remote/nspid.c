/*
 * remote/nspid: ids inside a PID namespace and pytop's. See nspid.h.
 */
#include "config.h"
#include "remote/nspid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/task.h"
#include "util.h"

pid_t nspid_inner(pid_t pid, pid_t tid)
{
    char *text = task_status(pid, tid);
    if (text == NULL)
        return -1;
    pid_t inner = tid > 0 ? tid : pid;
    const char *p = task_status_field(text, "NSpid");
    if (p != NULL) {
        for (;;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            inner = (pid_t)v;
            p = end;
        }
    }
    free(text);
    return inner;
}

int nspid_map_read(struct nspid_map *m, pid_t pid)
{
    m->n = 0;
    struct tid_list tids = {0};
    if (task_list(pid, &tids) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < tids.n && rc == 0; i++) {
        pid_t inner = nspid_inner(pid, tids.v[i]);
        if (inner <= 0)
            continue; /* the thread ended while listed */
        if (vec_reserve((void **)&m->v, &m->cap, sizeof *m->v, m->n + 1) != 0) {
            m->n = 0;
            rc = -1;
            break;
        }
        m->v[m->n++] = (struct nspid_pair){inner, tids.v[i]};
    }
    tid_list_free(&tids);
    return rc;
}

pid_t nspid_map_host(const struct nspid_map *m, pid_t inner)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].inner == inner)
            return m->v[i].host;
    return 0;
}

void nspid_map_free(struct nspid_map *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}
