"""Idle threads told from running ones, tick by tick: pytop asks the
kernel only where a thread's state can have changed (a thread found
asleep that has not been on a CPU since is asleep still), and reads only
the stacks it keeps. What it finds must still be what the kernel says.

tests/fixtures/duty_cycle.py has a thread that hashes without the GIL
for a few milliseconds, then naps for a random 1-6 ms, and reports its
own CPU time and its time waiting for a CPU. Recorded without --idle,
the share of ticks that keep the hasher must lie between the share of the
window it spent on a CPU and the share it spent on one or waiting for one
(kernel state R), within TOLERANCE points: on a quiet machine the two are
the same, on a loaded one a thread just woken and waiting for its first
moment on a CPU counts as asleep. The main thread, asleep but for its
reports, must be all but absent.

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


def seconds_at(rate):
    """Long enough for 800 ticks or more: a share of 400 ticks moves by 2.5
    points (one standard deviation) from chance alone."""
    return 8 if rate <= 100 else 4


def spent(target, name="hasher"):
    """The fixture's last complete report of name: (CPU seconds, wall seconds)."""
    text = target.output()[0]
    lines = [l for l in text[: text.rfind("\n") + 1].splitlines() if l.startswith("spent %s " % name)]
    if not lines:
        return None
    kv = dict(item.split("=") for item in lines[-1].split()[2:])
    return float(kv["cpu"]), float(kv["wall"]), float(kv["wait"])


def shares(before, after):
    """(% of the window on a CPU, % on one or waiting for one)."""
    wall = after[1] - before[1]
    cpu = 100.0 * (after[0] - before[0]) / wall
    return cpu, cpu + 100.0 * (after[2] - before[2]) / wall


def check_share(what, sampled, before, after, r):
    cpu, runnable = shares(before, after)
    print("%s kept in %.1f%% of ticks; on a CPU %.1f%% of the time, on one or waiting %.1f%%" % (what, sampled, cpu, runnable))
    assert 15.0 < cpu < 85.0, "%s did not alternate: on a CPU %.1f%% of the time" % (what, cpu)
    assert cpu - TOLERANCE <= sampled <= runnable + TOLERANCE, (
        "%s kept in %.1f%% of ticks, on a CPU %.1f%% of the time, on one or waiting %.1f%%\n%s" % (what, sampled, cpu, runnable, r.describe()))


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
        before = spent(target)
        r = run_pytop("record", "-p", target.pid, "-r", rate, "-d", seconds_at(rate), "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        target.wait_until(lambda: spent(target)[1] > before[1] + seconds_at(rate) + 0.05, "a report after the recording")
        after = spent(target)
    ticks = ticks_of(r)
    stacks = read_collapsed(out)
    hasher = sum(s.count for s in stacks if any(f.startswith("hasher (") for f in s.frames))
    main = sum(s.count for s in stacks if not any(f.startswith("hasher (") for f in s.frames))
    check_share("%s at %d Hz: hasher" % (interp.id, rate), 100.0 * hasher / ticks, before, after, r)
    assert main <= 0.02 * ticks, "the sleeping main thread was kept %d times of %d ticks\n%s" % (main, ticks, r.describe())


@pytest.mark.parametrize("rate", [100, 1000])
@pytest.mark.parametrize("interp", STATE_INTERPRETERS, ids=[i.id for i in STATE_INTERPRETERS], indirect=True)
def test_napping_workers_counted_as_they_run(interp, rate, tmp_path):
    out = tmp_path / "workers.txt"
    with launch(interp, SCRIPT, "workers") as target:
        target.wait_until(lambda: len(workers(target)) == 2, "reports of both workers")
        pids = workers(target)
        before = {p: spent(target, p) for p in pids}
        r = run_pytop("record", "-s", "-p", target.pid, "-r", rate, "-d", seconds_at(rate), "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        w0 = max(b[1] for b in before.values())
        target.wait_until(lambda: all(spent(target, p)[1] > w0 + seconds_at(rate) + 0.05 for p in pids), "reports after the recording")
        after = {p: spent(target, p) for p in pids}
    ticks = ticks_of(r)
    stacks = read_collapsed(out)
    for p in pids:
        kept = sum(s.count for s in stacks if s.frames[0].startswith("process %s " % p))
        check_share("%s at %d Hz: worker %s" % (interp.id, rate, p), 100.0 * kept / ticks, before[p], after[p], r)
    parent = sum(s.count for s in stacks if s.frames[0].startswith("process %d " % target.pid))
    assert parent <= 0.02 * ticks, "the sleeping parent was kept %d times of %d ticks\n%s" % (parent, ticks, r.describe())
