"""-n/--native names a stripped library's functions from where the system
keeps its symbols apart.

tests/fixtures/debuginfo/spinlib.c is built here with gcc (with a build-id
and DWARF) into libspin.so, then stripped in each way a distribution ships
symbols: a debug file under a debug directory by build-id (Debian's
-dbgsym, Fedora's debuginfo), a debug file named by .gnu_debuglink next to
the library or in .debug/ beside it, and MiniDebugInfo (an xz-compressed
symbol table in .gnu_debugdata, made the way Fedora makes it). Python
calls its exported spin_c() through ctypes (tests/fixtures/
debuginfo_app.py); spin_c calls the static inner_burn(), which only a
symbol table names. For each shape, `dump -n` and `record -n` must name
inner_burn; stripped with nothing else, it is an address; a debug file of
another build (another build-id, or a debuglink whose CRC is not the
file's) is never used. In the sid root (chroot), a debug file under the
root's own /usr/lib/debug/.build-id is found with no option.

Where DWARF is found (in the library itself, or in its debug file; not in
MiniDebugInfo, which holds symbols only), each frame also carries its
source file and line: "inner_burn (spinlib.c:18, libspin.so)", the lines
marked in spinlib.c, in dump, record, what report reads back, and the
live view.
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, INTERPRETERS, launch_argv, markers, run_pytop

SOURCE = FIXTURES / "debuginfo" / "spinlib.c"
APP = FIXTURES / "debuginfo_app.py"
TOOLS = ("gcc", "objcopy", "strip", "nm", "xz", "readelf")
# {marker: line} of spinlib.c's `/* @marker */` comments.
C_LINES = {m: n for n, text in enumerate(SOURCE.read_text().splitlines(), 1) for m in re.findall(r"/\* @([\w-]+) \*/", text)}


def sh(*argv, cwd=None):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=cwd)
    assert r.returncode == 0, "%s: %s" % (" ".join(str(a) for a in argv), r.stderr)
    return r.stdout


def interpreter(ident):
    i = next((i for i in INTERPRETERS if i.id == ident), None)
    if i is None or i.path is None:
        pytest.skip("%s: %s" % (ident, i.missing if i else "not known"))
    return i


@pytest.fixture(scope="module")
def tools():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail("missing tools (scripts/bootstrap installs them): %s" % ", ".join(missing))


def build(dest, salt=None):
    """libspin.so with symbols, DWARF and a build-id, into dest; its path."""
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / "libspin.so"
    sh("gcc", "-g", "-O1", "-fPIC", "-shared", "-Wl,--build-id", "-Wl,-soname,libspin.so", *(["-DSALT=%d" % salt] if salt else []), "-o", out, SOURCE)
    return out


def build_id(path):
    m = re.search(r"Build ID: ([0-9a-f]+)", sh("readelf", "-n", path))
    assert m, "no build-id in %s" % path
    return m.group(1)


def keep_debug(lib, debug):
    sh("objcopy", "--only-keep-debug", lib, debug)


def strip(lib):
    sh("strip", "--strip-all", lib)


def in_build_id_tree(directory, lib, debug):
    ident = build_id(lib)
    where = directory / ".build-id" / ident[:2] / (ident[2:] + ".debug")
    where.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(debug, where)
    return where


def add_minidebuginfo(lib, work):
    """MiniDebugInfo as Fedora makes it: the functions .dynsym lacks, in an
    ELF of symbols only, xz-compressed into .gnu_debugdata."""
    full = work / "full.so"
    shutil.copy(lib, full)
    dynsyms = set(sh("nm", "-D", "--format=posix", "--defined-only", lib).split("\n"))
    dyn = {l.split()[0] for l in dynsyms if l.strip()}
    funcs = {l.split()[0] for l in sh("nm", "--format=posix", "--defined-only", full).splitlines() if len(l.split()) > 1 and l.split()[1] in "Tt"}
    (work / "keep").write_text("\n".join(sorted(funcs - dyn)) + "\n")
    debug = work / "full.debug"
    keep_debug(full, debug)
    mini = work / "mini.debug"
    sh("objcopy", "-S", "--remove-section", ".gdb_index", "--remove-section", ".comment", "--keep-symbols=%s" % (work / "keep"), debug, mini)
    sh("xz", "-f", mini)
    strip(lib)
    sh("objcopy", "--add-section", ".gnu_debugdata=%s.xz" % mini, lib)


def frames_of(dump_text):
    """(name, where) of every frame of the dump, innermost first."""
    return re.findall(r"^    (.+?) \(([^()]*)\)$", dump_text, re.M)


def library(where):
    """The library of a native frame's place ("spinlib.c:18, libspin.so")."""
    return where.rsplit(", ", 1)[-1]


