/*
 * remote/task: /proc/PID/task/TID files. See task.h.
 */
#include "config.h"
#include "remote/task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* The state letter in the text of a stat file, 0 if there is none. */
static char stat_letter(const char *buf)
{
    /* "tid (comm) S ...": comm may hold spaces and parentheses. */
    const char *close = strrchr(buf, ')');
    if (close == NULL || close[1] != ' ')
        return 0;
    return close[2];
}

char task_state(pid_t pid, pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return 0;
    return stat_letter(buf);
}

int task_list(pid_t pid, struct tid_list *out)
{
    char path[64];
    out->n = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        pid_t tid = (pid_t)atoi(de->d_name);
        if (tid <= 0)
            continue;
        if (vec_reserve((void **)&out->v, &out->cap, sizeof *out->v, out->n + 1) != 0) {
            out->n = 0;
            rc = -1;
            break;
        }
        out->v[out->n++] = tid;
    }
    closedir(d);
    return rc;
}

void tid_list_free(struct tid_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int task_states(pid_t pid, pid_t *tids, char *states, int max)
{
    struct tid_list all = {0};
    int n = 0;
    if (task_list(pid, &all) != 0)
        return 0;
    for (size_t i = 0; i < all.n && n < max; i++) {
        char st = task_state(pid, all.v[i]);
        if (st == 0)
            continue; /* ended since listed */
        tids[n] = all.v[i];
        states[n++] = st;
    }
    tid_list_free(&all);
    return n;
}

int task_probe_open(struct task_probe *p, pid_t pid, pid_t tid)
{
    char path[64];
    *p = (struct task_probe){.stat_fd = -1, .sched_fd = -1};
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    p->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (p->stat_fd < 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    p->sched_fd = open(path, O_RDONLY | O_CLOEXEC);
    return 0;
}

void task_probe_close(struct task_probe *p)
{
    if (p->stat_fd >= 0)
        close(p->stat_fd);
    if (p->sched_fd >= 0)
        close(p->sched_fd);
    p->stat_fd = p->sched_fd = -1;
}

/* The thread's time on a CPU (ns) and times put on one, from schedstat.
 * 1, or 0 when it cannot tell: unreadable, or "0 0 0", what a kernel
 * that does not keep these figures prints (fs/proc/base.c,
 * proc_pid_schedstat, when !sched_info_on()). Only a thread seen asleep
 * is asked, and it has been on a CPU at least once, so 0 runs is never a
 * real answer (0 ns can be: a thread's time is added up when it leaves
 * the CPU or at a scheduler tick). Then it is not asked again. */
static int schedstat_read(struct task_probe *p, unsigned long long *ran_ns,
                          unsigned long long *runs)
{
    char buf[96];
    unsigned long long delay;
    ssize_t n = pread(p->sched_fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
        buf[n] = '\0';
        if (sscanf(buf, "%llu %llu %llu", ran_ns, &delay, runs) == 3 && *runs != 0)
            return 1;
    }
    close(p->sched_fd);
    p->sched_fd = -1;
    return 0;
}

int task_probe_running(struct task_probe *p)
{
    if (p->stat_fd < 0)
        return -1;
    /* Asleep at the last look, and not on a CPU since (the numbers read
     * before that look are unchanged): asleep now. Only a thread woken
     * this instant and still queued for a CPU, state R in its stat, is
     * taken as asleep until it runs. */
    unsigned long long ran_ns = 0, runs = 0;
    int snap = p->asleep && p->sched_fd >= 0 && schedstat_read(p, &ran_ns, &runs);
    if (snap && p->snapped && ran_ns == p->ran_ns && runs == p->runs)
        return 0;
    char buf[512];
    ssize_t n = pread(p->stat_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1; /* the kernel no longer has the thread */
    buf[n] = '\0';
    int running = stat_letter(buf) == 'R';
    /* The numbers are taken only before a stat read: read after it, they
     * could include a run that began between the two reads. */
    p->asleep = !running;
    p->snapped = snap && !running;
    p->ran_ns = ran_ns;
    p->runs = runs;
    return running;
}

int task_probe_still_asleep(struct task_probe *p)
{
    unsigned long long ran_ns, runs;
    return p->asleep && p->snapped && p->sched_fd >= 0 && schedstat_read(p, &ran_ns, &runs) &&
           ran_ns == p->ran_ns && runs == p->runs;
}

int task_group_cpu_ns(pid_t pid, unsigned long long *ns)
{
    /* The CPU clock of a whole process, as glibc's clock_getcpuclockid
     * makes it (the kernel's MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED),
     * include/linux/posix-timers_types.h): the kernel lets anyone read
     * it, as it lets anyone read /proc/PID/stat. */
    clockid_t clock = (clockid_t)((~(unsigned)pid << 3) | 2u);
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return -1;
    *ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
    return 0;
}

void task_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid, (int)tid);
    if (read_small(path, buf, size) <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[strcspn(buf, "\n")] = '\0';
}

void task_cmdline(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    ssize_t n = read_small(path, buf, size);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    /* Arguments are NUL-separated; a newline inside one (python -c) would
     * break the one-line header. */
    for (ssize_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20)
            buf[i] = ' ';
    buf[n] = '\0';
}

void task_name(pid_t pid, char *buf, size_t size)
{
    char path[64], args[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    /* argv[0] ends at the first NUL; read_small keeps the buffer ended. */
    if (read_small(path, args, sizeof args) > 0 && args[0] != '\0') {
        const char *slash = strrchr(args, '/');
        snprintf(buf, size, "%s", slash && slash[1] ? slash + 1 : args);
        return;
    }
    task_comm(pid, pid, buf, size);
}

char *task_status(pid_t pid, pid_t tid)
{
    char path[64];
    if (pid <= 0)
        snprintf(path, sizeof path, "/proc/self/status");
    else if (tid > 0)
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)tid);
    else
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    return read_file(path, NULL);
}

const char *task_status_field(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            return line + n + 1;
    }
    return NULL;
}

int task_exists(pid_t pid, pid_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d", (int)pid, (int)tid);
    return tid > 0 && access(path, F_OK) == 0;
}

int task_exe(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, buf, size - 1);
    if (n <= 0) {
        buf[0] = '\0';
        if (n == 0)
            errno = ENOENT;
        return -1;
    }
    buf[n] = '\0';
    char *del = strstr(buf, " (deleted)");
    if (del)
        *del = '\0';
    return 0;
}

void task_exe_id(pid_t pid, dev_t *dev, ino_t *ino)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    if (stat(path, &st) != 0)
        st.st_dev = 0, st.st_ino = 0;
    *dev = st.st_dev;
    *ino = st.st_ino;
}

void task_cwd(pid_t pid, char *buf, size_t size)
{
    char path[64], root[4096];
    snprintf(path, sizeof path, "/proc/%d/cwd", (int)pid);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    /* The kernel names the cwd from pytop's root; the target's file names
     * (co_filename) are from its own. In a chroot or container, take the
     * target's root off the front. */
    snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
    ssize_t r = readlink(path, root, sizeof root - 1);
    if (r <= 1 || n <= r)
        return;
    root[r] = '\0';
    if (strncmp(buf, root, (size_t)r) == 0 && buf[r] == '/')
        memmove(buf, buf + r, strlen(buf + r) + 1);
}
