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
"""

import pytest

from conftest import INTERPRETERS, launch, run_pytop
from test_record import read_collapsed, SUMMARY_RE

SCRIPT = "duty_cycle.py"
STATE_INTERPRETERS = [i for i in INTERPRETERS if i.id in ("py3.8-pyenv", "py3.11-debian", "py3.15-sid")]
TOLERANCE = 7.0


def spent(target):
    """The fixture's last complete report: (CPU seconds, wall seconds)."""
    text = target.output()[0]
    lines = [l for l in text[: text.rfind("\n") + 1].splitlines() if l.startswith("spent ")]
    if not lines:
        return None
    kv = dict(item.split("=") for item in lines[-1].split()[1:])
    return float(kv["cpu"]), float(kv["wall"])


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
    m = SUMMARY_RE.match(r.stderr.splitlines()[-1])
    assert m, r.describe()
    ticks = float(m.group("seconds")) * float(m.group("achieved"))
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
