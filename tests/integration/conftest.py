"""Harness for pytop's integration tests: real interpreters, real targets.

- Interpreters: pyenv's 3.8-3.13, Debian's /usr/bin/python3.11, and the
  Debian roots that scripts/test-roots builds: sid's 3.13, 3.14 and 3.15,
  bullseye's 3.9 (run there with chroot, profiled from the host).  Each is a
  test parameter (`py3.12-pyenv`, `py3.11-debian`, `py3.14-sid`); a missing
  one is skipped with its reason, and the end of the run lists which were
  tested and which skipped.  test_dump.py fails if none is found at all.
- pytop: $PYTOP (set by `make check`), else build/pytop in the source tree.
- Targets: tests/fixtures/*.py started in their own process group, awaited
  until they print "ready" (fixturelib.announce), always killed afterwards.
  Each writes an oracle (FIXTURE_ORACLE): the stacks CPython itself sees.
- run_pytop(), poll_dump() and parse_dump(): run pytop, poll it until a
  predicate holds, and turn its dump output into Process/Thread/Frame.
- The expected text of frames comes from marker comments (`# @inner`) in
  the fixture sources (markers()) and from the oracle (oracle_frames()).
"""

import atexit
import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
TOP_SRCDIR = HERE.parent.parent
PYTOP = os.environ.get("PYTOP") or str(TOP_SRCDIR / "build" / "pytop")

SUPPORTED = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]  # from pyenv
# Debian roots (scripts/test-roots) and the interpreters each holds.
ROOT_INTERPRETERS = [("sid", ["3.13", "3.14", "3.15"]), ("bullseye", ["3.9"])]
UNSUPPORTED = ["2.7", "3.6", "3.7"]
DEBIAN_PYTHON = "/usr/bin/python3.11"

READY_TIMEOUT = 30
PYTOP_TIMEOUT = 10  # one dump takes milliseconds; a hang must not stall the suite
POLL_TIMEOUT = 15


# --------------------------------------------------------------------------
# Interpreters


@dataclass(frozen=True)
class Interpreter:
    id: str  # py3.12-pyenv
    version: str  # "3.12"
    path: Optional[str]  # None when missing; for a root's, a host-side wrapper
    missing: Optional[str] = None  # why it is missing
    root: Optional[str] = None  # the Debian root it runs in (chroot), if any

    @property
    def debian(self):
        """Built by Debian: stripped, with zlib and more linked in statically."""
        return self.id == "py3.11-debian" or self.root is not None

    @property
    def argv0(self):
        """argv[0] of its processes: a root's wrapper execs the real path."""
        return "/usr/bin/python" + self.version if self.root else self.path

    @property
    def version_info(self):
        return tuple(int(x) for x in self.version.split("."))

    def func(self, qualname, name=None):
        """The function name pytop shows: co_qualname from 3.11, co_name before."""
        if self.version_info >= (3, 11):
            return qualname
        return name if name is not None else qualname.rsplit(".", 1)[-1]


def _pyenv_command():
    found = shutil.which("pyenv")
    if found:
        return found
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidate = os.path.join(root, "bin", "pyenv")
    return candidate if os.access(candidate, os.X_OK) else None


def _version_key(path):
    m = re.search(r"/versions/(\d+)\.(\d+)\.(\d+)", path)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def find_pyenv_python(version):
    """(path, None) for pyenv's newest `version` (e.g. "3.12"), else (None, why)."""
    exe = "python" + version
    pyenv = _pyenv_command()
    if pyenv:
        try:
            r = subprocess.run(
                [pyenv, "prefix", version],
                capture_output=True,
                text=True,
                timeout=30,
                stdin=subprocess.DEVNULL,
            )
            for prefix in r.stdout.replace(":", "\n").split():
                candidate = os.path.join(prefix, "bin", exe)
                if r.returncode == 0 and os.access(candidate, os.X_OK):
                    return candidate, None
        except (OSError, subprocess.SubprocessError):
            pass
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(
        (p for p in glob.glob(os.path.join(root, "versions", version + ".*", "bin", exe)) if os.access(p, os.X_OK)),
        key=_version_key,
    )
    if candidates:
        return candidates[-1], None
    return None, "Python %s not found by `pyenv prefix %s` nor as %s/versions/%s.*/bin/%s" % (version, version, root, version, exe)


