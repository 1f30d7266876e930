"""`pytop record --async` and the live view's `A`: every asyncio task, each tick.

With --async each tick samples every live task.  A task's stack, root
first: the process frame (-s), the thread frame (-t), then the tasks that
await it, outermost first, each as a frame `task NAME` followed by that
task's coroutine frames (outermost first), then the task's own `task NAME`
frame and its coroutine stack.  A task asyncio named `Task-<digits>` shows
as `task <its outermost coroutine>` (asyncio.run's main task: `task main`).
The task the loop runs at that instant is sampled with its thread's stack
from its coroutine down, and that thread's own sample is not taken too.
In collapsed output a task frame is the bare text `task NAME`.

Targets:
- tests/fixtures/asyncio_slowfast.py: the task "worker", awaited by main,
  waits 75% of the wall-clock time in slow() and 25% in fast(); its oracle
  holds the coroutine stacks CPython sees there.  With the argument
  "cruncher", the task "cruncher" runs pure-Python work (crunch()) nearly
  all the time instead.
- tests/fixtures/asyncio_churn.py: about 1,000 unnamed tasks a second,
  created and finished in batches.

Expected functions and lines come from the fixtures' `# @marker` comments
and the slowfast oracle.  The recordings of one target run at the same
time (as in test_record.py), the targets one after the other.  Some tests
run on a subset of the interpreters (parametrizing `interp` indirectly, so
the others make no skip lines): the churn tests, the live view, and on 3.14
and up the comparison with CPython's `python -m asyncio ps`.

Run: tests/integration/run -k test_async_record (add -s to see the measured
proportions and pytop's peak RSS).
"""

import collections
import re
import shutil
import time

import pytest

from conftest import INTERPRETERS, launch, markers, oracle_frames
from test_async import TOOL_INTERPRETERS, asyncio_tool, parse_asyncio_ps
from test_record import FRAME_RE, RECORD_TIMEOUT, Recording, finish_all, parse_frame, recorded, show, start_outdir

SCRIPT = "asyncio_slowfast.py"
CHURN = "asyncio_churn.py"
DEFAULT_NAME_RE = re.compile(r"^Task-\d+$")  # asyncio's name for a task not named

RSS_LIMIT_KIB = 64 * 1024


def subset(ids):
    """The present interpreters among ids, for an indirect `interp` parametrization."""
    chosen = [i for i in INTERPRETERS if i.id in ids and i.path is not None]
    return pytest.mark.parametrize("interp", chosen, ids=[i.id for i in chosen], indirect=True)


# --------------------------------------------------------------------------
# Frames of the collapsed output


def is_task_frame(text):
    return text.startswith("task ") and not FRAME_RE.match(text)


def task_frames(stack):
    return [f for f in stack.frames if is_task_frame(f)]


def frame_text(where):
    return "%s (%s:%d)" % where


def samples(stacks):
    return sum(s.count for s in stacks)


def under(stacks, frame):
    """The stacks holding the frame text `frame`."""
    return [s for s in stacks if frame in s.frames]


def shown_task_name(name, outermost):
    """The `task NAME` frame pytop writes for a task named `name` whose
    outermost coroutine pytop shows as `outermost`."""
    return "task " + (outermost if DEFAULT_NAME_RE.match(name) else name)


def loop_frames_under_tasks(stacks):
    """Stacks with the event loop's _run_once after their first task frame."""
    odd = []
    for s in stacks:
        tasks = [i for i, f in enumerate(s.frames) if is_task_frame(f)]
        if tasks and any(parse_frame(f)[0] in ("_run_once", "BaseEventLoop._run_once") for f in s.frames[tasks[0] + 1 :] if not is_task_frame(f)):
            odd.append(s)
    return odd


# --------------------------------------------------------------------------
# Batch 1: asyncio_slowfast.py, 4 s with and without --async


