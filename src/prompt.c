/*
 * prompt: ticks that start on time on a busy machine. See prompt.h.
 */
#include "config.h"
#include "prompt.h"

#include <sched.h>

/* Switch the calling thread between SCHED_FIFO 1 and SCHED_OTHER. On
 * Linux, pid 0 names the calling thread, not the whole process.
 * SCHED_RESET_ON_FORK: a process started from this thread does not
 * inherit the priority. A refusal (EPERM without CAP_SYS_NICE or an
 * RLIMIT_RTPRIO; a cgroup with no real-time budget) leaves the thread
 * as it was and is not asked again. */
static void set_prompt(struct prompt *p, int on)
{
    struct sched_param sp = {.sched_priority = on ? sched_get_priority_min(SCHED_FIFO) : 0};
    if (sched_setscheduler(0, (on ? SCHED_FIFO : SCHED_OTHER) | SCHED_RESET_ON_FORK, &sp) != 0) {
        p->allowed = 0;
        return;
    }
    p->on = on;
}

void prompt_begin(struct prompt *p)
{
    p->allowed = 1;
    p->on = 0;
    set_prompt(p, 1);
}

void prompt_tick(struct prompt *p, uint64_t work_ns, uint64_t period_ns)
{
    if (!p->allowed)
        return;
    /* Given up above a quarter of the period, taken back below an
     * eighth: a tick whose cost hovers near the line does not switch
     * every time. */
    if (p->on && work_ns > period_ns / 4)
        set_prompt(p, 0);
    else if (!p->on && work_ns < period_ns / 8)
        set_prompt(p, 1);
}
