"""The sampling thread's priority (src/prompt.c).

On a machine whose CPUs are all busy, a sampler of normal priority wakes
late, when some thread goes to sleep, and finds its targets running less
often than they run (test_thread_state judges that share). pytop's
sampling thread, named "sampler", takes the lowest real-time priority
when the kernel lets it, gives it up while its ticks cost more than a
quarter of their period, and samples as well without it.

Each case records a target while the test reads the scheduling policy of
pytop's threads from /proc (field 41 of a task's stat) until the sampler
has the policy expected, then checks the profile pytop wrote.
"""

import os
import subprocess
import time

import pytest

from conftest import PYTOP, POLL_TIMEOUT, any_interpreter, launch, pytop_env, require_pytop, task_files
from test_record import read_collapsed, SUMMARY_RE

SCHED_OTHER, SCHED_FIFO = 0, 1
NO_SYS_NICE = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "--"]


def thread_policies(pid):
    """{thread name: (policy, real-time priority)} of a live process."""
    out = {}
    for stat in task_files(pid, "stat").values():
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): rt_priority is field 40, policy 41.
        out[name] = (int(fields[38]), int(fields[37]))
    return out


def realtime_allowed():
    """Whether this machine gives root SCHED_FIFO at all."""
    return subprocess.run(["chrt", "-f", "1", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


@pytest.mark.parametrize(
    ("case", "rate", "wrap", "policy"),
    [
        ("root", 100, [], (SCHED_FIFO, 1)),
        ("flat out", 100000, [], (SCHED_OTHER, 0)),
        ("without CAP_SYS_NICE", 100, NO_SYS_NICE, (SCHED_OTHER, 0)),
    ],
    ids=["root", "flat-out", "no-sys-nice"],
)
def test_sampler_priority(case, rate, wrap, policy, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the real-time priority is given to root (or CAP_SYS_NICE)")
    if policy[0] == SCHED_FIFO and not realtime_allowed():
        pytest.skip("this machine refuses root a real-time priority (chrt -f 1 fails: a cgroup without a real-time budget?)")
    require_pytop()
    interp = any_interpreter()
    out = tmp_path / "prio.txt"
    with launch(interp, "duty_cycle.py") as target:
        argv = wrap + [PYTOP, "record", "-p", str(target.pid), "-r", str(rate), "-d", "3", "-f", "collapsed", "-o", str(out)]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=pytop_env(), stdin=subprocess.DEVNULL)
        try:
            seen = {}
            deadline = time.monotonic() + POLL_TIMEOUT
            while p.poll() is None and time.monotonic() < deadline:
                seen = thread_policies(p.pid) if os.path.exists("/proc/%d/task" % p.pid) else {}
                if seen.get("sampler") == policy:
                    break
                time.sleep(0.02)
            stdout, stderr = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    stderr = stderr.decode()
    assert seen.get("sampler") == policy, "%s: pytop's threads had (policy, priority) %r, not a sampler with %r\n%s" % (
        case, seen, policy, stderr)
    assert seen.get("pytop") == (SCHED_OTHER, 0), "%s: the main thread's policy changed: %r" % (case, seen)
    assert p.returncode == 0, "%s: %s exited %d\n%s" % (case, " ".join(argv), p.returncode, stderr)
    assert SUMMARY_RE.match(stderr.splitlines()[-1]), stderr
    kept = sum(s.count for s in read_collapsed(out) if any(f.startswith("hasher (") for f in s.frames))
    assert kept > 0, "%s: no sample of the hasher thread\n%s" % (case, stderr)