@pytest.fixture(scope="module")
def slowfast_batch(interp):
    outdir = start_outdir(interp.id + "-slowfast")
    try:
        with launch(interp, SCRIPT) as target:
            common = ["-p", target.pid, "-r", 100]
            runs = {
                "async": Recording(common + ["--async", "-d", 4, "-o", outdir / "async.txt"], outdir, "async"),
                "plain": Recording(common + ["-d", 4, "-o", outdir / "plain.txt"], outdir, "plain"),
                "plain-idle": Recording(common + ["-d", 4, "-i", "-o", outdir / "plain-idle.txt"], outdir, "plain-idle"),
                "async-threads": Recording(common + ["--async", "-t", "-d", 1, "-o", outdir / "async-threads.txt"], outdir, "async-threads"),
            }
            finish_all(runs)
            batch = {"oracle": target.oracle, "pid": target.pid, "runs": runs, "outdir": outdir}
        yield batch
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def expected_slowfast(interp, oracle):
    """{"main": the main task's stack, "slow"/"fast": the worker's parked
    there}, as the frame texts pytop writes, root first."""
    main_coro = [frame_text(f) for f in oracle_frames(oracle, {"frames": oracle["main_stack"]})]
    main_task = shown_task_name(oracle["main_task_name"], interp.func("main"))
    out = {"main": [main_task] + main_coro}
    for kind in ("slow", "fast"):
        coro = [frame_text(f) for f in oracle_frames(oracle, {"frames": oracle["worker_stacks"][kind]})]
        out[kind] = out["main"] + ["task worker"] + coro
    return out


def test_slowfast_oracle(interp, slowfast_batch):
    """The fixture is what the tests below assume (no pytop involved)."""
    oracle = slowfast_batch["oracle"]
    m = markers(SCRIPT)
    assert DEFAULT_NAME_RE.match(oracle["main_task_name"]), "asyncio.run's task keeps asyncio's own name: %r" % oracle["main_task_name"]
    assert oracle["task_names"] == sorted([oracle["main_task_name"], "worker"])
    own = lambda frames: [(f["name"], f["lineno"]) for f in frames if f["filename"].endswith(SCRIPT)]  # noqa: E731
    assert own(oracle["main_stack"]) == [("main", m["await-worker"])]
    for kind in ("slow", "fast"):
        frames = oracle["worker_stacks"][kind]
        assert own(frames) == [("worker", m["call-" + kind]), (kind, m[kind])], kind
        assert frames[-1]["name"] == "sleep" and frames[-1]["filename"].endswith("asyncio/tasks.py"), frames


