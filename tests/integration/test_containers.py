"""pytop and containers, with real namespaces.

A "container" here is what Docker and Kubernetes make of a service: the
fixture tests/fixtures/container_app.py runs as PID 1 of its own PID,
network, mount and UTS namespaces (`unshare`), with a hostname of its own
and, for a Debian root's interpreter, that root as its filesystem. pytop
reads it from the host: its threads are known inside by other ids than the
host's, its port is in another network namespace, its files under another
root. A "debug container" is pytop run the `kubectl debug` / `docker run
--pid=container:X` way: in the service's PID namespace only, with a /proc
of that namespace and a root filesystem of its own (bullseye's, with
pytop's build and the libraries it links, glibc's loader included, copied
into it as an image would hold them).

Judged against the fixture's own oracle (sys._current_frames and
threading's native ids, as the service sees them) and /proc's NSpid.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import (
    FIXTURES,
    PRESENT,
    PYTOP,
    READY_TIMEOUT,
    Target,
    children,
    free_port,
    markers,
    oracle_frames,
    parse_dump,
    poll_dump,
    pytop_env,
    root_path,
    run_pytop,
)
from test_top import view_of
from tuilib import Tui

SCRIPT = "container_app.py"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces need root")


def nspid(pid, tid=None):
    """The NSpid fields of a process or thread: [host id, ..., innermost id]."""
    path = "/proc/%d/task/%d/status" % (pid, tid) if tid else "/proc/%d/status" % pid
    with open(path) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError("no NSpid in %s" % path)


def host_tids(pid):
    """{innermost id: host id} of every thread of pid."""
    out = {}
    for name in os.listdir("/proc/%d/task" % pid):
        try:
            out[nspid(pid, int(name))[-1]] = int(name)
        except (OSError, AssertionError):
            pass
    return out


class Container:
    """container_app.py as PID 1 of new PID, network, mount and UTS namespaces."""

    def __init__(self, interp, port, hostname):
        self.interp, self.port, self.hostname = interp, port, hostname
        root = interp.root or ""
        # --mount-proc: a /proc of the new PID namespace, in the filesystem
        # the service sees (a root's wrapper then chroots into it).
        argv = ["unshare", "--fork", "--pid", "--net", "--uts", "--mount-proc=%s/proc" % root,
                "sh", "-c", 'hostname "$0" && ip link set lo up && exec "$@"', hostname,
                interp.path, SCRIPT, str(port)]
        self.target = Target(argv, FIXTURES, "container-%s-%s" % (interp.id, hostname))
        self.pid = None

    def start(self):
        t = self.target
        t.wait_until(lambda: "ready\n" in t.output()[0], "ready")
        kids = children(t.pid)
        assert len(kids) == 1, "unshare should have one child, the service: %s\n%s" % (kids, t.describe())
        self.pid = kids[0]
        assert nspid(self.pid)[-1] == 1 and self.oracle["pid"] == 1, t.describe()
        # The fixture's reporter thread exits after "ready": wait for it.
        reporter = self.oracle["reporter_tid"]
        t.wait_until(lambda: reporter not in host_tids(self.pid), "the reporter thread's exit")
        return self

    @property
    def oracle(self):
        return self.target.oracle

    def stop(self):
        self.target.stop()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def one_interpreter():
    """A Debian root's interpreter when there is one (a filesystem that is not the host's)."""
    rooted = [i for i in PRESENT if i.root]
    if rooted:
        return rooted[0]
    if not PRESENT:
        pytest.fail("no interpreter found")
    return PRESENT[0]


# --------------------------------------------------------------------------
# From the host


def test_dump_of_a_container_from_the_host(interp):
    port = free_port()
    with Container(interp, port, "web-1") as c:
        oracle = c.oracle
        tids = host_tids(c.pid)

        def settled(processes):
            return processes[0].thread(name="burner").state == "running"

        processes, r = poll_dump("-p", c.pid, until=settled, what="burner [running]")
        p = processes[0]
        # The header: the host PID, then the PID inside and the container's hostname.
        assert (p.pid, p.container) == (c.pid, "PID 1 in web-1"), r.describe()
        # Threads by the host's ids (what /proc and ptrace take), each the
        # thread the service knows by its own id, with CPython's own stack.
        assert len(p.threads) == len(oracle["threads"]), r.describe()
        for o in oracle["threads"]:
            t = p.thread(name=o["display_name"])
            assert t.tid == tids[o["tid"]], "thread %s: %d inside is %d on the host\n%s" % (o["display_name"], o["tid"], tids[o["tid"]], r.describe())
            if o["display_name"] != "burner":
                assert t.stack == oracle_frames(oracle, o), r.describe()
                assert t.state == "idle", r.describe()
        m = markers(SCRIPT)
        burner = p.thread(name="burner").stack
        assert burner[0][:2] == (interp.func("burn"), SCRIPT) and m["burn-first"] <= burner[0][2] <= m["burn-last"], r.describe()
        # By port: the socket is in the container's network namespace.
        r = run_pytop("dump", "-P", port)
        assert r.returncode == 0, r.describe()
        assert [q.pid for q in parse_dump(r.stdout)] == [c.pid], r.describe()


def test_list_and_record_of_a_container():
    interp = one_interpreter()
    port = free_port()
    with Container(interp, port, "web-1") as c:
        r = run_pytop("list")
        assert r.returncode == 0, r.describe()
        lines = r.stdout.splitlines()
        assert lines[0].split()[:4] == ["PID", "PPID", "NSPID", "CONTAINER"], r.describe()
        row = [l.split() for l in lines[1:] if l.split()[0] == str(c.pid)]
        assert len(row) == 1, r.describe()
        assert row[0][2:4] == ["1", "web-1"] and row[0][5] == str(port), r.describe()

        out = tempfile.mkdtemp(prefix="pytop-it-container-")
        try:
            path = os.path.join(out, "c.txt")
            r = run_pytop("record", "-P", port, "-d", "2", "-t", "-f", "collapsed", "-o", path, timeout=30)
            assert r.returncode == 0, r.describe()
            with open(path) as f:
                stacks = [l.rsplit(" ", 1) for l in f.read().splitlines()]
        finally:
            shutil.rmtree(out)
        # The burner runs all the time: about one sample a tick (200 at
        # 100 Hz), under its thread by its host id. The main thread is
        # kept only when the kernel finds it running (it may wake): 2% at most.
        burner_tid = host_tids(c.pid)[[o["tid"] for o in c.oracle["threads"] if o["display_name"] == "burner"][0]]
        under = sum(int(n) for s, n in stacks if "thread %d (burner)" % burner_tid in s.split(";"))
        total = sum(int(n) for s, n in stacks)
        main = sum(int(n) for s, n in stacks if s.startswith("thread %d (MainThread);" % c.pid))
        assert under >= 150 and under + main == total and main <= 0.02 * total, "%d of %d samples under thread %d (burner)\n%s" % (under, total, burner_tid, stacks)
        # Native frames pause each thread by its host id (ptrace).
        r = run_pytop("dump", "-n", "-p", c.pid)
        assert r.returncode == 0, r.describe()
        parker_tid = host_tids(c.pid)[[o["tid"] for o in c.oracle["threads"] if o["display_name"] == "parker"][0]]
        blocks = {b.split("\n")[0].split(" [")[0]: b for b in r.stdout.split("\n\n")}
        parker = blocks.get("Thread %d (parker)" % parker_tid, "")
        assert re.search(r"^    \S.* \((?:[^()]*, )?[^:(),]*\.so[^:(),]*\)$", parker, re.M), "no native frame under Thread %d (parker)\n%s" % (parker_tid, r.describe())


def test_live_view_of_a_container():
    interp = one_interpreter()
    port = free_port()
    with Container(interp, port, "web-1") as c:
        with Tui([PYTOP, "-P", port], env=pytop_env(), name="container-top") as tui:
            v = view_of(tui, lambda v: v.samples > 0 and v.has(interp.func("burn")), "burn in the table")
            assert "PID 1 in web-1 \u00b7 PID %d (" % c.pid in v.screen.text, v.screen


# --------------------------------------------------------------------------
# Two containers, one port


def test_one_port_in_two_network_namespaces():
    interp = one_interpreter()
    port = free_port()
    with Container(interp, port, "web-1") as a, Container(interp, port, "web-2") as b:
        for args in (["dump", "-P", port], ["record", "-P", port, "-d", "1", "-o", os.devnull]):
            r = run_pytop(*args)
            assert r.returncode == 1, r.describe()
            listed = ", ".join("%d (PID 1 in %s)" % pn for pn in sorted([(a.pid, "web-1"), (b.pid, "web-2")]))
            assert r.error_line() == (
                "pytop: port %d is open in 2 network namespaces, by 2 processes (PIDs %s): "
                "add -s to profile them all, or choose one with -p PID" % (port, listed)
            ), r.describe()
        # The live view asks, showing each one's container; Enter profiles the chosen one.
        with Tui([PYTOP, "-P", port], env=pytop_env(), name="container-pick") as tui:
            screen = tui.wait_for(lambda s: "port %d is open in 2 network namespaces, by 2 processes: choose one" % port in s.text and "CONTAINER" in s.text, "the picker")
            rows = [l for l in screen.text.splitlines() if re.search(r"\bPID 1 in web-[12]\b", l)]
            assert len(rows) == 2, screen
            chosen = rows[0] if rows[0].startswith(">") else rows[1]
            pid = int(chosen[1:].split()[0])
            name = re.search(r"PID 1 in (web-[12])", chosen).group(1)
            tui.send("Enter")
            v = view_of(tui, lambda v: v.samples > 0 and "PID 1 in %s \u00b7 PID %d (" % (name, pid) in v.screen.text, "the chosen container's header")
            assert nspid(pid)[-1] == 1 and {a.pid: "web-1", b.pid: "web-2"}[pid] == name, v.screen


# --------------------------------------------------------------------------
# A debug container: the service's PID namespace only, another root


def bundle_pytop(root):
    """pytop and every library it links, glibc's loader too, copied into a
    directory under root's /tmp (the host's /tmp, mounted there): how an
    image of a debug container would carry it. Returns (dir, argv prefix)."""
    d = tempfile.mkdtemp(prefix="pytop-it-debug-", dir="/tmp")
    os.chmod(d, 0o755)
    shutil.copy2(PYTOP, os.path.join(d, "pytop"))
    r = subprocess.run(["ldd", PYTOP], capture_output=True, text=True, check=True)
    loader = None
    for line in r.stdout.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            shutil.copy2(os.path.realpath(m.group(1)), os.path.join(d, os.path.basename(m.group(1))))
            if "ld-linux" in m.group(1):
                loader = os.path.basename(m.group(1))
    assert loader, "no loader in ldd's output: %s" % r.stdout
    assert os.path.samefile(root + "/tmp", "/tmp"), "%s/tmp is not the host's /tmp" % root
    return d, [os.path.join(d, loader), "--library-path", d, os.path.join(d, "pytop")]


def debug_argv(target_pid, root, pytop_argv):
    """Run pytop_argv in target_pid's PID namespace, with a /proc of that
    namespace, chrooted into root: a debug container beside the service."""
    return ["nsenter", "--target", str(target_pid), "--pid", "--", "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"', root] + pytop_argv


@pytest.fixture
def debug_root():
    root, why = root_path("bullseye")
    if root is None:
        pytest.skip(why)
    return root


def test_debug_container_sharing_only_the_pid_namespace(debug_root):
    interp = one_interpreter()
    port = free_port()
    d, pytop = bundle_pytop(debug_root)
    try:
        with Container(interp, port, "web-1") as c:
            def inside(*args, timeout=30):
                argv = debug_argv(c.pid, debug_root, pytop + [str(a) for a in args])
                p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=pytop_env(), stdin=subprocess.DEVNULL)
                return p
            oracle = c.oracle
            # In the namespace the service is PID 1 and its threads have the ids it knows.
            for args in (["dump", "-p", "1"], ["dump", "-P", port]):
                p = inside(*args)
                assert p.returncode == 0, (args, p.stdout, p.stderr)
                proc = parse_dump(p.stdout)[0]
                assert (proc.pid, proc.container) == (1, "in web-1"), p.stdout
                assert sorted(t.tid for t in proc.threads) == sorted(o["tid"] for o in oracle["threads"]), p.stdout
                parker = [o for o in oracle["threads"] if o["display_name"] == "parker"][0]
                assert proc.thread(name="parker").stack == oracle_frames(oracle, parker), p.stdout
            p = inside("list")
            assert p.returncode == 0, p.stderr
            rows = [l.split() for l in p.stdout.splitlines()[1:]]
            assert [r[0] for r in rows if str(port) in r] == ["1"], p.stdout
            out = os.path.join(d, "c.txt")
            p = inside("record", "-P", port, "-d", "1", "-f", "collapsed", "-o", out)
            assert p.returncode == 0, p.stderr
            with open(out) as f:
                text = f.read()
            assert ";%s (%s:" % (interp.func("burn"), SCRIPT) in text, text
            # The live view and its picker, from there.
            with Tui(debug_argv(c.pid, debug_root, pytop), env=pytop_env(), name="debug-picker") as tui:
                screen = tui.wait_for(lambda s: re.search(r"^>\s+1\s", s.text, re.M) is not None, "the picker with PID 1")
                tui.send("Enter")
                v = view_of(tui, lambda v: v.samples > 0 and v.has(interp.func("burn")), "burn in the table")
                assert "in web-1 \u00b7 PID 1 (" in v.screen.text, v.screen
    finally:
        shutil.rmtree(d)