def lined(name, marker):
    """A frame of spinlib.c as pytop writes it with DWARF."""
    return "%s (spinlib.c:%d, libspin.so)" % (name, C_LINES[marker])


def native_names(py, lib, *pytop_args):
    """The native frames of libspin.so in a dump of the app calling it, once
    spin_c is seen (their names, then the same as "name (where)"); the
    collapsed stacks of a 1 s record; and the stderr of both."""
    with launch_argv([py.path, str(APP), str(lib)], "debuginfo-%s" % py.id, ready=lambda t: "ready\n" in t.output()[0]) as t:
        last = ""
        for _ in range(100):
            r = run_pytop("dump", "-n", "-p", t.pid, *pytop_args)
            assert r.returncode == 0, r.describe()
            last = r.stdout
            mine = [f for f in frames_of(r.stdout) if library(f[1]) == "libspin.so"]
            # Both frames: spin_c, and inside it the loop (named or not).
            if any(f[0] == "spin_c" for f in mine) and len(mine) >= 2:
                break
            time.sleep(0.02)
        else:
            pytest.fail("no dump inside spin_c in 100 tries; the last one:\n%s" % last)
        rec = run_pytop("record", "-n", "-d", "1", "-r", "200", "-p", t.pid, "-f", "collapsed", "-o", "-", *pytop_args)
        assert rec.returncode == 0, rec.describe()
        return [f[0] for f in mine], rec.stdout, (r.stderr, rec.stderr), ["%s (%s)" % f for f in mine]


def hints(stderr, path):
    """The lines of stderr that tell what would name path's functions."""
    return [l for l in stderr.splitlines() if l.startswith("pytop: no symbols for %s " % path)]


def dump_until_hint(py, exe):
    """The stderr of the first `dump -n` of native_calls.py on py that
    says what would name exe's functions (or of the last of 100 tries)."""
    with launch_argv([py.path, "native_calls.py"], "debuginfo-hint-%s" % py.id, ready=lambda t: "ready\n" in t.output()[0]) as t:
        last = ""
        for _ in range(100):
            r = run_pytop("dump", "-n", "-p", t.pid)
            assert r.returncode == 0, r.describe()
            last = r.stderr
            if hints(r.stderr, exe):
                break
            time.sleep(0.02)
        return last


def package_hint(exe, owner):
    return "pytop: no symbols for %s (its functions show as addresses): install %s-dbgsym from Debian's debug archive, or give its debug file with --debug-dir" % (exe, owner)


def burn_named(names):
    return names[0] == "inner_burn" and names[1] == "spin_c"


def burn_unnamed(names):
    return re.fullmatch(r"0x[0-9a-f]+", names[0]) is not None and names[1] == "spin_c"


@pytest.fixture
def py(tools):
    return interpreter("py3.11-debian")


def test_stripped_alone_is_an_address(py, tmp_path):
    """...and is told of once per command, never per sample: a file no
    package installed, by the debug file its build-id would take."""
    lib = build(tmp_path / "lib")
    strip(lib)
    names, stacks, stderrs, _ = native_names(py, lib)
    assert burn_unnamed(names), names
    assert "inner_burn" not in stacks and "spinlib.c" not in stacks
    ident = build_id(lib)
    want = "pytop: no symbols for %s (its functions show as addresses): put its debug file at /usr/lib/debug/.build-id/%s/%s.debug, or give its debug file with --debug-dir" % (lib, ident[:2], ident[2:])
    for stderr in stderrs:
        assert hints(stderr, lib) == [want], stderr


