"""The live view (`pytop top`, the default command), driven through tmux.

The contract is /work/shared/design/CLI.md, "The live view (`top`)": a
header (PID, Python version, rate, samples...), the table `%Own %Total
OwnTime TotalTime Function (file:line)`, a footer, and the keys.  pytop runs
in a tmux pane (tuilib.Tui) inside a wrapper shell that records `stty -a`
before and after, so every way of ending pytop is checked to leave the
terminal as it found it.

Targets: tests/fixtures/proportions.py (heavy/light ~75/25 of the CPU),
idle_busy.py (one spinning thread, the others parked) and an inline script
with a non-ASCII function name.  One interpreter: Debian's python3.11, else
the first present one (conftest.any_interpreter).

The module is skipped when tmux is missing, or while pytop says the `top`
command is "not available yet".  Everything is polled; the only fixed wait
is the freeze test's deliberate interval.
"""

import glob
import os
import re
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from conftest import FIXTURES, PYTOP, any_interpreter, launch, launch_argv, pytop_env, require_pytop
from tuilib import Tui, display_column, display_width, tmux_available

# --------------------------------------------------------------------------
# Skip the module when it cannot run


def _unsupported_reason():
    if not tmux_available():
        return "tmux is not installed: the live view is tested through a tmux pane"
    if not os.access(PYTOP, os.X_OK):
        return None  # the tests fail with require_pytop()'s message
    try:
        probe = subprocess.run(
            [PYTOP, "-p", "1"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=10, env=pytop_env()
        )
    except (OSError, subprocess.SubprocessError) as e:
        return None if isinstance(e, subprocess.TimeoutExpired) else "cannot run %s: %s" % (PYTOP, e)
    err = probe.stderr.decode("utf-8", "replace").strip()
    if "not available yet" in err:
        return "%s has no live view yet: %s" % (PYTOP, err)
    return None


_reason = _unsupported_reason()
if _reason:
    print("test_top.py skipped: " + _reason)
    pytest.skip(_reason, allow_module_level=True)

START_TIMEOUT = 10  # attach + first rows
KEY_TIMEOUT = 5  # a key's effect on the screen (rows redraw about once a second)


# --------------------------------------------------------------------------
# Reading the screen


COLUMNS = ["%Own", "%Total", "OwnTime", "TotalTime", "Function"]
NUM = r"\d+(?:\.\d+)?"
TIME = r"\d+(?:\.\d+)?[smh]?"
ROW_RE = re.compile(
    r"^(?P<lead>[\s>*]*)(?P<own>%s)%%?\s+(?P<total>%s)%%?\s+(?P<owntime>%s)\s+(?P<totaltime>%s)\s+(?P<function>\S.*?)\s*$"
    % (NUM, NUM, TIME, TIME)
)
TITLES_RE = re.compile(r"^\s*%Own\S*\s+%Total\S*\s+OwnTime\S*\s+TotalTime\S*\s+Function")
FUNC_RE = re.compile(r"^(?P<name>.*?)(?: \((?P<file>.*?)(?::(?P<line>\d+))?\))?$")


def seconds(text):
    m = re.match(r"^(\d+(?:\.\d+)?)([smh]?)$", text)
    value = float(m.group(1))
    return value * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


@dataclass
class Row:
    own: float
    total: float
    own_time: float
    total_time: float
    function: str  # "heavy (proportions.py:21)"
    name: str  # "heavy"
    file: str
    line: int  # -1: none shown
    text: str  # the whole screen line
    spans: dict  # column -> (start, end) in screen columns


class View:
    """The live view as captured: header lines, column titles, rows, the rest.

    Raises AssertionError when there is no table yet (wait_for retries)."""

    def __init__(self, screen):
        self.screen = screen
        lines = screen.lines
        titles = [i for i, line in enumerate(lines) if TITLES_RE.match(line)]
        assert titles, "no column titles %s on the screen" % COLUMNS
        self.title_index = titles[0]
        self.titles = lines[self.title_index]
        self.header = lines[: self.title_index]
        self.header_text = "\n".join(self.header)
        self.rows = []
        i = self.title_index + 1
        while i < len(lines):
            m = ROW_RE.match(lines[i])
            if not m:
                break
            f = FUNC_RE.match(m.group("function"))
            spans = dict(
                (k, (display_column(lines[i], m.start(k)), display_column(lines[i], m.end(k))))
                for k in ("own", "total", "owntime", "totaltime", "function")
            )
            self.rows.append(
                Row(
                    float(m.group("own")),
                    float(m.group("total")),
                    seconds(m.group("owntime")),
                    seconds(m.group("totaltime")),
                    m.group("function"),
                    f.group("name"),
                    f.group("file") or "",
                    int(f.group("line")) if f.group("line") else -1,
                    lines[i],
                    spans,
                )
            )
            i += 1
        self.below = lines[i:]

    @property
    def names(self):
        return [r.name for r in self.rows]

    def row(self, name):
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError("no row for %r in %s" % (name, self.names))

    def has(self, name):
        return name in self.names

    @property
    def samples(self):
        m = re.search(r"\bSamples:?\s+([\d,]+)", self.header_text, re.I) or re.search(r"([\d,]+) samples\b", self.header_text, re.I)
        assert m, "no sample count in the header"
        return int(m.group(1).replace(",", ""))

    def sorted_column(self):
        """The column whose title carries a mark (an arrow, a star...), else None."""
        plain = {"%Own", "%Total", "OwnTime", "TotalTime", "Function", "(file:line)"}
        marked = [t for t in self.titles.split() if t not in plain]
        for c in COLUMNS:
            if any(t.startswith(c) for t in marked):
                return c
        return "Function" if marked and marked[0].startswith("(file") else None

    def shape(self):
        """The header with every number masked: what toggles change."""
        return [re.sub(r"\d+(?:\.\d+)?", "#", line) for line in self.header]


def view_of(tui, predicate, what, timeout=KEY_TIMEOUT):
    """Wait until predicate(View) holds; return that View."""
    screen = tui.wait_for(lambda s: predicate(View(s)), what, timeout=timeout)
    return View(screen)


def nonincreasing(values):
    return all(a >= b for a, b in zip(values, values[1:]))


def nondecreasing(values):
    return all(a <= b for a, b in zip(values, values[1:]))


def alphabetical(rows, reverse=False):
    """Sorted by the Function column, as plain bytes or ignoring case."""
    for key in (lambda r: r.function, lambda r: r.function.casefold()):
        keys = [key(r) for r in rows]
        if keys == sorted(keys, reverse=reverse):
            return True
    return False


# --------------------------------------------------------------------------
# Fixtures and launching


@pytest.fixture(scope="module")
def py():
    return any_interpreter()


@pytest.fixture(scope="module")
def target(py):
    """proportions.py, shared by the tests that only watch it (pytop -p never stops it)."""
    with launch(py, "proportions.py") as t:
        yield t


def top(*args, width=120, height=40, cwd=None, env=None, **kw):
    require_pytop()
    env = env if env is not None else pytop_env()
    return Tui([PYTOP] + [str(a) for a in args], width=width, height=height, cwd=cwd, env=env, name="top", **kw)


def started(tui, min_samples=1, rows=("heavy", "light"), timeout=START_TIMEOUT):
    """Wait for the first real table: samples, and the given function rows."""
    return view_of(
        tui,
        lambda v: v.samples >= min_samples and all(v.has(n) for n in rows),
        "the table with rows %s and at least %d samples" % (list(rows), min_samples),
        timeout=timeout,
    )


def svg_ok(path):
    root = ET.parse(str(path)).getroot()
    assert root.tag.endswith("svg"), "%s: root element is %s, not svg" % (path, root.tag)


# --------------------------------------------------------------------------
# The screen


def test_header_and_proportions(py, target):
    with top("-p", target.pid) as tui:
        v = started(tui, min_samples=250)
        h = v.header_text
        assert re.search(r"\b%d\b" % target.pid, h), "the header does not show PID %d\n%s" % (target.pid, v.screen)
        assert "Python %s" % py.version in h, "the header does not show Python %s\n%s" % (py.version, v.screen)
        assert re.search(r"\d+(\.\d+)? ?Hz", h), "the header does not show the sampling rate (Hz)\n%s" % v.screen
        assert v.samples > 0
        # The target's own CPU and memory, read from it alone: proportions.py
        # keeps one core busy; its RSS is what the kernel says.
        cpu = re.search(r"CPU (\d+(?:\.\d+)?)%", h)
        rss = re.search(r"RSS (\d+(?:\.\d+)?) MiB", h)
        assert cpu and rss, "the header does not show the target's CPU and RSS\n%s" % v.screen
        assert 60 <= float(cpu.group(1)) <= 110, "CPU %s%% for a target that keeps a core busy\n%s" % (cpu.group(1), v.screen)
        with open("/proc/%d/status" % target.pid) as f:
            vmrss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024.0
        assert abs(float(rss.group(1)) - vmrss) <= 0.25 * vmrss, "RSS %s MiB, the kernel says %.1f\n%s" % (rss.group(1), vmrss, v.screen)
        titles = v.titles.split()
        order = [titles.index(next(t for t in titles if t.startswith(c))) for c in COLUMNS]
        assert order == sorted(order), "columns are not in the order %s: %r" % (COLUMNS, v.titles)
        assert v.names[:2] == ["heavy", "light"], (
            "heavy (~75%% of the CPU) then light (~25%%) must lead the default %%Own order\n%s" % v.screen
        )
        heavy = v.row("heavy")
        assert 65 <= heavy.own <= 85, (
            "heavy's %%Own is %.1f; the fixture gives it about 75%% (an approximate split, "
            "65-85 accepted after %d samples)\n%s" % (heavy.own, v.samples, v.screen)
        )
        # The range above accepts heavy at 65%, light then at 35%: the ratio
        # bound follows from it (65 / 35 = 1.86), not a stricter one.
        assert heavy.own > 1.8 * v.row("light").own, "heavy must take about 3x light's %%Own\n%s" % v.screen
        # times are sample counts turned into seconds: OwnTime ~ %Own of the elapsed sampling
        assert heavy.own_time > 0 and heavy.total_time >= heavy.own_time, v.screen


def test_sort_keys(target):
    with top("-p", target.pid) as tui:
        started(tui, min_samples=100, rows=("heavy", "light", "main", "<module>"))
        steps = [
            ("5", "Function, alphabetical", lambda v: alphabetical(v.rows) and v.names[0] != "heavy"),
            ("5", "Function again: reversed", lambda v: alphabetical(v.rows, reverse=True)),
            (
                "2",
                "%Total, highest first (<module>/main 100%, then heavy, light)",
                lambda v: nonincreasing([r.total for r in v.rows])
                and set(v.names[:2]) == {"<module>", "main"}
                and v.names.index("heavy") < v.names.index("light"),
            ),
            ("2", "%Total again: lowest first", lambda v: nondecreasing([r.total for r in v.rows]) and v.names[-1] in ("<module>", "main")),
            ("1", "%Own, highest first", lambda v: nonincreasing([r.own for r in v.rows]) and v.names[0] == "heavy"),
            ("1", "%Own again: lowest first", lambda v: nondecreasing([r.own for r in v.rows]) and v.names[-1] == "heavy"),
            ("3", "OwnTime, highest first", lambda v: nonincreasing([r.own_time for r in v.rows]) and v.names[0] == "heavy"),
            ("3", "OwnTime again: lowest first", lambda v: nondecreasing([r.own_time for r in v.rows]) and v.names[-1] == "heavy"),
            (
                "4",
                "TotalTime, highest first",
                lambda v: nonincreasing([r.total_time for r in v.rows]) and set(v.names[:2]) == {"<module>", "main"},
            ),
        ]
        for key, what, predicate in steps:
            tui.send(key)
            v = view_of(tui, predicate, "after key %r: rows sorted by %s" % (key, what))
            expected = COLUMNS[int(key) - 1]
            assert v.sorted_column() == expected, "after key %r the title of %s should be marked as sorted: %r" % (key, expected, v.titles)


def test_move_sort_column(target):
    with top("-p", target.pid) as tui:
        started(tui, min_samples=100, rows=("heavy", "light", "main", "<module>"))
        by_total = lambda v: set(v.names[:2]) == {"<module>", "main"} and v.names.index("heavy") < v.names.index("light")  # noqa: E731
        by_own = lambda v: v.names[0] == "heavy" and nonincreasing([r.own for r in v.rows])  # noqa: E731
        steps = [
            (">", "%Total (moved right from %Own)", lambda v: by_total(v) and nonincreasing([r.total for r in v.rows])),
            (">", "OwnTime", lambda v: v.names[0] == "heavy" and nonincreasing([r.own_time for r in v.rows])),
            (">", "TotalTime", lambda v: by_total(v) and nonincreasing([r.total_time for r in v.rows])),
            (">", "Function", lambda v: alphabetical(v.rows) or alphabetical(v.rows, reverse=True)),
            ("<", "TotalTime (moved left from Function)", lambda v: by_total(v) and nonincreasing([r.total_time for r in v.rows])),
            ("<", "OwnTime", lambda v: v.names[0] == "heavy" and nonincreasing([r.own_time for r in v.rows])),
            ("<", "%Total", lambda v: by_total(v) and nonincreasing([r.total for r in v.rows])),
            ("<", "%Own", by_own),
        ]
        for key, what, predicate in steps:
            tui.send(key)
            view_of(tui, predicate, "after key %r: rows sorted by %s" % (key, what))


def test_filter(target):
    with top("-p", target.pid) as tui:
        started(tui, rows=("heavy", "light", "main"))
        tui.send("/")
        tui.type("light")
        tui.send("Enter")
        v = view_of(tui, lambda v: v.rows and all("light" in r.function for r in v.rows), "only rows containing 'light' after / light Enter")
        assert v.names == ["light"], v.screen
        # the filter stays while rows refresh
        samples = v.samples
        view_of(tui, lambda v: v.samples > samples and v.names == ["light"], "the filter kept across refreshes")
        tui.send("/")
        tui.send("Escape")
        view_of(tui, lambda v: all(v.has(n) for n in ("heavy", "light", "main")), "every row back after / Esc")


def test_line_aggregation(target):
    with top("-p", target.pid) as tui:
        v = started(tui, min_samples=50)
        assert len(set(v.names)) == len(v.names), "one row per function by default\n%s" % v.screen
        tui.send("l")
        v = view_of(
            tui,
            lambda v: len(set(r.line for r in v.rows if r.name == "heavy")) >= 2,
            "after l: heavy on several rows, one per line (e.g. proportions.py:23 and :24)",
        )
        heavy_lines = set(r.line for r in v.rows if r.name == "heavy")
        assert all(r.file.endswith("proportions.py") for r in v.rows if r.name == "heavy"), v.screen
        assert {23, 24} & heavy_lines, "heavy's hot lines 23/24 not among %s\n%s" % (sorted(heavy_lines), v.screen)
        tui.send("l")
        view_of(tui, lambda v: v.rows and len(set(v.names)) == len(v.names) and v.has("heavy"), "after l again: one row per function")


def test_reset(target):
    with top("-p", target.pid) as tui:
        before = started(tui, min_samples=150).samples
        tui.send("r")
        dropped = view_of(tui, lambda v: v.samples < before, "after r: the sample count drops below %d" % before).samples
        view_of(tui, lambda v: v.samples > dropped and v.has("heavy"), "after r: samples grow again from %d" % dropped)


def test_freeze(target):
    with top("-p", target.pid) as tui:
        started(tui, min_samples=20)
        tui.send("Space")
        time.sleep(0.5)  # the deliberate interval: the key is read within a frame
        first = View(tui.capture())
        time.sleep(2.0)  # two refreshes would have happened
        second = View(tui.capture())
        assert second.samples == first.samples and second.rows == first.rows, (
            "the display changed while frozen\n--- first\n%s\n--- second\n%s" % (first.screen, second.screen)
        )
        tui.send("Space")
        view_of(tui, lambda v: v.samples > second.samples, "after space again: the display updates (samples > %d)" % second.samples)


def test_save_flamegraph(target, tmp_path):
    with top("-p", target.pid, cwd=tmp_path) as tui:
        started(tui)
        tui.send("s")
        tui.wait_for(lambda s: s.find(r"profile\.svg"), "the status line naming profile.svg")
        assert (tmp_path / "profile.svg").exists(), "the status line names profile.svg but it is not in cwd %s" % tmp_path
        svg_ok(tmp_path / "profile.svg")
        tui.send("s")
        tui.wait_for(lambda s: s.find(r"profile-1\.svg"), "the status line naming profile-1.svg after a second s")
        assert (tmp_path / "profile-1.svg").exists(), "profile-1.svg not written in %s" % tmp_path
        svg_ok(tmp_path / "profile-1.svg")
        assert b"heavy" in (tmp_path / "profile-1.svg").read_bytes(), "the flamegraph does not contain heavy"


def test_stack_snapshot(target, tmp_path):
    with top("-p", target.pid, cwd=tmp_path) as tui:
        started(tui)
        tui.send("d")
        def snapshot(s):
            if re.search(r"not available yet|not implemented", s.text, re.I):
                pytest.fail("after d pytop says the snapshot is not available (CLI.md's `d` key)\n%s" % s)
            return "main" in s.text and "<module>" in s.text and not any(TITLES_RE.match(line) for line in s.lines)

        screen = tui.wait_for(snapshot, "after d: the stack snapshot view (main and <module> frames)")
        deadline = time.monotonic() + KEY_TIMEOUT
        while not list(tmp_path.glob("pytop-stacks-%d-*.txt" % target.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        files = list(tmp_path.glob("pytop-stacks-%d-*.txt" % target.pid))
        assert len(files) == 1, "after d: expected one pytop-stacks-%d-TIME.txt in cwd, found %s\n%s" % (
            target.pid,
            sorted(p.name for p in tmp_path.iterdir()),
            screen,
        )
        text = files[0].read_text(encoding="utf-8")
        assert "main" in text and "<module>" in text, "the snapshot file lacks the main thread's frames:\n" + text
        tui.send("Escape")
        tui.wait_for(is_table, "the table back after Esc on the snapshot")


# Every key of CLI.md's table, as the help screen may spell it.
HELP_KEYS = [
    ("q", r"(?<![\w])q(?![\w])"),
    ("F10", r"\bF10\b"),
    ("?", r"\?"),
    ("h", r"(?<![\w-])h(?![\w])"),
    ("F1", r"\bF1\b"),
    ("1..5", r"1.{0,3}2.{0,3}3.{0,3}4.{0,3}5|1-5"),
    ("<", r"<"),
    (">", r">"),
    ("/", r"(?<![\w])/(?![\w])"),
    ("s", r"(?<![\w])s(?![\w])"),
    ("d", r"(?<![\w])d(?![\w])"),
    ("p", r"(?<![\w])p(?![\w])"),
    ("l", r"(?<![\w])l(?![\w])"),
    ("i", r"(?<![\w])i(?![\w])"),
    ("t", r"(?<![\w])t(?![\w])"),
    ("w", r"(?<![\w])w(?![\w])"),
    ("n", r"(?<![\w-])n(?![\w])"),
    ("r", r"(?<![\w])r(?![\w])"),
    ("space", r"(?i)\bspace\b"),
    ("arrows", r"(?i)\barrows?\b|\u2191"),
    ("PgUp", r"(?i)\bPgUp\b"),
    ("PgDn", r"(?i)\bPgDn\b"),
    ("Home", r"\bHome\b"),
    ("End", r"\bEnd\b"),
]


def help_keys(screen):
    """The keys column of the help screen: each entry line (indented at most
    4) up to the first run of 3+ blanks; description lines are left out."""
    out = []
    for line in screen.lines:
        m = re.match(r"^( {0,4})(\S.*?)(?:\s{3,}|$)", line)
        if m:
            out.append(m.group(2))
    return "\n".join(out)


def is_help(screen):
    return all(re.search(p, screen.text) for p in (r"\bF10\b", r"(?i)\bPgUp\b", r"\bHome\b")) and not any(
        TITLES_RE.match(line) for line in screen.lines
    )


def is_table(screen):
    return not is_help(screen) and bool(View(screen).rows)


def test_help(target):
    with top("-p", target.pid) as tui:
        started(tui)
        tui.send("?")
        screen = tui.wait_for(is_help, "the help screen after ?")
        missing = [k for k, p in HELP_KEYS if not re.search(p, help_keys(screen))]
        assert not [k for k in missing if k != "n"], "the help screen does not list these keys of CLI.md: %s\n%s" % (missing, screen)
        tui.send("Escape")
        tui.wait_for(is_table, "the table back after Esc on the help screen")
        tui.send("?")
        tui.wait_for(is_help, "the help screen after ? again")
        tui.send("?")
        tui.wait_for(is_table, "the table back after ? on the help screen")
        for key in ("h", "F1"):
            tui.send(key)
            tui.wait_for(is_help, "the help screen after %s" % key)
            tui.send("Escape")
            tui.wait_for(is_table, "the table back after Esc")
        # Last, so that the checks above run whatever: CLI.md's `n` (started with -n).
        assert "n" not in missing, "the help screen does not list CLI.md's `n` (show / hide native frames)\n%s" % screen


def test_window_toggle(target):
    with top("-p", target.pid) as tui:
        v = started(tui)
        shape = v.shape()
        tui.send("w")
        changed = view_of(tui, lambda v: v.shape() != shape and v.rows, "after w: the header shows the 10-second window")
        assert re.search(r"10 ?s", changed.header_text), (
            "after w nothing on the screen mentions the 10 s window\n%s" % changed.screen
        )
        tui.send("w")
        view_of(tui, lambda v: v.shape() == shape, "after w again: the header as at the start\n%s" % "\n".join(shape))


def test_idle_toggle(py):
    with launch(py, "idle_busy.py") as busy, top("-p", busy.pid) as tui:
        v = started(tui, min_samples=30, rows=("spin",))
        assert not (v.has("nap") or v.has("block")), "without idle samples only spin shows\n%s" % v.screen
        tui.send("i")
        view_of(tui, lambda v: v.has("nap") and v.has("block") and v.has("spin"), "after i: the parked nap and block rows")


# --------------------------------------------------------------------------
# Ending pytop


@pytest.mark.parametrize("how", ["q", "F10", "C-c", "SIGTERM"])
def test_exit_restores_terminal(target, how):
    with top("-p", target.pid) as tui:
        started(tui)
        assert tui.pane_flag("#{alternate_on}") == "1", "pytop does not use the alternate screen"
        if how == "SIGTERM":
            tui.signal(signal.SIGTERM)
        else:
            tui.send(how)
        rc = tui.wait_exit()
        tui.assert_terminal_restored()
        if how in ("q", "F10"):
            assert rc == 0, "pytop exited %s after %s\n%s" % (rc, how, tui.describe())
        assert target.proc.poll() is None, "pytop -p must leave its target running after %s" % how


def test_target_exits(py):
    with launch(py, "proportions.py") as victim, top("-p", victim.pid) as tui:
        started(tui)
        victim.stop()
        v = view_of(
            tui,
            lambda v: re.search(r"\b%d\b.*exit|exit.*\b%d\b" % (victim.pid, victim.pid), v.screen.text, re.I | re.S),
            "a banner saying PID %d exited" % victim.pid,
        )
        banner = [line for line in v.screen.lines if "exit" in line.lower()]
        assert any(str(victim.pid) in line for line in banner), "the banner does not name PID %d: %s" % (victim.pid, banner)
        assert v.has("heavy") and v.has("light"), "the table must stay after the target exits\n%s" % v.screen
        assert tui.alive()
        tui.send("s")
        tui.wait_for(lambda s: s.find(r"profile\.svg"), "the status line naming profile.svg after the target exited")
        svg_ok(tui.cwd / "profile.svg")
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()


def _processes_tagged(tag):
    found = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if tag.encode() in args:
            found.append(int(path.split("/")[2]))
    return found


def test_command_started_and_stopped(py):
    tag = "pytop-it-top-%d-%d" % (os.getpid(), time.monotonic_ns())
    try:
        with top("--", py.path, FIXTURES / "proportions.py", 0, tag) as tui:
            v = started(tui, min_samples=100)
            assert v.names[0] == "heavy", "heavy must lead %%Own\n%s" % v.screen
            assert _processes_tagged(tag), "the started fixture is not running"
            tui.send("q")
            tui.wait_exit()
            tui.assert_terminal_restored()
            deadline = time.monotonic() + 5
            while _processes_tagged(tag) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = _processes_tagged(tag)
            assert not left, "processes started by pytop remain after q: %s" % left
    finally:
        for pid in _processes_tagged(tag):  # ours: started through our pytop
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_stdout_not_a_terminal(target, tmp_path):
    out, err = tmp_path / "out", tmp_path / "err"
    with top("-p", target.pid, stdout=out, stderr=err) as tui:
        rc = tui.wait_exit()
        tui.assert_terminal_restored()
        lines = err.read_text().splitlines()
        assert rc == 1, "pytop -p PID > file must exit 1, got %s; stderr %s" % (rc, lines)
        assert len(lines) == 1 and "pytop record" in lines[0], "expected one stderr line mentioning `pytop record`: %s" % lines
        assert out.read_text() == "", "nothing may go to the redirected stdout: %r" % out.read_text()[:200]


# --------------------------------------------------------------------------
# Layout


def test_80x24(target):
    with top("-p", target.pid, width=80, height=24) as tui:
        v = started(tui, min_samples=20)
        assert not v.screen.too_wide()
        assert len(v.screen.lines) <= 24, v.screen
        assert re.search(r"\b%d\b" % target.pid, v.header_text), "the header at 80x24 lacks the PID\n%s" % v.screen
        for name in ("heavy", "light"):
            row = v.row(name)  # the name is whole: row() matches the exact name
            assert row.file, "the row of %s shows no file at 80 columns: %r" % (name, row.text)
        last = v.screen.nonblank()[-1]
        assert re.search(r"(?i)\bq ?quit|quit", last), "no footer with the keys on the last line at 80x24\n%s" % v.screen


def test_resize(target):
    with top("-p", target.pid, width=120, height=40) as tui:
        v = started(tui)
        footer = v.screen.nonblank()[-1]
        tui.resize(80, 24)
        key = re.sub(r"\s+", " ", footer.strip())[:12]

        def redrawn(v):
            last = v.screen.nonblank()[-1]
            return (
                v.has("heavy")
                and v.has("light")
                and not v.screen.too_wide()
                and re.sub(r"\s+", " ", last.strip()).startswith(key)
                and len(v.screen.lines) <= 24
            )

        view_of(tui, redrawn, "the view redrawn at 80x24: table and the footer (%r) on the last line" % key)
        tui.resize(120, 40)
        view_of(tui, lambda v: v.has("heavy") and len(v.screen.lines) > 24 and v.screen.nonblank()[-1].strip().startswith(footer.strip()[:12]), "redrawn at 120x40 again")


NONASCII = """\
import sys


def grüße_日本():
    n = 0
    while True:
        n += 1


def main():
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    grüße_日本()


main()
"""


def test_non_ascii_alignment(py):
    name = "grüße_日本"
    with launch_argv([py.path, "-c", NONASCII], "nonascii", ready=lambda t: "ready\n" in t.output()[0]) as t:
        with top("-p", t.pid) as tui:
            for width, height in ((120, 40), (80, 24)):
                if width == 80:
                    tui.resize(80, 24)
                v = view_of(
                    tui,
                    lambda v: v.has(name) and v.has("main") and len(v.screen.lines) <= height and v.samples >= 10,
                    "a row for %s at %dx%d" % (name, width, height),
                    timeout=START_TIMEOUT,
                )
                row = v.row(name)
                assert display_width(row.text) <= width, "the row of %s is wider than %d columns: %r" % (name, width, row.text)
                for col in ("own", "total", "owntime", "totaltime"):
                    starts = set(r.spans[col][0] for r in v.rows)
                    ends = set(r.spans[col][1] for r in v.rows)
                    assert len(starts) == 1 or len(ends) == 1, "column %s not aligned at %dx%d: %s\n%s" % (
                        col,
                        width,
                        height,
                        [(r.name, r.spans[col]) for r in v.rows],
                        v.screen,
                    )
                starts = set(r.spans["function"][0] for r in v.rows)
                assert len(starts) == 1, "the Function column does not start at the same screen column: %s\n%s" % (
                    [(r.name, r.spans["function"]) for r in v.rows],
                    v.screen,
                )
                assert row.own > 50, "%s spins: it must have most of %%Own\n%s" % (name, v.screen)
