"""The live view's options, as CLI.md lists them for `top`: -P with a
single listener, --wait, --duration, --rate, --gil, --blocking, NO_COLOR
and SIGHUP, driven through tmux like test_top.py.
"""

import re
import signal
import time

import pytest

from conftest import Target, accepts, any_interpreter, free_port, launch, pytop_env
from test_top import started, top, view_of




@pytest.fixture(scope="module")
def py():
    return any_interpreter()


def serving(v):
    """http.server's loop in the table: serve_forever (3.8-3.10) or BaseServer.serve_forever."""
    return any(n.split(".")[-1] == "serve_forever" for n in v.names)


def http_server(py, port, tmp_path):
    return Target([py.path, "-m", "http.server", port, "--bind", "127.0.0.1"], tmp_path, "http-server")


def test_port_with_one_listener_attaches(py, tmp_path):
    port = free_port()
    srv = http_server(py, port, tmp_path)
    try:
        srv.wait_until(lambda: accepts(port), "http.server to listen on %d" % port)
        with top("--port", port, "-i") as tui:
            v = view_of(tui, lambda v: serving(v), "http.server's serve_forever (idle samples kept)")
            assert "PID %d" % srv.pid in v.header_text, v.header_text
            assert "choose one" not in v.screen.text
            tui.send("q")
            tui.wait_exit()
            tui.assert_terminal_restored()
    finally:
        srv.stop()


def test_wait_for_the_port(py, tmp_path):
    port = free_port()
    with top("--port", port, "--wait=30", "-i") as tui:
        tui.wait_for(lambda s: "waiting up to 30 s for a listener on port %d" % port in s.text, "pytop saying it waits")
        time.sleep(1)  # deliberate: pytop must be waiting before the server exists
        assert tui.alive(), "pytop --wait gave up at once\n%s" % tui.describe()
        srv = http_server(py, port, tmp_path)
        try:
            v = view_of(tui, lambda v: serving(v), "the view once the server listens", timeout=30)
            assert "PID %d" % srv.pid in v.header_text
            tui.send("q")
            tui.wait_exit()
            tui.assert_terminal_restored()
        finally:
            srv.stop()


def test_duration_ends_the_view(py):
    with launch(py, "proportions.py") as t, top("-p", t.pid, "-d", 2) as tui:
        started(tui)
        begin = time.monotonic()
        rc = tui.wait_exit(timeout=10)
        assert rc == 0, tui.describe()
        assert time.monotonic() - begin < 5
        tui.assert_terminal_restored()
        assert t.proc.poll() is None


def test_rate(py):
    with launch(py, "proportions.py") as t, top("-p", t.pid, "-r", 37) as tui:
        v = view_of(tui, lambda v: re.search(r"Rate 37 Hz \(achieved (\d+\.\d)\)", v.header_text) and v.samples >= 60, "rate 37 and 60 samples")
        achieved = float(re.search(r"achieved (\d+\.\d)", v.header_text).group(1))
        assert 33 <= achieved <= 41, v.header_text
        tui.send("q")
        tui.wait_exit()


def test_gil_only(py):
    with launch(py, "gil_threads.py") as t:
        with top("-p", t.pid) as tui:
            v = started(tui, min_samples=100, rows=("hog", "releaser"))
        with top("-p", t.pid, "--gil") as tui:
            v = started(tui, min_samples=150, rows=("hog",))
            assert "GIL holder only" in v.header_text, v.header_text
            own = {r.name: r.own for r in v.rows}
            assert own["hog"] >= 90, v.screen
            assert own.get("releaser", 0) <= 3, "releaser() does not hold the GIL\n%s" % v.screen
            tui.send("q")
            tui.wait_exit()


def test_blocking(py):
    with launch(py, "proportions.py") as t, top("-p", t.pid, "--blocking") as tui:
        v = started(tui, min_samples=100)
        assert "blocking" in v.header_text
        assert v.names[0] == "heavy", v.screen
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()
        with open("/proc/%d/status" % t.pid) as f:
            status = f.read()
        assert re.search(r"^TracerPid:\s+0$", status, re.M), status
        assert not re.search(r"^State:\s+t", status, re.M), status


COLOR_SGR = re.compile(r"\x1b\[[0-9;]*\b(?:3[0-7]|4[0-7]|38;5;\d+|48;5;\d+)[;m]")


def captured_escapes(tui):
    return tui._tmux("capture-pane", "-p", "-e", "-t", tui.name).stdout


@pytest.mark.parametrize("no_color", [False, True])
def test_no_color(py, no_color):
    env = pytop_env()
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    with launch(py, "proportions.py") as t, top("-p", t.pid, env=env) as tui:
        started(tui)
        text = captured_escapes(tui)
        if no_color:
            assert not COLOR_SGR.search(text), "colours despite NO_COLOR: %r" % COLOR_SGR.search(text).group(0)
            assert "\x1b[7m" in text or "\x1b[1m" in text, "no reverse/bold highlighting without colours"
        else:
            assert COLOR_SGR.search(text), "no colours at all in a colour terminal (the control case)"
        tui.send("q")
        tui.wait_exit()


def test_sighup_restores_terminal(py):
    with launch(py, "proportions.py") as t, top("-p", t.pid) as tui:
        started(tui)
        tui.signal(signal.SIGHUP)
        tui.wait_exit()
        tui.assert_terminal_restored()
        assert t.proc.poll() is None