_WRAPPERS = tempfile.mkdtemp(prefix="pytop-it-python-")
atexit.register(shutil.rmtree, _WRAPPERS, True)


def root_path(name):
    """The complete Debian root NAME (scripts/test-roots path), or (None, why)."""
    script = TOP_SRCDIR / "scripts" / "test-roots"
    try:
        r = subprocess.run([str(script), "path", name], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "scripts/test-roots path %s: %s" % (name, e)
    if r.returncode == 0 and r.stdout.strip():
        return r.stdout.strip(), None
    return None, "the Debian %s root is not built (scripts/test-roots; needs root and the mirror)" % name


def root_python(root, name, version):
    """(wrapper, None) for ROOT's /usr/bin/pythonVERSION, else (None, why).

    The wrapper runs the interpreter inside the root, in the caller's
    directory (the source tree and /tmp are mounted at their own paths
    there); chroot and env exec, so the wrapper's PID is the Python's."""
    exe = "/usr/bin/python" + version
    if not os.access(root + exe, os.X_OK):
        return None, "%s is not installed in the %s root (%s)" % (exe, name, root)
    # Judged by what the chroot will see, not by /proc/self/mounts'
    # strings, which differ from ROOT where a directory on its way is a
    # symbolic link or a bind mount.
    if not os.path.exists(root + "/proc/self/stat"):
        return None, "/proc is not mounted in the %s root %s (scripts/test-roots mount %s)" % (name, root, TOP_SRCDIR)
    inside = root + str(TOP_SRCDIR)
    if not (os.path.isdir(inside) and os.path.samefile(inside, TOP_SRCDIR)):
        return None, "%s is not mounted at %s (scripts/test-roots mount %s)" % (TOP_SRCDIR, inside, TOP_SRCDIR)
    wrapper = os.path.join(_WRAPPERS, "python%s-%s" % (version, name))
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec chroot %s /usr/bin/env --chdir="$(pwd)" %s "$@"\n' % (root, exe))
    os.chmod(wrapper, 0o755)
    return wrapper, None


def discover_interpreters():
    found = []
    for version in SUPPORTED:
        path, why = find_pyenv_python(version)
        found.append(Interpreter("py%s-pyenv" % version, version, path, why))
    if os.access(DEBIAN_PYTHON, os.X_OK):
        found.append(Interpreter("py3.11-debian", "3.11", DEBIAN_PYTHON))
    else:
        found.append(Interpreter("py3.11-debian", "3.11", None, "%s is not installed" % DEBIAN_PYTHON))
    for name, versions in ROOT_INTERPRETERS:
        root, why = root_path(name)
        for version in versions:
            path = None
            if root is not None:
                path, why = root_python(root, name, version)
            found.append(Interpreter("py%s-%s" % (version, name), version, path, why, root))
    return found


INTERPRETERS = discover_interpreters()
PRESENT = [i for i in INTERPRETERS if i.path]


def old_interpreters():
    out = []
    for version in UNSUPPORTED:
        path, why = find_pyenv_python(version)
        out.append(Interpreter("py%s-pyenv" % version, version, path, why))
    return out


def pytest_report_header(config):
    lines = ["pytop: %s%s" % (PYTOP, "" if os.access(PYTOP, os.X_OK) else " (MISSING)")]
    for i in INTERPRETERS:
        lines.append("  %-14s %s" % (i.id, i.path or "missing: " + i.missing))
    return lines


_TESTED = set()  # ids of the interpreters some test ran on


@pytest.fixture(scope="module", params=INTERPRETERS, ids=[i.id for i in INTERPRETERS])
def interp(request):
    """Every supported interpreter on the machine; a missing one is skipped."""
    i = request.param
    if i.path is None:
        pytest.skip("%s: %s" % (i.id, i.missing))
    _TESTED.add(i.id)
    return i


def pytest_terminal_summary(terminalreporter):
    """Which interpreters this run tested, and why the others were not."""
    tr = terminalreporter
    tr.section("interpreters")
    tested = [i.id for i in INTERPRETERS if i.id in _TESTED]
    tr.write_line("tested: %s" % (", ".join(tested) or "none"))
    for i in INTERPRETERS:
        if i.id not in _TESTED:
            tr.write_line("not tested: %s: %s" % (i.id, i.missing or "no test asked for it"))


def any_interpreter():
    """A present interpreter for tests that need one but not each one."""
    for i in PRESENT:
        if i.id == "py3.11-debian":
            return i
    if PRESENT:
        return PRESENT[0]
    pytest.skip("no supported Python interpreter found")


# --------------------------------------------------------------------------
# Targets


def _alive(pid):
    """True while pid runs; does not reap it (the PGID stays ours to kill)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


def accepts(port):
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def task_files(pid, name):
    """{tid: text of /proc/pid/task/TID/name} of the threads pid has now
    (a thread that ends meanwhile is left out)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/%s" % (pid, tid, name)) as f:
                out[int(tid)] = f.read()
        except OSError:
            continue
    return out


def children(pid):
    """The direct children of pid (not zombies)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d))
    return out


def pids_with_arg(arg):
    """Live processes with arg as one of their command-line arguments."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    args = f.read().split(b"\0")
                with open("/proc/%s/stat" % d) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
            except (OSError, IndexError):
                continue
            if str(arg).encode() in args:
                found.append(int(d))
    return found


class Target:
    """A process started in its own process group; stop() kills the group."""

    def __init__(self, argv, cwd, name, env=None, argv0=None):
        self.argv = [str(a) for a in argv]
        self.argv0 = argv0 or self.argv[0]  # as the process shows it
        self.cwd = str(cwd)
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix="pytop-it-%s-" % re.sub(r"\W", "_", name)))
        self.out_path = self.dir / "stdout"
        self.err_path = self.dir / "stderr"
        self.oracle_path = self.dir / "oracle.json"
        full_env = dict(os.environ)
        full_env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "FIXTURE_ORACLE": str(self.oracle_path)})
        full_env.pop("PYTHONPATH", None)
        full_env.update(env or {})
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.pid = self.proc.pid
        self._oracle = None

    @property
    def cmdline(self):
        return " ".join([self.argv0] + self.argv[1:])

    def output(self):
        return self.out_path.read_text(errors="replace"), self.err_path.read_text(errors="replace")

    def describe(self):
        out, err = self.output()
        return "target %s (pid %d, %s)\n--- stdout\n%s--- stderr\n%s" % (self.name, self.pid, self.cmdline, out, err[-4000:])

    def wait_until(self, predicate, what, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not predicate():
            if not _alive(self.pid):
                pytest.fail("%s exited before %s\n%s" % (self.name, what, self.describe()))
            if time.monotonic() > deadline:
                pytest.fail("%s: %s not within %ss\n%s" % (self.name, what, timeout, self.describe()))
            time.sleep(0.01)

    def wait_ready(self, timeout=READY_TIMEOUT):
        self.wait_until(lambda: "ready\n" in self.output()[0], "ready", timeout)
        if self.oracle_path.exists():
            reporter = self.oracle["reporter_tid"]
            self.wait_until(
                lambda: not os.path.exists("/proc/%d/task/%d" % (self.pid, reporter)),
                "the fixture's reporter thread exited",
                timeout,
            )
        return self

    @property
    def oracle(self):
        if self._oracle is None:
            with open(self.oracle_path, encoding="utf-8") as f:
                self._oracle = json.load(f)
        return self._oracle

    def oracle_thread(self, display_name):
        for t in self.oracle["threads"]:
            if t["display_name"] == display_name:
                return t
        raise KeyError(display_name)

    def stop(self):
        if self.proc.returncode is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.pid, sig)  # our own group: start_new_session
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # Children that outlived the leader (uvicorn workers) are still ours.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def launch(interp, script, *args, cwd=FIXTURES, wait=True):
    """Run tests/fixtures/SCRIPT under interp from cwd; yield it once ready."""
    target = Target([interp.path, script] + [str(a) for a in args], cwd, "%s-%s" % (interp.id, script), argv0=interp.argv0)
    try:
        if wait:
            target.wait_ready()
        yield target
    finally:
        target.stop()


