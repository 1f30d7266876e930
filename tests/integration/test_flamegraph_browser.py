"""The flamegraph SVG's script, run by a real browser (headless Chromium).

tests/tools/write_flamegraph (built by `make check`) turns folded stacks into an
SVG through output/flamegraph; Chromium opens it with the viewer's URL
parameters (?s=REGEX searches, ?z=ID zooms, as a click would) and dumps
the DOM after the script ran, which is parsed back as XML.  Clicks, hover
and keys are dispatched by a script appended to a copy of the file.
Skipped when Chromium is not installed.  $CHROMIUM and $WRITE_FLAMEGRAPH
override where the browser and the helper are.
"""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from browser import dump_dom, needs_chromium
from conftest import PYTOP, run_pytop

HELPER = os.environ.get("WRITE_FLAMEGRAPH") or str(Path(PYTOP).parent / "tests" / "tools" / "write_flamegraph")
SVG = "{http://www.w3.org/2000/svg}"
PLOT_X0, PLOT_W = 10.0, 1180.0

# 100 samples; each stack's share is its count.
STACKS = """\
main (app.py:1);handler (app.py:10);render (app.py:20) 25
main (app.py:1);handler (app.py:10);query (db.py:5) 35
main (app.py:1);work (app.py:30);work (app.py:30);work (app.py:30) 12
main (app.py:1);work (app.py:30) 8
main (app.py:1);<lambda> (app.py:40);caf\u00e9_\U0001f40d (a&b.py:7) 10
main (app.py:1);idle (app.py:50) 10
"""

pytestmark = needs_chromium