def test_packaged_file_names_its_debug_package(tools):
    """Debian's python3.11 is stripped: a frame in it that only an address
    names brings one line naming the package dpkg says installed it, with
    -dbgsym, as Debian's debug archive calls it."""
    py = interpreter("py3.11-debian")
    exe = os.path.realpath(py.path)
    owner = sh("dpkg", "-S", exe).split(":")[0]
    last = dump_until_hint(py, exe)
    assert hints(last, exe) == [package_hint(exe, owner)], last
    # Every hint names a different file: once each.
    told = [l.split(" (its functions")[0] for l in last.splitlines() if l.startswith("pytop: no symbols for ")]
    assert len(told) == len(set(told)), last


def test_build_id_tree_given_by_option(py, tmp_path):
    lib = build(tmp_path / "lib")
    keep_debug(lib, tmp_path / "libspin.debug")
    strip(lib)
    tree = tmp_path / "debug"
    in_build_id_tree(tree, lib, tmp_path / "libspin.debug")
    names, stacks, stderrs, shown = native_names(py, lib, "--debug-dir", tree)
    assert burn_named(names), names
    assert all(hints(e, lib) == [] for e in stderrs), stderrs
    # The debug file's DWARF: each frame's line.
    assert shown[1] == lined("spin_c", "spin-call"), shown
    assert shown[0] in (lined("inner_burn", "inner-burn"), lined("inner_burn", "burn-loop")), shown
    assert re.search(r";%s;%s \d+$" % (re.escape(lined("spin_c", "spin-call")), re.escape(lined("inner_burn", "inner-burn"))), stacks, re.M), stacks[:2000]
    # Without the option, nothing names it.
    names, _, _, _ = native_names(py, lib)
    assert burn_unnamed(names), names


@pytest.mark.parametrize("where", ["beside", ".debug"])
def test_debuglink(py, tmp_path, where):
    lib = build(tmp_path / "lib")
    debug = tmp_path / "lib" / "libspin.debug"
    keep_debug(lib, debug)
    strip(lib)
    sh("objcopy", "--add-gnu-debuglink=libspin.debug", lib, cwd=tmp_path / "lib")
    if where == ".debug":
        (tmp_path / "lib" / ".debug").mkdir()
        debug.rename(tmp_path / "lib" / ".debug" / "libspin.debug")
    names, stacks, _, shown = native_names(py, lib)
    assert burn_named(names), names
    assert shown[1] == lined("spin_c", "spin-call"), shown
    assert lined("inner_burn", "inner-burn") in stacks, stacks[:2000]


def test_minidebuginfo(py, tmp_path):
    lib = build(tmp_path / "lib")
    add_minidebuginfo(lib, tmp_path)
    assert ".gnu_debugdata" in sh("readelf", "-S", lib)
    names, stacks, _, shown = native_names(py, lib)
    assert burn_named(names), names
    # Symbols only: no DWARF, no line.
    assert shown[:2] == ["inner_burn (libspin.so)", "spin_c (libspin.so)"], shown
    assert "inner_burn (libspin.so)" in stacks


def test_chroot_file_names_the_root_package(tools):
    """sid's python3.13 in its root (chroot): maps show its files by the
    host's paths, under the root's directory; the hint still finds the
    package in the root's own database, as the root's dpkg -S does."""
    py = interpreter("py3.13-sid")
    inner = "/usr/bin/python3.13"
    owner = sh("chroot", py.root, "dpkg", "-S", os.path.realpath(py.root + inner)[len(py.root):]).split(":")[0]
    exe = py.root + inner
    last = dump_until_hint(py, exe)
    assert hints(last, exe) == [package_hint(exe, owner)], last


def test_chroot_libc_names_its_dbg_package(tools):
    """glibc ships its debug symbols as libc6-dbg, in the main archive,
    not as a -dbgsym: the root's libc, stripped to .dynsym, is told of
    with that package."""
    py = interpreter("py3.13-sid")
    libc = os.path.realpath(py.root + "/lib/x86_64-linux-gnu/libc.so.6")
    owner = sh("chroot", py.root, "dpkg", "-S", libc[len(py.root):]).split(":")[0]
    assert owner == "libc6", owner
    last = dump_until_hint(py, libc)
    want = "pytop: no symbols for %s (its functions show as addresses): install libc6-dbg, or give its debug file with --debug-dir" % libc
    assert hints(last, libc) == [want], last


