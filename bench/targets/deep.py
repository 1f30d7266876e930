"""A benchmark target: a Python stack of known depth, busy on the CPU.

    python deep.py [DEPTH [REPORT_SECONDS]]

Recurses until the thread's stack holds DEPTH Python frames in all (the
module frame, DEPTH - 2 frames of recurse(), and spin()), prints
"ready PID DEPTH", then spins in a pure-Python loop forever. Every
REPORT_SECONDS (default 1) it prints "ips N cpu_ips M": loop iterations
per wall-clock second over the last period, and per second of its own CPU
time (which a busy machine's scheduling does not change).

The iteration rate is what a sampler slows down, so it measures the
target's slowdown; the stack is what a sampler reads. Runs unchanged on
CPython 3.8-3.13; stop it with a signal.
"""
import os
import sys
import time

# How many iterations between two clock reads: small enough to report on
# time, large enough that reading the clock costs nothing measurable.
CHECK_EVERY = 1 << 14


def spin(period):
    n = 0
    mask = CHECK_EVERY - 1
    clock = time.perf_counter
    cpu = time.process_time
    last_t = clock()
    last_cpu = cpu()
    last_n = 0
    due = last_t + period
    out = sys.stdout
    while True:
        n += 1
        if n & mask == 0:
            now = clock()
            if now >= due:
                now_cpu = cpu()
                done = n - last_n
                out.write("ips %d cpu_ips %d\n" % (done / (now - last_t),
                                                   done / max(now_cpu - last_cpu, 1e-9)))
                out.flush()
                last_t, last_cpu, last_n = now, now_cpu, n
                due = now + period


def recurse(left, period):
    if left > 0:
        return recurse(left - 1, period)
    sys.stdout.write("ready %d %d\n" % (os.getpid(), depth))
    sys.stdout.flush()
    return spin(period)


depth = int(sys.argv[1]) if len(sys.argv) > 1 else 50
period = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
if depth < 3:
    sys.exit("deep.py: DEPTH must be at least 3 (<module>, recurse(), spin())")
sys.setrecursionlimit(depth + 100)
try:
    recurse(depth - 3, period)  # recurse(k) makes k + 1 frames
except (KeyboardInterrupt, BrokenPipeError):
    pass
