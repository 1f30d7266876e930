"""-s on a process that is not Python: a shell script that starts Python late.

tests/fixtures/delayed_launch.sh (after py-spy's tests/scripts/delayed_launch.sh)
sleeps, or waits for a file, then runs tests/fixtures/delayed_target.py as its
child (or execs it in its own place).  With -s the shell is the root of what
pytop profiles: `record` and the live view start at once, wait for the Python
process and profile it under its own `process PID (cmd)` root frame; `dump`
takes the Python descendants present now, and says so in one line when there
are none.  Without -s the shell stays "not a Python process".

Expected functions and lines come from the markers of delayed_target.py and
from its oracle (the Python child writes it: FIXTURE_ORACLE passes through
the shell).  Every process is started here and killed by its PID or process
group; nothing waits a fixed time.
"""

import contextlib
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import (
    FIXTURES,
    any_interpreter,
    descendants,
    dump,
    launch_argv,
    markers,
    oracle_frames,
    poll_dump,
    run_pytop,
)
from test_record import PROCESS_RE, RECORD_TIMEOUT, Recording, finish_all, recorded, show, start_outdir

SHELL = FIXTURES / "delayed_launch.sh"
SCRIPT = "delayed_target.py"
NOT_PYTHON = "pytop: PID %d is not a Python process (no libpython / _PyRuntime found)"


# --------------------------------------------------------------------------
# The shell and its Python child


@contextlib.contextmanager
def shell_target(python, when, seconds=0, mode=None):
    """delayed_launch.sh PYTHON WHEN SECONDS [MODE], run as a script (#! line)."""
    argv = [SHELL, python, when, seconds] + ([mode] if mode else [])
    with launch_argv(argv, "delayed-%s" % (mode or "child")) as shell:
        yield shell


def python_child(shell):
    """The PID of the shell's Python process, once its oracle is written and
    the fixture's reporter thread has exited."""
    shell.wait_until(lambda: "ready\n" in shell.output()[0] and shell.oracle_path.exists(), "the Python child ready")
    pid, reporter = shell.oracle["pid"], shell.oracle["reporter_tid"]
    shell.wait_until(lambda: not os.path.exists("/proc/%d/task/%d" % (pid, reporter)), "the reporter thread gone")
    return pid


def child_cmdline(python, seconds=0):
    return "%s %s %s" % (python, SCRIPT, seconds)