def test_slowfast_wall_clock_proportions(interp, slowfast_batch):
    oracle = slowfast_batch["oracle"]
    m = markers(SCRIPT)
    run = slowfast_batch["runs"]["async"]
    summary, stacks = recorded(run, slowfast_batch["outdir"] / "async.txt")
    assert (summary.seconds, summary.requested) == (4.0, 100.0), run.describe()
    expected = expected_slowfast(interp, oracle)
    where = "\n%s\n%s" % (run.describe(), show(stacks))

    worker = under(stacks, "task worker")
    n = samples(worker)
    # One sample of the worker per tick: 400 in 4 s at 100 Hz.
    assert 320 <= n <= 440, "about 400 samples of task worker expected, got %d%s" % (n, where)

    # The awaiter chain, root first: main's task and coroutine, then the
    # worker's task frame, its coroutine, and slow() or fast() -- at their
    # marker lines (at the def line only when caught just started).  The
    # one other stack possible: the worker caught running on one of those
    # lines between two awaits, its own frame innermost.
    main = expected["main"]
    lines = {
        "slow": (m["slow"], m["slow-def"]),
        "fast": (m["fast"], m["fast-def"]),
    }
    calls = [frame_text((interp.func("worker"), SCRIPT, m["call-" + k])) for k in ("slow", "fast")]
    by_kind = {"slow": 0, "fast": 0}
    bad, inexact = [], []
    for s in worker:
        f = s.frames
        kind = None
        if len(f) >= 6 and f[: len(main)] == main and f[len(main)] == "task worker":
            w = parse_frame(f[len(main) + 1])
            c = parse_frame(f[len(main) + 2])
            for k in ("slow", "fast"):
                if w == (interp.func("worker"), SCRIPT, m["call-" + k]) and c[:2] == (interp.func(k), SCRIPT) and c[2] in lines[k]:
                    kind = k
        if kind is None:
            if len(f) == len(main) + 2 and f[: len(main)] == main and f[len(main)] == "task worker" and f[-1] in calls:
                inexact.append(s)  # running between its awaits
            else:
                bad.append(s)
            continue
        by_kind[kind] += s.count
        if f != expected[kind]:
            inexact.append(s)
    # A sample is one moment of a target that keeps running: one caught
    # inside asyncio.sleep before it suspended (1 of 802 seen on 3.10) mixes
    # the task's chain with its thread's stack. Allow 1% of those.
    assert samples(bad) <= 0.01 * n, "task worker samples not under %s;task worker;worker (%s:call);slow|fast (%s:await): %s%s" % (
        main,
        SCRIPT,
        SCRIPT,
        [";".join(s.frames) + " %d" % s.count for s in bad],
        where,
    )
    # Parked, the worker's whole stack is the one CPython showed, down to
    # asyncio.sleep's frame; only a sample taken in the microseconds it runs
    # may differ (its thread's stack then): allow 2%.
    assert samples(inexact) <= 0.02 * n, "stacks of task worker other than CPython's %s / %s: %s%s" % (
        expected["slow"],
        expected["fast"],
        [";".join(s.frames) + " %d" % s.count for s in inexact],
        where,
    )

    slow, fast = by_kind["slow"] / n, by_kind["fast"] / n
    print("%s: slow %.1f%%, fast %.1f%% of %d task worker samples, %.1f Hz achieved" % (interp.id, 100 * slow, 100 * fast, n, summary.achieved))
    # asyncio.sleep(0.3) then (0.1): 75/25 of the wall-clock time.  400
    # samples of 10 whole cycles: +-7 points covers the timer slack of the
    # loop and of the sampler.
    assert abs(slow - 0.75) <= 0.07 and abs(fast - 0.25) <= 0.07, "slow %.1f%% / fast %.1f%%, expected 75/25 +- 7 points%s" % (100 * slow, 100 * fast, where)

    # The main task is sampled each tick too, waiting on the worker.
    main_only = [s for s in stacks if s.frames == main]
    assert abs(samples(main_only) - n) <= 0.05 * n, "task main: %d samples, task worker %d: one each per tick%s" % (samples(main_only), n, where)
    names = set(f for s in stacks for f in task_frames(s))
    assert names == {"task main", "task worker"}, "task frames %s%s" % (sorted(names), where)
    assert not loop_frames_under_tasks(stacks), where


def test_no_task_frames_without_async(interp, slowfast_batch):
    m = markers(SCRIPT)
    for name in ("plain", "plain-idle"):
        run = slowfast_batch["runs"][name]
        summary, stacks = recorded(run, slowfast_batch["outdir"] / (name + ".txt"))
        where = "\n%s\n%s" % (run.describe(), show(stacks))
        assert not [s for s in stacks if task_frames(s)], "task frames without --async%s" % where
        if name == "plain-idle":
            # The loop's thread, idle in its selector nearly all the time: a
            # sample per tick, under the module's asyncio.run().
            assert 320 <= summary.samples <= 440, "about 400 samples of the main thread expected, got %d%s" % (summary.samples, where)
            for s in stacks:
                assert s.python_frames[0] == ("<module>", SCRIPT, m["run"]), where


def test_task_stacks_under_thread_frame(interp, slowfast_batch):
    """-t: every task's stack starts with its loop's thread frame."""
    run = slowfast_batch["runs"]["async-threads"]
    _, stacks = recorded(run, slowfast_batch["outdir"] / "async-threads.txt")
    where = "\n%s\n%s" % (run.describe(), show(stacks))
    thread = "thread %d (MainThread)" % slowfast_batch["pid"]
    expected = expected_slowfast(interp, slowfast_batch["oracle"])
    assert under(stacks, "task worker"), where
    for s in stacks:
        if task_frames(s):
            assert s.frames[0] == thread and s.frames[1:3] == expected["main"][:2], where


# --------------------------------------------------------------------------
# Batch 2: asyncio_slowfast.py cruncher, 3 s: the running task


