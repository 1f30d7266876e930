"""`pytop list` and target selection by port, against real servers.

Starts a uvicorn server (FastAPI app, --workers 2) and a gunicorn server
(WSGI app, -w 2) on free loopback ports, a plain sleeping python3 and a
non-Python process, then checks what `pytop list` says about each: roles,
ports, Python version, the master followed by its workers. Also the one-line
errors of -P. Servers are started in their own session and the whole process
group is ended afterwards, whatever happens.

Run with Debian's /usr/bin/python3 -m pytest; PYTOP names the binary.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOP_SRCDIR = Path(__file__).resolve().parents[2]
PYTOP = os.environ.get("PYTOP") or str(TOP_SRCDIR / "build" / "pytop")
PY311 = "/usr/bin/python3.11"
PY3 = "/usr/bin/python3"
READY_TIMEOUT = 60.0

FASTAPI_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"ok": True}
"""

WSGI_APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\\n"]
"""

CONTAINER_COLUMNS = ["NSPID", "CONTAINER"]
COLUMNS = ["PID", "PPID", "ROLE", "PORTS", "PYTHON", "CPU%", "RSS", "THREADS", "COMMAND"]


# ---- helpers ---------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, cond, timeout=READY_TIMEOUT, interval=0.05):
    """Poll cond() until it is true; fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def children(pid):
    """PIDs whose parent is pid, from /proc/*/stat."""
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid:
            kids.append(int(name))
    return sorted(kids)


def run_pytop(*args, timeout=60):
    return subprocess.run([PYTOP, *args], capture_output=True, text=True, timeout=timeout)


def parse_list(out):
    """Rows of `pytop list` as dicts keyed by column name."""
    lines = out.splitlines()
    assert lines, "pytop list printed nothing, not even its header"
    # NSPID and CONTAINER come after PPID when some process is in a
    # container (a chroot too: the Debian roots' fixtures are).
    columns = lines[0].split()
    assert columns in (COLUMNS, COLUMNS[:2] + CONTAINER_COLUMNS + COLUMNS[2:]), lines[0]
    rows = []
    for line in lines[1:]:
        cells = line.split(None, len(columns) - 1)
        assert len(cells) == len(columns), f"bad row: {line!r}"
        row = dict(zip(columns, cells))
        row["PID"] = int(row["PID"])
        row["PPID"] = int(row["PPID"])
        row["NSPID"] = 0 if row.get("NSPID", "-") == "-" else int(row["NSPID"])
        row["CONTAINER"] = row.get("CONTAINER", "-")
        row["PORTS"] = [] if row["PORTS"] == "-" else [int(p) for p in row["PORTS"].split(",")]
        rows.append(row)
    return rows


def pytop_list(*args):
    r = run_pytop("list", *args)
    assert r.returncode == 0, f"pytop list failed ({r.returncode}): {r.stderr}"
    return parse_list(r.stdout)


class Server:
    """A process started in its own session; stop() ends its whole group."""

    def __init__(self, argv, cwd, log):
        self.log = log
        self.logf = open(log, "w")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def check_alive(self):
        if self.proc.poll() is not None:
            pytest.fail(f"server exited with {self.proc.returncode}:\n{self.log_text()}")
        return True

    def stop(self):
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; make sure no worker of its group lingers.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        self.logf.close()


def rows_on_port(rows, port):
    return [r for r in rows if port in r["PORTS"]]


def check_server_rows(rows, master_pid, port, server, python="3.11."):
    """Exactly one master (the process we started) and two workers, in order."""
    mine = rows_on_port(rows, port)
    assert len(mine) == 3, f"expected master + 2 workers on port {port}, got {mine}"
    masters = [r for r in mine if r["ROLE"] == f"{server}-master"]
    workers = [r for r in mine if r["ROLE"] == f"{server}-worker"]
    assert [m["PID"] for m in masters] == [master_pid]
    assert len(workers) == 2
    for w in workers:
        assert w["PPID"] == master_pid
    for r in mine:
        assert r["PYTHON"].startswith(python), r
        assert r["PORTS"] == [port], r
    # The master comes first, its workers right after it, by pid.
    at = [i for i, r in enumerate(rows) if r["PID"] == master_pid][0]
    assert [r["PID"] for r in rows[at:at + 3]] == [master_pid] + sorted(w["PID"] for w in workers)


