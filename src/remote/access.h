/*
 * remote/access: why the kernel refused to let pytop read a process.
 *
 * "Permission denied" alone sends a user in a container looking in the
 * wrong place: the same EPERM comes from another user's process, from a
 * root without CAP_SYS_PTRACE (Docker's and Kubernetes' default), from
 * Yama's ptrace_scope, from a target in a user namespace pytop is not
 * privileged over, and from a process that exited. The kernel's checks
 * (kernel/ptrace.c __ptrace_may_access, security/commoncap.c
 * cap_ptrace_access_check, security/yama/yama_lsm.c) are repeated here
 * from what /proc shows to anyone, so the one-line message can say which
 * one refused and what to do about it.
 */
#ifndef PYTOP_REMOTE_ACCESS_H
#define PYTOP_REMOTE_ACCESS_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* What decides a refusal, read from /proc; -1 where it could not be read. */
struct access_facts {
    int gone;            /* the process exited (or is a zombie) */
    long our_uid;        /* pytop's effective uid */
    long target_uid[3];  /* the target's real, effective and saved uids */
    long owner_uid;      /* the owner of /proc/PID: root when not dumpable */
    uint64_t our_caps;   /* pytop's effective capabilities (CapEff) */
    uint64_t our_prm;    /* pytop's permitted capabilities (CapPrm) */
    uint64_t target_prm; /* the target's permitted capabilities (CapPrm) */
    int have_target_prm; /* target_prm was read */
    int yama;            /* kernel.yama.ptrace_scope, -1 without Yama */
    int descendant;      /* the target descends from pytop */
    int other_userns;    /* the target's uid_map differs from pytop's */
};

/* Read the facts about pid as the kernel would weigh them for pytop. */
void access_facts_read(pid_t pid, struct access_facts *f);

/* Fill err with the message for a refusal described by f (PT_E_GONE when
 * the process exited, PT_E_PERM otherwise). Returns -1. */
int access_explain(const struct access_facts *f, pid_t pid, struct pt_error *err);

/* Both of the above: the message of the CLI for a refused read of pid. */
int access_refused(pid_t pid, struct pt_error *err);

#endif