@pytest.fixture(scope="module")
def cruncher_batch(interp):
    outdir = start_outdir(interp.id + "-cruncher")
    try:
        with launch(interp, SCRIPT, "cruncher") as target:
            run = Recording(["-p", target.pid, "--async", "-r", 100, "-d", 3, "-o", outdir / "cruncher.txt"], outdir, "cruncher")
            run.finish()
        yield {"run": run, "outdir": outdir}
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_running_task_has_its_thread_stack(interp, cruncher_batch):
    m = markers(SCRIPT)
    run = cruncher_batch["run"]
    summary, stacks = recorded(run, cruncher_batch["outdir"] / "cruncher.txt")
    where = "\n%s\n%s" % (run.describe(), show(stacks))
    cruncher = under(stacks, "task cruncher")
    n = samples(cruncher)
    assert 240 <= n <= 330, "about 300 samples of task cruncher expected in 3 s at 100 Hz, got %d%s" % (n, where)

    main = ["task main", frame_text((interp.func("main"), SCRIPT, m["await-cruncher"]))]
    crunch = interp.func("crunch")
    odd = []
    for s in cruncher:
        f = s.frames
        i = f.index("task cruncher")
        ok = f[:i] == main and len(f) > i + 1
        if ok:
            coro = parse_frame(f[i + 1])
            ok = coro[:2] == (interp.func("cruncher"), SCRIPT) and coro[2] in (m["call-crunch"], m["yield"])
        if ok and s.leaf[0] == crunch:
            # Running: the thread's frames from the task's coroutine down,
            # with nothing of the event loop in between.
            ok = f[i + 1 :] == [frame_text((interp.func("cruncher"), SCRIPT, m["call-crunch"])), f[-1]]
            ok = ok and s.leaf[1] == SCRIPT and m["crunch-first"] <= s.leaf[2] <= m["crunch-last"]
        if not ok:
            odd.append(s)
    # A coroutine's frame lives in the coroutine object, apart from the
    # frames of the thread's data stack: a read may catch the two at
    # moments microseconds apart (cruncher already on its next line while
    # crunch() is still shown). 2% are allowed, as test_record allows 3%.
    assert samples(odd) <= 0.02 * n, "task cruncher samples not as %s;task cruncher;cruncher (%s:%d);crunch (...): %s%s" % (
        main,
        SCRIPT,
        m["call-crunch"],
        [";".join(s.frames) + " %d" % s.count for s in odd],
        where,
    )
    running = samples([s for s in cruncher if s.leaf[0] == crunch])
    print("%s: crunch() innermost in %d of %d task cruncher samples" % (interp.id, running, n))
    assert running >= 0.6 * n, "crunch() innermost in %d of %d task cruncher samples (>= 60%% expected: it runs 50 ms per yield)%s" % (running, n, where)
    assert not loop_frames_under_tasks(stacks), "the event loop's _run_once under a task frame%s" % where
    # The loop's thread is sampled as the running task: not a second time.
    alone = samples([s for s in stacks if not task_frames(s)])
    assert alone <= 0.05 * n, "%d samples of the thread outside any task, besides %d of the task it runs%s" % (alone, n, where)


# --------------------------------------------------------------------------
# Churn: about 1,000 tasks a second (a subset of the interpreters)


class MeasuredRecording(Recording):
    """A Recording that also watches pytop's peak RSS: VmHWM, the high-water
    mark of its resident memory, read from /proc/PID/status every 20 ms
    while it runs (wait4's ru_maxrss would count the pytest process it was
    forked from)."""

    hwm_kib = 0

    def finish(self, timeout=RECORD_TIMEOUT):
        while self.returncode is None and self.proc.poll() is None and time.monotonic() - self.started < timeout:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    m = re.search(r"^VmHWM:\s*(\d+) kB$", f.read(), re.M)
                if m:
                    self.hwm_kib = max(self.hwm_kib, int(m.group(1)))
            except OSError:
                pass  # exiting
            time.sleep(0.02)
        return super().finish(timeout)


LOST_RE = re.compile(r"^; lost (\d+) \((\d+(?:\.\d+)?)%\): \d+ [a-z ]+(?:, \d+ [a-z ]+)*$")


with_churn = subset({"py3.8-pyenv", "py3.11-debian", "py3.14-sid", "py3.15-sid"})


@pytest.fixture(scope="module")
def churn_batch(interp):
    outdir = start_outdir(interp.id + "-churn")
    try:
        with launch(interp, CHURN) as target:
            run = MeasuredRecording(["-p", target.pid, "--async", "-r", 200, "-d", 4, "-o", outdir / "churn.txt"], outdir, "churn")
            run.finish()
            alive = target.proc.poll() is None
        yield {"run": run, "outdir": outdir, "alive": alive}
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


