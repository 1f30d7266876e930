/*
 * proc/ports: listening TCP sockets and the processes holding them. See
 * ports.h.
 *
 * Socket inodes are unique across network namespaces, so the listening
 * tables of every namespace can be merged into one inode -> port table.
 * Ours is read first; a process holding sockets that table does not know
 * gets its own namespace's tables read (once per namespace).
 */
#include "config.h"
#include "proc/ports.h"
#include "remote/access.h"
#include "remote/mem.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A growable array of uint64_t (socket or namespace inodes). */
struct ports_u64s {
    uint64_t *v;
    size_t n, cap;
};

static int ports_u64s_push(struct ports_u64s *a, uint64_t x)
{
    if (vec_reserve((void **)&a->v, &a->cap, sizeof *a->v, a->n + 1) != 0)
        return -1;
    a->v[a->n++] = x;
    return 0;
}

static int ports_u64s_has(const struct ports_u64s *a, uint64_t x)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == x)
            return 1;
    return 0;
}

static int ports_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort a and drop repeated values. */
static void ports_u64s_unique(struct ports_u64s *a)
{
    if (a->n < 2)
        return;
    qsort(a->v, a->n, sizeof *a->v, ports_cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < a->n; i++)
        if (a->v[i] != a->v[k - 1])
            a->v[k++] = a->v[i];
    a->n = k;
}

/* The length of a run of hex digits at s. */
static size_t ports_hexlen(const char *s)
{
    size_t n = 0;
    while (isxdigit((unsigned char)s[n]))
        n++;
    return n;
}

int ports_parse_line(const char *line, struct ports_socket *s)
{
    /* "  12: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000
     *  00000000  1000  0 23456 1 ..." -- sl, local, remote, st, queues,
     * timer, retransmits, uid, timeout, inode. The address is 8 hex digits
     * for IPv4, 32 for IPv6. */
    const char *p = line;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p++ != ':')
        return -1;
    while (*p == ' ')
        p++;
    size_t alen = ports_hexlen(p);
    if ((alen != 8 && alen != 32) || p[alen] != ':')
        return -1;
    unsigned port, rport, state;
    char raddr[40];
    unsigned long uid;
    unsigned long long inode;
    int timeout;
    if (sscanf(p + alen, ":%x %39[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %lu %d %llu", &port, raddr,
               &rport, &state, &uid, &timeout, &inode) != 7)
        return -1;
    if (port > 0xffff || state > 0xff)
        return -1;
    s->family = alen == 8 ? AF_INET : AF_INET6;
    s->port = (int)port;
    s->state = (int)state;
    s->inode = inode;
    return state == PORTS_STATE_LISTEN ? 1 : 0;
}

static int ports_table_push(struct ports_table *t, const struct ports_socket *s)
{
    if (vec_reserve((void **)&t->v, &t->cap, sizeof *t->v, t->n + 1) != 0)
        return -1;
    t->v[t->n++] = *s;
    return 0;
}

