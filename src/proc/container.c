/*
 * proc/container: which container a process runs in. See container.h.
 */
#include "config.h"
#include "proc/container.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "remote/nspid.h"
#include "util.h"

/* Whether processes a and b (0: pytop) share namespace ns: two are one
 * when their links name the same inode. -1 when one cannot be read. */
static int same_ns_of(pid_t a, pid_t b, const char *ns)
{
    char path[64], la[64], lb[64];
    if (a > 0)
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)a, ns);
    else
        snprintf(path, sizeof path, "/proc/self/ns/%s", ns);
    ssize_t na = readlink(path, la, sizeof la - 1);
    if (b > 0)
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)b, ns);
    else
        snprintf(path, sizeof path, "/proc/self/ns/%s", ns);
    ssize_t nb = readlink(path, lb, sizeof lb - 1);
    if (na < 0 || nb < 0)
        return -1;
    return na == nb && memcmp(la, lb, (size_t)na) == 0;
}

struct uts_ask {
    int fd;
    char name[256];
};

/* A thread of its own enters the UTS namespace (setns acts on the calling
 * thread alone) and reads the name there; the rest of pytop stays. */
static void *uts_thread(void *arg)
{
    struct uts_ask *a = arg;
    struct utsname u;
    if (setns(a->fd, CLONE_NEWUTS) == 0 && uname(&u) == 0)
        snprintf(a->name, sizeof a->name, "%s", u.nodename);
    return NULL;
}

static int uts_hostname(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
    struct uts_ask a = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (a.fd < 0)
        return -1;
    pthread_t th;
    int rc = pthread_create(&th, NULL, uts_thread, &a);
    if (rc == 0)
        pthread_join(th, NULL);
    close(a.fd);
    if (a.name[0] == '\0') {
        /* No CAP_SYS_ADMIN for setns: the file most runtimes mount. */
        snprintf(path, sizeof path, "/proc/%d/root/etc/hostname", (int)pid);
        char *text = read_file(path, NULL);
        if (text != NULL) {
            text[strcspn(text, "\n")] = '\0';
            str_copy(a.name, sizeof a.name, text);
            free(text);
        }
    }
    if (a.name[0] == '\0')
        return -1;
    str_copy(buf, size, a.name);
    return 0;
}

int container_of(pid_t pid, struct container *c)
{
    memset(c, 0, sizeof *c);
    pid_t inner = nspid_inner(pid, 0);
    if (inner < 0)
        return -1;
    c->nspid = inner != pid ? inner : 0;
    if (same_ns_of(pid, 0, "uts") == 0 && uts_hostname(pid, c->name, sizeof c->name) == 0)
        return 0;
    char path[64], root[sizeof c->name];
    snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
    ssize_t n = readlink(path, root, sizeof root - 1);
    if (n > 1) {
        root[n] = '\0';
        str_copy(c->name, sizeof c->name, root);
    }
    return 0;
}

void container_format(const struct container *c, char *buf, size_t size)
{
    if (c->nspid > 0 && c->name[0])
        snprintf(buf, size, "PID %d in %s", (int)c->nspid, c->name);
    else if (c->nspid > 0)
        snprintf(buf, size, "PID %d", (int)c->nspid);
    else if (c->name[0])
        snprintf(buf, size, "in %s", c->name);
    else if (size > 0)
        buf[0] = '\0';
}

size_t container_netns_count(const pid_t *pids, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (same_ns_of(pids[i], pids[i], "net") != 1)
            continue; /* gone, or not ours to read */
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = same_ns_of(pids[i], pids[j], "net") != 1;
        count += first;
    }
    return count;
}
