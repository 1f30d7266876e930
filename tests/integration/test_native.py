"""-n/--native: native frames merged with Python frames, on every interpreter.

tests/fixtures/native_calls.py: the main thread runs squash() ->
zlib.compress -> libz's deflate; the thread "napper" runs nap() -> ctypes
-> libc's usleep, and spin(), pure Python. The merged stack must put the
libz frames inside the zlib module's compress inside squash, and usleep
inside the ctypes call inside nap; the pure-Python spin() must stay
between its Python callers. No thread may stay stopped when pytop is
killed with SIGKILL while sampling with --native.
"""

import json
import os
import re
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import PYTOP, launch, markers, pytop_env, run_pytop, task_files

M = markers("native_calls.py")
FRAME_RE = re.compile(r"^    (?P<name>.+?) \((?P<where>[^()]*)\)$")


def threads_of(dump):
    """{thread name: [(name, where), ...] innermost first} of a dump's text."""
    out, current = {}, None
    for line in dump.splitlines():
        m = re.match(r"^Thread \d+ \((.*)\) \[", line)
        if m:
            current = out.setdefault(m.group(1), [])
            continue
        f = FRAME_RE.match(line)
        if f and current is not None:
            current.append((f.group("name"), f.group("where")))
    return out


def py_frame(frames, name, marker):
    """Index of Python frame name at the marked line of native_calls.py, else -1."""
    for i, (n, where) in enumerate(frames):
        if n == name and where.endswith("native_calls.py:%d" % M[marker]):
            return i
    return -1


def library(where):
    """The library of a native frame's place: "libc.so.6" of "libc.so.6"
    and of "usleep.c:32, libc.so.6" (its source, where debug information
    is installed)."""
    return where.rsplit(", ", 1)[-1]


def is_native(frame):
    return not re.search(r"\.py:\d+$|^<.*>:\d+$", frame[1])


def dump_until(t, predicate, what, attempts=60):
    last = ""
    for _ in range(attempts):
        r = run_pytop("dump", "-n", "-p", t.pid)
        assert r.returncode == 0, r.describe()
        last = r.stdout
        threads = threads_of(r.stdout)
        if predicate(threads):
            return threads
        time.sleep(0.05)
    pytest.fail("no dump with %s in %d tries; the last one:\n%s" % (what, attempts, last))


def squashing(threads):
    frames = threads.get("MainThread", [])
    i = py_frame(frames, "squash", "squash")
    return i > 0 and any(library(f[1]).startswith("libz.so") for f in frames[:i])


def napping(threads):
    frames = threads.get("napper", [])
    return py_frame(frames, "nap", "nap") > 0 and any(f[0] == "usleep" for f in frames)


def test_zlib_inside_compress_inside_squash(interp):
    with launch(interp, "native_calls.py") as t:
        frames = dump_until(t, squashing, "libz under squash()")["MainThread"]
        i = py_frame(frames, "squash", "squash")
        inner = frames[:i]
        libz = [k for k, f in enumerate(inner) if library(f[1]).startswith("libz.so")]
        assert libz and all(is_native(f) for f in inner), frames
        # Right outside the libz frames: the zlib module's compress().
        outer = inner[max(libz) + 1:]
        assert outer, "nothing between libz and squash(): %s" % frames
        compress = outer[0]
        if interp.debian:
            # Debian builds zlib into its executable, stripped of static
            # functions: compress and the call plumbing have no name.
            assert all(library(f[1]) == "python" + interp.version and f[0].startswith("0x") for f in outer), frames
        else:
            assert compress[0] == "zlib_compress" and library(compress[1]).startswith("zlib.cpython-"), frames
            # No interpreter plumbing between compress and squash (hidden by default).
            assert outer[1:] == [], "frames between compress and squash(): %s" % outer[1:]
        # Outwards: main(), then <module>, and nothing native outside them.
        assert frames[i + 1][0] == "main" and frames[i + 2][0] == "<module>", frames
        assert frames[i + 2:] == [frames[i + 2]], "frames outside <module>: %s" % frames[i + 2:]