def test_debug_file_of_another_build_is_ignored(py, tmp_path):
    """Under the library's own build-id path, and named by its debuglink
    next to it, a debug file of another build (SALT differs: another
    build-id, another CRC) must not name anything."""
    lib = build(tmp_path / "lib")
    other = build(tmp_path / "other", salt=5)
    assert build_id(other) != build_id(lib)
    keep_debug(other, tmp_path / "other.debug")
    strip(lib)
    tree = tmp_path / "debug"
    ident = build_id(lib)
    wrong = tree / ".build-id" / ident[:2] / (ident[2:] + ".debug")
    wrong.parent.mkdir(parents=True)
    shutil.copy(tmp_path / "other.debug", wrong)
    # The debuglink names libspin.debug with the right CRC; the file found
    # there is the other build's.
    keep_debug(build(tmp_path / "right"), tmp_path / "lib" / "libspin.debug")
    sh("objcopy", "--add-gnu-debuglink=libspin.debug", lib, cwd=tmp_path / "lib")
    shutil.copy(tmp_path / "other.debug", tmp_path / "lib" / "libspin.debug")
    names, stacks, _, _ = native_names(py, lib, "--debug-dir", tree)
    assert burn_unnamed(names), names
    assert "inner_burn" not in stacks and "spinlib.c" not in stacks


EXT_SOURCE = FIXTURES / "debuginfo" / "spinmod.c"
EXT_APP = FIXTURES / "debuginfo_ext_app.py"
EXT_LINES = {m: n for n, text in enumerate(EXT_SOURCE.read_text().splitlines(), 1) for m in re.findall(r"/\* @([\w-]+) \*/", text)}


def test_c_extension_module(py, tmp_path):
    """A C extension module (built here against the interpreter's own
    headers), stripped, its debug file in a build-id tree given with
    --debug-dir: its static functions, which only the debug file names,
    are named with their lines, inside the Python frame that calls them."""
    include = sh(py.path, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])").strip()
    if not os.path.exists(os.path.join(include, "Python.h")):
        pytest.fail("no Python.h under %s (scripts/bootstrap installs python3.11-dev)" % include)
    (tmp_path / "mod").mkdir()
    ext = tmp_path / "mod" / "spinmod.so"
    sh("gcc", "-g", "-O1", "-fPIC", "-shared", "-Wl,--build-id", "-I", include, "-o", ext, EXT_SOURCE)
    keep_debug(ext, tmp_path / "spinmod.debug")
    strip(ext)
    tree = tmp_path / "debug"
    in_build_id_tree(tree, ext, tmp_path / "spinmod.debug")
    inner = ["ext_inner (spinmod.c:%d, spinmod.so)" % EXT_LINES[m] for m in ("ext-inner", "ext-loop")]
    outer = "ext_spin (spinmod.c:%d, spinmod.so)" % EXT_LINES["ext-call"]
    with launch_argv([py.path, str(EXT_APP), str(tmp_path / "mod")], "debuginfo-ext-%s" % py.id, ready=lambda t: "ready\n" in t.output()[0]) as t:
        last = ""
        for _ in range(100):
            r = run_pytop("dump", "-n", "--debug-dir", tree, "-p", t.pid)
            assert r.returncode == 0, r.describe()
            last = r.stdout
            shown = ["%s (%s)" % f for f in frames_of(r.stdout)]
            at = next((i for i, f in enumerate(shown) if f.startswith("spin (") and f.endswith("debuginfo_ext_app.py:%d)" % markers("debuginfo_ext_app.py")["ext-spin-call"])), None)
            if at is not None and at >= 2 and shown[at - 1].startswith("ext_spin ("):
                break
            time.sleep(0.02)
        else:
            pytest.fail("no dump inside ext_spin in 100 tries; the last one:\n%s" % last)
        assert shown[at - 2] in inner and shown[at - 1] == outer, last
        rec = run_pytop("record", "-n", "--debug-dir", tree, "-d", "1", "-r", "200", "-p", t.pid, "-f", "collapsed", "-o", "-")
        assert rec.returncode == 0, rec.describe()
        assert re.search(r";%s;(%s) \d+$" % (re.escape(outer), "|".join(map(re.escape, inner))), rec.stdout, re.M), rec.stdout[:3000]


