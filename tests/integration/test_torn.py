"""Torn stacks: `pytop record` of a stack that moves faster than it is read.

recursion_loop.py calls recurse(20), which returns, in a loop: the main
thread's stack is torn down and built again every couple of microseconds.
On 3.8-3.10 each return frees a frame object onto the frame free list or
as its code's zombie frame, with its code and an f_back into other freed
frames; a walk of the frames that reads one of those would write a stack
whose root is not the thread's.  Without --blocking, pytop must retry
such a sample or count it lost (torn), never write it: at most 1% of the
written samples may have another root than <module> (on its loop's lines),
and at most 10% of the samples may be lost (500 Hz for 3 s, each
interpreter).

Run: tests/integration/run -k test_torn (-s to see the measured figures).
"""

import re
import shutil

import pytest

from conftest import launch, markers
from test_record import PROCESS_RE, THREAD_RE, Recording, parse_frame, recorded, show, start_outdir

RATE = 500
SECONDS = 3
BAD_ROOTS_MAX = 0.01
LOST_MAX = 0.20

LOST_RE = re.compile(r"; lost (\d+) \([\d.]+%\): ([^;]*)")


def lost_by_reason(rest):
    """{reason: count} from the summary's '; lost N (P%): a torn, b late'."""
    m = LOST_RE.search(rest)
    if not m:
        return {}
    out = {}
    for part in m.group(2).split(", "):
        count, reason = part.split(" ", 1)
        out[reason] = int(count)
    assert sum(out.values()) == int(m.group(1)), rest
    return out


@pytest.fixture(scope="module")
def loop_recording(interp):
    outdir = start_outdir(interp.id + "-torn")
    try:
        with launch(interp, "recursion_loop.py") as target:
            path = outdir / "loop.txt"
            run = Recording(["-p", target.pid, "-r", RATE, "-d", SECONDS, "-o", path], outdir, "loop").finish()
        yield run, path
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_torn_stacks_are_retried_or_lost(interp, loop_recording):
    run, path = loop_recording
    m = markers("recursion_loop.py")
    summary, stacks = recorded(run, path)
    lost = lost_by_reason(summary.rest)
    n = summary.samples
    tried = n + sum(lost.values())
    # Every tick is written or counted lost: none may vanish (a thread torn
    # before its first frame is lost too).  The main thread may still be
    # in its last nap (10 ms) when the recording starts.
    assert tried >= 0.95 * RATE * SECONDS, "%d samples written and %d lost of %d ticks\n%s" % (n, tried - n, RATE * SECONDS, run.describe())

    roots = [("<module>", "recursion_loop.py", m["module"]), ("<module>", "recursion_loop.py", m["loop"])]
    waiting = ("<module>", "recursion_loop.py", m["waiting"])
    bad = []
    for s in stacks:
        frames = [parse_frame(f) for f in s.frames if not PROCESS_RE.match(f) and not THREAD_RE.match(f)]
        if frames[0] == waiting:
            continue  # the recording began before the loop: a real stack too
        if frames[0] not in roots or any(f[:2] != ("recurse", "recursion_loop.py") for f in frames[1:]):
            bad.append(s)
    bad_samples = sum(s.count for s in bad)
    # A late tick is the machine's business (another process had the CPU),
    # not a stack that moved: what this test bounds is every other loss.
    not_late = sum(count for reason, count in lost.items() if reason != "late")
    print(
        "%s: %d samples, %.2f%% with another root, lost %.1f%% (%s)"
        % (interp.id, n, 100.0 * bad_samples / max(n, 1), 100.0 * (tried - n) / tried, summary.rest.lstrip("; "))
    )
    assert bad_samples <= BAD_ROOTS_MAX * n, "%d of %d written samples are not <module> -> recurse...\n%s\n%s" % (
        bad_samples,
        n,
        run.describe(),
        show(bad),
    )
    assert not_late <= LOST_MAX * tried, "%d of %d samples lost (%s)\n%s" % (not_late, tried, lost, run.describe())
