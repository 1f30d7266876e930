"""`pytop record -f pprof` against real interpreters, read back by pytop and by Go's pprof.

One batch per interpreter: proportions.py (heavy() about 75% of the CPU,
light() 25%) recorded at the same time into `prof.pb.gz` (the extension
chooses pprof) and with `-f pprof -s -t` into `labels.prof` (process and
thread frames, which go into sample labels).  Each file is read twice:

- by pytop's own reader, through tests/unit/test_pprof --read FILE (built by
  `make check`): its meta, then its folded stacks;
- by Debian's `go tool pprof` (package golang-go): `-raw` gives every
  sample's values, labels and locations (function, file, line), `-top` the
  flat counts per function.

Both readings must be the same stacks with the same counts, adding up to
the samples the summary line reports, and those stacks must be the
fixture's: heavy() and light() on their own lines, under main() at their
call sites, in about the 75/25 proportions.  Without `go` the Go checks
are skipped (the reason is printed with -rs); pytop's own are not.

Go runs offline in a throwaway HOME (GOPATH, GOCACHE and pprof's own
directory in it, GOPROXY=off, GOTOOLCHAIN=local, from a directory holding
no go.mod), so it writes nothing outside it and reaches no network.
PYTOP_BUILDDIR names the build tree (default: the directory of $PYTOP).
"""

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from conftest import INTERPRETERS, PYTOP, launch, markers
from test_record import Recording, finish_all, parse_collapsed, parse_frame, show, start_outdir

BUILDDIR = Path(os.environ.get("PYTOP_BUILDDIR") or Path(PYTOP).parent)
HELPER = BUILDDIR / "tests" / "unit" / "test_pprof"
GO = shutil.which("go")
GO_TIMEOUT = 120  # the first run of a go tool can be slow on a cold machine
RATE = 200
SECONDS = 2

# `go tool pprof -raw`: a sample is "COUNT NANOSECONDS: LOCATION-IDS", then
# an indented line of labels "key:[value]"; a location is "ID: 0xADDR M=N
# FUNCTION FILE:LINE s=START" (then "(SYSTEM NAME)" when that differs).
RAW_SAMPLE_RE = re.compile(r"^\s+(\d+)\s+(\d+):((?: \d+)*)\s*$")
RAW_LABELS_RE = re.compile(r"(\w+):\[(.*?)\](?= \w+:\[|\s*$)")
RAW_LOCATION_RE = re.compile(r"^\s*(\d+): 0x[0-9a-f]+ M=\d+ (.*) (\S+):(\d+) s=(\d+)(?:\(.*\))?$")
TOP_LINE_RE = re.compile(r"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.+?)\s*$")


# Every version's frames are the same to the writer: four interpreters
# (the oldest, Debian's, and the sid root's 3.13 and newest) cover it,
# and keep the suite's time down.
PPROF_INTERPRETERS = [i for i in INTERPRETERS if i.id in ("py3.8-pyenv", "py3.11-debian", "py3.13-sid", "py3.15-sid")]
pytestmark = pytest.mark.parametrize("interp", PPROF_INTERPRETERS, ids=[i.id for i in PPROF_INTERPRETERS], indirect=True)


# --------------------------------------------------------------------------
# Recording


@pytest.fixture(scope="module")
def pprof_batch(interp):
    outdir = start_outdir(interp.id + "-pprof")
    try:
        with launch(interp, "proportions.py") as target:
            runs = {
                "ext": Recording(["-p", target.pid, "-d", SECONDS, "-r", RATE, "-o", outdir / "prof.pb.gz"], outdir, "ext"),
                "labels": Recording(["-p", target.pid, "-d", 1, "-s", "-t", "-f", "pprof", "-o", outdir / "labels.prof"], outdir, "labels"),
            }
            finish_all(runs)
            batch = {"runs": runs, "outdir": outdir, "pid": target.pid, "cmdline": target.cmdline}
        yield batch
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def recording(batch, name, filename):
    """(Summary, path) of a finished recording; its file must be gzip."""
    run = batch["runs"][name]
    summary = run.summary()
    path = batch["outdir"] / filename
    assert path.is_file(), "%s not written\n%s" % (path, run.describe())
    assert path.read_bytes()[:2] == b"\x1f\x8b", "%s is not gzip-compressed" % path
    return run, summary, path


# --------------------------------------------------------------------------
# pytop's reader


def pytop_read(path):
    """({meta key: text}, [Stack]) of a pprof file through pytop's reader."""
    if not os.access(str(HELPER), os.X_OK):
        pytest.fail("tests/unit/test_pprof not found at %s (make check builds it; or set PYTOP_BUILDDIR)" % HELPER)
    p = subprocess.run([str(HELPER), "--read", str(path)], capture_output=True, timeout=60)
    assert p.returncode == 0, "pytop's reader failed on %s: %s" % (path, p.stderr.decode(errors="replace"))
    text = p.stdout.decode("utf-8")
    meta, folded = {}, []
    for line in text.splitlines(keepends=True):
        if line.startswith("# "):
            key, _, value = line[2:].rstrip("\n").partition(" ")
            meta[key] = value
        else:
            folded.append(line)
    return meta, parse_collapsed("".join(folded), "%s through pytop's reader" % path.name)


