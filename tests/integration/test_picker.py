"""The live view's process picker and thread cycling, driven through tmux.

CLI.md: `pytop --port P` on a uvicorn or gunicorn master and its workers
opens the picker (PID, PPID, role, ports, Python, CPU%, RSS, threads,
command; the busiest worker preselected); Enter attaches to one, `a`
profiles every worker together; `pytop` with no target opens the picker
over every Python process; `p` brings it back; `t` cycles through threads.

The server is Debian's python3.11 running uvicorn --workers 2 with a FastAPI
app whose endpoint spends its time in crunch() (a known file and line),
under a loopback request loop started here. The picker marks the selected
row with '>' and the process profiled now with '*' (column 0 and 1), which
is what these tests read.
"""

import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import Target, accepts, children, free_port, launch, pids_with_arg
from test_top import started, top, view_of

PY311 = "/usr/bin/python3.11"
READY = 30

APP = '''\
"""A FastAPI app for pytop's picker tests."""

from fastapi import FastAPI

app = FastAPI()


def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7  # @crunch
    return total


@app.get("/work")
async def work():
    return {"v": crunch(20000)}
'''
CRUNCH_LINE = next(i + 1 for i, line in enumerate(APP.splitlines()) if line.startswith("def crunch"))

LOAD = """\
import sys, time, urllib.request
url = "http://127.0.0.1:%s/work" % sys.argv[1]
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        urllib.request.urlopen(url, timeout=5).read()
    except OSError:
        time.sleep(0.05)
"""

# A picker row: marks, then PID PPID ROLE PORTS PYTHON CPU% RSS THREADS COMMAND.
PICK_RE = re.compile(
    r"^(?P<sel>[> ])(?P<cur>[* ]) +(?P<pid>\d+) +(?P<ppid>\d+) (?P<role>[a-z-]+(?: \d+/\d+)?) +"
    r"(?P<ports>\S+) +(?P<python>\S+) +(?P<cpu>\d+\.\d) +(?P<rss>\S+) +(?P<threads>\d+) (?P<cmd>.*)$"
)


def picker_rows(screen):
    """The picker's rows as dicts. A CONTAINER column (shown when any
    process on the machine runs in a container or another root) is cut
    out by the header's columns, and kept as "container"."""
    rows, cut = [], None
    for line in screen.lines:
        if cut is None and " PPID " in line and "ROLE" in line:
            if "CONTAINER" in line:
                cut = (line.index("CONTAINER"), line.index("ROLE"))
            continue
        container = ""
        if cut is not None and len(line) > cut[1]:
            container = line[cut[0] : cut[1]].strip()
            line = line[: cut[0]] + line[cut[1] :]
        m = PICK_RE.match(line)
        if m:
            rows.append(dict(m.groupdict(), container=container))
    return rows


def selected(screen):
    rows = [r for r in picker_rows(screen) if r["sel"] == ">"]
    assert len(rows) == 1, "not exactly one selected ('>') row:\n%s" % screen
    return rows[0]





