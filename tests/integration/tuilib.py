"""A small tmux driver for testing full-screen terminal programs.

    with Tui(["top"], width=120, height=40) as tui:
        screen = tui.wait_for(lambda s: "load average" in s.text, "the header")
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()

Each Tui runs its own tmux server (a private socket, `tmux -L NAME -f
/dev/null`, so neither the user's tmux nor their ~/.tmux.conf is touched) with
one session NAME, one window of WIDTHxHEIGHT.  The pane runs a wrapper shell
script that

    stty -a > before
    echo $$ > pid; exec CMD        (a child sh, so `pid` is CMD's own PID)
    echo $? > rc
    stty -a > after
    echo DONE; read line; echo "GOT:$line"; exec sleep 3600

so a test can check, after the program ends however it ends, that the
terminal settings are those it started with, that the shell runs again
(DONE), and that the terminal echoes and delivers a typed line (GOT:...).
The wrapper catches SIGINT (a caught signal is reset to the default in the
exec'd program) so Ctrl-C ends only the program, not the wrapper.

close() (and leaving the `with`) kills the session, which ends its server;
the program's PID is killed first if it still runs.
"""

import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
from pathlib import Path

import pytest

_counter = itertools.count()
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def tmux_available():
    return shutil.which("tmux") is not None