def test_ctypes_usleep_inside_nap(interp):
    with launch(interp, "native_calls.py") as t:
        frames = dump_until(t, napping, "usleep under nap()")["napper"]
        i = py_frame(frames, "nap", "nap")
        names = [f[0] for f in frames[:i]]
        assert all(is_native(f) for f in frames[:i]), frames
        libffi = [k for k, f in enumerate(frames[:i]) if library(f[1]).startswith("libffi.so")]
        assert libffi and names.index("usleep") < min(libffi), frames
        if interp.id != "py3.9-bullseye":  # bullseye's libffi7 is stripped of ffi_call's helpers
            assert names.index("usleep") < names.index("ffi_call"), frames
        assert library(frames[names.index("usleep")][1]) == "libc.so.6"
        assert py_frame(frames, "napper", "call-nap") == i + 1, frames
        run = interp.func("Thread.run", "run")
        assert frames[i + 2][0] == run, frames


def test_record_interleaves_python_and_native(interp, tmp_path):
    with launch(interp, "native_calls.py") as t:
        out = tmp_path / "p.txt"
        r = run_pytop("record", "-n", "-i", "-d", 3, "-r", 200, "-p", t.pid, "-o", out)
        assert r.returncode == 0, r.describe()
        assert re.search(r"target paused \d+(\.\d+)? us per sample", r.stderr), r.stderr
        stacks = {}
        for line in out.read_text().splitlines():
            stack, count = line.rsplit(" ", 1)
            stacks[stack] = stacks.get(stack, 0) + int(count)
        total = sum(stacks.values())
        assert total >= 300, "%d samples" % total
        squash = "squash (native_calls.py:%d)" % M["squash"]
        zlib = sum(c for s, c in stacks.items() if squash in s and re.search(r"\(([^;()]*, )?libz\.so", s.split(squash, 1)[1]))
        nap = "nap (native_calls.py:%d)" % M["nap"]
        usleep = sum(c for s, c in stacks.items() if nap in s and re.search(r";usleep \(([^;()]*, )?libc\.so\.6\)", s.split(nap, 1)[1]))
        spin_re = re.compile(r"spin \(native_calls\.py:\d+\)")  # the for line or its body
        spin = [s for s in stacks if spin_re.search(s)]
        assert zlib >= 0.3 * total / 2, "libz under squash in %d of %d samples" % (zlib, total)
        assert usleep >= 0.3 * total / 2, "usleep under nap in %d of %d samples" % (usleep, total)
        assert spin, "the pure-Python spin() never sampled"
        for s in spin:
            before, after = spin_re.split(s, 1)
            assert before.endswith("napper (native_calls.py:%d);" % M["call-spin"]), s
            assert "usleep" not in after and "libz.so" not in after, s


def test_every_format(tmp_path):
    from conftest import any_interpreter

    py = any_interpreter()
    with launch(py, "native_calls.py") as t:
        for name in ("p.svg", "p.json", "p.txt"):
            r = run_pytop("record", "-n", "-d", 1.5, "-p", t.pid, "-o", tmp_path / name)
            assert r.returncode == 0, r.describe()
        svg = ET.parse(str(tmp_path / "p.svg")).getroot()
        titles = " ".join(e.text or "" for e in svg.iter() if e.tag.endswith("title"))
        assert re.search(r"deflate \(([^()]*, )?libz\.so", titles), "no deflate (libz...) in the flamegraph"
        doc = json.loads((tmp_path / "p.json").read_text())
        frames = doc["shared"]["frames"]
        assert any(f["name"] == "deflate" and f.get("library", f.get("file", "")).startswith("libz.so") for f in frames), frames[:20]
        assert re.search(r";deflate \(([^;()]*, )?libz\.so[^;]*\)", (tmp_path / "p.txt").read_text())


def test_native_all_keeps_the_plumbing(tmp_path):
    from conftest import any_interpreter

    py = any_interpreter()
    r = run_pytop("dump", "--native-all", "-p", 1)
    assert r.returncode == 2 and "--native-all goes with -n" in r.stderr, r.describe()
    with launch(py, "native_calls.py") as t:
        threads = dump_until(t, squashing, "libz under squash()")
        r = run_pytop("dump", "-n", "--native-all", "-p", t.pid)
        for _ in range(60):
            r = run_pytop("dump", "-n", "--native-all", "-p", t.pid)
            assert r.returncode == 0, r.describe()
            threads = threads_of(r.stdout)
            if squashing(threads):
                break
            time.sleep(0.05)
        frames = threads["MainThread"]
        i = next(k for k, f in enumerate(frames) if f[0] == "<module>")
        outside = frames[i + 1:]
        assert outside and all(is_native(f) for f in outside), frames
        assert any(f[0] in ("main", "__libc_start_main", "Py_BytesMain", "Py_RunMain") for f in outside), outside