# ---- fixtures --------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def pytop_binary():
    assert os.access(PYTOP, os.X_OK), f"pytop binary not found at {PYTOP} (set PYTOP)"


def have_uvicorn():
    if not os.access(PY311, os.X_OK):
        return False
    r = subprocess.run([PY311, "-c", "import uvicorn, fastapi"], capture_output=True)
    return r.returncode == 0


@pytest.fixture(scope="module")
def uvicorn_server(tmp_path_factory):
    if not have_uvicorn():
        pytest.skip("uvicorn or fastapi not installed for python3.11 "
                    "(Debian: python3-uvicorn python3-fastapi)")
    d = tmp_path_factory.mktemp("uvicorn")
    (d / "app.py").write_text(FASTAPI_APP)
    port = free_port()
    srv = Server([PY311, "-m", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1",
                  "--port", str(port)], d, d / "server.log")
    try:
        # Each worker says so once it has the socket and the app.
        wait_for("uvicorn to start 2 workers",
                 lambda: srv.check_alive()
                 and srv.log_text().count("Application startup complete") >= 2)
        wait_for(f"port {port} to accept connections", lambda: accepts(port))
        yield srv, port
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    gunicorn = shutil.which("gunicorn")
    if gunicorn is None:
        pytest.skip("gunicorn not installed (Debian: gunicorn)")
    d = tmp_path_factory.mktemp("gunicorn")
    (d / "app.py").write_text(WSGI_APP)
    port = free_port()
    srv = Server([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"], d,
                 d / "server.log")
    try:
        wait_for("gunicorn to boot 2 workers",
                 lambda: srv.check_alive() and len(children(srv.pid)) >= 2
                 and srv.log_text().count("Booting worker") >= 2)
        wait_for(f"port {port} to accept connections", lambda: accepts(port))
        yield srv, port
    finally:
        srv.stop()


@pytest.fixture
def plain_python(tmp_path):
    code = "import time; time.sleep(60)"
    srv = Server([PY3, "-c", code], tmp_path, tmp_path / "python.log")
    try:
        wait_for("python3 to start", lambda: srv.check_alive() and code in cmdline(srv.pid))
        yield srv
    finally:
        srv.stop()


# ---- tests -----------------------------------------------------------------


def test_uvicorn_master_and_workers(uvicorn_server):
    srv, port = uvicorn_server
    rows = pytop_list()
    check_server_rows(rows, srv.pid, port, "uvicorn")
    # The workers are multiprocessing spawn children: their own command
    # line does not say uvicorn; the role came from the tree and the socket.
    for r in rows_on_port(rows, port):
        if r["ROLE"] == "uvicorn-worker":
            assert "uvicorn" not in r["COMMAND"]
            assert "multiprocessing" in r["COMMAND"]


def test_gunicorn_master_and_workers(gunicorn_server):
    srv, port = gunicorn_server
    check_server_rows(pytop_list(), srv.pid, port, "gunicorn")


def test_all_keeps_the_roles(uvicorn_server):
    srv, port = uvicorn_server
    check_server_rows(pytop_list("--all"), srv.pid, port, "uvicorn")


def test_plain_python(plain_python):
    rows = [r for r in pytop_list() if r["PID"] == plain_python.pid]
    assert len(rows) == 1, f"PID {plain_python.pid} missing from pytop list"
    row = rows[0]
    assert row["ROLE"] == "python"
    assert row["PORTS"] == []
    assert row["PYTHON"].startswith("3.")
    assert row["THREADS"] == "1"
    assert "time.sleep(60)" in row["COMMAND"]


def test_all_lists_processes_that_are_not_python(tmp_path):
    srv = Server(["sleep", "60"], tmp_path, tmp_path / "sleep.log")
    try:
        wait_for("sleep to start", lambda: srv.check_alive() and cmdline(srv.pid) == "sleep 60")
        assert srv.pid not in [r["PID"] for r in pytop_list()]
        rows = [r for r in pytop_list("--all") if r["PID"] == srv.pid]
        assert len(rows) == 1
        assert rows[0]["ROLE"] == "-"
        assert rows[0]["PYTHON"] == "-"
        assert rows[0]["COMMAND"] == "sleep 60"
    finally:
        srv.stop()


def test_port_nobody_listens_on():
    port = free_port()
    r = run_pytop("dump", "-P", str(port))
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert f"no process listens on port {port}" in lines[0]


def test_port_wait_times_out():
    port = free_port()
    start = time.monotonic()
    r = run_pytop("dump", "-P", str(port), "--wait=1")
    took = time.monotonic() - start
    assert r.returncode == 1
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert f"no process listens on port {port}" in r.stderr
    assert 1.0 <= took < 15.0


def test_port_held_by_master_and_workers_is_ambiguous(uvicorn_server):
    srv, port = uvicorn_server
    r = run_pytop("dump", "-P", str(port))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    pids = [srv.pid] + children(srv.pid)
    assert str(srv.pid) in lines[0]
    assert "-s" in lines[0] and "-p PID" in lines[0]
    workers = [r["PID"] for r in rows_on_port(pytop_list(), port) if r["PID"] != srv.pid]
    for w in workers:
        assert w in pids and str(w) in lines[0]


def test_list_output_is_not_truncated_when_piped(uvicorn_server):
    srv, port = uvicorn_server
    r = run_pytop("list")
    full = cmdline(srv.pid)
    line = [ln for ln in r.stdout.splitlines() if ln.split()[0] == str(srv.pid)][0]
    assert line.endswith(full)


# ---- servers on Debian sid's 3.14 and 3.15 (chroot) -----------------------


def sid_python(version):
    from conftest import INTERPRETERS

    for i in INTERPRETERS:
        if i.id == "py%s-sid" % version:
            if i.path is None:
                pytest.skip("%s: %s" % (i.id, i.missing))
            return i
    pytest.skip("no py%s-sid interpreter" % version)


@pytest.fixture(scope="module", params=["3.14", "3.15"], ids=["py3.14-sid", "py3.15-sid"])
def sid_servers(request, tmp_path_factory):
    """A uvicorn (FastAPI) and a gunicorn server, two workers each, run by
    the sid root's python3.X from a directory under /tmp (mounted there)."""
    py = sid_python(request.param)
    d = tmp_path_factory.mktemp("sid-servers")
    (d / "app.py").write_text(FASTAPI_APP)
    (d / "wsgi.py").write_text(WSGI_APP)
    uport, gport = free_port(), free_port()
    uvi = Server([py.path, "-m", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1",
                  "--port", str(uport)], d, d / "uvicorn.log")
    gun = Server([py.path, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{gport}", "wsgi:app"], d,
                 d / "gunicorn.log")
    try:
        wait_for("uvicorn to start 2 workers",
                 lambda: uvi.check_alive() and uvi.log_text().count("Application startup complete") >= 2)
        wait_for("gunicorn to boot 2 workers",
                 lambda: gun.check_alive() and len(children(gun.pid)) >= 2
                 and gun.log_text().count("Booting worker") >= 2)
        wait_for("both ports to accept connections", lambda: accepts(uport) and accepts(gport))
        yield request.param, (uvi, uport), (gun, gport)
    finally:
        uvi.stop()
        gun.stop()


def test_roles_of_servers_on_new_pythons(sid_servers):
    version, (uvi, uport), (gun, gport) = sid_servers
    rows = pytop_list()
    check_server_rows(rows, uvi.pid, uport, "uvicorn", version + ".")
    check_server_rows(rows, gun.pid, gport, "gunicorn", version + ".")


def test_dump_of_a_new_python_server_takes_master_and_workers(sid_servers):
    version, (uvi, uport), _ = sid_servers
    r = run_pytop("dump", "-P", str(uport), "-s")
    assert r.returncode == 0, r.stderr
    procs = [int(ln.split()[1].rstrip(":")) for ln in r.stdout.splitlines() if ln.startswith("Process ")]
    workers = [w for w in children(uvi.pid) if "--multiprocessing-fork" in cmdline(w)]
    assert len(workers) == 2 and {uvi.pid, *workers} <= set(procs), r.stdout
    # Every process of the tree (the resource tracker too) is this Python,
    # and each worker runs uvicorn's worker target.
    assert r.stdout.count("Python %s." % version) == len(procs), r.stdout
    assert r.stdout.count("Process.target (uvicorn/supervisors/multiprocess.py:") == 2, r.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-rs"]))