def display_width(text):
    """Terminal columns of text: East Asian wide/fullwidth count 2, combining 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def display_column(line, index):
    """Screen column (0-based) of line[index]."""
    return display_width(line[:index])


class Screen:
    """One capture of the pane: lines (trailing blanks trimmed by tmux)."""

    def __init__(self, text, width, height):
        self.text = text
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.width = width
        self.height = height

    def __contains__(self, needle):
        return needle in self.text

    def find(self, pattern, flags=0):
        """The first re.search match of pattern on any line, else None."""
        for line in self.lines:
            m = re.search(pattern, line, flags)
            if m:
                return m
        return None

    def nonblank(self):
        return [line for line in self.lines if line.strip()]

    def too_wide(self):
        """Lines wider than the window (should never happen in a capture)."""
        return [line for line in self.lines if display_width(line) > self.width]

    def __str__(self):
        ruler = "+" + "-" * self.width + "+"
        body = "\n".join("|%s|" % (line + " " * max(0, self.width - display_width(line))) for line in self.lines)
        return "%s\n%s\n%s" % (ruler, body, ruler)


class Tui:
    def __init__(self, argv, width=120, height=40, cwd=None, env=None, name="tui", stdout=None, stderr=None):
        """Start argv in a new tmux session of width x height.

        cwd: the program's working directory (default: a fresh temp dir,
        tui.dir).  env: the program's whole environment (default: ours).
        stdout/stderr: paths to redirect the program's output to (default:
        the terminal).
        """
        if not tmux_available():
            pytest.skip("tmux is not installed")
        self.name = "pytop-it-%s-%d-%d" % (re.sub(r"\W", "_", name), os.getpid(), next(_counter))
        self.dir = Path(tempfile.mkdtemp(prefix=self.name + "-"))
        self.cwd = Path(cwd) if cwd else self.dir / "cwd"
        self.cwd.mkdir(exist_ok=True)
        self.width, self.height = width, height
        self.argv = [str(a) for a in argv]
        self.pid = None
        self._closed = False
        redirect = ""
        if stdout:
            redirect += " >%s" % shlex.quote(str(stdout))
        if stderr:
            redirect += " 2>%s" % shlex.quote(str(stderr))
        d = lambda f: shlex.quote(str(self.dir / f))  # noqa: E731
        script = self.dir / "run.sh"
        script.write_text(
            "trap ':' INT\n"
            "cd %(cwd)s || exit 1\n"
            "stty -a > %(before)s\n"
            "sh -c 'echo $$ > %(pidtmp)s && mv %(pidtmp)s %(pid)s && exec \"$@\"' sh %(argv)s%(redirect)s\n"
            "echo $? > %(rc)s\n"
            "stty -a > %(after)s\n"
            "echo DONE\n"
            "read line\n"
            'echo "GOT:$line"\n'
            "exec sleep 3600\n"
            % dict(
                cwd=shlex.quote(str(self.cwd)),
                before=d("before"),
                after=d("after"),
                pid=d("pid"),
                pidtmp=d("pid.tmp"),
                rc=d("rc"),
                argv=" ".join(shlex.quote(a) for a in self.argv),
                redirect=redirect,
            )
        )
        full_env = dict(env if env is not None else os.environ)
        full_env.pop("TMUX", None)
        full_env.pop("TMUX_PANE", None)
        full_env.setdefault("TERM", "xterm")  # tmux itself wants one; the pane gets tmux's default-terminal
        # A sanitizer's report goes to a file of the session's: on the pane
        # its stack would scroll away before a failing test captures it.
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if var in full_env:
                full_env[var] += ":log_path=%s" % (self.dir / "sanitizer")
        self._env = full_env
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), "sh %s" % shlex.quote(str(script))
        )
        # The window keeps the size we asked for, whatever clients attach.
        self._tmux("set-option", "-t", self.name, "window-size", "manual", check=False)
        self._socket = self._tmux("display-message", "-p", "-t", self.name, "#{socket_path}", check=False).stdout.strip()
        deadline = time.monotonic() + 10
        while not (self.dir / "pid").exists():
            if time.monotonic() > deadline:
                self.close()
                pytest.fail("the program did not start in tmux within 10 s: %s\n%s" % (" ".join(self.argv), self.capture()))
            time.sleep(0.01)
        self.pid = int((self.dir / "pid").read_text())

    # ---- tmux

    def _tmux(self, *args, check=True):
        argv = ["tmux", "-L", self.name, "-f", "/dev/null"] + list(args)
        r = subprocess.run(argv, capture_output=True, text=True, env=self._env, stdin=subprocess.DEVNULL, timeout=10)
        if check and r.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
        return r

    def capture(self):
        """The visible pane now, as a Screen."""
        r = self._tmux("capture-pane", "-p", "-t", self.name, check=False)
        if r.returncode != 0:
            return Screen("<capture failed: %s>" % r.stderr.strip(), self.width, self.height)
        return Screen(r.stdout, self.width, self.height)

    def reversed_lines(self):
        """The lines of the pane that start in reverse video, as plain text
        (run the program with NO_COLOR=1 for its selection to be reverse
        video). tmux writes an attribute only where it changes, so the
        attribute is followed across lines."""
        text = self._tmux("capture-pane", "-p", "-e", "-t", self.name).stdout
        out, reverse = [], False
        for line in text.splitlines():
            starts, at = None, 0
            for m in _SGR.finditer(line):
                if starts is None and m.start() > at:
                    starts = reverse
                at = m.end()
                for p in (m.group(0)[2:-1] or "0").split(";"):
                    reverse = True if p == "7" else False if p in ("", "0", "27") else reverse
            if starts if starts is not None else reverse:
                out.append(_SGR.sub("", line))
        return out

    def pane_flag(self, fmt):
        """A tmux format of the pane, e.g. '#{alternate_on}' -> '0'."""
        return self._tmux("display-message", "-p", "-t", self.name, fmt).stdout.strip()

    def send(self, *keys):
        """tmux key names: 'q', 'Enter', 'Escape', 'C-c', 'F10', 'Space', 'Up'."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def type(self, text):
        """Literal text, one key per character."""
        self._tmux("send-keys", "-l", "-t", self.name, text)

    def resize(self, width, height):
        self._tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    # ---- the program

    def alive(self):
        """True while the program runs (not a zombie)."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state not in ("Z", "X")
        except (OSError, IndexError):
            return False

    def returncode(self):
        """The program's exit status once the wrapper recorded it, else None."""
        try:
            text = (self.dir / "rc").read_text().strip()
            return int(text) if text else None
        except (OSError, ValueError):
            return None

    def signal(self, sig):
        os.kill(self.pid, sig)

    def describe(self, screen=None):
        screen = screen or self.capture()
        rc = self.returncode()
        status = "running" if self.alive() else ("exited %s" % rc if rc is not None else "gone")
        return "$ %s  (%dx%d, pid %s, %s)\n%s%s" % (" ".join(self.argv), self.width, self.height, self.pid, status, screen, self.sanitizer_reports())

    def sanitizer_reports(self):
        """What a sanitizer reported of the program (see __init__)."""
        return "".join("--- %s\n%s" % (p.name, p.read_text(errors="replace")) for p in sorted(self.dir.glob("sanitizer.*")))

    def wait_for(self, predicate, what, timeout=10, interval=0.05, need_alive=True):
        """Capture until predicate(screen) is true; return that screen.

        At the deadline (or when the program exits, if need_alive), fail
        with the last screen.  A predicate raising AssertionError, ValueError,
        IndexError or KeyError counts as false (its message is reported).
        """
        deadline = time.monotonic() + timeout
        note = ""
        while True:
            screen = self.capture()
            try:
                if predicate(screen):
                    return screen
                note = ""
            except (AssertionError, ValueError, IndexError, KeyError) as e:
                note = "predicate: %s: %s\n" % (type(e).__name__, e)
            if need_alive and not self.alive():
                time.sleep(0.2)
                pytest.fail("program exited while waiting for %s\n%s%s" % (what, note, self.describe()))
            if time.monotonic() > deadline:
                pytest.fail("not within %ss: %s\n%s%s" % (timeout, what, note, self.describe(screen)))
            time.sleep(interval)

    def wait_exit(self, timeout=10):
        """Wait until the program has ended and the wrapper shell runs again."""
        deadline = time.monotonic() + timeout
        while self.alive() or self.returncode() is None or not (self.dir / "after").exists():
            if time.monotonic() > deadline:
                pytest.fail("the program did not exit within %ss\n%s" % (timeout, self.describe()))
            time.sleep(0.02)
        return self.returncode()

    def assert_terminal_restored(self):
        """After wait_exit(): stty settings unchanged, alternate screen left,
        cursor visible, the shell prints DONE and reads a typed line."""
        self.wait_for(lambda s: any(line.strip() == "DONE" for line in s.lines), "the wrapper shell to print DONE", need_alive=False)
        # A resize legitimately changes rows/columns; everything else must match.
        size = re.compile(r"rows \d+; columns \d+;")
        before = size.sub("rows R; columns C;", (self.dir / "before").read_text())
        after = size.sub("rows R; columns C;", self.wait_file("after"))
        assert before == after, "terminal settings differ after the program exited\n--- before\n%s--- after\n%s\n%s" % (
            before,
            after,
            self.describe(),
        )
        assert self.pane_flag("#{alternate_on}") == "0", "the alternate screen is still on\n" + self.describe()
        assert self.pane_flag("#{cursor_flag}") == "1", "the cursor is still hidden\n" + self.describe()
        self.type("typed line")
        self.send("Enter")
        self.wait_for(lambda s: "GOT:typed line" in s.text, "the shell to read a typed line (echo and line mode work)", need_alive=False)

    def wait_file(self, name, timeout=5):
        path = self.dir / name
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                pytest.fail("%s not written\n%s" % (path, self.describe()))
            time.sleep(0.02)
        return path.read_text()

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self.pid is not None and self.alive():
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + 3
                while self.alive() and time.monotonic() < deadline:
                    time.sleep(0.02)
                if not self.alive():
                    break
        # Shown with the test's output should it fail (a leak found at exit
        # fails it by the exit status alone).
        reports = self.sanitizer_reports()
        if reports:
            print(reports)
        self._tmux("kill-session", "-t", self.name, check=False)
        # The server exits with its last session but leaves its socket file.
        if getattr(self, "_socket", "").endswith("/" + self.name):
            deadline = time.monotonic() + 2
            while self._tmux("has-session", "-t", self.name, check=False).returncode == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            try:
                os.unlink(self._socket)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
