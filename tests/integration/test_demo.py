"""The README's first command: examples/run-demo.

On a terminal it opens the live view on the demo service under load, and a
new user must see the service's hot function within seconds; q stops
everything the demo started. Without a terminal it takes the tour (list,
dump, a 5 s record) and writes a flamegraph.
"""

import os
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import PYTOP, free_port, pids_with_arg, pytop_env, require_pytop
from test_top import top, view_of  # noqa: F401  (top: the module's skip logic)
from test_top_structure import tree_lines
from tuilib import Tui

DEMO = os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")), "examples", "run-demo")
PY311 = "/usr/bin/python3.11"




@pytest.fixture
def demo_env():
    require_pytop()
    if subprocess.run([PY311, "-c", "import fastapi, uvicorn"], capture_output=True).returncode:
        pytest.skip("the demo needs python3.11 with fastapi and uvicorn (Debian: python3-fastapi python3-uvicorn)")
    port = free_port()
    env = pytop_env()
    env.update(PORT=str(port), PYTOP=PYTOP, DURATION="120")
    yield env, port
    for pid in pids_with_arg(str(port)):  # ours: the demo's server and load
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def test_demo_opens_the_live_view(demo_env):
    env, port = demo_env
    with Tui([DEMO], env=env, name="demo") as tui:
        begin = time.monotonic()
        v = view_of(tui, lambda v: v.has("is_prime") and v.row("is_prime").file.endswith("app.py"), "is_prime (app.py) in the demo's live view", timeout=60)
        took = time.monotonic() - begin
        assert "uvicorn master" in v.header_text and "processes" in v.header_text, v.header_text
        assert took < 30, "the demo took %.0f s to show numbers" % took
        started = pids_with_arg(str(port))
        assert started, "no demo process holds port %d" % port
        # T: the call tree, open along the hottest path, shows is_prime
        # under the endpoint that calls it (through compute_primes).
        tui.send("T")

        def under_endpoint(s):
            names = [r["name"] for r in tree_lines(s, "Call tree")]
            if "cpu" not in names or "is_prime" not in names:
                return False
            between = names[names.index("cpu") : names.index("is_prime") + 1]
            return between[:2] == ["cpu", "compute_primes"] and len(between) <= 4

        tui.wait_for(under_endpoint, "is_prime under the cpu endpoint in the call tree", timeout=10)
        tui.send("q")
        assert tui.wait_exit(timeout=30) == 0
        deadline = time.monotonic() + 10
        while pids_with_arg(str(port)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pids_with_arg(str(port)), "the demo left processes behind: %s" % pids_with_arg(str(port))


def test_demo_without_a_terminal(demo_env, tmp_path):
    env, port = demo_env
    env["PROFILE"] = str(tmp_path / "demo.svg")
    r = subprocess.run([DEMO], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "uvicorn-master" in r.stdout and "uvicorn-worker" in r.stdout, r.stdout
    root = ET.parse(str(tmp_path / "demo.svg")).getroot()
    assert root.tag.endswith("svg")
    assert "is_prime" in ET.tostring(root, encoding="unicode")
    assert not pids_with_arg(str(port)), "the demo left processes behind"
