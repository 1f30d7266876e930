"""`pytop report -f html`: the report as a page, checked in a real browser.

pytop records 2 s of tests/fixtures/report_phases.py (database,
serialization and its own loop) on Debian's 3.11 into a flamegraph SVG;
the same file is reported as markdown and as HTML.  Headless Chromium
opens the page with ?s=REGEX, the link the page puts on a function's
name, and the DOM it dumps after the scripts ran is read back: the bars
of the category chart and the tables must carry the markdown report's
figures exactly, the flamegraph's frames must be there and its search
must have matched the function's samples.  -o NAME.html picks the
format, and a profile that cannot be read writes no page.  Skipped when
Chromium is missing ($CHROMIUM says where it is).
"""

import html.parser
import re
from pathlib import Path

import pytest

from browser import dump_dom, needs_chromium
from conftest import INTERPRETERS, launch, run_pytop
from test_report import SCRIPT, has_sqlalchemy, phases


# One interpreter: the page's writer does not depend on the target's version.
HTML_INTERPRETERS = [i for i in INTERPRETERS if i.id == "py3.11-debian"]
with_target = pytest.mark.parametrize("interp", HTML_INTERPRETERS, ids=[i.id for i in HTML_INTERPRETERS], indirect=True)


# --------------------------------------------------------------------------
# The dumped DOM


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.attrs.get("class", "").split())
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, id):
        found = [n for n in self.iter() if n.attrs.get("id") == id]
        assert len(found) == 1, "expected one #%s, found %d" % (id, len(found))
        return found[0]