def wait(what, cond, timeout=READY):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail("not within %ss: %s" % (timeout, what))
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn --workers 2 under a loopback request loop: (target, port, worker pids)."""
    if not os.access(PY311, os.X_OK) or subprocess.run([PY311, "-c", "import uvicorn, fastapi"], capture_output=True).returncode:
        pytest.skip("uvicorn or fastapi not installed for python3.11 (Debian: python3-uvicorn python3-fastapi)")
    d = tmp_path_factory.mktemp("picker")
    (d / "app.py").write_text(APP)
    (d / "load.py").write_text(LOAD)
    port = free_port()
    srv = Target([PY311, "-m", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1", "--port", port], d, "uvicorn")
    load = None
    try:
        srv.wait_until(lambda: srv.output()[1].count("Application startup complete") >= 2, "2 workers started", READY)
        wait("port %d to accept" % port, lambda: accepts(port))
        workers = [p for p in children(srv.pid) if "spawn_main" in open("/proc/%d/cmdline" % p).read()]
        assert len(workers) == 2, "uvicorn children: %s" % children(srv.pid)
        load = Target([PY311, d / "load.py", port, 600], d, "load")
        yield srv, port, sorted(workers), d
    finally:
        if load is not None:
            load.stop()
        srv.stop()


def test_port_opens_picker_then_one_worker(server):
    srv, port, workers, d = server
    with top("--port", port, cwd=d) as tui:
        screen = tui.wait_for(lambda s: len(picker_rows(s)) == 3, "the picker with 3 rows")
        assert re.search(r"port %d is held by 3 processes" % port, screen.text), screen
        rows = picker_rows(screen)
        roles = sorted(r["role"] for r in rows)
        assert roles == ["uvicorn-master", "uvicorn-worker 1/2", "uvicorn-worker 2/2"], screen
        by_pid = {int(r["pid"]): r for r in rows}
        assert sorted(by_pid) == sorted([srv.pid] + workers), screen
        assert by_pid[srv.pid]["role"] == "uvicorn-master" and rows[0]["pid"] == str(srv.pid), "the master comes first\n%s" % screen
        for w in workers:
            assert int(by_pid[w]["ppid"]) == srv.pid
            assert by_pid[w]["ports"] == str(port) and by_pid[w]["python"].startswith("3.11")
            assert by_pid[w]["cmd"].startswith(PY311 + " -B -c from multiprocessing")
        sel = selected(screen)
        assert sel["role"].startswith("uvicorn-worker"), "a worker must be preselected\n%s" % screen
        chosen = int(sel["pid"])

        tui.send("Enter")
        v = view_of(tui, lambda v: v.has("crunch"), "crunch() in the table after Enter on worker %d" % chosen, timeout=15)
        row = v.row("crunch")
        assert row.file.endswith("app.py") and row.line == CRUNCH_LINE, "crunch row: %s" % row.function
        assert "PID %d" % chosen in v.header_text and "uvicorn worker" in v.header_text, v.header_text
        assert not any(str(w) in v.header_text for w in workers if w != chosen)

        tui.send("s")
        s = tui.wait_for(lambda s: s.find(r"saved \S*profile\.svg"), "the status line naming the saved profile.svg")
        root = ET.parse(str(d / "profile.svg")).getroot()
        assert root.tag.endswith("svg")
        titles = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("title"))
        assert "crunch" in titles, "the saved flamegraph has no crunch frame"
        # A thread root is "thread TID (name)"; "current_thread (threading.py"
        # is a function the worker may be caught in.
        assert not re.search(r"\bthread \d+ \(", titles), "thread frames in a flamegraph saved without -t"
        os.unlink(d / "profile.svg")

        tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % chosen))
        tui.send("d")
        s = tui.wait_for(lambda s: "Stacks of PID %d" % chosen in s.text, "the stack snapshot of PID %d" % chosen)
        shown = sorted(int(m) for m in re.findall(r"^Thread (\d+)", s.text, re.M))
        after = sorted(int(t) for t in os.listdir("/proc/%d/task" % chosen))
        if tids == after:  # no thread came or went meanwhile
            assert shown == tids, "the snapshot shows threads %s, the worker has %s\n%s" % (shown, tids, s)
        for f in d.glob("pytop-stacks-*.txt"):
            f.unlink()
        tui.send("Escape")
        view_of(tui, lambda v: v.has("crunch"), "the table back after Esc")
        tui.send("q")
        assert tui.wait_exit() == 0
        tui.assert_terminal_restored()
    assert srv.proc.poll() is None, "pytop --port must leave the server running"


def test_all_workers_together(server):
    srv, port, workers, d = server
    with top("--port", port, cwd=d) as tui:
        tui.wait_for(lambda s: len(picker_rows(s)) == 3, "the picker with 3 rows")
        tui.send("Home")  # the master: `a` takes its workers all the same
        tui.wait_for(lambda s: selected(s)["role"] == "uvicorn-master", "the master selected")
        tui.send("a")
        v = view_of(tui, lambda v: v.has("crunch") and "every worker" in v.header_text, "crunch() with every worker", timeout=15)
        for w in workers:
            assert str(w) in v.header_text, "worker %d not in the header\n%s" % (w, v.header_text)
        # A row per process: its share of the samples in %Total.
        tui.send("/")
        tui.type("process ")
        v = view_of(tui, lambda v: v.rows and all(r.name.startswith("process ") for r in v.rows)
                    and abs(sum(r.total for r in v.rows) - 100) <= 1.5, "only process rows, sharing 100% of %Total")
        shares = {int(r.name.split()[1]): r.total for r in v.rows}
        assert set(shares) <= set(workers) | {srv.pid} | set(children(srv.pid)), shares
        assert any(w in shares for w in workers), shares
        assert abs(sum(shares.values()) - 100) <= 1.5, "the process rows must share 100%% of %%Total: %s" % shares
        tui.send("Escape")
        tui.send("Home")  # the selection stayed on a process row, far down without the filter
        tui.send("d")
        tui.wait_for(lambda s: "Stacks of PID" in s.text, "the stack snapshot")
        files = list(d.glob("pytop-stacks-*.txt"))
        assert len(files) == 1, files
        text = files[0].read_text()
        files[0].unlink()
        for w in workers:
            assert re.search(r"^Process %d\b" % w, text, re.M), "worker %d not in the snapshot\n%s" % (w, text[:3000])
        tui.send("Escape")
        tui.send("p")
        s = tui.wait_for(lambda s: len(picker_rows(s)) >= 3, "the picker again after p")
        assert "Python processes" in s.text, "p opens the picker over every Python process\n%s" % s
        tui.send("Escape")
        view_of(tui, lambda v: v.has("crunch"), "the view back after Esc, still profiling")
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()


def test_no_target_picker_attaches_and_p_switches(tmp_path):
    from conftest import any_interpreter

    py = any_interpreter()
    with launch(py, "proportions.py") as first, launch(py, "idle_busy.py") as second, top() as tui:
        def go_to(pid):
            tui.send("Home")
            for _ in range(200):
                s = tui.capture()
                try:
                    if int(selected(s)["pid"]) == pid:
                        return s
                except AssertionError:
                    pass
                rows = picker_rows(s)
                if not any(int(r["pid"]) == pid for r in rows):
                    s = tui.wait_for(lambda s: any(int(r["pid"]) == pid for r in picker_rows(s)), "PID %d in the picker" % pid)
                    continue
                before = selected(s)["pid"]
                tui.send("Down")
                tui.wait_for(lambda s: selected(s)["pid"] != before, "the selection to move down")
            pytest.fail("could not select PID %d\n%s" % (pid, tui.capture()))

        s = tui.wait_for(lambda s: "Python processes" in s.text and picker_rows(s), "the picker over every Python process")
        assert "Esc" not in s.lines[-1], "with no view behind it, the picker must not offer Esc\n%s" % s
        tui.send("Escape")  # nothing to go back to: still the picker
        s = go_to(first.pid)
        row = selected(s)
        # (Its command may be cut short: a CONTAINER column takes room when
        # any process on the machine runs in another root.)
        assert row["role"] == "python" and int(row["pid"]) == first.pid, s
        tui.send("Enter")
        v = started(tui, min_samples=50)
        assert "PID %d" % first.pid in v.header_text
        tui.send("p")
        s = tui.wait_for(lambda s: picker_rows(s), "the picker after p")
        marked = [r for r in picker_rows(s) if r["cur"] == "*"]
        assert [int(r["pid"]) for r in marked] == [first.pid], "the profiled process must be marked '*'\n%s" % s
        assert marked[0]["sel"] == ">", "p must start on the profiled process\n%s" % s
        go_to(second.pid)
        tui.send("Enter")
        v = view_of(tui, lambda v: v.has("spin") and not v.has("heavy"), "idle_busy's spin() instead of proportions' rows")
        assert "PID %d" % second.pid in v.header_text
        tui.send("q")
        assert tui.wait_exit() == 0
        tui.assert_terminal_restored()


def test_picker_80x24(server):
    srv, port, workers, d = server
    with top("--port", port, width=80, height=24, cwd=d) as tui:
        s = tui.wait_for(lambda s: sum(str(p) in s.text for p in [srv.pid] + workers) == 3, "3 PIDs at 80x24")
        assert not s.too_wide(), "a line wider than 80 columns\n%s" % s
        assert re.search(r"PID +ROLE +PORTS +PYTHON +CPU% +RSS +COMMAND", s.text), "columns at 80x24\n%s" % s
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()


def test_thread_cycling(tmp_path):
    from conftest import any_interpreter

    py = any_interpreter()
    with launch(py, "idle_busy.py") as t, top("-p", t.pid, "-i") as tui:
        names = {th["tid"]: th["display_name"] for th in t.oracle["threads"]}
        started(tui, min_samples=100, rows=("spin", "nap"))
        seen = []
        for _ in range(len(names)):
            tui.send("t")
            want = sorted(set(names) - set(seen))[0]
            # The whole table redrawn for that thread: its %Own adds up to 100
            # (a capture can catch the terminal between the header and rows).
            v = view_of(tui, lambda v: re.search(r"threads: %d \(" % want, v.header_text) and v.rows
                        and abs(sum(r.own for r in v.rows) - 100) < 1.5,
                        "thread %d shown alone, its %%Own adding up to 100" % want)
            seen.append(want)
            name = names[want]
            assert "threads: %d (%s)" % (want, name) in v.header_text, v.header_text
            if name == "spinner":
                assert v.names[0] == "spin" and not v.has("nap"), v.screen
            elif name.startswith("napper"):
                assert v.names[0] == "nap" and not v.has("spin"), v.screen
            elif name == "blocker":
                assert v.names[0] == "block", v.screen
        tui.send("t")
        view_of(tui, lambda v: "threads: all" in v.header_text, "all threads again after the last one")
        tui.send("Home")  # the selection stayed on the last thread's row, maybe far down now
        view_of(tui, lambda v: v.has("spin") and v.has("nap"), "spin and nap rows among all threads")
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()


WSGI = '''\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
'''


def test_gunicorn_picker(tmp_path):
    import shutil

    gunicorn = shutil.which("gunicorn")
    if gunicorn is None:
        pytest.skip("gunicorn not installed (Debian: gunicorn)")
    (tmp_path / "app.py").write_text(WSGI)
    port = free_port()
    srv = Target([gunicorn, "-w", "2", "-b", "127.0.0.1:%d" % port, "app:app"], tmp_path, "gunicorn")
    try:
        srv.wait_until(lambda: srv.output()[1].count("Booting worker") >= 2 and len(children(srv.pid)) >= 2, "2 workers booted", READY)
        wait("port %d to accept" % port, lambda: accepts(port))
        workers = sorted(children(srv.pid))
        with top("--port", port, cwd=tmp_path) as tui:
            s = tui.wait_for(lambda s: len(picker_rows(s)) == 3, "the picker with gunicorn's 3 processes")
            rows = picker_rows(s)
            assert [r["role"] for r in rows] == ["gunicorn-master", "gunicorn-worker 1/2", "gunicorn-worker 2/2"], s
            assert [int(r["pid"]) for r in rows] == [srv.pid] + workers, s
            assert selected(s)["role"].startswith("gunicorn-worker"), s
            tui.send("a")
            v = view_of(tui, lambda v: "every worker of gunicorn master" in v.header_text, "every gunicorn worker profiled")
            for w in workers:
                assert str(w) in v.header_text, v.header_text
            tui.send("q")
            tui.wait_exit()
            tui.assert_terminal_restored()
    finally:
        srv.stop()



def test_command_with_workers(server):
    """pytop -s -- uvicorn --workers 2: every worker profiled; q stops the whole tree."""
    _, _, _, d = server
    port = free_port()
    argv = ["-s", "-i", "--", PY311, "-m", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1", "--port", port]
    try:
        with top(*argv, cwd=d) as tui:
            view_of(tui, lambda v: re.search(r"(\d+) processes", v.header_text) and int(re.search(r"(\d+) processes", v.header_text).group(1)) >= 3 and v.rows,
                    "the master and both workers sampled", timeout=30)
            masters = [p for p in pids_with_arg(str(port)) if p != tui.pid]  # not pytop itself
            assert len(masters) == 1, masters
            tree = masters + children(masters[0])
            assert len(tree) >= 3, tree
            tui.send("q")
            assert tui.wait_exit() == 0
            tui.assert_terminal_restored()
            wait("every process of the started server to end: %s" % tree, lambda: not set(tree) & set(pids_with_arg(str(port)) + children(masters[0])), timeout=10)
    finally:
        for pid in pids_with_arg(str(port)):  # ours: started through our pytop
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