int ports_parse_table(const char *text, struct ports_table *t, struct pt_error *err)
{
    for (const char *line = text; *line;) {
        struct ports_socket s;
        if (ports_parse_line(line, &s) == 1 && s.inode != 0 && ports_table_push(t, &s) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading the socket tables");
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return 0;
}

int ports_table_read(pid_t pid, struct ports_table *t, struct pt_error *err)
{
    static const char *const names[] = {"tcp", "tcp6"};
    for (size_t i = 0; i < 2; i++) {
        char path[64];
        if (pid > 0)
            snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, names[i]);
        else
            snprintf(path, sizeof path, "/proc/net/%s", names[i]);
        char *text = read_file(path, NULL);
        if (text == NULL) {
            if (errno == ENOMEM)
                return pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", path);
            continue;
        }
        int rc = ports_parse_table(text, t, err);
        free(text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int ports_table_port(const struct ports_table *t, uint64_t inode)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].inode == inode)
            return t->v[i].port;
    return 0;
}

void ports_table_free(struct ports_table *t)
{
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

uint64_t ports_parse_socket_link(const char *link)
{
    static const char prefix[] = "socket:[";
    if (strncmp(link, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *p = link + sizeof prefix - 1;
    if (!isdigit((unsigned char)*p))
        return 0;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (*end != ']' || end[1] != '\0')
        return 0;
    return v;
}

/* The socket inodes pid holds, appended to a. 0, or -1 with errno (ENOENT
 * gone, EACCES not ours, ENOMEM). */
static int ports_scan_fds(pid_t pid, struct ports_u64s *a)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char link[64];
        ssize_t l = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
        if (l <= 0)
            continue;
        link[l] = '\0';
        uint64_t ino = ports_parse_socket_link(link);
        if (ino != 0 && ports_u64s_push(a, ino) != 0) {
            errno = ENOMEM;
            rc = -1;
            break;
        }
    }
    int e = errno;
    closedir(d);
    errno = e;
    if (rc == 0)
        ports_u64s_unique(a); /* dup()ed fds: one socket, several links */
    return rc;
}

/* The inode of pid's network namespace, 0 if unknown. */
static uint64_t ports_netns(pid_t pid)
{
    char path[64];
    struct stat st;
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/ns/net");
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Every pid in /proc, into a malloc'ed array. Count, or -1 with errno. */
static ssize_t ports_all_pids(pid_t **out)
{
    DIR *d = opendir("/proc");
    *out = NULL;
    if (d == NULL)
        return -1;
    size_t n = 0, cap = 0;
    pid_t *v = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (!isdigit((unsigned char)de->d_name[0]) || *end != '\0' || pid <= 0)
            continue;
        if (vec_reserve((void **)&v, &cap, sizeof *v, n + 1) != 0) {
            free(v);
            closedir(d);
            errno = ENOMEM;
            return -1;
        }
        v[n++] = (pid_t)pid;
    }
    closedir(d);
    *out = v;
    return (ssize_t)n;
}

static int ports_map_push(struct ports_map *m, pid_t pid, int port, uint64_t inode)
{
    for (size_t i = m->n; i > 0 && m->v[i - 1].pid == pid; i--)
        if (m->v[i - 1].inode == inode)
            return 0;
    if (vec_reserve((void **)&m->v, &m->cap, sizeof *m->v, m->n + 1) != 0)
        return -1;
    m->v[m->n++] = (struct ports_holder){pid, port, inode};
    return 0;
}

static int ports_map_push_unreadable(struct ports_map *m, pid_t pid)
{
    if (vec_reserve((void **)&m->unreadable, &m->capunreadable, sizeof *m->unreadable,
                    m->nunreadable + 1) != 0)
        return -1;
    m->unreadable[m->nunreadable++] = pid;
    return 0;
}

static int ports_cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static int ports_cmp_holder(const void *a, const void *b)
{
    const struct ports_holder *x = a, *y = b;
    if (x->pid != y->pid)
        return (x->pid > y->pid) - (x->pid < y->pid);
    if (x->port != y->port)
        return (x->port > y->port) - (x->port < y->port);
    return (x->inode > y->inode) - (x->inode < y->inode);
}

/* Add pid's listening sockets to m, reading the tables of its network
 * namespace into t first when t does not know some of its sockets. */
static int ports_map_add_pid(struct ports_map *m, pid_t pid, struct ports_table *t,
                             struct ports_u64s *netns_read, struct ports_u64s *inodes,
                             struct pt_error *err)
{
    inodes->n = 0;
    if (ports_scan_fds(pid, inodes) != 0) {
        if (errno == ENOMEM)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
        if ((errno == EACCES || errno == EPERM) && ports_map_push_unreadable(m, pid) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
        return 0;
    }
    int unknown = 0;
    for (size_t i = 0; i < inodes->n && !unknown; i++)
        unknown = ports_table_port(t, inodes->v[i]) == 0;
    if (unknown) {
        uint64_t ns = ports_netns(pid);
        if (ns != 0 && !ports_u64s_has(netns_read, ns)) {
            if (ports_u64s_push(netns_read, ns) != 0)
                return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
            if (ports_table_read(pid, t, err) != 0)
                return -1;
        }
    }
    for (size_t i = 0; i < inodes->n; i++) {
        int port = ports_table_port(t, inodes->v[i]);
        if (port != 0 && ports_map_push(m, pid, port, inodes->v[i]) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
    }
    return 0;
}

int ports_map_build(const pid_t *pids, size_t n, struct ports_map *m, struct pt_error *err)
{
    memset(m, 0, sizeof *m);
    pid_t *all = NULL;
    if (pids == NULL) {
        ssize_t got = ports_all_pids(&all);
        if (got < 0)
            return pt_error_sys(err, errno == ENOMEM ? PT_E_NOMEM : PT_E_SYS, errno,
                                "cannot list the processes in /proc: %s", strerror(errno));
        pids = all;
        n = (size_t)got;
    }
    struct ports_table t = {0};
    struct ports_u64s netns_read = {0}, inodes = {0};
    int rc = ports_table_read(0, &t, err);
    uint64_t own_ns = ports_netns(0);
    if (rc == 0 && own_ns != 0 && ports_u64s_push(&netns_read, own_ns) != 0)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ports_map_add_pid(m, pids[i], &t, &netns_read, &inodes, err);
    free(all);
    free(netns_read.v);
    free(inodes.v);
    ports_table_free(&t);
    if (rc != 0) {
        ports_map_free(m);
        return -1;
    }
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, ports_cmp_holder);
    if (m->nunreadable > 1)
        qsort(m->unreadable, m->nunreadable, sizeof *m->unreadable, ports_cmp_pid);
    return 0;
}

void ports_map_free(struct ports_map *m)
{
    free(m->v);
    free(m->unreadable);
    memset(m, 0, sizeof *m);
}

int ports_map_readable(const struct ports_map *m, pid_t pid)
{
    return m->nunreadable == 0 ||
           bsearch(&pid, m->unreadable, m->nunreadable, sizeof pid, ports_cmp_pid) == NULL;
}

size_t ports_map_ports_of(const struct ports_map *m, pid_t pid, int *ports, size_t max)
{
    size_t k = 0;
    int last = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].pid != pid || m->v[i].port == last)
            continue; /* sorted by (pid, port): duplicates are adjacent */
        last = m->v[i].port;
        if (k < max)
            ports[k] = last;
        k++;
    }
    return k;
}