@contextlib.contextmanager
def launch_argv(argv, name, cwd=FIXTURES, ready=None):
    """Run any command; `ready` is a predicate on the Target, or None."""
    target = Target(argv, cwd, name)
    try:
        if ready is not None:
            target.wait_until(lambda: ready(target), "ready")
        yield target
    finally:
        target.stop()


# --------------------------------------------------------------------------
# Running pytop


@dataclass
class Result:
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self):
        return "$ %s\nexit %d\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(self.argv),
            self.returncode,
            self.stdout[-8000:],
            self.stderr[-4000:],
        )

    def error_line(self):
        """The one stderr line of a failure ("pytop: MESSAGE"); asserts the shape."""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, "expected exactly one line on stderr\n" + self.describe()
        assert lines[0].startswith("pytop: "), "stderr must start with 'pytop: '\n" + self.describe()
        return lines[0]


_CONFIG_HOME = tempfile.mkdtemp(prefix="pytop-it-config-")  # stays empty
atexit.register(shutil.rmtree, _CONFIG_HOME, True)


_TMPDIR = tempfile.mkdtemp(prefix="pytop-it-tmp-")  # the live view's command logs land here
atexit.register(shutil.rmtree, _TMPDIR, True)


def pytop_env():
    """The environment without PYTOP_* options or a user config file, with a
    TMPDIR of the run's own (removed at its end)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("PYTOP_"))
    env["XDG_CONFIG_HOME"] = _CONFIG_HOME
    env["TMPDIR"] = _TMPDIR
    return env


def require_pytop():
    if not os.access(PYTOP, os.X_OK):
        pytest.fail("pytop binary not found at %s (build it, or set PYTOP)" % PYTOP)


def run_pytop(*args, timeout=PYTOP_TIMEOUT, user=None, pytop=None, cwd=None, wrap=()):
    """Run pytop with args (as `user` via setpriv when given, in cwd when given, under the
    command `wrap` when given); never raises on exit status."""
    require_pytop()
    argv = list(wrap) + [pytop or PYTOP] + [str(a) for a in args]
    if user is not None:
        group = subprocess.run(["id", "-gn", user], capture_output=True, text=True).stdout.strip()
        argv = ["setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups", "--"] + argv
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout, env=pytop_env(), stdin=subprocess.DEVNULL, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        pytest.fail("pytop did not finish within %ss: %s\n--- stdout so far\n%s" % (timeout, " ".join(argv), (e.stdout or b"")[-4000:]))
    try:
        out, err = p.stdout.decode("utf-8"), p.stderr.decode("utf-8")
    except UnicodeDecodeError as e:
        pytest.fail("pytop wrote invalid UTF-8 (%s): %s\n%r\n%r" % (e, " ".join(argv), p.stdout[-4000:], p.stderr[-2000:]))
    return Result(argv, p.returncode, out, err)


# --------------------------------------------------------------------------
# The dump format


@dataclass
class Frame:
    function: str
    file: str
    line: int
    locals: List[tuple] = field(default_factory=list)  # [(name, repr)]

    @property
    def where(self):
        return (self.function, self.file, self.line)


@dataclass
class Thread:
    tid: int
    name: str
    state: str  # running | idle
    gil: bool
    frames: List[Frame] = field(default_factory=list)

    @property
    def stack(self):
        return [f.where for f in self.frames]


@dataclass
class Process:
    pid: int
    cmdline: str
    version: str
    runtime_path: str
    threads: List[Thread] = field(default_factory=list)
    container: str = ""  # "PID 1 in web-1", "in /srv/root": where it differs from pytop's

    def thread(self, tid=None, name=None):
        for t in self.threads:
            if (tid is None or t.tid == tid) and (name is None or t.name == name):
                return t
        raise AssertionError("no thread tid=%s name=%r in process %d: %s" % (tid, name, self.pid, [(t.tid, t.name) for t in self.threads]))


class DumpFormatError(Exception):
    pass


# "Process 4242: CMD", or in a container "Process 4242 (PID 1 in web-1): CMD".
PROCESS_RE = re.compile(r"^Process (\d+)(?: \(([^)]*)\))?: (.*)$")
PYTHON_RE = re.compile(r"^Python (\d+\.\d+\.\d+\S*) \((/.*)\)$")
THREAD_RE = re.compile(r"^Thread (\d+) \((.*)\) \[(running|idle)\]( \[GIL\])?$")
FRAME_RE = re.compile(r"^    (\S.*?) \((.+):(\d+)\)$")
LOCAL_RE = re.compile(r"^        (\w+) = (.*)$")


def parse_dump(text):
    """Parse `pytop dump` output into [Process]; DumpFormatError on any odd line."""
    if not text.endswith("\n"):
        raise DumpFormatError("output does not end with a newline")
    lines = text[:-1].split("\n")
    processes = []
    i = 0

    def fail(msg):
        raise DumpFormatError("line %d: %s: %r" % (i + 1, msg, lines[i] if i < len(lines) else "<end>"))

    while i < len(lines):
        m = PROCESS_RE.match(lines[i])
        if not m:
            fail("expected 'Process PID: CMDLINE'")
        proc_pid, container, cmdline = int(m.group(1)), m.group(2) or "", m.group(3)
        i += 1
        m = PYTHON_RE.match(lines[i]) if i < len(lines) else None
        if not m:
            fail("expected 'Python X.Y.Z (PATH)'")
        process = Process(proc_pid, cmdline, m.group(1), m.group(2), container=container)
        processes.append(process)
        i += 1
        if i >= len(lines) or lines[i] != "":
            fail("expected a blank line after the Python line")
        i += 1
        while i < len(lines) and not lines[i].startswith("Process "):
            m = THREAD_RE.match(lines[i])
            if not m:
                fail("expected 'Thread TID (NAME) [running|idle]'")
            thread = Thread(int(m.group(1)), m.group(2), m.group(3), bool(m.group(4)))
            process.threads.append(thread)
            i += 1
            while i < len(lines) and lines[i] != "":
                fm = FRAME_RE.match(lines[i])
                lm = LOCAL_RE.match(lines[i])
                if fm:
                    thread.frames.append(Frame(fm.group(1), fm.group(2), int(fm.group(3))))
                elif lm and thread.frames:
                    thread.frames[-1].locals.append((lm.group(1), lm.group(2)))
                else:
                    fail("expected a frame '    FUNCTION (FILE:LINE)' or a local '        NAME = REPR'")
                i += 1
            if i < len(lines):  # the blank line ending the thread block
                i += 1
                if i == len(lines):
                    fail("blank line at the end of the output")
        if not process.threads:
            raise DumpFormatError("process %d has no thread" % proc_pid)
    if not processes:
        raise DumpFormatError("empty output")
    return processes


def dump(*args, timeout=PYTOP_TIMEOUT):
    """Run `pytop dump ARGS` once; it must succeed and parse."""
    r = run_pytop("dump", *args, timeout=timeout)
    assert r.returncode == 0, "pytop dump failed\n" + r.describe()
    assert r.stderr == "", "pytop dump wrote to stderr\n" + r.describe()
    try:
        return parse_dump(r.stdout), r
    except DumpFormatError as e:
        pytest.fail("unparsable dump output: %s\n%s" % (e, r.describe()))


def poll_dump(*args, until, what, timeout=POLL_TIMEOUT, interval=0.05, parse=None):
    """Run `pytop dump ARGS` until until(parsed) is true; fail at the deadline.

    parse turns the output into what until sees (parse_dump's processes
    unless given).  Returns (parsed, result).  A failing run or a
    predicate raising counts as "not yet"; the last output goes in the
    failure message; a usage error (exit 2) fails at once, for waiting
    will not mend it.
    """
    parse = parse or parse_dump
    deadline = time.monotonic() + timeout
    runs = 0
    while True:
        runs += 1
        r = run_pytop("dump", *args)
        note = ""
        if r.returncode == 2:
            pytest.fail("pytop dump rejected its arguments\n" + r.describe())
        if r.returncode == 0:
            try:
                parsed = parse(r.stdout)
            except DumpFormatError as e:
                pytest.fail("unparsable dump output: %s\n%s" % (e, r.describe()))
            try:
                if until(parsed):
                    return parsed, r
            except (AssertionError, KeyError, IndexError, ValueError) as e:
                note = "predicate: %s: %s\n" % (type(e).__name__, e)
        if time.monotonic() > deadline:
            pytest.fail("%s: not seen in %d runs of pytop dump over %ss\n%s%s" % (what, runs, timeout, note, r.describe()))
        time.sleep(interval)


# --------------------------------------------------------------------------
# Expected values, derived from the fixture sources and the oracles


_markers = {}


def markers(script):
    """{marker: line} for every `# @marker` comment of tests/fixtures/SCRIPT."""
    if script not in _markers:
        found = {}
        with open(FIXTURES / script, encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                for name in re.findall(r"#\s*@([\w-]+)", text):
                    assert name not in found, "marker @%s twice in %s" % (name, script)
                    found[name] = number
        _markers[script] = found
    return _markers[script]


def _under(path, base):
    base = base.rstrip("/")
    return bool(base) and path.startswith(base + "/")


def absolute_filename(filename, oracle):
    """co_filename as an absolute path (3.8 keeps the script's relative name)."""
    if filename.startswith("<") or os.path.isabs(filename):
        return filename
    return os.path.normpath(os.path.join(oracle["cwd"], filename))


def short_filename(filename, oracle):
    """pytop's default file name: relative to the target's cwd if under it,
    else to its site-packages/dist-packages or stdlib directory, else whole."""
    path = absolute_filename(filename, oracle)
    if path.startswith("<"):
        return path
    if _under(path, oracle["cwd"]):
        return os.path.relpath(path, oracle["cwd"])
    for base in sorted(oracle["site_dirs"], key=len, reverse=True) + [oracle["stdlib"]]:
        if _under(path, base):
            return os.path.relpath(path, base)
    return path


def oracle_frames(oracle, thread, full_filenames=False):
    """[(function, file, line)] that pytop must print for an oracle thread."""
    qualified = tuple(oracle["version_info"][:2]) >= (3, 11)
    out = []
    for f in thread["frames"]:
        name = f["qualname"] if qualified else f["name"]
        filename = absolute_filename(f["filename"], oracle) if full_filenames else short_filename(f["filename"], oracle)
        out.append((name, filename, f["lineno"]))
    return out


# --------------------------------------------------------------------------
# Ports


def free_port():
    """A TCP port nothing listens on right now (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_inodes(port):
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for row in f:
                    cols = row.split()
                    local, state, inode = cols[1], cols[3], cols[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except OSError:
            pass
    return inodes


def descendants(pid):
    """Every live descendant of pid, from /proc/PID/task/*/children."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for children in glob.glob("/proc/%d/task/*/children" % parent):
            try:
                with open(children) as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def listener_pids(port):
    """PIDs holding a socket listening on TCP port `port`, from /proc."""
    wanted = set("socket:[%s]" % i for i in listening_inodes(port))
    pids = set()
    if not wanted:
        return pids
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % entry):
                if os.readlink("/proc/%s/fd/%s" % (entry, fd)) in wanted:
                    pids.add(int(entry))
                    break
        except OSError:
            continue
    return pids