def as_counts(stacks):
    """{stack text: count}."""
    return {";".join(s.frames): s.count for s in stacks}


# --------------------------------------------------------------------------
# Go's pprof


def go_pprof(*args):
    """stdout of `go tool pprof ARGS`, run offline in a throwaway HOME."""
    if GO is None:
        pytest.skip("go not found: install golang-go (scripts/bootstrap does) to check the files with go tool pprof")
    home = tempfile.mkdtemp(prefix="pytop-it-go-")
    try:
        env = dict(os.environ)
        env.update(
            {
                "HOME": home,
                "GOPATH": os.path.join(home, "go"),
                "GOCACHE": os.path.join(home, "cache"),
                "GOMODCACHE": os.path.join(home, "go", "mod"),
                "GOENV": os.path.join(home, "goenv"),
                "GOPROXY": "off",
                "GOSUMDB": "off",
                "GOTOOLCHAIN": "local",
                "GOTELEMETRY": "off",
                "GOFLAGS": "",
                "PPROF_TMPDIR": os.path.join(home, "pprof"),
                "PPROF_BINARY_PATH": home,  # where to look for binaries: nowhere real
            }
        )
        p = subprocess.run([GO, "tool", "pprof"] + [str(a) for a in args], capture_output=True, cwd=home, env=env, timeout=GO_TIMEOUT, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert p.returncode == 0, "go tool pprof %s failed:\n%s" % (" ".join(map(str, args)), p.stderr.decode(errors="replace"))
    return p.stdout.decode("utf-8")


def folded_frame(function, filename, line):
    """A frame as folded stacks write it (output/collapsed.h)."""
    if line > 0:
        return "%s (%s:%d)" % (function, filename, line)
    return "%s (%s)" % (function, filename) if filename else function


def go_raw(path):
    """What `go tool pprof -raw` says of a profile: header fields, sample
    types, and [(stack frames root first, count, nanoseconds)] with the
    labels in front of each stack as pytop's frames ("process ...")."""
    text = go_pprof("-raw", path)
    lines = text.splitlines()
    header = {}
    for line in lines:
        if line == "Samples:":
            break
        key, sep, value = line.partition(": ")
        if sep:
            header.setdefault(key, []).append(value)
    start = lines.index("Samples:")
    types = lines[start + 1].split()
    locations = {}
    at = lines.index("Locations")
    for line in lines[at + 1 :]:
        if line == "Mappings":
            break
        m = RAW_LOCATION_RE.match(line)
        assert m, "-raw: a location line pytop's files do not make (one Line each): %r\n%s" % (line, text)
        locations[int(m.group(1))] = (m.group(2), m.group(3), int(m.group(4)), int(m.group(5)))
    samples = []
    i = start + 2
    while i < at:
        m = RAW_SAMPLE_RE.match(lines[i])
        assert m, "-raw: not a sample line: %r\n%s" % (lines[i], text)
        labels = {}
        if i + 1 < at and not RAW_SAMPLE_RE.match(lines[i + 1]):
            labels = dict(RAW_LABELS_RE.findall(lines[i + 1].strip()))
            i += 1
        i += 1
        ids = [int(x) for x in m.group(3).split()]
        frames = ["%s %s" % (key, labels[key]) for key in ("process", "thread", "task") if key in labels]
        frames += [folded_frame(*locations[loc][:3]) for loc in reversed(ids)]
        samples.append((frames, int(m.group(1)), int(m.group(2))))
    return header, types, locations, samples


def go_top(path):
    """{function: flat samples} from `go tool pprof -top` on the counts."""
    text = go_pprof("-top", "-sample_index=samples", "-nodecount=100000", "-nodefraction=0", path)
    flat = {}
    for line in text.splitlines():
        m = TOP_LINE_RE.match(line)
        if m:
            flat[m.group(3)] = int(m.group(1))
    assert flat, "no function in go tool pprof -top:\n" + text
    return flat


def go_counts(samples):
    out = Counter()
    for frames, count, _ in samples:
        out[";".join(frames)] += count
    return dict(out)


# --------------------------------------------------------------------------
# The tests


def test_pytop_reads_its_pprof(interp, pprof_batch):
    """The file holds the recording: its samples, rate and target, and the
    fixture's stacks on the fixture's lines in about its proportions."""
    run, summary, path = recording(pprof_batch, "ext", "prof.pb.gz")
    meta, stacks = pytop_read(path)
    n = summary.samples
    assert n >= 0.6 * SECONDS * RATE, "too few samples\n" + run.describe()
    assert sum(s.count for s in stacks) == n == int(meta["samples"]), "%s vs %d samples in the summary\n%s" % (meta, n, show(stacks))
    assert float(meta["rate"]) == RATE, meta
    assert abs(float(meta["duration"]) - SECONDS) < 0.5, meta
    assert "PID %d" % pprof_batch["pid"] in meta["target"], meta
    assert meta["idle"] == "0", meta

    m = markers("proportions.py")
    counts = Counter()
    odd = 0
    for s in stacks:
        frames = [parse_frame(f) for f in s.frames]
        function, filename, line = frames[-1]
        counts[function] += s.count
        if function in ("heavy", "light"):
            in_body = m[function + "-first"] <= line <= m[function + "-last"]
            callers = [(f, os.path.basename(p), ln) for f, p, ln in frames[:-1]]
            expected = [("<module>", "proportions.py", m["module"]), ("main", "proportions.py", m["call-" + function])]
            if not in_body or callers != expected or os.path.basename(filename) != "proportions.py":
                odd += s.count
    # A stack read while it runs may mix two moments (see test_record.py).
    assert odd <= 0.03 * n, "%d samples off the fixture's lines\n%s" % (odd, show(stacks))
    heavy, light = counts["heavy"] / n, counts["light"] / n
    print("%s: pprof: heavy %.1f%%, light %.1f%% of %d samples" % (interp.id, 100 * heavy, 100 * light, n))
    sanitized = os.environ.get("PYTOP_SANITIZED") == "1"  # as test_record.py: no statistics there
    assert sanitized or (abs(heavy - 0.75) <= 0.10 and abs(light - 0.25) <= 0.10), "heavy %.1f%% / light %.1f%%, expected 75/25 +- 10 points\n%s" % (
        100 * heavy,
        100 * light,
        show(stacks),
    )


def test_go_pprof_reads_the_same(interp, pprof_batch):
    """go tool pprof sees the stacks, functions, files, lines and counts
    pytop's reader sees, with the sampling period and the CPU time."""
    _, summary, path = recording(pprof_batch, "ext", "prof.pb.gz")
    _, stacks = pytop_read(path)
    header, types, locations, samples = go_raw(path)

    assert types == ["samples/count", "cpu/nanoseconds"], types
    assert header["PeriodType"] == ["wall nanoseconds"], header
    period = int(header["Period"][0])
    assert period == 10 ** 9 // RATE, header
    assert any(c.startswith("target: PID %d" % pprof_batch["pid"]) for c in header.get("Comment", [])), header
    for frames, count, ns in samples:
        assert ns == count * period, "sample %s: %d ns for %d samples at %d ns" % (frames, ns, count, period)

    # The same stacks with the same counts, frame for frame.
    assert go_counts(samples) == as_counts(stacks), "go tool pprof -raw and pytop's reader disagree\n--- go\n%s\n%s" % (
        "\n".join("%s %d" % (";".join(f), c) for f, c, _ in samples),
        show(stacks),
    )
    assert sum(c for _, c, _ in samples) == summary.samples

    # Functions keep their names (pprof's C++ heuristics would empty
    # "<module>") and their first lines.
    m = markers("proportions.py")
    starts = {name: start for name, filename, _, start in locations.values() if os.path.basename(filename) == "proportions.py"}
    assert "<module>" in starts, "no <module> among go tool pprof's functions: %s" % sorted(starts)
    for function in ("heavy", "light"):
        if function in starts:
            assert starts[function] == m[function + "-first"] - 1, "%s starts on line %d" % (function, starts[function])

    # -top's flat counts are the innermost functions' samples.
    leaves = Counter()
    for s in stacks:
        leaves[parse_frame(s.frames[-1])[0]] += s.count
    flat = {name: count for name, count in go_top(path).items() if count > 0}
    assert flat == dict(leaves), "go tool pprof -top %s, pytop %s" % (flat, dict(leaves))


def test_process_and_thread_labels(interp, pprof_batch):
    """-s -t: the process and thread frames are the samples' labels for
    go tool pprof, and pytop's reader puts them back as the first frames."""
    _, summary, path = recording(pprof_batch, "labels", "labels.prof")
    _, stacks = pytop_read(path)
    pid, cmdline = pprof_batch["pid"], pprof_batch["cmdline"]
    assert sum(s.count for s in stacks) == summary.samples
    for s in stacks:
        assert s.frames[0] == "process %d (%s)" % (pid, cmdline), show(stacks)
        # The fixture's one thread is the main one: its TID is the PID (its
        # name is the kernel's while nothing imported threading).
        assert re.match(r"^thread %d \(.+\)$" % pid, s.frames[1]), show(stacks)
        parse_frame(s.frames[-1])  # a Python frame below them

    _, _, locations, samples = go_raw(path)
    assert all(f[0].startswith("process ") and f[1].startswith("thread ") for f, _, _ in samples), samples
    assert not any(name.startswith(("process ", "thread ")) for name, _, _, _ in locations.values()), locations
    assert go_counts(samples) == as_counts(stacks)