@with_churn
def test_task_churn_recording(interp, churn_batch):
    """pytop keeps up: exit 0, its file, the samples, losses counted, < 64 MiB."""
    run = churn_batch["run"]
    summary, stacks = recorded(run, churn_batch["outdir"] / "churn.txt")  # exit 0, the one summary line, the file matches it
    where = "\n%s\n%s" % (run.describe(), show(stacks))
    assert churn_batch["alive"], "the target died under sampling" + where
    assert (summary.seconds, summary.requested) == (4.0, 200.0), where
    # Lost samples (tasks gone while read...) are allowed, but counted in
    # the summary line: "; lost N (P%): N reason, ...".
    if "lost" in summary.rest:
        assert LOST_RE.match(summary.rest), "lost samples not reported as '; lost N (P%%): N reason, ...': %r%s" % (summary.rest, where)
    else:
        assert summary.rest == "", where
    print("%s: %d samples, %s, pytop's peak RSS %.1f MiB" % (interp.id, summary.samples, summary.rest or "none lost", run.hwm_kib / 1024))
    assert 0 < run.hwm_kib < RSS_LIMIT_KIB, "pytop's peak RSS (VmHWM) %d KiB, not under %d KiB%s" % (run.hwm_kib, RSS_LIMIT_KIB, where)
    # The main task's own sample each tick: 800 in 4 s at 200 Hz, at least
    # half of them even on a loaded machine.
    main = "task " + interp.func("main")
    own = samples([s for s in stacks if task_frames(s) == [main]])
    assert own >= 400, "task main's own samples: %d in 800 ticks%s" % (own, where)


@with_churn
def test_task_churn_names_and_awaiters(interp, churn_batch):
    m = markers(CHURN)
    run = churn_batch["run"]
    _, stacks = recorded(run, churn_batch["outdir"] / "churn.txt")
    where = "\n%s\n%s" % (run.describe(), show(stacks))
    # Only two kinds of task: main, and the gathered ones, which asyncio
    # named Task-N and pytop names by their coroutine, short().  Never a
    # Task-N frame (one per task: they would not add up, and the profile
    # would grow with every task), never a name that is not the task's.
    main = "task " + interp.func("main")
    short = "task " + interp.func("short")
    names = collections.Counter(f for s in stacks for f in task_frames(s) for _ in range(s.count))
    others = dict((name, n) for name, n in names.items() if name not in (main, short))
    assert not others, "task frames other than %r and %r: %s (samples)%s" % (main, short, others, where)

    # short()'s frame right under its task frame; parked in one of its
    # awaits, it is gathered by main: under main's task and its gather.
    # (A task not started yet may be caught while main, running, creates
    # it: no await links them yet.)  A sample read while the loop runs on
    # mixes two moments now and then: allow 3% of them.
    gather = frame_text((interp.func("main"), CHURN, m["gather"]))
    parked, odd = [], []
    for s in under(stacks, short):
        i = s.frames.index(short)
        function, filename, line = parse_frame(s.frames[i + 1]) if len(s.frames) > i + 1 else (None, None, None)
        if (function, filename) != (interp.func("short"), CHURN):
            odd.append(s)
        elif line in (m["short"], m["dwell"]) and len(s.frames) > i + 2:
            parked.append(s)
            if s.frames[:i] != [main, gather]:
                odd.append(s)
    print("%s: %d samples of parked short() tasks, %d odd" % (interp.id, samples(parked), samples(odd)))
    assert samples(parked) > 0, where
    assert samples(odd) <= 0.03 * samples(parked), "task short not as %s;%s;task short;short (%s:LINE): %s%s" % (
        main,
        gather,
        CHURN,
        [";".join(s.frames) + " %d" % s.count for s in odd[:40]],
        where,
    )
    assert not loop_frames_under_tasks(stacks), where
    # Every stack starts at a task frame, or for the loop thread's own
    # sample (between tasks) at the module's asyncio.run().  A stack read
    # while the coroutine that ran suspended may end early: at most 1%.
    module = frame_text(("<module>", CHURN, m["run"]))
    rootless = [s for s in stacks if not is_task_frame(s.frames[0]) and s.frames[0] != module]
    assert samples(rootless) <= 0.01 * samples(stacks), "stacks under neither a task nor %s: %s%s" % (
        module,
        [";".join(s.frames) + " %d" % s.count for s in rootless[:40]],
        where,
    )


