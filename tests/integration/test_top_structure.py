"""The live view's structure: a function's callers and callees (Enter on
a row), the call tree (T) and the flamegraph drawn in the terminal (F),
driven through tmux as test_top.py does; and the whole view without a
UTF-8 locale.

Target: tests/fixtures/callgraph.py, a known call graph. shared() is
called through via_a three times for each call through via_b, and spends
about two thirds of its time in crunch(). So, within +-TOLERANCE points:
under shared's callers, via_a 75% and via_b 25% of shared's time; under
its callees, crunch 67%. A `pytop record` of the same process, running at
the same time, must give the same shares from its collapsed stacks.
"""

import os
import re
import signal
import subprocess

import pytest

from conftest import PYTOP, any_interpreter, launch, pytop_env
from test_record import read_collapsed
from test_top import KEY_TIMEOUT, START_TIMEOUT, started, top, view_of  # noqa: F401  (top: the module's skip logic)
from test_top_options import COLOR_SGR

TOLERANCE = 7.0
NAME_COL = 16  # where the tree column starts: two percentages, then the names


def tree_lines(screen, title):
    """The rows under the title line that starts with title: dicts of
    total, second (%Own or %Fn, None when blank), depth, mark (open "-",
    closed "+", leaf " ", centre "=") and name."""
    lines = screen.lines
    at = next((i for i, l in enumerate(lines) if l.lstrip().startswith("%Total") and title in l), None)
    assert at is not None, "no %r title on the screen" % title
    out = []
    for line in lines[at + 1 :]:
        m = re.match(r"^\s*(\d+\.\d)\s+(\d+\.\d)?", line)
        if not m:
            break
        rest = line[NAME_COL:] if len(line) > NAME_COL else ""
        if " \u00b7 own " in line:  # the function the callers view is centred on
            name = line[m.end() :].strip().split(" (")[0]
            out.append(dict(total=float(m.group(1)), second=float(m.group(2)), depth=-1, mark="=", name=name, text=line))
            continue
        body = rest.lstrip(" ")
        lead = len(rest) - len(body)
        if body[:1] in ("\u25b8", "\u25be"):
            mark, depth, body = "+" if body[0] == "\u25b8" else "-", lead // 2, body[2:]
        else:
            mark, depth = " ", (lead - 2) // 2
        out.append(
            dict(total=float(m.group(1)), second=float(m.group(2)) if m.group(2) else None, depth=depth, mark=mark, name=body.split(" (")[0], text=line)
        )
    return out


def callers_view(screen):
    """(callers, centre, callees) of the callers view on the screen."""
    rows = tree_lines(screen, "%Fn")
    centre = [i for i, r in enumerate(rows) if r["mark"] == "="]
    assert len(centre) == 1, "no centred function\n%s" % screen
    c = centre[0]
    return rows[:c], rows[c], rows[c + 1 :]


def selected_name(tui):
    """The function named on the selected row (reverse video: the view is
    started with NO_COLOR), or None."""
    for plain in tui.reversed_lines():
        if re.match(r"^\s*\d+\.\d", plain):
            body = plain[NAME_COL:].strip().lstrip("\u25b8\u25be ").strip()
            return body.split(" (")[0]
    return None


def top_level(rows):
    return {r["name"]: r for r in rows if r["depth"] == 0}


@pytest.fixture(scope="module")
def graph():
    with launch(any_interpreter(), "callgraph.py") as t:
        yield t


