/*
 * prompt: ticks that start on time on a busy machine.
 *
 * A thread of normal priority whose timer fires while every CPU is busy
 * waits for one to come free, and one comes free when some thread goes
 * to sleep: a sampler's ticks then gather just after its targets stop
 * running, and a target that runs half the time is found running less
 * often than that. At the lowest real-time priority the wake-up takes a
 * CPU at once. The sampling thread asks for it when the kernel lets it
 * (root, or CAP_SYS_NICE), and only while its ticks take a small part
 * of their period: a sampler that runs flat out, or nearly, goes back to
 * the normal priority, for a real-time thread that never sleeps would
 * starve its targets.
 */
#ifndef PYTOP_PROMPT_H
#define PYTOP_PROMPT_H

#include <stdint.h>

struct prompt {
    int allowed; /* the kernel lets this thread have a real-time priority */
    int on;      /* it has it now */
};

/* Give the calling thread the lowest real-time priority, when allowed. */
void prompt_begin(struct prompt *p);

/* After a tick that took work_ns of a period_ns period: keep the
 * priority, give it up, or take it back. */
void prompt_tick(struct prompt *p, uint64_t work_ns, uint64_t period_ns);

#endif
