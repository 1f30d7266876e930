/*
 * remote/access: why the kernel refused a read. See access.h.
 */
#include "config.h"
#include "remote/access.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote/mem.h"
#include "remote/task.h"
#include "util.h"

/* linux/capability.h: the capability that overrides every ptrace check. */
#define CAP_SYS_PTRACE_BIT 19

static uint64_t status_caps(const char *text, const char *name, int *found)
{
    const char *v = task_status_field(text, name);
    if (found)
        *found = v != NULL;
    return v ? strtoull(v, NULL, 16) : 0;
}

static void status_uids(const char *text, long out[3])
{
    const char *v = task_status_field(text, "Uid");
    for (int i = 0; i < 3; i++) {
        char *end;
        out[i] = v ? strtol(v, &end, 10) : -1;
        if (v)
            v = end;
    }
}

static pid_t parent_of(pid_t pid)
{
    char *text = task_status(pid, 0);
    const char *v = text ? task_status_field(text, "PPid") : NULL;
    pid_t ppid = v ? (pid_t)strtol(v, NULL, 10) : 0;
    free(text);
    return ppid;
}

static int is_descendant(pid_t pid)
{
    pid_t self = getpid();
    /* A chain longer than this is a loop from a PID reused while walking. */
    for (int hops = 0; pid > 1 && hops < 4096; hops++) {
        pid = parent_of(pid);
        if (pid == self)
            return 1;
    }
    return 0;
}

/* A uid_map names the user namespace it belongs to well enough: two
 * processes with different maps are in different namespaces. Unlike
 * /proc/PID/ns/user, the map is readable without ptrace access. */
static int other_userns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
    char *theirs = read_file(path, NULL);
    char *ours = read_file("/proc/self/uid_map", NULL);
    int other = theirs && ours && strcmp(theirs, ours) != 0;
    free(theirs);
    free(ours);
    return other;
}

void access_facts_read(pid_t pid, struct access_facts *f)
{
    memset(f, 0, sizeof *f);
    f->gone = remote_process_gone(pid);
    f->our_uid = (long)geteuid();
    f->owner_uid = -1;
    f->yama = -1;
    char *ours = task_status(0, 0);
    if (ours) {
        f->our_caps = status_caps(ours, "CapEff", NULL);
        f->our_prm = status_caps(ours, "CapPrm", NULL);
        free(ours);
    }
    char *theirs = task_status(pid, 0);
    if (theirs) {
        status_uids(theirs, f->target_uid);
        f->target_prm = status_caps(theirs, "CapPrm", &f->have_target_prm);
        free(theirs);
    } else {
        f->target_uid[0] = f->target_uid[1] = f->target_uid[2] = -1;
    }
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) == 0)
        f->owner_uid = (long)st.st_uid;
    char *yama = read_file("/proc/sys/kernel/yama/ptrace_scope", NULL);
    if (yama) {
        f->yama = atoi(yama);
        free(yama);
    }
    f->descendant = is_descendant(pid);
    f->other_userns = other_userns(pid);
}

/* "user NAME (uid N)" or "uid N" where the uid has no name here. */
static void user_text(long uid, char *buf, size_t size)
{
    struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;
    if (pw)
        snprintf(buf, size, "user %s (uid %ld)", pw->pw_name, uid);
    else
        snprintf(buf, size, "uid %ld", uid);
}

static int no_capability(pid_t pid, struct pt_error *err)
{
    return pt_error_set(err, PT_E_PERM,
                        "permission denied reading PID %d: pytop runs without CAP_SYS_PTRACE "
                        "(Docker: --cap-add SYS_PTRACE; Kubernetes: securityContext.capabilities"
                        ".add: [SYS_PTRACE], or kubectl debug --profile=general)",
                        (int)pid);
}

static int yama_refused(int scope, pid_t pid, struct pt_error *err)
{
    if (scope >= 3)
        return pt_error_set(
            err, PT_E_PERM,
            "permission denied reading PID %d (Yama): kernel.yama.ptrace_scope is 3, "
            "no process may read another until the machine restarts",
            (int)pid);
    if (scope == 2)
        return pt_error_set(
            err, PT_E_PERM,
            "permission denied reading PID %d (Yama): kernel.yama.ptrace_scope is 2, "
            "only CAP_SYS_PTRACE may read a process (run pytop as root)",
            (int)pid);
    return pt_error_set(
        err, PT_E_PERM,
        "permission denied reading PID %d (Yama): kernel.yama.ptrace_scope is 1, only "
        "a parent may read its children (run pytop as root, start the program "
        "under pytop with -- COMMAND, or set kernel.yama.ptrace_scope=0)",
        (int)pid);
}

int access_explain(const struct access_facts *f, pid_t pid, struct pt_error *err)
{
    if (f->gone)
        return pt_error_set(err, PT_E_GONE, "PID %d exited", (int)pid);
    int capable = (f->our_caps >> CAP_SYS_PTRACE_BIT) & 1;
    int root = f->our_uid == 0;
    /* Yama's scope 3 refuses even CAP_SYS_PTRACE. */
    if (f->yama >= 3)
        return yama_refused(f->yama, pid, err);
    if (f->other_userns)
        return pt_error_set(
            err, PT_E_PERM,
            "permission denied reading PID %d: it runs in a user namespace pytop is not "
            "privileged over (run pytop inside it: nsenter --target %d --user "
            "--pid, or as the user who created it)",
            (int)pid, (int)pid);
    if (!capable) {
        int same_user = 1;
        for (int i = 0; i < 3; i++)
            if (f->target_uid[i] >= 0 && f->target_uid[i] != f->our_uid)
                same_user = 0;
        if (!same_user && !root) {
            char who[160];
            user_text(f->target_uid[1] >= 0 ? f->target_uid[1] : f->target_uid[0], who, sizeof who);
            char me[160];
            user_text(f->our_uid, me, sizeof me);
            return pt_error_set(
                err, PT_E_PERM,
                "permission denied reading PID %d: it runs as %s and pytop as %s (run "
                "pytop as that user, or as root)",
                (int)pid, who, me);
        }
        /* Root without CAP_SYS_PTRACE passes the uid check only for a
         * target of its own uid, and then only if it holds every
         * capability the target does (commoncap). */
        if (root)
            return no_capability(pid, err);
        if (f->owner_uid == 0 && f->our_uid != 0)
            return pt_error_set(err, PT_E_PERM,
                                "permission denied reading PID %d: the process is not dumpable (it "
                                "changed its credentials or called prctl(PR_SET_DUMPABLE, 0)); "
                                "only root may read it",
                                (int)pid);
        if (f->have_target_prm && (f->target_prm & ~f->our_prm) != 0)
            return pt_error_set(
                err, PT_E_PERM,
                "permission denied reading PID %d: it holds capabilities pytop does "
                "not (run pytop as root)",
                (int)pid);
        if (f->yama == 2 || (f->yama == 1 && !f->descendant))
            return yama_refused(f->yama, pid, err);
    }
    return pt_error_set(err, PT_E_PERM,
                        "permission denied reading PID %d, though pytop %s; a security module "
                        "(AppArmor, SELinux) or a seccomp filter may forbid it",
                        (int)pid,
                        capable ? "has CAP_SYS_PTRACE" : "runs as the process's own user");
}

int access_refused(pid_t pid, struct pt_error *err)
{
    struct access_facts f;
    access_facts_read(pid, &f);
    return access_explain(&f, pid, err);
}
