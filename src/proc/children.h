/*
 * proc/children: the descendants of a process from the kernel's own
 * lists of children (/proc/PID/task/TID/children), without reading the
 * whole process table.
 *
 * `-s` looks for new descendants of its roots once a second. Through the
 * process table (proc/proc) that is a few files of every process on the
 * machine; through these lists it is one file for each thread of the
 * roots and their descendants.
 */
#ifndef PYTOP_PROC_CHILDREN_H
#define PYTOP_PROC_CHILDREN_H

#include <sys/types.h>

/* Every descendant of pid (children, their children, ...), sorted by
 * pid, not including pid, into a malloc'ed array the caller frees (NULL
 * when there are none). Returns the count; -1 when out of memory or when
 * the kernel keeps no such lists (built without CONFIG_PROC_CHILDREN):
 * then proc_descendants over a process table answers. A process that
 * exits meanwhile is simply left out. */
ssize_t proc_descendants_live(pid_t pid, pid_t **out);

#endif
