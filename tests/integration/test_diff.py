"""`pytop diff`: two profiles of tests/fixtures/diff_halves.py, whose
heavy() does three times light()'s work, then half that (1.5 times):
heavy's share goes from about 75% to about 60%. The diff (text and
markdown) must show heavy's total share changing as the fixture's own
measure of the time spent in each function in the recorded windows says,
within 5 points, and light's by as much the other way (the truth is
measured: a loaded machine moves the shares away from the work's ratio;
and it is wall time, for a running thread is sampled whether it is on a
CPU or waiting for one); profiles of
different lengths compare by share. The differential flamegraph (the
default) must draw heavy blue and light red with the same changes in
their data.
"""

import re
import xml.etree.ElementTree as ET

import pytest

from conftest import INTERPRETERS, launch, run_pytop

SCRIPT = "diff_halves.py"
DIFF_INTERPRETERS = [i for i in INTERPRETERS if i.id in ("py3.11-debian", "py3.15-sid")]
TOLERANCE = 5.0


def spent(target):
    """The fixture's last complete "spent" line: (heavy, light) seconds."""
    text = target.output()[0]
    lines = [l for l in text[: text.rfind("\n") + 1].splitlines() if l.startswith("spent ")]
    if not lines:
        return None
    kv = dict(item.split("=") for item in lines[-1].split()[1:])
    return float(kv["heavy"]), float(kv["light"])


def record(interp, ratio, seconds, out):
    """Record the fixture into out; heavy's share (%) of the time the
    two functions took in the window, by the fixture's own measure."""
    with launch(interp, SCRIPT, ratio) as target:
        target.wait_until(lambda: spent(target) is not None, "its first measure")
        h0, l0 = spent(target)
        r = run_pytop("record", "-p", target.pid, "-r", 400, "-d", seconds, "-F", "-f", "collapsed", "-o", out, timeout=60)
        assert r.returncode == 0, r.describe()
        h1, l1 = spent(target)
    return 100.0 * (h1 - h0) / ((h1 - h0) + (l1 - l0))


def rows(markdown):
    """{function: (total before, total after, change)} of the diff's table."""
    out = {}
    for m in re.finditer(r"^\| ([\d.]+)% \| ([\d.]+)% \| ([+-][\d.]+) \| [\d.]+% \| [\d.]+% \| [+-][\d.]+ \| (.+) \|$", markdown, re.M):
        out[m.group(4).replace("\\", "").split(" (")[0]] = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
    return out


@pytest.mark.parametrize("interp", DIFF_INTERPRETERS, ids=[i.id for i in DIFF_INTERPRETERS], indirect=True)
def test_halved_function_loses_its_share(interp, tmp_path):
    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    share_before = record(interp, 3, 4, before)
    share_after = record(interp, 1.5, 2, after)  # half as long: shares, not counts
    r = run_pytop("diff", before, after, "-f", "markdown")
    assert r.returncode == 0 and r.stderr == "", r.describe()
    got = rows(r.stdout)
    print("%s: heavy %s light %s; measured heavy %.1f%% then %.1f%%" % (interp.id, got.get("heavy"), got.get("light"), share_before, share_after))
    heavy, light = got["heavy"], got["light"]
    # heavy: about 3/4 of the loop's work, then 1.5/2.5 (the work's ratio:
    # a change of -15 points); judged by what the fixture measured.
    change = share_after - share_before
    assert change < -5, "the fixture's halving did not show in its own measure: %.1f%% then %.1f%%" % (share_before, share_after)
    assert abs(heavy[2] - change) <= TOLERANCE, "measured %+.1f\n%s" % (change, r.stdout)
    assert abs(light[2] + change) <= TOLERANCE, "measured %+.1f\n%s" % (-change, r.stdout)
    assert list(got)[:2] in (["heavy", "light"], ["light", "heavy"]), "the largest changes first\n" + r.stdout
    text = run_pytop("diff", before, after, "-f", "text")
    assert text.returncode == 0 and re.search(r"^\s+[\d.]+\s+[\d.]+\s+-1\d\.\d .*heavy \(", text.stdout, re.M), text.describe()
    assert all(len(l) <= 80 for l in text.stdout.splitlines()), text.stdout

    # The flamegraph, written to diff.svg when no -o is given.
    r = run_pytop("diff", before, after, cwd=tmp_path)
    assert r.returncode == 0 and "wrote diff.svg" in r.stderr, r.describe()
    svg = ET.parse(tmp_path / "diff.svg").getroot()
    after_all, before_all = int(svg.get("data-after-all")), int(svg.get("data-before-all"))
    for name, truth, colour in (("heavy", 60.0 - 75.0, "blue"), ("light", 40.0 - 25.0, "red")):
        frames = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("data-name") == name]
        assert len(frames) == 1, "one %s frame (line aggregation by -F)" % name
        g = frames[0]
        delta = 100.0 * int(g.get("data-after")) / after_all - 100.0 * int(g.get("data-before")) / before_all
        fill = g.find("{http://www.w3.org/2000/svg}rect").get("fill")
        red, blue = int(fill[1:3], 16), int(fill[5:7], 16)
        print("%s: %s %+.1f points, %s" % (interp.id, name, delta, fill))
        assert abs(delta - truth) <= TOLERANCE, (name, delta)
        assert (blue > red + 40) if colour == "blue" else (red > blue + 40), (name, fill)
        assert abs(delta - got[name][2]) < 0.06, "the flamegraph and the table agree"


def test_diff_usage_and_bad_input(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("main (a.py:1) 3\n")
    r = run_pytop("diff", good)
    assert r.returncode == 2 and "diff compares two profiles" in r.stderr, r.describe()
    r = run_pytop("diff", good, good, "-f", "pdf")
    assert r.returncode == 2 and "flamegraph, text or markdown" in r.stderr, r.describe()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "d.md"
    r = run_pytop("diff", good, empty, "-o", out)
    assert r.returncode == 1 and "an empty file" in r.stderr and not out.exists(), r.describe()
    r = run_pytop("diff", empty, good, cwd=tmp_path)
    assert r.returncode == 1 and "an empty file" in r.stderr and not (tmp_path / "diff.svg").exists(), r.describe()
    # pytop's drawings that hold no profile say where the profile is.
    r = run_pytop("diff", good, good, cwd=tmp_path)
    assert r.returncode == 0, r.describe()
    r = run_pytop("report", tmp_path / "diff.svg")
    assert r.returncode == 1 and "a differential flamegraph (pytop diff) holds no profile" in r.stderr, r.describe()
    r = run_pytop("report", good, "-o", tmp_path / "r.html")
    assert r.returncode == 0, r.describe()
    r = run_pytop("diff", good, tmp_path / "r.html", "-o", out)
    assert r.returncode == 1 and "a pytop report page (HTML) holds no profile" in r.stderr and not out.exists(), r.describe()