def thread_states(pid):
    out = {}
    for tid, text in task_files(pid, "status").items():
        state = re.search(r"^State:\s+(.*)$", text, re.M).group(1)
        tracer = int(re.search(r"^TracerPid:\s+(\d+)$", text, re.M).group(1))
        out[tid] = (state, tracer)
    return out


def test_sigkill_leaves_no_thread_stopped(tmp_path):
    from conftest import any_interpreter

    py = any_interpreter()
    with launch(py, "native_calls.py") as t:
        for round_ in range(5):
            p = subprocess.Popen([PYTOP, "record", "-n", "-r", "2000", "-p", str(t.pid), "-o", str(tmp_path / "k.txt")],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=pytop_env())
            time.sleep(0.3 + 0.1 * round_)
            p.send_signal(signal.SIGKILL)
            p.wait()
            deadline = time.monotonic() + 5
            while True:
                states = thread_states(t.pid)
                bad = {tid: s for tid, s in states.items() if s[0].startswith("t") or s[1] != 0}
                if not bad:
                    break
                assert time.monotonic() < deadline, "round %d: threads left stopped or traced: %s" % (round_, bad)
                time.sleep(0.02)
            assert t.proc.poll() is None, "the target died"
        # It still runs: a dump still sees it squash.
        dump_until(t, squashing, "libz under squash() after the kills")


def test_live_view_n_toggles_native_frames():
    from conftest import any_interpreter
    from test_top import top, view_of

    py = any_interpreter()
    with launch(py, "native_calls.py") as t, top("-n", "-p", t.pid) as tui:
        def native_rows(v):
            return [r for r in v.rows if library(r.file).startswith(("libz.so", "libc.so", "libffi.so"))]

        tui.send("2")  # by %Total: callers (squash, deflate) come first
        v = view_of(tui, lambda v: any(r.name == "deflate" and library(r.file).startswith("libz.so") for r in v.rows) and v.has("squash"),
                    "deflate (libz...) and squash in the table", timeout=15)
        unnamed = [r.name for r in native_rows(v) if r.name.startswith("0x")]
        # Stripped libz alone has a dozen static functions on deflate's
        # path (longest_match, fill_window, compress_block, send_tree,
        # ...; 8 were seen in one CI run): a row per address would be
        # dozens within the first second at 100 Hz.
        assert len(unnamed) <= 16, "functions without a name must make one row each, not one per address: %s" % unnamed
        assert re.search(r"Pause \d+ µs/sample", v.header_text), v.header_text
        assert "blocking" in v.header_text, v.header_text
        tui.send("n")
        v = view_of(tui, lambda v: v.has("squash") and not native_rows(v) and v.row("squash").own > 50,
                    "native rows hidden after n, squash() then where the time goes")
        assert "native frames hidden" in v.screen.text
        tui.send("n")
        view_of(tui, lambda v: any(r.name == "deflate" for r in v.rows), "native rows back after n again")
        tui.send("q")
        tui.wait_exit()
        tui.assert_terminal_restored()


@pytest.mark.parametrize("mode", ["-n", "--blocking"])
def test_paused_command_that_exits_ends_the_record(mode, tmp_path):
    """A command pytop started and pauses every tick becomes pytop's zombie
    when it exits: the record must end then, not wait forever."""
    from conftest import FIXTURES, any_interpreter

    py = any_interpreter()
    begin = time.monotonic()
    r = run_pytop("record", mode, "-r", 500, "-o", tmp_path / "p.txt", "--", py.path,
                  FIXTURES / "proportions.py", 1.5, timeout=30)
    assert r.returncode == 0, r.describe()
    assert re.search(r"PID \d+ exited", r.stderr), r.stderr
    assert time.monotonic() - begin < 15, "the record went on after the command exited"
    assert re.search(r";heavy \([^;]*proportions\.py:\d+\)", (tmp_path / "p.txt").read_text())
