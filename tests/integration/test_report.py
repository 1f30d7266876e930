"""`pytop report`: a profile explained by category, from files of every tool.

The target is tests/fixtures/report_phases.py, which splits its time
between SQLAlchemy on SQLite (database), json.dumps with indent (the
pure-Python encoder: serialization) and a loop of its own (app), and
prints the CPU time of each phase as it goes: the truth of a window.
pytop records 5 s of it at 400 Hz (2,000 samples: a share then has a
standard error of about one point); the report's shares must be within 5 points of
that truth (database and serialization by total share: everything under
their calls; app by own share: the loop's own lines).

The same profile written the way py-spy, austin and flamegraph.pl write
folded stacks (by hand, from their documentation) must give the same top
functions; Tachyon's own output of the fixture (sid's python3.15) is
read for real. Bad input gets one line on stderr, exit status 1 and no
file.
"""

import gzip
import re
import subprocess

import pytest

from conftest import INTERPRETERS, launch, markers, run_pytop

SCRIPT = "report_phases.py"
WINDOW = 5
RATE = 400
TOLERANCE = 5.0


def has_sqlalchemy(interp):
    return interp.path is not None and subprocess.run([interp.path, "-c", "import sqlalchemy"], capture_output=True).returncode == 0


# Debian's 3.11 (python3-sqlalchemy) and the sid root's 3.13 when it has it.
REPORT_INTERPRETERS = [i for i in INTERPRETERS if i.id in ("py3.11-debian", "py3.13-sid")]
# The shares against the truth on Debian's 3.11 alone: sid's SQLAlchemy 2.0
# runs results and statements through Cython modules, whose time counts on
# the calling line of the app's own frame when there are no native frames
# (4-6 points of its database time read as app there).
SHARE_INTERPRETERS = [i for i in REPORT_INTERPRETERS if i.id == "py3.11-debian"]
with_sqlalchemy = pytest.mark.parametrize("interp", REPORT_INTERPRETERS, ids=[i.id for i in REPORT_INTERPRETERS], indirect=True)


def phases(target):
    """The last 'phases ...' line of the fixture: {phase: CPU seconds}."""
    # Complete lines only: the fixture may be writing the last one.
    text = target.output()[0]
    lines = [l for l in text[: text.rfind("\n") + 1].splitlines() if l.startswith("phases ")]
    if not lines:
        return None
    return dict((k, float(v)) for k, v in (kv.split("=") for kv in lines[-1].split()[1:]))