# --------------------------------------------------------------------------
# The live view: A (a subset of the interpreters)


@subset({"py3.11-debian", "py3.14-sid", "py3.12-pyenv"})
def test_live_view_A_toggles_tasks(interp):
    from test_top import KEY_TIMEOUT, START_TIMEOUT, View, top, view_of  # skips when the live view cannot run

    def tasks_in_header(v):
        found = [re.search(r"asyncio tasks (\d+)\s*$", line) for line in v.header]
        found = [f for f in found if f]
        return int(found[0].group(1)) if found else None

    with launch(interp, SCRIPT) as target, top("-p", target.pid) as tui:
        view_of(tui, lambda v: v.samples >= 0 and "asyncio tasks" not in v.header_text, "the table, without asyncio tasks", timeout=START_TIMEOUT)
        tui.send("A")
        tui.wait_for(lambda s: "asyncio tasks on: sampling restarted, statistics reset" in s.text, "after A: the status line", timeout=KEY_TIMEOUT)
        v = view_of(
            tui,
            lambda v: tasks_in_header(v) == 2 and v.has("task worker") and v.has("task main") and v.samples >= 100,
            "after A: 'asyncio tasks 2' in the header, rows task main and task worker, 100 samples",
            timeout=START_TIMEOUT,
        )
        lines = [line for line in v.header if "asyncio tasks" in line]
        assert len(lines) == 1 and lines[0] == v.header[2], "the count ends the header's third line\n%s" % v.screen
        worker = v.row("task worker")
        assert 30 <= worker.total <= 70, "task worker's %%Total is %.1f: one of the two tasks sampled each tick, about 50%% expected (30-70 accepted)\n%s" % (
            worker.total,
            v.screen,
        )
        assert worker.file == "" and worker.line == -1, "a task row has no file:line\n%s" % v.screen
        before = v.samples

        tui.send("A")
        tui.wait_for(lambda s: "asyncio tasks off: sampling restarted, statistics reset" in s.text, "after A again: the status line", timeout=KEY_TIMEOUT)
        v = view_of(
            tui,
            lambda v: tasks_in_header(v) is None and "asyncio tasks" not in v.header_text and not [n for n in v.names if n.startswith("task ")],
            "after A again: no asyncio tasks in the header, no task rows",
        )
        assert v.samples < before, "statistics reset: %d samples, %d before\n%s" % (v.samples, before, v.screen)
        tui.send("q")
        assert tui.wait_exit() == 0, tui.describe()


# --------------------------------------------------------------------------
# CPython's own `python -m asyncio ps` (3.14 and up)


@pytest.mark.parametrize("interp", TOOL_INTERPRETERS, ids=[i.id for i in TOOL_INTERPRETERS], indirect=True)
def test_task_names_agree_with_asyncio_ps(interp, tmp_path):
    out = tmp_path / "ps.txt"
    with launch(interp, SCRIPT) as target:
        run = Recording(["-p", target.pid, "--async", "-r", 100, "-d", 4, "-o", out], tmp_path, "ps")
        text = asyncio_tool(interp, "ps", target.pid)
        during = run.proc.poll() is None
        run.finish()
        main_name = target.oracle["main_task_name"]
    _, stacks = recorded(run, out)
    where = "\n--- asyncio ps\n%s\n%s\n%s" % (text, run.describe(), show(stacks))
    assert during, "asyncio ps must run while pytop records" + where
    rows = parse_asyncio_ps(text)
    theirs = set(r["name"] for r in rows)
    assert theirs == {main_name, "worker"}, where
    # asyncio.run's task is asyncio's Task-1: pytop names it by its
    # outermost coroutine, main(), the last of ps's stack (innermost first).
    mapped = set()
    for name in theirs:
        if DEFAULT_NAME_RE.match(name):
            stack = [r["stack"] for r in rows if r["name"] == name][0]
            assert name == main_name and stack[-1] == "main", where
            mapped.add("task main")
        else:
            mapped.add("task " + name)
    mine = set(f for s in stacks for f in task_frames(s))
    assert mine == mapped, "pytop's task frames %s, asyncio ps's tasks %s%s" % (sorted(mine), sorted(mapped), where)
