"""The live view and the picker on the Debian roots' interpreters.

test_top.py drives every key on one interpreter; here one pass over the
keys that read the target differently per version (the table, t's thread
views, d's snapshot, s's flamegraph, p's picker) runs
on each interpreter of a root: sid's 3.13, 3.14, 3.15 and bullseye's 3.9.
Native frames (-n) are tested on every interpreter by test_native.py.
"""

import re
import xml.etree.ElementTree as ET

import pytest

from conftest import INTERPRETERS, launch
from test_top import KEY_TIMEOUT, TITLES_RE, is_table, started, top, view_of

ROOTED = [i for i in INTERPRETERS if i.root is not None or (i.path is None and i.id.endswith(("-sid", "-bullseye")))]


@pytest.fixture(params=ROOTED, ids=[i.id for i in ROOTED])
def rooted(request):
    i = request.param
    if i.path is None:
        pytest.skip("%s: %s" % (i.id, i.missing))
    return i


def test_live_view_keys_on_each_root_python(rooted, tmp_path):
    with launch(rooted, "proportions.py") as target, top("-p", target.pid, cwd=tmp_path) as tui:
        v = started(tui, min_samples=150)
        assert "Python %s" % rooted.version in v.header_text, v.screen
        assert v.names[:2] == ["heavy", "light"], v.screen
        heavy = v.row("heavy")
        assert 60 <= heavy.own <= 90, v.screen

        # t: the main thread alone, then back to all threads.
        tui.send("t")
        view_of(tui, lambda w: re.search(r"threads?: %d\b" % target.pid, w.header_text) and w.has("heavy"), "t: the main thread's table")
        tui.send("t")
        view_of(tui, lambda w: re.search(r"threads?: all", w.header_text) is not None and w.has("heavy"), "t again: all threads")

        # s: a flamegraph with heavy in it.
        tui.send("s")
        tui.wait_for(lambda s: s.find(r"profile\.svg"), "s: the status line naming profile.svg")
        svg = tmp_path / "profile.svg"
        assert ET.parse(str(svg)).getroot().tag.endswith("svg")
        assert b"heavy" in svg.read_bytes()

        # d: every thread's stack, with the exact frames of the main thread.
        tui.send("d")
        tui.wait_for(lambda s: "<module>" in s.text and ("heavy" in s.text or "light" in s.text) and not any(TITLES_RE.match(line) for line in s.lines), "d: the stack snapshot")
        files = list(tmp_path.glob("pytop-stacks-%d-*.txt" % target.pid))
        assert len(files) == 1 and "<module> (proportions.py:" in files[0].read_text(), files
        tui.send("Escape")
        tui.wait_for(is_table, "the table after Esc", timeout=KEY_TIMEOUT)

        # p: the picker, on this process, with its exact version.
        tui.send("p")
        screen = tui.wait_for(lambda s: re.search(r"^\S*\s*%d\b.*\b%s\.\d+" % (target.pid, re.escape(rooted.version)), s.text, re.M), "p: the picker row of the target with Python %s" % rooted.version)
        assert "proportions.py" in screen.text
        tui.send("Escape")
        tui.wait_for(is_table, "the table after Esc on the picker", timeout=KEY_TIMEOUT)

        tui.send("q")
        tui.wait_exit()