class TreeBuilder(html.parser.HTMLParser):
    """Chromium's serialized DOM as Nodes: HTML's void elements have no
    end tag there, SVG's elements always have one."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        n = self.current
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.current = n.parent

    def handle_data(self, data):
        self.current.children.append(data)


def open_in_chromium(path, query=""):
    """The DOM of the page at path + query after its scripts ran."""
    url = Path(path).as_uri() + query
    out = dump_dom(url)
    builder = TreeBuilder()
    builder.feed(out)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------
# The markdown report, as figures


def markdown_figures(text):
    """{summary key: value}, {category: (own, total)}, and the rows
    (own, total, function, category) of the two function tables, all as
    the report prints them."""
    sections = dict((m.group(1), m.group(2)) for m in re.finditer(r"^## (.+?)\n\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    unescape = lambda s: re.sub(r"\\(.)", r"\1", s)  # markdown's backslashes; the page has the text itself
    summary = dict((k, unescape(v)) for k, v in re.findall(r"^\| (\w+) \| (.*) \|$", text.split("\n## ")[0], re.M))
    cats = dict((m[0], (m[1], m[2])) for m in re.findall(r"^\| ([a-z-]+) \| ([\d.]+)% \| ([\d.]+)% \|$", sections["Where the time goes, by category"], re.M))

    def functions(title):
        rows = re.findall(r"^\| ([\d.]+)% \| ([\d.]+)% \| (.+) \| ([a-z-]+) \|$", sections[title], re.M)
        return [(own, total, unescape(fn), cat) for own, total, fn, cat in rows]

    return summary, cats, functions("Hottest functions, by own time"), functions("Hottest functions, by total time")


def page_functions(root, id):
    rows = []
    for tr in root.by_id(id).find_all("tr")[1:]:
        own, total, fn, cat = (td.text() for td in tr.find_all("td"))
        rows.append((own.rstrip("%"), total.rstrip("%"), fn, cat))
    return rows


# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(interp, tmp_path_factory):
    """(directory, profile, report.html, markdown text) of a 2 s profile."""
    if not has_sqlalchemy(interp):
        pytest.skip("%s: SQLAlchemy is not installed for it (python3-sqlalchemy)" % interp.id)
    d = tmp_path_factory.mktemp("report-html")
    profile = d / "profile.svg"
    with launch(interp, SCRIPT) as target:
        target.wait_until(lambda: phases(target) is not None, "the first rounds")
        r = run_pytop("record", "-p", target.pid, "-r", 200, "-d", 2, "-o", profile, timeout=60)
        assert r.returncode == 0, r.describe()
    page = d / "report.html"
    r = run_pytop("report", profile, "-f", "html", "-o", page)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.describe()
    md = run_pytop("report", profile, "-f", "markdown")
    assert md.returncode == 0 and md.stderr == "", md.describe()
    return d, profile, page, md.stdout


@needs_chromium
@with_target
def test_page_in_a_browser_has_the_reports_figures(interp, reports):
    d, profile, page, md = reports
    summary, cats, by_own, by_total = markdown_figures(md)
    # The search link of the fixture's own loop, as the page writes it.
    text = page.read_text(encoding="utf-8")
    link = re.search(r'<a href="(\?s=[^"#]*)#flamegraph" title="[^"]*">own_work <span class="where">\(%s:' % re.escape(SCRIPT), text)
    assert link is not None, "no search link for own_work in the page"
    assert "%5Eown_work%20" in link.group(1), link.group(1)
    root = open_in_chromium(page, link.group(1))

    # The summary says what the markdown says.
    rows = dict((tr.find_all("th")[0].text(), tr.find_all("td")[0].text()) for tr in root.by_id("summary").find_all("tr"))
    for key in ("Profile", "Target", "Python", "Samples", "Rate", "Duration"):
        assert rows[key] == summary[key], (key, rows, summary)

    # A bar per category with samples, its figures the markdown's, in its order.
    chart = root.by_id("categories")
    assert chart.tag == "svg"
    bars = chart.find_all("g", cls="cat")
    assert [(g.attrs["data-cat"], (g.attrs["data-own"], g.attrs["data-total"])) for g in bars] == list(cats.items()), md
    assert {"app", "database", "serialization"} <= set(cats), md
    table = [tuple(td.text() for td in tr.find_all("td")) for tr in root.by_id("category-shares").find_all("tr")[1:]]
    assert table == [(c, own + "%", total + "%") for c, (own, total) in cats.items()]

    # The function tables: the same rows, the hottest first.
    mine = page_functions(root, "functions-own")
    assert mine == by_own and mine[0][2] == by_own[0][2], md
    assert page_functions(root, "functions-total") == by_total, md

    # The flamegraph is there and its search ran: own_work's frames, all
    # its samples (frames too narrow to draw aside).
    frames = root.by_id("frames").find_all("g", cls="f")
    assert len(frames) > 10
    hits = [g for g in frames if "m" in g.attrs["class"].split()]
    assert hits and all(g.attrs["data-name"] == "own_work" for g in hits)
    matched = root.by_id("matched").text()
    m = re.fullmatch(r"Matched: (\d+\.\d)%", matched)
    assert m and float(m.group(1)) > 0, matched
    own_work_total = next(float(total) for _, total, fn, _ in by_total if fn.startswith("own_work ("))
    assert abs(float(m.group(1)) - own_work_total) <= 1.0, (matched, own_work_total)


@with_target
def test_html_by_name_and_nothing_from_the_network(interp, reports):
    d, profile, page, _ = reports
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert re.findall(r"https?://[^\"' ]*", text) == ["http://www.w3.org/2000/svg"]
    assert text.count('class="pytop-fg"') == 1
    for name in ("x.html", "x.htm"):
        r = run_pytop("report", profile, "-o", d / name)
        assert r.returncode == 0 and r.stderr == "", r.describe()
        assert (d / name).read_text(encoding="utf-8") == text, name
    r = run_pytop("report", profile, "-f", "html")
    assert r.returncode == 0 and r.stdout == text, r.describe()
    print("report.html: %d bytes, profile.svg: %d bytes" % (len(text.encode()), profile.stat().st_size))


def test_unreadable_profile_writes_no_page(tmp_path):
    bad = tmp_path / "words.txt"
    bad.write_text("this is not a profile\n")
    for args in (["-o", tmp_path / "report.html"], ["-f", "html", "-o", tmp_path / "out.txt"]):
        r = run_pytop("report", bad, *args)
        assert r.returncode == 1, r.describe()
        assert r.stdout == "" and r.stderr.count("\n") == 1 and r.stderr.startswith("pytop: "), r.describe()
        assert list(tmp_path.iterdir()) == [bad], "nothing written"
    r = run_pytop("report", bad, "-f", "pdf")
    assert r.returncode == 2 and "text, markdown or html" in r.stderr, r.describe()