def record_shares(pid, tmp_path):
    """A 6 s record of pid: shared's shares by caller and in crunch."""
    out = tmp_path / "graph.txt"
    r = subprocess.run([PYTOP, "record", "-p", str(pid), "-d", "6", "-f", "collapsed", "-o", str(out)], capture_output=True, text=True, env=pytop_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    shared = via_a = via_b = crunch = 0
    for s in read_collapsed(out):
        names = [f.split(" (")[0] for f in s.frames]
        if "shared" not in names:
            continue
        shared += s.count
        caller = names[names.index("shared") - 1]
        via_a += s.count if caller == "via_a" else 0
        via_b += s.count if caller == "via_b" else 0
        crunch += s.count if names[-1] == "crunch" else 0
    assert shared > 300, "only %d samples of shared in 6 s" % shared
    return 100.0 * via_a / shared, 100.0 * via_b / shared, 100.0 * crunch / shared


def test_callers_and_callees_of_a_function(graph, tmp_path):
    env = pytop_env()
    env["NO_COLOR"] = "1"  # the selected row in reverse video, for selected_name
    with top("-p", graph.pid, env=env) as tui:
        started(tui, min_samples=100, rows=("shared", "crunch", "via_a", "via_b"))
        tui.send("/")
        tui.type("shared")
        tui.send("Enter")
        view_of(tui, lambda v: v.names == ["shared"], "only the shared row after / shared Enter")
        tui.send("Enter")
        # Read the view while a record of the same process runs beside it.
        rec = record_shares(graph.pid, tmp_path)

        def settled(s):
            up, centre, down = callers_view(s)
            return centre["name"] == "shared" and {"via_a", "via_b"} <= set(top_level(up)) and "crunch" in top_level(down) and int(re.search(r"Samples (\d+)", str(s)).group(1)) >= 600

        screen = tui.wait_for(settled, "the callers view of shared with 600 samples", timeout=20)
        up, centre, down = callers_view(screen)
        callers, callees = top_level(up), top_level(down)
        assert centre["second"] == 100.0, screen
        a, b, c = callers["via_a"]["second"], callers["via_b"]["second"], callees["crunch"]["second"]
        print("callers view: via_a %.1f%%, via_b %.1f%%, crunch %.1f%%; record: %.1f%%, %.1f%%, %.1f%%" % ((a, b, c) + rec))
        assert abs(a - 75) <= TOLERANCE and abs(b - 25) <= TOLERANCE, screen
        # Without --blocking a stack is read while it runs: a rare sample
        # mixes two moments (shared under main's call of randint). 1% at most.
        assert a + b >= 99.0, "the two callers of shared add up to %.1f%% only\n%s" % (a + b, screen)
        assert abs(c - 200.0 / 3) <= TOLERANCE, screen
        for mine, theirs, what in zip((a, b, c), rec, ("via_a", "via_b", "crunch")):
            assert abs(mine - theirs) <= TOLERANCE, "%s: %.1f%% in the view, %.1f%% in record's collapsed stacks\n%s" % (what, mine, theirs, screen)
        assert [r["name"] for r in up[:2]] == ["via_a", "via_b"], "callers largest first\n%s" % screen
        # A caller opens onto its own callers: via_a <- main <- <module>.
        # Up walks from the centre through the callers, nearest first; a
        # rare mixed sample (above) may add a third caller between via_b
        # and the centre, so walk until via_a is the selected row.
        moved = set()
        for _ in range(len(up) + 1):
            name = selected_name(tui)
            if name == "via_a":
                break
            moved.add(name)
            tui.send("Up")
            tui.wait_for(lambda s: selected_name(tui) not in moved, "the selection to move up from %s" % name, timeout=KEY_TIMEOUT)
        assert selected_name(tui) == "via_a", tui.capture()
        tui.send("Right")
        screen = tui.wait_for(lambda s: any(r["name"] == "main" and r["depth"] == 1 for r in callers_view(s)[0]), "main under via_a", timeout=KEY_TIMEOUT)
        # Enter on a caller centres on it; Backspace comes back.
        tui.send("Enter")
        screen = tui.wait_for(lambda s: callers_view(s)[1]["name"] == "via_a", "the view centred on via_a", timeout=KEY_TIMEOUT)
        up, centre, down = callers_view(screen)
        assert list(top_level(up)) == ["main"] and top_level(up)["main"]["second"] == 100.0, screen
        assert "shared" in top_level(down) and top_level(down)["shared"]["second"] >= 95.0, screen
        tui.send("BSpace")
        tui.wait_for(lambda s: callers_view(s)[1]["name"] == "shared", "back on shared", timeout=KEY_TIMEOUT)
        # Esc: back to the table, its filter and selection as they were.
        tui.send("Escape")
        v = view_of(tui, lambda v: v.names == ["shared"], "the filtered table again")
        assert "filter: shared" in v.header_text, v.screen
        tui.send("q")
        assert tui.wait_exit() == 0
        tui.assert_terminal_restored()


def test_call_tree(graph):
    with top("-p", graph.pid) as tui:
        started(tui, min_samples=300, rows=("shared", "crunch", "via_a", "via_b"))
        tui.send("T")
        # Opened along the hottest path: <module> > main > via_a > shared > crunch.
        path = ["<module>", "main", "via_a", "shared", "crunch"]

        def hottest(s):
            rows = tree_lines(s, "Call tree")
            return [r["name"] for r in rows[:5]] == path

        screen = tui.wait_for(hottest, "the hottest path open", timeout=KEY_TIMEOUT)
        rows = tree_lines(screen, "Call tree")
        assert [r["depth"] for r in rows[:5]] == [0, 1, 2, 3, 4], screen
        assert [r["mark"] for r in rows[:5]] == ["-", "-", "-", "-", " "], screen
        via_b = next(r for r in rows if r["name"] == "via_b")
        assert via_b["mark"] == "+" and via_b["depth"] == 2, screen
        via_a, shared, crunch = rows[2], rows[3], rows[4]
        assert abs(via_a["total"] - 75) <= TOLERANCE and abs(via_b["total"] - 25) <= TOLERANCE, screen
        assert abs(crunch["total"] - via_a["total"] * 2 / 3) <= TOLERANCE, screen
        assert abs(shared["second"] - via_a["total"] / 3) <= TOLERANCE and crunch["second"] == crunch["total"], screen
        # via_b: the selection goes there, Right opens it, * all below it.
        index = rows.index(via_b)
        tui.send(*["Down"] * index)
        tui.send("Right")
        tui.wait_for(lambda s: any(r["name"] == "shared" and r["depth"] == 3 for r in tree_lines(s, "Call tree")[index + 1 : index + 2]), "shared under via_b", timeout=KEY_TIMEOUT)
        tui.send("*")
        screen = tui.wait_for(
            lambda s: [r["name"] for r in tree_lines(s, "Call tree")[index : index + 3]] == ["via_b", "shared", "crunch"], "crunch under via_b's shared", timeout=KEY_TIMEOUT
        )
        # Left closes it again; Esc returns to the table.
        tui.send("Left")
        tui.wait_for(lambda s: tree_lines(s, "Call tree")[index]["mark"] == "+" and len(tree_lines(s, "Call tree")) <= index + 3, "via_b closed", timeout=KEY_TIMEOUT)
        tui.send("Escape")
        view_of(tui, lambda v: v.has("crunch"), "the table again")
        tui.send("q")
        assert tui.wait_exit() == 0
        tui.assert_terminal_restored()


EDGE = "\u258f"  # the left edge of each box of the terminal flamegraph


def flame(screen):
    """(title line, rows of boxes): each row a list of (start column, label)."""
    lines = screen.lines
    at = next((i for i, l in enumerate(lines) if l.startswith(("Flamegraph", "Search:"))), None)
    assert at is not None, "no flamegraph title on the screen"
    rows = []
    for line in lines[at + 1 :]:
        if EDGE not in line:
            break
        boxes = [(m.start(), m.group(1).strip()) for m in re.finditer(EDGE + "([^" + EDGE + "]*)", line)]
        rows.append(boxes)
    return lines[at], rows


def test_flamegraph_in_the_terminal(graph):
    # 2000 samples before the search's share is judged: at a few hundred,
    # one run in a few hundred strays past the tolerance by chance alone.
    with top("-p", graph.pid, "-r", "500", width=120, height=40) as tui:
        started(tui, min_samples=2000, rows=("shared", "crunch", "via_a", "via_b"), timeout=START_TIMEOUT + 10)
        tui.send("F")
        screen = tui.wait_for(lambda s: [b[1] for b in flame(s)[1][3]][:2] == ["via_a", "via_b"], "via_a and via_b in the fourth row", timeout=KEY_TIMEOUT)
        title, rows = flame(screen)
        assert [r[0][1] for r in rows[:3]] == ["all", "<module>", "main"], screen
        assert all(r[0][0] == 0 for r in rows[:3]) and all(len(r) == 1 for r in rows[:3]), "the roots span the width\n%s" % screen
        # The widest box below main is via_a, the caller of most of the
        # time: its width (up to via_b's start) is its share of 120 columns.
        via_b_at = rows[3][1][0]
        assert abs(100.0 * via_b_at / 120 - 75) <= TOLERANCE, "via_a takes %d of 120 columns\n%s" % (via_b_at, screen)
        assert [b[1] for b in rows[4]][:2] == ["shared", "shared"] and rows[4][1][0] == via_b_at, screen
        assert [b[1] for b in rows[5]][:1] == ["crunch"], screen
        # Down to via_a (the widest callee at each step), Enter: zoomed.
        tui.send("Down", "Down", "Down")
        tui.wait_for(lambda s: "via_a (" in flame(s)[0], "via_a selected", timeout=KEY_TIMEOUT)
        tui.send("Enter")
        screen = tui.wait_for(lambda s: flame(s)[0].startswith("Flamegraph, zoomed") and flame(s)[1][0][0][1] == "via_a", "zoomed on via_a", timeout=KEY_TIMEOUT)
        title, rows = flame(screen)
        assert [r[0][1] for r in rows[:3]] == ["via_a", "shared", "crunch"] and all(len(r) == 1 for r in rows[:2]), screen
        # A smaller terminal: the same zoom and selection, drawn to its width.
        tui.resize(80, 24)
        screen = tui.wait_for(lambda s: flame(s)[1][0][0][1] == "via_a" and max(len(l) for l in s.lines) <= 80, "the zoomed flamegraph at 80x24", timeout=KEY_TIMEOUT)
        assert "via_a (" in flame(screen)[0], screen
        # Search: crunch holds about two thirds of every sample.
        tui.send("/")
        tui.type("crunch")
        tui.send("Enter")
        screen = tui.wait_for(lambda s: re.search(r"Search: crunch \u00b7 ([\d.]+)% of the samples match", flame(s)[0]), "the search's share", timeout=KEY_TIMEOUT)
        share = float(re.search(r"([\d.]+)% of the samples match", flame(screen)[0]).group(1))
        assert abs(share - 200.0 / 3) <= TOLERANCE, screen
        # Esc: the search goes, then the zoom, then back to the table.
        tui.send("Escape")
        tui.wait_for(lambda s: flame(s)[0].startswith("Flamegraph, zoomed"), "the search cleared", timeout=KEY_TIMEOUT)
        tui.send("Escape")
        tui.wait_for(lambda s: flame(s)[1][0][0][1] == "main", "zoomed out one level, onto main", timeout=KEY_TIMEOUT)
        tui.send("Escape", "Escape", "Escape")
        view_of(tui, lambda v: v.has("crunch"), "the table again")
        # F again, and a signal while the flamegraph shows: the terminal
        # is given back.
        tui.send("F")
        tui.wait_for(lambda s: flame(s)[1], "the flamegraph again", timeout=KEY_TIMEOUT)
        tui.signal(signal.SIGTERM)
        tui.wait_exit()
        tui.assert_terminal_restored()


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
def test_flamegraph_colours(graph, no_color):
    """Boxes coloured by module as the SVG colours them (the fixture's own
    code: the application's red background); with NO_COLOR, no colour at
    all and the boxes in reverse video."""
    env = pytop_env()
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    with top("-p", graph.pid, env=env) as tui:
        started(tui, min_samples=100, rows=("shared", "crunch"))
        tui.send("F")
        tui.wait_for(lambda s: flame(s)[1], "the flamegraph", timeout=KEY_TIMEOUT)
        text = tui._tmux("capture-pane", "-p", "-e", "-t", tui.name).stdout
        boxes = [l for l in text.splitlines() if EDGE + "crunch" in l]
        assert boxes, text
        if no_color:
            assert not COLOR_SGR.search(text), "colours despite NO_COLOR: %r" % COLOR_SGR.search(text).group(0)
            assert "\x1b[7m" in boxes[0], "boxes not in reverse video: %r" % boxes[0]
        else:
            assert re.search(r"\x1b\[(?:[0-9;]*;)?41[;m]", boxes[0]), "crunch (the application's code) not on red: %r" % boxes[0]
        tui.send("q")
        assert tui.wait_exit() == 0


def test_views_without_a_utf8_locale(graph):
    """A shell with no locale (env -i): the view draws ASCII look-alikes,
    never bytes of UTF-8 the terminal would show as garbage."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color", "HOME": os.environ.get("HOME", "/root")}
    with top("-p", graph.pid, env=env) as tui:
        v = started(tui, min_samples=100, rows=("shared", "crunch"))
        assert "%Ownv" in v.titles and "all since start - by function" in v.header_text, v.screen
        for mode, ready in (("T", lambda s: "Call tree" in s.text), ("F", lambda s: "Flamegraph" in s.text)):
            tui.send(mode)
            screen = tui.wait_for(ready, "the %s view" % mode, timeout=KEY_TIMEOUT)
            bad = [l for l in screen.lines if any(ord(c) > 127 for c in l)]
            assert not bad, "characters beyond ASCII without a UTF-8 locale:\n%s" % "\n".join(bad)
            tui.send("Escape")
            view_of(tui, lambda v: v.has("crunch"), "the table again")
        screen = tui.wait_for(lambda s: "Call tree" not in s.text, "the table", timeout=KEY_TIMEOUT)
        tui.send("T")
        screen = tui.wait_for(lambda s: "Call tree" in s.text and " v main" in s.text, "the tree's open mark as v", timeout=KEY_TIMEOUT)
        tui.send("q")
        assert tui.wait_exit() == 0
        tui.assert_terminal_restored()
