"""Versions pytop has no interpreter of here, on a real one that says so.

Debian ships no free-threaded build, no pre-release and no 3.16; the
answers pytop owes them are tested on sid's real python3.15 whose
version marks are rewritten through /proc/PID/mem (as root): Py_Version
(the exact version pytop reports), and in _Py_DebugOffsets the version,
free_threaded, and a field moved to where no 3.15 struct has it (a
pre-release or later layout pytop does not know). The process runs on
undisturbed: only debuggers read these.
"""

import os
import re
import runpy
import struct
import subprocess

import pytest

from conftest import INTERPRETERS, TOP_SRCDIR, launch, run_pytop

GENERATE = runpy.run_path(str(TOP_SRCDIR / "tests" / "layout" / "generate"))


def _py315():
    for i in INTERPRETERS:
        if i.id == "py3.15-sid":
            if i.path is None:
                pytest.skip("%s: %s" % (i.id, i.missing))
            return i
    pytest.skip("no py3.15-sid interpreter")


def _symbol(binary, name):
    out = subprocess.run(["nm", "-D", "--defined-only", binary], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
    assert m, "%s not in %s" % (name, binary)
    return int(m.group(1), 16)


class Patient:
    """A running python3.15 and the places of its version marks."""

    def __init__(self, interp, target):
        self.target = target
        binary = interp.root + "/usr/bin/python3.15"
        # Debian's python3.15 is a non-PIE executable: link-time addresses.
        with open("/proc/%d/maps" % target.pid) as f:
            assert any(line.split()[-1] == binary and line.split()[2] == "00000000" and int(line.split("-")[0], 16) == 0x400000 for line in f), "not the non-PIE build"
        self.runtime = _symbol(binary, "_PyRuntime")
        self.py_version = _symbol(binary, "Py_Version")
        self.words = GENERATE["debug_struct_words"](interp.root + "/usr/include/python3.15")

    def poke(self, addr, fmt, value):
        with open("/proc/%d/mem" % self.target.pid, "r+b", buffering=0) as f:
            f.seek(addr)
            f.write(struct.pack(fmt, value))

    def peek(self, addr, fmt):
        with open("/proc/%d/mem" % self.target.pid, "rb", buffering=0) as f:
            f.seek(addr)
            return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]

    def set_version(self, hexversion):
        self.poke(self.py_version, "<I", hexversion)
        self.poke(self.runtime + 8 * self.words["version"], "<Q", hexversion)

    def set_word(self, name, value):
        self.poke(self.runtime + 8 * self.words[name], "<Q", value)


@pytest.fixture
def patient():
    interp = _py315()
    if os.geteuid() != 0:
        pytest.skip("rewriting a process's read-only data needs root")
    with launch(interp, "nested.py", "arg") as target:
        yield Patient(interp, target)


def refusal(p):
    r = run_pytop("dump", "-p", p.target.pid)
    assert r.returncode == 1, r.describe()
    return r.error_line()


def test_the_unpatched_process_is_read(patient):
    r = run_pytop("dump", "-p", patient.target.pid)
    assert r.returncode == 0 and "Python 3.15.2 (" in r.stdout and "inner (nested.py:" in r.stdout, r.describe()


def test_free_threaded_build_is_refused_by_name(patient):
    patient.set_word("free_threaded", 1)
    line = refusal(patient)
    assert re.search(r"PID %d runs a free-threaded build of Python 3\.15\.2, which pytop does not support" % patient.target.pid, line), line


def test_prerelease_of_the_known_shape_is_read_and_named(patient):
    patient.set_version(0x030F00B1)  # 3.15.0b1
    r = run_pytop("dump", "-p", patient.target.pid)
    assert r.returncode == 0, r.describe()
    assert "Python 3.15.0b1 (" in r.stdout and "inner (nested.py:" in r.stdout, r.describe()


def test_prerelease_of_another_shape_is_refused_by_name(patient):
    patient.set_version(0x030F00C2)  # 3.15.0rc2
    # A struct with one more member before PyObject's: every later word
    # moves, and ob_type's offset reads as the struct's size.
    size = patient.peek(patient.runtime + 8 * patient.words["pyobject.size"], "<Q")
    patient.set_word("pyobject.ob_type", size)
    line = refusal(patient)
    assert "Python 3.15.0rc2 is not supported" in line and "shape pytop knows for 3.15 (pyobject.ob_type)" in line, line


def test_later_version_is_read_through_its_debug_offsets(patient):
    patient.set_version(0x031000F0)  # 3.16.0
    r = run_pytop("dump", "-p", patient.target.pid)
    assert r.returncode == 0, r.describe()
    assert "Python 3.16.0 (" in r.stdout and "inner (nested.py:" in r.stdout, r.describe()


def test_later_version_of_another_shape_is_refused_by_name(patient):
    patient.set_version(0x031000F0)
    # A thread state offset beyond the thread state's own size.
    size = patient.peek(patient.runtime + 8 * patient.words["thread_state.size"], "<Q")
    patient.set_word("thread_state.current_frame", size + 8)
    line = refusal(patient)
    assert "Python 3.16.0 is not supported" in line and "(thread_state.current_frame)" in line, line


def test_debug_offsets_version_must_match_py_version(patient):
    patient.poke(patient.runtime + 8 * patient.words["version"], "<Q", 0x030E0AF0)
    line = refusal(patient)
    assert "Python 3.15.2 is not supported" in line and "(version)" in line, line
