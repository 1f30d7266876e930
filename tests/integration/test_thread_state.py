"""Idle threads told from running ones, tick by tick: pytop asks the
kernel only where a thread's state can have changed (a thread found
asleep that has not been on a CPU since is asleep still), and reads only
the stacks it keeps. What it finds must still be what the kernel says.

tests/fixtures/duty_cycle.py has a thread that hashes without the GIL
for a few milliseconds, then naps for a random 1-6 ms, and reports its
own CPU time. Recorded without --idle, the share of ticks that keep the
hasher must match the share of the window it spent on a CPU (its thread
CPU clock over the wall clock), within TOLERANCE points; the main thread,
asleep but for its reports, must be all but absent.

`duty_cycle.py workers` forks two workers that spin in Python and nap at
random: under -s, a process whose threads were all asleep is passed by
until it uses a CPU again, and each worker's share of ticks must still
match its share of time on a CPU.
"""

import pytest

from conftest import INTERPRETERS, launch, run_pytop
from test_record import read_collapsed, SUMMARY_RE

SCRIPT = "duty_cycle.py"
STATE_INTERPRETERS = [i for i in INTERPRETERS if i.id in ("py3.8-pyenv", "py3.11-debian", "py3.15-sid")]
TOLERANCE = 7.0


def spent(target, name="hasher"):
    """The fixture's last complete report of name: (CPU seconds, wall seconds)."""
    text = target.output()[0]
    lines = [l for l in text[: text.rfind("\n") + 1].splitlines() if l.startswith("spent %s " % name)]
    if not lines:
        return None
    kv = dict(item.split("=") for item in lines[-1].split()[2:])
    return float(kv["cpu"]), float(kv["wall"])


def workers(target):
    """The worker PIDs the fixture reports on."""
    text = target.output()[0]
    return sorted({l.split()[1] for l in text.splitlines() if l.startswith("spent ")})


def ticks_of(r):
    m = SUMMARY_RE.match(r.stderr.splitlines()[-1])
    assert m, r.describe()
    return float(m.group("seconds")) * float(m.group("achieved"))


@pytest.mark.parametrize("rate", [100, 1000])
@pytest.mark.parametrize("interp", STATE_INTERPRETERS, ids=[i.id for i in STATE_INTERPRETERS], indirect=True)
def test_running_share_matches_cpu_time(interp, rate, tmp_path):
    out = tmp_path / "state.txt"
    with launch(interp, SCRIPT) as target:
        target.wait_until(lambda: spent(target) is not None, "its first report")
        c0, w0 = spent(target)
        r = run_pytop("record", "-p", target.pid, "-r", rate, "-d", 4, "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        target.wait_until(lambda: spent(target)[1] > w0 + 4.05, "a report after the recording")
        c1, w1 = spent(target)
    ticks = ticks_of(r)
    stacks = read_collapsed(out)
    hasher = sum(s.count for s in stacks if any(f.startswith("hasher (") for f in s.frames))
    main = sum(s.count for s in stacks if not any(f.startswith("hasher (") for f in s.frames))
    sampled = 100.0 * hasher / ticks
    truth = 100.0 * (c1 - c0) / (w1 - w0)
    print("%s at %d Hz: hasher kept in %.1f%% of %d ticks, on a CPU %.1f%% of the time; main %d samples"
          % (interp.id, rate, sampled, ticks, truth, main))
    assert 15.0 < truth < 85.0, "the fixture did not alternate: on a CPU %.1f%% of the time" % truth
    assert abs(sampled - truth) <= TOLERANCE, "hasher kept in %.1f%% of ticks, on a CPU %.1f%% of the time\n%s" % (
        sampled, truth, r.describe())
    assert main <= 0.02 * ticks, "the sleeping main thread was kept %d times of %d ticks\n%s" % (main, ticks, r.describe())


@pytest.mark.parametrize("rate", [100, 1000])
@pytest.mark.parametrize("interp", STATE_INTERPRETERS, ids=[i.id for i in STATE_INTERPRETERS], indirect=True)
def test_napping_workers_counted_as_they_run(interp, rate, tmp_path):
    out = tmp_path / "workers.txt"
    with launch(interp, SCRIPT, "workers") as target:
        target.wait_until(lambda: len(workers(target)) == 2, "reports of both workers")
        pids = workers(target)
        before = {p: spent(target, p) for p in pids}
        r = run_pytop("record", "-s", "-p", target.pid, "-r", rate, "-d", 4, "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        w0 = max(w for _, w in before.values())
        target.wait_until(lambda: all(spent(target, p)[1] > w0 + 4.05 for p in pids), "reports after the recording")
        after = {p: spent(target, p) for p in pids}
    ticks = ticks_of(r)
    stacks = read_collapsed(out)
    for p in pids:
        kept = sum(s.count for s in stacks if s.frames[0].startswith("process %s " % p))
        sampled = 100.0 * kept / ticks
        truth = 100.0 * (after[p][0] - before[p][0]) / (after[p][1] - before[p][1])
        print("%s at %d Hz: worker %s kept in %.1f%% of %d ticks, on a CPU %.1f%% of the time"
              % (interp.id, rate, p, sampled, ticks, truth))
        assert 15.0 < truth < 85.0, "worker %s did not alternate: on a CPU %.1f%% of the time" % (p, truth)
        assert abs(sampled - truth) <= TOLERANCE, "worker %s kept in %.1f%% of ticks, on a CPU %.1f%% of the time\n%s" % (
            p, sampled, truth, r.describe())
    parent = sum(s.count for s in stacks if s.frames[0].startswith("process %d " % target.pid))
    assert parent <= 0.02 * ticks, "the sleeping parent was kept %d times of %d ticks\n%s" % (parent, ticks, r.describe())