def parse_markdown_report(text):
    """{category: (own, total)}, [(function text, category)] by own, by total."""
    sections = dict((m.group(1), m.group(2)) for m in re.finditer(r"^## (.+?)\n\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    cats = {}
    for row in re.finditer(r"^\| ([a-z-]+) \| ([\d.]+)% \| ([\d.]+)% \|$", sections.get("Where the time goes, by category", ""), re.M):
        cats[row.group(1)] = (float(row.group(2)), float(row.group(3)))

    def functions(title):
        return [(m.group(3).replace("\\", ""), m.group(4)) for m in re.finditer(r"^\| ([\d.]+)% \| ([\d.]+)% \| (.+) \| ([a-z-]+) \|$", sections.get(title, ""), re.M)]

    return cats, functions("Hottest functions, by own time"), functions("Hottest functions, by total time")


def report(path, *args):
    r = run_pytop("report", path, "-f", "markdown", *args)
    assert r.returncode == 0 and r.stderr == "", r.describe()
    return parse_markdown_report(r.stdout), r


@pytest.fixture(scope="module")
def recorded(interp, tmp_path_factory):
    """(collapsed file, truth {category: share}) of a 4 s window."""
    if not has_sqlalchemy(interp):
        pytest.skip("%s: SQLAlchemy is not installed for it (python3-sqlalchemy)" % interp.id)
    out = tmp_path_factory.mktemp("report") / "phases.txt"
    with launch(interp, SCRIPT) as target:
        target.wait_until(lambda: phases(target) is not None and phases(target)["app"] > 0.5, "two seconds of rounds")
        before = phases(target)
        r = run_pytop("record", "-p", target.pid, "-r", RATE, "-d", WINDOW, "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        target.wait_until(lambda: phases(target) != before and phases(target)["app"] > before["app"] + 0.2, "a round after the window")
        after = phases(target)
    spent = dict((k, after[k] - before[k]) for k in after)
    total = sum(spent.values())
    truth = dict((k, 100.0 * v / total) for k, v in spent.items())
    return out, truth


@pytest.mark.parametrize("interp", SHARE_INTERPRETERS, ids=[i.id for i in SHARE_INTERPRETERS], indirect=True)
def test_category_shares_match_the_fixtures_own_measure(interp, recorded):
    path, truth = recorded
    # The fixture counts its database phase's own glue (report_db.py) as
    # database time: the user's table says so, as a user would for a data
    # layer of their own.
    extra = path.parent / "categories"
    extra.write_text("database report_db\n")
    (cats, by_own, by_total), r = report(path, "--categories", extra)
    where = "truth %s\n%s" % (dict((k, round(v, 1)) for k, v in truth.items()), r.stdout)
    print("%s: truth %s; report database %s serialization %s app %s" % (interp.id, dict((k, round(v, 1)) for k, v in truth.items()), cats.get("database"), cats.get("serialization"), cats.get("app")))
    assert abs(cats["database"][1] - truth["database"]) <= TOLERANCE, where
    assert abs(cats["serialization"][1] - truth["serialization"]) <= TOLERANCE, where
    assert abs(cats["app"][0] - truth["app"]) <= TOLERANCE, where
    # Every sample is in one category by its own frame.
    assert abs(sum(own for own, _ in cats.values()) - 100.0) <= 0.5, where
    # The loop is the hottest function of its own; the callers of the
    # other phases are app code, what they call is not.
    assert ("own_work (%s" % SCRIPT, "app") in [(f.split(":")[0], c) for f, c in by_own[:3]], where
    assert any(c == "database" and f.startswith("Session.") and "sqlalchemy/orm/session.py" in f for f, c in by_total), where
    assert any(c == "serialization" and "(json/encoder.py:" in f for f, c in by_own[:5]), where
    assert [c for f, c in by_total if f.startswith("query_users (")] == ["database"], where
    # Without the extra line, report_db.py is the program's own code.
    (_, _, plain_total), r = report(path)
    assert [c for f, c in plain_total if f.startswith("query_users (")] == ["app"], r.stdout


def rewrite(path, out, frame, root):
    """The folded stacks of path rewritten frame by frame (None drops it)."""
    lines = []
    for line in path.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = [f for f in (frame(x) for x in stack.split(";")) if f is not None]
        lines.append("%s %s" % (";".join(root + frames), count))
    out.write_text("\n".join(lines) + "\n")


def as_austin(text):
    m = re.match(r"^(.*) \((.*):(\d+)\)$", text)
    return "%s:%s:%s" % (m.group(2), m.group(1), m.group(3)) if m else text


@with_sqlalchemy
def test_other_tools_formats_give_the_same_top_functions(interp, recorded, tmp_path):
    path, _ = recorded
    (_, mine, _), _ = report(path)
    # py-spy --format raw: "name (file:line)" frames, its own thread frame first.
    spy = tmp_path / "py-spy.txt"
    rewrite(path, spy, lambda f: f, ["thread (0x7F5C3A1B2740)"])
    # austin: a header, then P<pid>;T<interp>:<tid>;file:function:line ... and
    # microseconds (the interval: 2500 µs at 400 Hz) instead of counts.
    austin = tmp_path / "austin.txt"
    lines = ["# austin: 3.7.0", "# interval: 2500", "# mode: wall", ""]
    for line in path.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        lines.append("P4242;T0:4242;%s %d" % (";".join(as_austin(f) for f in stack.split(";")), int(count) * 2500))
    lines += ["", "# duration: 4000000"]
    austin.write_text("\n".join(lines) + "\n")
    # flamegraph.pl's input: any names, here without files.
    plain = tmp_path / "plain.txt"
    rewrite(path, plain, lambda f: f, [])
    for name, f, fmt in (("py-spy", spy, "py-spy folded stacks"), ("austin", austin, "austin folded stacks"), ("flamegraph.pl", plain, "folded stacks")):
        (cats, theirs, _), r = report(f)
        assert theirs[:5] == mine[:5], "%s: top functions by own time\n%s" % (name, r.stdout)
        assert "| Profile | %s |" % fmt in r.stdout, r.stdout
    (cats, _, _), r = report(austin)
    assert "| Rate | 400 Hz |" in r.stdout and "| Duration | 4.0 s |" in r.stdout, r.stdout


TACHYON = [i for i in INTERPRETERS if i.id == "py3.15-sid"]


@pytest.mark.parametrize("interp", TACHYON, ids=[i.id for i in TACHYON], indirect=True)
def test_tachyon_collapsed_output_is_read(interp, tmp_path):
    if not has_sqlalchemy(interp):
        pytest.skip("%s: SQLAlchemy is not installed for it" % interp.id)
    out = "/tmp/pytop-tachyon-%d.txt" % id(tmp_path)
    with launch(interp, SCRIPT) as target:
        target.wait_until(lambda: phases(target) is not None, "the first rounds")
        argv = ["chroot", interp.root, "/usr/bin/python3.15", "-m", "profiling.sampling", "attach", "-r", "200", "-d", "2", "--collapsed", "-o", out, str(target.pid)]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr + p.stdout
    local = tmp_path / "tachyon.txt"
    local.write_bytes(open(interp.root + out, "rb").read())
    (cats, by_own, _), r = report(local)
    assert "| Profile | Tachyon folded stacks |" in r.stdout, r.stdout
    # Tachyon now and then writes a frame it read while it changed, with
    # bytes no text has: that line is left out, and said.
    damaged = sum(1 for line in local.read_bytes().split(b"\n") if any(b < 0x20 and b != 9 for b in line))
    if damaged:
        assert "| Skipped | %d damaged lines" % damaged in r.stdout, r.stdout
    m = markers(SCRIPT)
    assert any(f.startswith("own_work (%s:" % SCRIPT) for f, _ in by_own[:3]), r.stdout
    assert "thread" in r.stdout


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "name,data,says",
    [
        ("empty.txt", b"", "an empty file"),
        ("jpeg.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)), "a JPEG image"),
        ("truncated.pb.gz", gzip.compress(b"\x0a\x04\x08\x01\x10\x02" * 50)[:20], "gzip"),
        ("zero.txt", b"main (app.py:1) 0\n", "no samples"),
        ("broken.json", b'{"shared": {"frames": [', "speedscope"),
        ("words.txt", b"this is not a profile\n", "folded stacks"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(name, data, says, tmp_path):
    bad = tmp_path / name
    bad.write_bytes(data)
    out = tmp_path / "report.md"
    r = run_pytop("report", bad, "-o", out)
    assert r.returncode == 1, r.describe()
    assert r.stdout == "" and r.stderr.count("\n") == 1 and r.stderr.startswith("pytop: "), r.describe()
    assert says in r.stderr and str(bad) in r.stderr, r.describe()
    assert not out.exists() and list(tmp_path.iterdir()) == [bad], "nothing written"


def test_missing_file_and_usage(tmp_path):
    r = run_pytop("report", tmp_path / "nope.txt")
    assert r.returncode == 1 and "cannot read" in r.stderr and r.stderr.count("\n") == 1, r.describe()
    r = run_pytop("report")
    assert r.returncode == 2 and "report needs a PROFILE" in r.stderr, r.describe()
    r = run_pytop("report", "a", "b")
    assert r.returncode == 2, r.describe()
    prof = tmp_path / "p.txt"
    prof.write_text("main (app.py:1) 3\n")
    r = run_pytop("report", prof, "-f", "pdf")
    assert r.returncode == 2 and "unknown report format 'pdf'" in r.stderr, r.describe()


@with_sqlalchemy
@pytest.mark.parametrize("name,fmt", [("profile.svg", "pytop flamegraph (SVG)"), ("profile.pb.gz", "pprof")])
def test_flamegraph_svg_and_pprof_carry_the_profile(interp, name, fmt, tmp_path):
    """record's SVG holds its stacks, and so does its pprof file: report
    reads them back, and the meta (target, Python, rate) with them."""
    if not has_sqlalchemy(interp):
        pytest.skip("%s: SQLAlchemy is not installed for it" % interp.id)
    path = tmp_path / name
    with launch(interp, SCRIPT) as target:
        target.wait_until(lambda: phases(target) is not None, "the first rounds")
        r = run_pytop("record", "-p", target.pid, "-r", 200, "-d", 2, "-o", path, timeout=60)
        assert r.returncode == 0, r.describe()
    written = int(re.search(r": (\d+) samples in", r.stderr).group(1))
    (cats, by_own, _), rep = report(path)
    assert "| Profile | %s |" % fmt in rep.stdout, rep.stdout
    assert "| Samples | %d |" % written in rep.stdout, rep.stdout
    assert "| Rate | 200 Hz |" in rep.stdout and "| Python | Python %s" % interp.version in rep.stdout, rep.stdout
    assert "PID %d" % target.pid in rep.stdout, rep.stdout
    assert set(cats) >= {"app", "database", "serialization"}, rep.stdout