def running(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def def_line(function):
    with open(FIXTURES / SCRIPT, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if text.startswith("def %s(" % function):
                return number
    raise KeyError(function)


# --------------------------------------------------------------------------
# record -s: one batch of recordings per interpreter, run together


@pytest.fixture(scope="module")
def delayed_batch(interp):
    outdir = start_outdir(interp.id + "-delayed")
    try:
        with shell_target(interp.path, 0.5) as child_shell, shell_target(interp.path, 0.5, 0, "exec") as exec_shell:
            runs = {
                "pid": Recording(["-s", "-p", child_shell.pid, "-d", 2.5, "-o", outdir / "pid.txt"], outdir, "pid"),
                "exec": Recording(["-s", "-p", exec_shell.pid, "-d", 2.5, "-o", outdir / "exec.txt"], outdir, "exec"),
                "command": Recording(["-s", "-d", 2.5, "-o", outdir / "command.txt", "--", "bash", SHELL, interp.path, 0.5], FIXTURES, "command"),
                "ends": Recording(["-s", "-o", outdir / "ends.txt", "--", "bash", SHELL, interp.path, 0.3, 1], FIXTURES, "ends"),
            }
            # What the commands pytop starts run, to check none is left.
            seen = {"command": set(), "ends": set()}
            deadline = time.monotonic() + RECORD_TIMEOUT
            while any(r.proc.poll() is None for r in runs.values()) and time.monotonic() < deadline:
                for name in seen:
                    if runs[name].proc.poll() is None:
                        seen[name] |= descendants(runs[name].pid)
                time.sleep(0.05)
            finish_all(runs)
            child = python_child(child_shell)
            batch = {
                "runs": runs,
                "outdir": outdir,
                "shell_tree": descendants(child_shell.pid),
                "child": child,
                "exec": exec_shell.pid,
                "seen": seen,
                "left": {name: sorted(p for p in pids if running(p)) for name, pids in seen.items()},
            }
        yield batch
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def check_child_stacks(run, stacks, pid, cmdline):
    """Every stack under the Python child's `process PID (cmd)` root; those in
    busy() exactly <module> -> main -> busy on the fixture's lines.  Returns
    the child's PID."""
    m = markers(SCRIPT)
    callers = [("<module>", SCRIPT, m["module"]), ("main", SCRIPT, m["call"])]
    total = sum(s.count for s in stacks)
    busy, odd = 0, []
    for s in stacks:
        root = PROCESS_RE.match(s.frames[0])
        assert root, "-s: the root frame is not 'process PID (cmd)': %r\n%s" % (s.frames[0], run.describe())
        got = (int(root.group(1)), root.group(2))
        assert pid is None or got[0] == pid, "samples under PID %d, not the Python process %d\n%s" % (got[0], pid, run.describe())
        assert got[1] == cmdline, "root frame %r, expected the command line %r\n%s" % (s.frames[0], cmdline, run.describe())
        frames = s.python_frames
        if not frames or frames[-1][0] != "busy":
            continue  # the interpreter starting up (imports), the fixture's reporter
        busy += s.count
        function, filename, line = frames[-1]
        if frames[:-1] != callers or filename != SCRIPT or not m["busy-first"] <= line <= m["busy-last"]:
            odd.append(s)
    assert busy >= 0.8 * total, "%d of %d samples in busy()\n%s\n%s" % (busy, total, run.describe(), show(stacks))
    # pytop attaches while the interpreter starts: code that site.py runs
    # (exec'd .pth lines, `<string>`) is freed, and the script's code objects
    # can take its addresses; frames are then labelled `<module> (<string>:1)`
    # until the code cache checks them again (every 50 ms while code objects
    # come and go: a few samples; seen on 3.9).
    # So: 3% as test_record allows for torn stacks, plus 10 samples.
    assert sum(s.count for s in odd) <= 0.03 * busy + 10, "busy() not as <module> -> main() -> busy on lines %d-%d: %s\n%s" % (
        m["busy-first"],
        m["busy-last"],
        [";".join(s.frames[1:]) + " %d" % s.count for s in odd],
        run.describe(),
    )
    return got[0]


def test_record_pid_waits_for_python(interp, delayed_batch):
    run = delayed_batch["runs"]["pid"]
    summary, stacks = recorded(run, delayed_batch["outdir"] / "pid.txt")
    assert summary.seconds == 2.5 and "exited" not in summary.rest, run.describe()
    child = delayed_batch["child"]
    assert child in delayed_batch["shell_tree"], "the oracle's PID %d is not under the shell" % child
    check_child_stacks(run, stacks, child, child_cmdline(interp.argv0))
    # Python starts 0.5 s in: picked up within a rescan period, at most
    # 1.5 s in, leaves at least 1 s of the 2.5 at 100 Hz.
    assert summary.samples >= 100, "the Python child was picked up late: %d samples\n%s" % (summary.samples, run.describe())


def test_record_pid_that_execs_python(interp, delayed_batch):
    """The shell execs python: the root itself becomes the Python process."""
    run = delayed_batch["runs"]["exec"]
    summary, stacks = recorded(run, delayed_batch["outdir"] / "exec.txt")
    check_child_stacks(run, stacks, delayed_batch["exec"], child_cmdline(interp.argv0))
    assert summary.samples >= 100, run.describe()


def test_record_command(interp, delayed_batch):
    """-s -- bash delayed_launch.sh: the same, and the tree is stopped at the end."""
    run = delayed_batch["runs"]["command"]
    summary, stacks = recorded(run, delayed_batch["outdir"] / "command.txt", own_stderr_only=False)
    # -d counts from the launch; a loaded machine may start the first tick late.
    assert 2.5 <= summary.seconds <= 3.0 and "exited" not in summary.rest, run.describe()
    child = check_child_stacks(run, stacks, None, child_cmdline(interp.argv0))
    assert child in delayed_batch["seen"]["command"], "the Python process %d is not one pytop's command started (%s)" % (child, sorted(delayed_batch["seen"]["command"]))
    assert summary.samples >= 100, run.describe()
    assert not delayed_batch["left"]["command"], "processes pytop started are left running: %s" % delayed_batch["left"]["command"]


def test_record_ends_with_the_tree(interp, delayed_batch):
    """Python spins 1 s and exits, then the shell: the recording ends and is written."""
    run = delayed_batch["runs"]["ends"]
    summary, stacks = recorded(run, delayed_batch["outdir"] / "ends.txt", own_stderr_only=False)
    m = re.search(r"; the process tree of PID (\d+) exited$", summary.rest)
    assert m, "the summary says the shell's tree exited\n" + run.describe()
    assert int(m.group(1)) in delayed_batch["seen"]["ends"], "PID %s is the command pytop started\n%s" % (m.group(1), run.describe())
    assert 1.0 <= summary.seconds <= 6.0, "recorded until the tree ended (~1.4 s)\n" + run.describe()
    check_child_stacks(run, stacks, None, child_cmdline(interp.argv0, 1))
    assert not delayed_batch["left"]["ends"], delayed_batch["left"]["ends"]


# --------------------------------------------------------------------------
# record -s: nothing to record


def test_record_no_python_within_duration(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with shell_target("python3", tmp_path / "never") as shell:
        r = run_pytop("record", "-s", "-p", shell.pid, "-d", 1, "-o", out / "x.txt")
    assert r.returncode == 1, r.describe()
    assert r.error_line() == "pytop: no Python process appeared under PID %d (bash) within 1 s (-d): nothing to write" % shell.pid, r.describe()
    assert os.listdir(out) == [], "no file, not even an empty profile"


@pytest.mark.parametrize("how", ["pid", "command"])
def test_record_tree_ends_without_python(tmp_path, how):
    out = tmp_path / "out"
    out.mkdir()
    started = time.monotonic()
    if how == "pid":
        p = subprocess.Popen(["sleep", "0.5"], start_new_session=True)
        try:
            r = run_pytop("record", "-s", "-p", p.pid, "-d", 10, "-o", out / "x.txt", timeout=20)
        finally:
            p.kill()
            p.wait()
        pid = p.pid
    else:
        r = run_pytop("record", "-s", "-d", 10, "-o", out / "x.txt", "--", "sleep", 0.3, timeout=20)
        m = re.match(r"^pytop: PID (\d+) ", r.stderr)
        assert m, r.describe()
        pid = int(m.group(1))
    assert r.returncode == 1, r.describe()
    assert r.error_line() == "pytop: PID %d (sleep) exited without starting a Python process: nothing to write" % pid, r.describe()
    assert time.monotonic() - started < 5, "pytop went on after the tree ended\n" + r.describe()
    assert os.listdir(out) == []


# --------------------------------------------------------------------------
# dump -s


def test_dump_python_child(interp):
    with shell_target(interp.path, 0) as shell:
        child = python_child(shell)
        processes, r = dump("-s", "-p", shell.pid)
        oracle = shell.oracle
    assert [p.pid for p in processes] == [child], "only the Python child, not the shell %d\n%s" % (shell.pid, r.describe())
    p = processes[0]
    assert p.cmdline == child_cmdline(interp.argv0), r.describe()
    threads = {t.name: t for t in p.threads}
    assert sorted(threads) == ["MainThread", "napper"], r.describe()
    m = markers(SCRIPT)
    main = [f.where for f in threads["MainThread"].frames]
    assert main[0][:2] == ("busy", SCRIPT) and m["busy-first"] <= main[0][2] <= m["busy-last"], r.describe()
    assert main[1:] == [("main", SCRIPT, m["call"]), ("<module>", SCRIPT, m["module"])], r.describe()
    napper = [f.where for f in threads["napper"].frames]
    assert napper == oracle_frames(oracle, shell.oracle_thread("napper")), r.describe()
    assert napper[0] == ("nap", SCRIPT, m["nap"]), r.describe()


def test_dump_before_and_after_python_starts(tmp_path):
    py = any_interpreter()
    go = tmp_path / "go"
    with shell_target(py.path, go) as shell:
        r = run_pytop("dump", "-s", "-p", shell.pid)
        assert r.returncode == 1, r.describe()
        assert r.error_line() == "pytop: PID %d (bash) is not a Python process and has no Python descendants" % shell.pid, r.describe()
        assert r.stdout == "", r.describe()
        go.touch()
        child = python_child(shell)
        processes, r = poll_dump("-s", "-p", shell.pid, until=lambda ps: [p.pid for p in ps] == [child], what="the Python child %d alone" % child)
        assert any(t.frames and t.frames[0].function == "busy" for t in processes[0].threads), r.describe()


def test_without_s_not_python(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    py = any_interpreter()
    with shell_target(py.path, tmp_path / "never") as shell:
        results = [
            run_pytop("record", "-p", shell.pid, "-d", 1, "-o", out / "x.txt"),
            run_pytop("dump", "-p", shell.pid),
        ]
    for r in results:
        assert r.returncode == 1, r.describe()
        assert r.error_line() == NOT_PYTHON % shell.pid, r.describe()
    # A command that does not run Python, without -s: after --wait.
    r = run_pytop("record", "--wait=1", "-d", 5, "-o", out / "x.txt", "--", "bash", SHELL, py.path, tmp_path / "never")
    assert r.returncode == 1, r.describe()
    assert re.match(r"^pytop: the command \(PID \d+\) is not a Python program; add -s to profile the Python processes it starts$", r.error_line()), r.describe()
    assert os.listdir(out) == []


# --------------------------------------------------------------------------
# The live view -s


def test_live_view_waits_then_shows_python(tmp_path):
    from test_top import START_TIMEOUT, top, view_of

    py = any_interpreter()
    go = tmp_path / "go"
    with shell_target(py.path, go) as shell, top("-s", "-p", shell.pid) as tui:
        # The shell's command line follows (as far as the width goes).
        waiting = "waiting for Python processes under PID %d (/bin/bash %s" % (shell.pid, SHELL)
        v = view_of(tui, lambda v: waiting in v.header_text, "the header saying it waits under PID %d" % shell.pid, timeout=START_TIMEOUT)
        assert v.rows == [] and v.samples == 0, "nothing sampled before Python starts\n%s" % v.screen
        tui.send("d")  # no stacks to show yet: said on the status line, no file
        tui.wait_for(lambda s: "no stacks yet: no Python process under PID %d (bash) so far" % shell.pid in s, "d saying there are no stacks yet")
        assert list(tui.cwd.glob("pytop-stacks-*")) == [], "no stack file without a Python process"
        go.touch()
        child = python_child(shell)
        busy = def_line("busy")
        v = view_of(
            tui,
            lambda v: v.has("busy") and v.row("busy").file == SCRIPT and v.row("busy").line == busy and "PID %d" % child in v.header_text,
            "busy (%s:%d) and PID %d in the header" % (SCRIPT, busy, child),
            timeout=START_TIMEOUT,
        )
        assert "Python %s" % py.version in v.header_text, v.screen
        assert v.has("process %d" % child), "a row for the Python process\n%s" % v.screen
        assert not v.has("process %d" % shell.pid), "no row for the shell\n%s" % v.screen
        tui.send("q")
        assert tui.wait_exit() == 0, tui.describe()
        tui.assert_terminal_restored()
        assert running(shell.pid) and running(child), "pytop -p leaves its targets running"


def test_live_view_without_s_not_python(tmp_path):
    from test_top import top

    err = tmp_path / "err"
    with shell_target("python3", tmp_path / "never") as shell, top("-p", shell.pid, stderr=err) as tui:
        rc = tui.wait_exit()
        tui.assert_terminal_restored()
        assert rc == 1, tui.describe()
        assert err.read_text().splitlines() == [NOT_PYTHON % shell.pid]