def test_debug_dir_must_be_a_directory(tmp_path):
    r = run_pytop("dump", "-n", "--debug-dir", tmp_path / "nowhere", "-p", os.getpid())
    assert r.returncode == 2, r.describe()
    assert r.stderr == "pytop: --debug-dir %s: not a directory\n" % (tmp_path / "nowhere"), r.describe()


@pytest.mark.parametrize("how", ["build-id", "debuglink"])
def test_root_debug_directory_in_a_chroot(tools, tmp_path, how):
    """sid's python3.13 in its root (chroot): the library in /tmp (shared
    with the root), its debug file under the root's own /usr/lib/debug,
    by build-id or by the library's path and debuglink: found through
    /proc/PID/root, no option."""
    py = interpreter("py3.13-sid")
    lib = build(tmp_path / "lib")
    keep_debug(lib, tmp_path / "libspin.debug")
    strip(lib)
    debug_root = Path(py.root) / "usr" / "lib" / "debug"
    if how == "build-id":
        ident = build_id(lib)
        placed = debug_root / ".build-id" / ident[:2] / (ident[2:] + ".debug")
    else:
        sh("objcopy", "--add-gnu-debuglink=libspin.debug", lib, cwd=tmp_path)
        placed = debug_root / str(lib.parent).lstrip("/") / "libspin.debug"
    # The directories made here, and only those, go again at the end.
    made = [d for d in reversed(placed.parents) if str(d).startswith(str(debug_root) + "/") and not d.exists()]
    placed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "libspin.debug", placed)
    try:
        names, stacks, _, shown = native_names(py, lib)
        assert burn_named(names), names
        assert lined("inner_burn", "inner-burn") in stacks, stacks[:2000]
    finally:
        placed.unlink()
        for d in reversed(made):
            d.rmdir()


def test_own_dwarf_gives_lines_everywhere(py, tmp_path):
    """A library built with -g and not stripped: its own DWARF gives each
    frame its line in dump and record; report reads the lines back from
    every format record writes; the live view shows the source file of a
    function, and with `l` (by line) its lines."""
    from test_top import top, view_of

    lib = build(tmp_path / "lib")
    names, stacks, stderrs, shown = native_names(py, lib)
    assert shown[1] == lined("spin_c", "spin-call"), shown
    assert shown[0] in (lined("inner_burn", "inner-burn"), lined("inner_burn", "burn-loop")), shown
    assert all(hints(e, lib) == [] for e in stderrs), stderrs
    with launch_argv([py.path, str(APP), str(lib)], "debuginfo-own-%s" % py.id, ready=lambda t: "ready\n" in t.output()[0]) as t:
        for name in ("p.txt", "p.json", "p.pb.gz", "p.svg"):
            out = tmp_path / name
            r = run_pytop("record", "-n", "-d", "1", "-r", "200", "-p", t.pid, "-o", out)
            assert r.returncode == 0, r.describe()
            # Markdown: call paths are not cut to a terminal's width.
            rep = run_pytop("report", "-f", "markdown", out)
            assert rep.returncode == 0, rep.describe()
            # By function the source file, on a call path each line
            # (markdown escapes "_").
            md = lambda text: text.replace("_", "\\_")  # noqa: E731
            assert re.search(r"^\| [\d.]+% \| [\d.]+% \| inner\\_burn \(spinlib\.c, libspin\.so\) \|", rep.stdout, re.M), "%s:\n%s" % (name, rep.stdout)
            assert md("%s \u2192 %s" % (lined("spin_c", "spin-call"), lined("inner_burn", "inner-burn"))) in rep.stdout, "%s:\n%s" % (name, rep.stdout)
        with top("-n", "-p", t.pid) as tui:
            view_of(tui, lambda v: any(r.name == "inner_burn" and r.file == "spinlib.c, libspin.so" for r in v.rows), "inner_burn (spinlib.c, libspin.so) in the table", timeout=15)
            tui.send("l")
            v = view_of(tui, lambda v: any(r.name == "inner_burn" and r.file == "spinlib.c:%d, libspin.so" % C_LINES["inner-burn"] for r in v.rows), "inner_burn's hot line in the table by line")
            burn = [r for r in v.rows if r.name == "inner_burn"]
            assert max(burn, key=lambda r: r.own).file == "spinlib.c:%d, libspin.so" % C_LINES["inner-burn"], v.screen
            tui.send("q")
            assert tui.wait_exit() == 0
