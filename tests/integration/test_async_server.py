"""A real FastAPI service under uvicorn, seen with --async.

Six clients on loopback keep requests in flight against
tests/fixtures/webapp/slow_app.py, whose handler get_user awaits
fetch_user, which awaits db_query, which waits 0.5 s. The requests are
asyncio tasks that no thread stack shows: `pytop dump --async` must list
each in-flight request task with exactly that coroutine stack (at the
marker lines), and `record --async` must put most of the wall time of the
request tasks in db_query, and so must the live view once A is pressed.
Debian's python3.11 (uvicorn and fastapi from apt) and the sid root's
python3.14, each on asyncio's own loop and on uvloop (what uvicorn picks when it is installed), whose loop object has
no _thread_id: the requests must still be listed under the thread that
runs the loop.
"""

import http.client
import re
import subprocess
import threading
import time

import pytest

from conftest import FIXTURES, INTERPRETERS, free_port, launch_argv, markers, run_pytop
from test_async import poll_async_dump

WEBAPP = FIXTURES / "webapp"
CLIENTS = 6
SERVERS = [(i, loop) for i in INTERPRETERS if i.id in ("py3.11-debian", "py3.14-sid") for loop in ("asyncio", "uvloop")]


def accepts(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/users/0")
        return c.getresponse().status == 200
    except OSError:
        return False


class Load:
    """CLIENTS threads, each requesting /users/N in a loop until stopped."""

    def __init__(self, port):
        self.port, self.stop, self.done = port, threading.Event(), 0
        self.threads = [threading.Thread(target=self.run, args=(k,), daemon=True) for k in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def run(self, k):
        n = 0
        deadline = time.monotonic() + 120  # bounded, whatever happens
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/users/%d" % (k * 1000 + n))
                c.getresponse().read()
                self.done += 1
            except OSError:
                time.sleep(0.05)
            n += 1

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)


@pytest.fixture(scope="module", params=SERVERS, ids=["%s-%s" % (i.id, loop) for i, loop in SERVERS])
def server(request):
    interp, loop = request.param
    if interp.path is None:
        pytest.skip("%s: %s" % (interp.id, interp.missing))
    if loop == "uvloop" and subprocess.run([interp.path, "-c", "import uvloop.loop"], capture_output=True).returncode != 0:
        pytest.skip("%s: uvloop is not installed for it (python3-uvloop)" % interp.id)
    port = free_port()
    argv = [interp.path, "-m", "uvicorn", "slow_app:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--loop", loop]
    with launch_argv(argv, "uvicorn-" + interp.id, cwd=WEBAPP, ready=lambda t: accepts(port)) as target:
        load = Load(port)
        try:
            yield interp, target, load
        finally:
            load.close()


def request_tasks(section):
    """The tasks parked in db_query: the in-flight requests."""
    return [t for t in section.tasks if any(f.function == "db_query" for f in t.frames)]


def test_dump_lists_every_request_waiting_in_the_query(server):
    interp, target, _ = server
    m = markers("webapp/slow_app.py")

    def enough(parsed):
        return sum(len(request_tasks(s)) for s in parsed.sections) >= CLIENTS - 2

    parsed, result = poll_async_dump("-p", target.pid, "--async", until=enough, what="%d request tasks in db_query" % (CLIENTS - 2))
    # uvicorn's one worker runs its loop in its main thread.
    assert [s.tid for s in parsed.sections] == [target.pid], "tasks under the loop's thread\n" + result.describe()
    tasks = [t for s in parsed.sections for t in request_tasks(s)]
    assert len(tasks) <= CLIENTS, result.describe()
    for task in tasks:
        names = [f.function for f in task.frames]
        at = names.index("db_query")
        assert names[at : at + 3] == ["db_query", "fetch_user", "get_user"], result.describe()
        got = [(f.file, f.line) for f in task.frames[at : at + 3]]
        want = [("slow_app.py", m["db_query"]), ("slow_app.py", m["fetch_user"]), ("slow_app.py", m["get_user"])]
        assert got == want, result.describe()
        assert at >= 1 and names[at - 1] == "sleep" and task.state == "pending", result.describe()


def test_record_puts_request_wall_time_in_the_query(server, tmp_path):
    interp, target, load = server
    out = tmp_path / "web.txt"
    r = run_pytop("record", "--async", "-p", target.pid, "-d", "3", "-r", "100", "-o", out, timeout=30)
    assert r.returncode == 0, r.describe()
    under_handler = in_query = 0
    for line in out.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        if not any(re.match(r"get_user \(slow_app\.py:\d+\)$", f) for f in frames):
            continue
        under_handler += int(count)
        if any(re.match(r"db_query \(slow_app\.py:\d+\)$", f) for f in frames):
            in_query += int(count)
    assert under_handler > 0, "no sample under get_user\n" + out.read_text()[:3000]
    print("%s: db_query %d of %d samples under get_user (%.1f%%), %d requests done" % (interp.id, in_query, under_handler, 100.0 * in_query / under_handler, load.done))
    # Each request spends 0.5 s in the query and microseconds elsewhere.
    assert in_query / under_handler >= 0.9, "db_query has %d of the %d samples under get_user\n%s" % (in_query, under_handler, out.read_text()[:3000])
    assert load.done > 0


def test_live_view_A_shows_the_requests_in_the_query(server):
    """The live view on the service, A pressed: the header counts the
    tasks, and the requests' wall time is in db_query, under the task
    frame of uvicorn's request coroutine."""
    from test_top import KEY_TIMEOUT, START_TIMEOUT, top, view_of  # skips when the live view cannot run

    interp, target, _ = server
    request_task = "task RequestResponseCycle.run_asgi"  # a default-named task: its outermost coroutine

    def tasks_in_header(v):
        found = [re.search(r"asyncio tasks (\d+)\s*$", line) for line in v.header]
        return [int(f.group(1)) for f in found if f]

    with top("-p", target.pid) as tui:
        view_of(tui, lambda v: v.samples >= 0 and not tasks_in_header(v), "the table, without asyncio tasks", timeout=START_TIMEOUT)
        tui.send("A")
        tui.wait_for(lambda s: "asyncio tasks on" in s.text, "after A: the status line", timeout=KEY_TIMEOUT)
        v = view_of(
            tui,
            lambda v: v.samples >= 300 and v.has(request_task) and v.has("db_query") and tasks_in_header(v) and tasks_in_header(v)[0] >= CLIENTS - 2,
            "after A: %d+ tasks in the header, rows %s and db_query, 300 samples" % (CLIENTS - 2, request_task),
            timeout=START_TIMEOUT,
        )
        query, requests = v.row("db_query"), v.row(request_task)
        # CLIENTS requests in flight, each 0.5 s in the query, beside two
        # tasks of uvicorn's own (the server's main loop, the lifespan).
        assert query.total >= 40, "db_query has %.1f%% of the samples\n%s" % (query.total, v.screen)
        assert requests.total >= query.total - 1, "the queries are the requests'\n%s" % v.screen
        assert query.file == "slow_app.py", v.screen
        tui.send("q")
        assert tui.wait_exit() == 0, tui.describe()