def write_svg(directory, folded, name="profile.svg"):
    """The SVG of folded stacks, written by tests/tools/write_flamegraph."""
    if not os.access(HELPER, os.X_OK):
        pytest.fail("tests/tools/write_flamegraph not found at %s (make check builds it, or set WRITE_FLAMEGRAPH)" % HELPER)
    path = os.path.join(directory, name)
    with open(path, "wb") as out:
        p = subprocess.run([HELPER, "-d", "1"], input=folded.encode("utf-8"), stdout=out, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 0, p.stderr.decode()
    return path


@pytest.fixture(scope="module")
def svg_path():
    d = tempfile.mkdtemp(prefix="pytop-fg-")
    yield write_svg(d, STACKS)
    shutil.rmtree(d, ignore_errors=True)


def open_in_chromium(path, **params):
    """The DOM of path?params after its script ran, as an ElementTree root."""
    url = Path(path).as_uri()
    if params:
        url += "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    out = dump_dom(url)
    try:
        return ET.fromstring(out)
    except ET.ParseError as e:
        pytest.fail("chromium's DOM of %s is not XML (%s):\n%s" % (url, e, out[:2000]))


def frames(root):
    return root.findall(".//%sg[@class]" % SVG)


def frames_named(root, name):
    return [g for g in frames(root) if g.get("data-name") == name and "f" in g.get("class").split()]


def one(root, name):
    found = frames_named(root, name)
    assert len(found) == 1, "expected one frame %r, found %d" % (name, len(found))
    return found[0]


def classes(g):
    return set(g.get("class").split())


def rect(g):
    r = g.find(SVG + "rect")
    return float(r.get("x")), float(r.get("width"))


def text_of(root, id):
    el = root.find(".//*[@id='%s']" % id)
    assert el is not None, "no element #%s" % id
    return "".join(el.itertext())


def highlighted(root):
    return sorted(g.get("data-name") for g in frames(root) if "m" in classes(g))


def test_static_view(svg_path):
    root = open_in_chromium(svg_path)
    assert text_of(root, "matched") == ""
    assert "h" in classes(root.find(".//*[@id='reset']"))
    assert "h" in classes(root.find(".//*[@id='clear']"))
    assert highlighted(root) == []
    # Children by name: <lambda> (10%), handler (60%), idle, work.
    assert rect(one(root, "<lambda>")) == pytest.approx((PLOT_X0, 0.10 * PLOT_W), abs=0.01)
    assert rect(one(root, "handler")) == pytest.approx((PLOT_X0 + 0.10 * PLOT_W, 0.60 * PLOT_W), abs=0.01)
    # Names survive the round trip through XML and the browser's parser.
    assert one(root, "caf\u00e9_\U0001f40d").get("data-file") == "a&b.py"
    assert one(root, "<lambda>").find(SVG + "text").text.startswith("<lambda> (app")


def test_search_from_url(svg_path):
    root = open_in_chromium(svg_path, s="render")
    assert text_of(root, "matched") == "Matched: 25.0%"
    assert highlighted(root) == ["render"]
    assert "h" not in classes(root.find(".//*[@id='clear']"))


def test_search_counts_a_sample_once(svg_path):
    # work -> work -> work: 12 samples under three matching frames, plus 8.
    root = open_in_chromium(svg_path, s="^work")
    assert highlighted(root) == ["work", "work", "work"]
    assert text_of(root, "matched") == "Matched: 20.0%"


def test_search_matches_files_and_alternatives(svg_path):
    root = open_in_chromium(svg_path, s="db\\.py|render|a&b")
    assert highlighted(root) == ["caf\u00e9_\U0001f40d", "query", "render"]
    assert text_of(root, "matched") == "Matched: 70.0%"
    root = open_in_chromium(svg_path, s="<lambda>")
    assert highlighted(root) == ["<lambda>"]
    assert text_of(root, "matched") == "Matched: 10.0%"


def test_bad_regex(svg_path):
    root = open_in_chromium(svg_path, s="(")
    assert text_of(root, "matched").startswith("Bad regular expression")
    assert highlighted(root) == []


def test_zoom_from_url(svg_path):
    handler = one(ET.parse(svg_path).getroot(), "handler").get("id")
    root = open_in_chromium(svg_path, z=handler)
    g = one(root, "handler")
    assert rect(g) == (PLOT_X0, PLOT_W)  # full width
    assert "a" not in classes(g) and "h" not in classes(g)
    # Children scale with it: 35 and 25 of its 60 samples.
    assert rect(one(root, "query")) == pytest.approx((PLOT_X0, 35 / 60 * PLOT_W), abs=0.01)
    assert rect(one(root, "render")) == pytest.approx((PLOT_X0 + 35 / 60 * PLOT_W, 25 / 60 * PLOT_W), abs=0.01)
    # Ancestors stay, full width and dimmed; everything else hides.
    for name in ("all", "main"):
        a = one(root, name)
        assert "a" in classes(a) and rect(a) == (PLOT_X0, PLOT_W)
    for name in ("idle", "work", "<lambda>"):
        for g in frames_named(root, name):
            assert "h" in classes(g)
    assert "h" not in classes(root.find(".//*[@id='reset']"))
    # Labels are refitted to the new widths.
    assert one(root, "render").find(SVG + "text").text == "render (app.py:20)"


def test_zoom_by_number_and_search_together(svg_path):
    work = [g for g in frames_named(ET.parse(svg_path).getroot(), "work") if g.get("data-d") == "2"]
    assert len(work) == 1
    number = work[0].get("id")[1:]
    root = open_in_chromium(svg_path, z=number, s="work|render")
    assert "h" in classes(one(root, "handler"))
    top = [g for g in frames_named(root, "work") if g.get("data-d") == "2"][0]
    assert rect(top) == (PLOT_X0, PLOT_W)
    # The percentage is of the whole profile, zoomed or not.
    assert text_of(root, "matched") == "Matched: 45.0%"


# Runs after the viewer's script; logs each state into data-log.
EVENTS_JS = r"""
(function () {
  var svg = document.documentElement, log = [];
  function frame(name) { return document.querySelector('#frames > g[data-name="' + name + '"]'); }
  function fire(el, type) { el.querySelector("rect").dispatchEvent(new MouseEvent(type, {bubbles: true})); }
  function key(k) { document.dispatchEvent(new KeyboardEvent("keydown", {key: k, bubbles: true})); }
  function state(what) {
    log.push([what, frame("handler").querySelector("rect").getAttribute("width"),
              document.getElementById("details").textContent,
              document.getElementById("matched").textContent]);
  }
  state("loaded");
  fire(frame("handler"), "click");
  state("clicked handler");
  fire(frame("render"), "mouseover");
  state("hover render");
  fire(frame("render"), "mouseout");
  state("left render");
  fire(document.getElementById("reset"), "click");
  state("reset button");
  fire(frame("handler"), "click");
  key("Escape");
  state("escape unzooms");
  key("Escape");
  state("escape clears the search");
  svg.setAttribute("data-log", JSON.stringify(log));
})();
"""


def test_clicks_hover_and_keys(svg_path, tmp_path):
    text = Path(svg_path).read_text(encoding="utf-8")
    events = tmp_path / "events.svg"
    events.write_text(text.replace("</svg>", "<script><![CDATA[%s]]></script>\n</svg>" % EVENTS_JS), encoding="utf-8")
    root = open_in_chromium(str(events), s="render")
    log = json.loads(root.get("data-log"))
    hint = log[0][2]
    assert hint.startswith("Hover a frame")
    full, static = "%.2f" % PLOT_W, "%.2f" % (0.60 * PLOT_W)
    assert log == [
        ["loaded", static, hint, "Matched: 25.0%"],
        ["clicked handler", full, hint, "Matched: 25.0%"],
        ["hover render", full, "render (app.py:20) \u2014 25 samples (25.00%), self 25, 41.67% of the zoomed frame", "Matched: 25.0%"],
        ["left render", full, hint, "Matched: 25.0%"],
        ["reset button", static, hint, "Matched: 25.0%"],
        ["escape unzooms", static, hint, "Matched: 25.0%"],
        ["escape clears the search", static, hint, ""],
    ]


def test_zoom_labels_narrow_frames(tmp_path):
    # narrow is 0.1% wide: drawn, but with no room for a label until zoomed.
    path = write_svg(str(tmp_path), "main (app.py:1);wide (app.py:2) 999\nmain (app.py:1);narrow (app.py:7) 1\n")
    static = one(ET.parse(path).getroot(), "narrow")
    assert static.find(SVG + "text") is None
    root = open_in_chromium(path, z=static.get("id"))
    narrow = one(root, "narrow")
    assert rect(narrow) == (PLOT_X0, PLOT_W)
    assert narrow.find(SVG + "text").text == "narrow (app.py:7)"
    assert "h" in classes(one(root, "wide"))


# pytop diff: heavy 75 -> 60, light 25 -> 40, gone;inner 10 -> none, new 0 -> 5.
DIFF_BEFORE = "main (a.py:1);heavy (a.py:5) 75\nmain (a.py:1);light (a.py:9) 25\nmain (a.py:1);gone (a.py:20);inner (a.py:22) 10\n"
DIFF_AFTER = "main (a.py:1);heavy (a.py:5) 60\nmain (a.py:1);light (a.py:9) 40\nmain (a.py:1);new (a.py:30) 5\n"

DIFF_EVENTS_JS = r"""
(function () {
  var svg = document.documentElement, log = [];
  function frame(name) { return document.querySelector('#frames > g[data-name="' + name + '"]'); }
  function fire(el, type) { el.querySelector("rect").dispatchEvent(new MouseEvent(type, {bubbles: true})); }
  ["heavy", "gone", "new", "all"].forEach(function (name) {
    fire(frame(name), "mouseover");
    log.push(document.getElementById("details").textContent);
  });
  svg.setAttribute("data-log", JSON.stringify(log));
})();
"""


@pytest.fixture(scope="module")
def diff_path():
    d = tempfile.mkdtemp(prefix="pytop-diff-")
    before, after = os.path.join(d, "before.txt"), os.path.join(d, "after.txt")
    Path(before).write_text(DIFF_BEFORE)
    Path(after).write_text(DIFF_AFTER)
    out = os.path.join(d, "diff.svg")
    r = run_pytop("diff", before, after, "-o", out)
    assert r.returncode == 0, r.describe()
    yield out
    shutil.rmtree(d, ignore_errors=True)


def test_diff_search_zoom_and_hover(diff_path, tmp_path):
    # Widths: AFTER's samples (22 units each) and gone at its BEFORE share
    # (21 units a sample): 105 * 22 + 10 * 21 = 2520 units.
    root = open_in_chromium(diff_path, s="heavy|gone")
    assert highlighted(root) == ["gone", "heavy"]
    # Matched frames, each sample once: heavy 75 + gone 10 of 110 before,
    # heavy 60 of 105 after.
    assert text_of(root, "matched") == "Matched: before 77.27% \u2192 after 57.14% (-20.13 points)"
    assert rect(one(root, "heavy")) == pytest.approx((PLOT_X0 + 210 / 2520 * PLOT_W, 1320 / 2520 * PLOT_W), abs=0.01)
    assert "g" in classes(one(root, "inner")) and "g" not in classes(one(root, "heavy"))

    gone = one(ET.parse(diff_path).getroot(), "gone").get("id")
    root = open_in_chromium(diff_path, z=gone)
    assert rect(one(root, "inner")) == (PLOT_X0, PLOT_W)
    assert "h" in classes(one(root, "heavy"))

    text = Path(diff_path).read_text(encoding="utf-8")
    events = tmp_path / "events.svg"
    events.write_text(text.replace("</svg>", "<script><![CDATA[%s]]></script>\n</svg>" % DIFF_EVENTS_JS), encoding="utf-8")
    log = json.loads(open_in_chromium(str(events)).get("data-log"))
    assert log == [
        "heavy (a.py:5) \u2014 before 68.18% \u2192 after 57.14% (-11.04 points)",
        "gone (a.py:20) \u2014 before 9.09% \u2192 after 0.00% (-9.09 points), only before",
        "new (a.py:30) \u2014 before 0.00% \u2192 after 4.76% (+4.76 points), new",
        "all \u2014 before 100.00% \u2192 after 100.00% (+0.00 points)",
    ]
    assert one(root, "all").find(SVG + "text").text == "all (105 samples after, 110 before)"