size_t ports_map_inodes_of(const struct ports_map *m, pid_t pid, uint64_t *inodes, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].pid != pid)
            continue;
        if (k < max)
            inodes[k] = m->v[i].inode;
        k++;
    }
    return k;
}

ssize_t ports_map_pids(const struct ports_map *m, int port, pid_t **out)
{
    size_t n = 0;
    pid_t last = 0;
    *out = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].port == port && m->v[i].pid != last) {
            last = m->v[i].pid;
            n++;
        }
    if (n == 0)
        return 0;
    pid_t *v = malloc(n * sizeof *v);
    if (v == NULL)
        return -1;
    size_t k = 0;
    last = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].port == port && m->v[i].pid != last)
            v[k++] = last = m->v[i].pid;
    *out = v;
    return (ssize_t)n;
}

ssize_t ports_listening(pid_t pid, int **out, struct pt_error *err)
{
    *out = NULL;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    if (access(path, F_OK) != 0)
        return pt_error_set(err, PT_E_NOPROC, "no such process: PID %d does not exist", (int)pid);
    struct ports_map m;
    if (ports_map_build(&pid, 1, &m, err) != 0)
        return -1;
    if (m.nunreadable) {
        ports_map_free(&m);
        return access_refused(pid, err);
    }
    size_t n = ports_map_ports_of(&m, pid, NULL, 0);
    int *v = n ? malloc(n * sizeof *v) : NULL;
    if (n && v == NULL) {
        ports_map_free(&m);
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
    }
    ports_map_ports_of(&m, pid, v, n);
    ports_map_free(&m);
    *out = v;
    return (ssize_t)n;
}

ssize_t ports_pids(int port, pid_t **out, struct pt_error *err)
{
    struct ports_map m;
    *out = NULL;
    if (ports_map_build(NULL, 0, &m, err) != 0)
        return -1;
    ssize_t n = ports_map_pids(&m, port, out);
    ports_map_free(&m);
    if (n < 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading open files");
    return n;
}
