"""The collapsed and speedscope files, checked by the programs that read them.

tests/tools/write_profiles (built by `make check`) reads folded stacks on stdin
through output/collapsed and writes `-f collapsed` or `-f speedscope` to
stdout. Every case here goes through it and is checked:

- collapsed: parsed with flamegraph.pl's own input rules (the line regex
  `^(.*)\\s+?(\\d+(?:\\.\\d*)?)$`, frames split on ';', and no line it would
  take for a two-column differential one), giving back the stacks and counts
  put in; writing it again gives the same bytes; the real flamegraph.pl
  draws an SVG of it when one is installed (Debian 12 has no package).
- speedscope: strict JSON (UTF-8, no NaN, no duplicate keys) with the
  schema's fields, every sample's indices inside shared.frames, as many
  weights as samples, weights adding up to the samples (or their seconds);
  the stacks it describes are the ones put in; it validates against
  speedscope's own file-format-schema.json (shipped in the npm package
  `speedscope`, found through SPEEDSCOPE_SCHEMA or `npm root -g`) with the
  small draft-07 validator below; and the speedscope app itself, run by
  headless Chromium, imports it and shows the right times.

PYTOP_BUILDDIR names the build tree (default: the directory of $PYTOP).
"""

import base64
import json
import math
import os
import random
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import CHROMIUM_TIMEOUT, dump_dom, needs_chromium
from conftest import PYTOP

BUILDDIR = Path(os.environ.get("PYTOP_BUILDDIR") or Path(PYTOP).parent)
HELPER = BUILDDIR / "tests" / "tools" / "write_profiles"
SCHEMA_URL = "https://www.speedscope.app/file-format-schema.json"
OUTSIDE = "samples outside any process"  # the profile of stacks under no process


# --------------------------------------------------------------------------
# Cases: (frames, count) with frames as bytes, already free of ';' and '\n'.


def _small():
    p, t = b"process 42 (python3 app.py)", b"thread 43 (worker)"
    return [
        ([p, b"main (app.py:10)", b"work (app.py:5)"], 42),
        ([p, b"main (app.py:10)"], 3),
        ([p, b"main (app.py:10)", b"helper (lib/util.py)"], 7),
        ([p, t, b"run (threading.py:1012)", b"memcpy"], 1),
        ([b"<module>"], 2),
        ([p, b"main (app.py:10)", b"work (app.py:5)"], 8),
    ]


def _awkward():
    u = lambda s: s.encode("utf-8")  # noqa: E731
    return [
        ([u("name with spaces (/home/me/My Project (old)/app.py:12)"), u("weird (x) name (paren(s).py:3)")], 10),
        ([u("caf\u00e9_donn\u00e9es (/srv/\u00fcn\u00efcode/\u6a21\u5757.py:77)"), u("fire_\U0001f525 (\U0001f525.py:1)")], 3),
        ([u("<lambda> (app.py:30)"), u("Outer.<locals>.inner (app.py:31)"), u("<genexpr> (app.py:32)")], 4),
        ([u('say "hi" (C:\\dir\\x.py:9)'), u("back\\slash (a.py:1)"), u("tab\there (t.py:2)")], 5),
        ([u("ctl\x01\x1f (c.py:3)"), u("f( (/x/a(.py:4)"), u("trailing  (t.py)")], 6),
        ([u("std::vector<int>::push_back(int const&)"), u("operator new(unsigned long)")], 1),
    ]


def _processes():
    m, w1, w2 = b"process 10 (uvicorn master)", b"process 11 (uvicorn worker)", b"process 12 (uvicorn worker)"
    return [
        ([m, b"serve (uvicorn/server.py:60)"], 5),
        ([w1, b"thread 11 (MainThread)", b"serve (uvicorn/server.py:60)", b"handle (app.py:7)"], 20),
        ([w1, b"thread 11 (MainThread)"], 2),
        ([w2, b"handle (app.py:7)"], 30),
        ([b"handle (app.py:7)"], 1),
    ]


def _deep():
    return [([b"step (deep.py:%d)" % (i % 2 + 1) for i in range(4000)], 3), ([b"step (deep.py:1)"], 1)]


def _many():
    rng = random.Random(1234)
    funcs = [b"handler_%d (/srv/app/module_%d.py:%d)" % (i, i % 37, i % 300 + 1) for i in range(500)]
    stacks = []
    for i in range(3000):
        depth = rng.randint(3, 60)
        prefix = list(rng.choice(stacks)[0][: rng.randint(0, depth - 1)]) if stacks else []
        frames = prefix + [rng.choice(funcs) for _ in range(depth - 1 - len(prefix))]
        stacks.append((frames + [b"leaf (/srv/app/leaf.py:%d)" % (i + 1)], rng.randint(1, 500)))
    return stacks


def _bad_utf8():
    return [([b"latin1 caf\xe9 (a.py:1)", b"cut \xe2\x82 (b\xff.py:2)"], 4), ([b"ok (c.py:3)"], 1)]


CASES = {
    "small": _small(),
    "awkward": _awkward(),
    "processes": _processes(),
    "deep": _deep(),
    "many": _many(),
    "bad-utf8": _bad_utf8(),
}


def folded(case):
    return b"".join(b";".join(frames) + b" %d\n" % count for frames, count in case)


def expected_stacks(case):
    """{stack text: count}, identical stacks added up."""
    out = {}
    for frames, count in case:
        key = b";".join(frames)
        out[key] = out.get(key, 0) + count
    return out


def total(case):
    return sum(count for _, count in case)


# --------------------------------------------------------------------------
# Running the helper


def write_profile(data, fmt, *args):
    if not os.access(str(HELPER), os.X_OK):
        pytest.fail("tests/tools/write_profiles not found at %s (make check builds it; or set PYTOP_BUILDDIR)" % HELPER)
    p = subprocess.run(
        [str(HELPER), "-f", fmt] + list(args), input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout


# --------------------------------------------------------------------------
# Collapsed, read the way flamegraph.pl reads it

FG_LINE = re.compile(rb"^(.*)\s+?(\d+(?:\.\d*)?)$")


def flamegraph_parse(data):
    """{stack: count} by flamegraph.pl's rules; fails on any line it would
    ignore or take for a differential (two-count) line."""
    stacks = {}
    for n, line in enumerate(data.split(b"\n")[:-1], 1):  # chomp: every line ends in \n
        m = FG_LINE.match(line)
        assert m, "flamegraph.pl would ignore line %d: %r" % (n, line[:200])
        stack, samples = m.group(1), m.group(2)
        assert not FG_LINE.match(stack), "flamegraph.pl would read line %d as differential: %r" % (n, line[:200])
        frames = stack.split(b";")
        while frames and frames[-1] == b"":  # Perl's split drops trailing empty fields
            frames.pop()
        assert frames, "line %d has no frame" % n
        key = b";".join(frames)
        assert key not in stacks, "stack written twice: %r" % key[:200]
        stacks[key] = int(samples)
    assert data.endswith(b"\n") or data == b""
    return stacks


@pytest.mark.parametrize("name", sorted(CASES))
def test_collapsed_reads_back_under_flamegraph_rules(name):
    case = CASES[name]
    out = write_profile(folded(case), "collapsed")
    assert flamegraph_parse(out) == expected_stacks(case)
    assert write_profile(out, "collapsed") == out  # write -> read -> write is stable
    assert not out.startswith(b"#")  # no comment line: flamegraph.pl does not take them


def test_collapsed_order_is_depth_first():
    out = write_profile(b"c;a 1\na;b 1\nc;b 1\na 1\n", "collapsed")
    assert out == b"c;a 1\nc;b 1\na 1\na;b 1\n"


def test_malformed_lines_are_refused():
    if not os.access(str(HELPER), os.X_OK):
        pytest.fail("tests/tools/write_profiles not found at %s" % HELPER)
    p = subprocess.run(
        [str(HELPER), "-f", "collapsed"], input=b"a;b 1\n\nno count here\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "line 3:" in err and "no sample count" in err, err
    assert err.count("\n") == 1


def flamegraph_pl():
    for name in ("flamegraph.pl", "flamegraph"):
        path = shutil.which(name)
        if path:
            with open(path, "rb") as f:
                if b"perl" in f.readline():
                    return path
    return None


@pytest.mark.skipif(flamegraph_pl() is None, reason="flamegraph.pl is not installed (Debian 12 has no package of it)")
@pytest.mark.parametrize("name", ["small", "awkward", "processes", "many"])
def test_flamegraph_pl_draws_it(name, tmp_path):
    path = tmp_path / "stacks.txt"
    path.write_bytes(write_profile(folded(CASES[name]), "collapsed"))
    p = subprocess.run([flamegraph_pl(), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert b"<svg" in p.stdout[:2000] and p.stdout.rstrip().endswith(b"</svg>")
    assert b"ERROR" not in p.stdout and b"Ignored" not in p.stderr, p.stderr.decode(errors="replace")


# --------------------------------------------------------------------------
# Speedscope, parsed by a strict JSON reader


def strict_json(data):
    def no_constants(name):
        raise ValueError("%s is not JSON" % name)

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), "duplicate keys: %r" % keys
        return dict(pairs)

    text = data.decode("utf-8")  # strict: raises on bytes that are not UTF-8
    return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def frame_text(f):
    """A speedscope frame as the folded text it came from."""
    text = f["name"]
    if "file" in f:
        text += " (%s%s)" % (f["file"], ":%d" % f["line"] if "line" in f else "")
    elif "line" in f:
        text += " (:%d)" % f["line"]
    return text


def check_speedscope(doc, case, rate, target):
    """The structure of doc, and the stacks it describes ({text: count})."""
    assert doc["$schema"] == SCHEMA_URL
    assert doc["name"] == target
    assert doc["activeProfileIndex"] == 0
    assert doc["exporter"].startswith("pytop ")
    frames = doc["shared"]["frames"]
    assert isinstance(frames, list)
    for f in frames:
        assert isinstance(f["name"], str)
        assert set(f) <= {"name", "file", "line"}
        assert isinstance(f.get("file", ""), str) and f.get("file") != ""
        assert isinstance(f.get("line", 1), int) and f.get("line", 1) > 0
    profiles = doc["profiles"]
    assert len(profiles) >= 1
    stacks = {}
    grand_total = 0
    for p in profiles:
        assert p["type"] == "sampled"
        assert isinstance(p["name"], str) and p["name"]
        assert p["unit"] == ("seconds" if rate else "none")
        assert p["startValue"] == 0
        samples, weights = p["samples"], p["weights"]
        assert len(weights) == len(samples)
        for s in samples:
            assert isinstance(s, list)
            for i in s:
                assert isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(frames), i
        for w in weights:
            assert is_number(w) and w > 0
        if rate:
            counts = [w * rate for w in weights]
            assert all(abs(c - round(c)) < 1e-6 for c in counts), counts[:10]
            counts = [int(round(c)) for c in counts]
            assert math.isclose(p["endValue"], sum(weights), rel_tol=1e-9)
        else:
            assert all(isinstance(w, int) for w in weights)
            counts = weights
            assert p["endValue"] == sum(weights)
        grand_total += sum(counts)
        # Several processes: one profile each, the process frame left out.
        prefix = [p["name"]] if len(profiles) > 1 and p["name"] != OUTSIDE else []
        for s, c in zip(samples, counts):
            key = ";".join(prefix + [frame_text(frames[i]) for i in s])
            assert key not in stacks, "stack written twice: %r" % key[:200]
            stacks[key] = c
    assert grand_total == total(case)
    return stacks


@pytest.mark.parametrize("rate", [0, 100, 7])
@pytest.mark.parametrize("name", sorted(CASES))
def test_speedscope_structure(name, rate):
    case = CASES[name]
    target = "PID 42 (python3 \u00e9 \"app\".py)"
    doc = strict_json(write_profile(folded(case), "speedscope", "-r", str(rate), "-n", target))
    stacks = check_speedscope(doc, case, rate, target)
    want = {k.decode("utf-8", "replace"): v for k, v in expected_stacks(case).items()}
    assert stacks == want


@pytest.fixture(scope="module")
def comma_locale(tmp_path_factory):
    """Environment for a locale whose decimal point is ',' (de_DE.UTF-8,
    compiled with localedef into a temporary LOCPATH)."""
    localedef = shutil.which("localedef")
    if localedef is None or not os.path.exists("/usr/share/i18n/locales/de_DE"):
        pytest.skip("cannot compile a de_DE locale (localedef and Debian's locales package are needed)")
    path = tmp_path_factory.mktemp("locale")
    p = subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", str(path / "de_DE.UTF-8")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    env = dict(os.environ, LOCPATH=str(path), LC_ALL="de_DE.UTF-8")
    point = subprocess.run(["locale", "decimal_point"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0 or point.stdout.strip() != b",":
        pytest.skip("localedef could not make de_DE.UTF-8: %s" % p.stdout.decode(errors="replace")[-500:])
    return env


def test_speedscope_ignores_the_locale(comma_locale):
    # pytop's UI sets the locale from the environment; JSON numbers need '.'.
    data = folded(CASES["many"])
    args = [str(HELPER), "-f", "speedscope", "-r", "7"]
    german = subprocess.run(args, input=data, env=comma_locale, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert german.returncode == 0, german.stderr.decode(errors="replace")
    assert german.stdout == write_profile(data, "speedscope", "-r", "7")
    weights = strict_json(german.stdout)["profiles"][0]["weights"]
    assert any(isinstance(w, float) for w in weights)


def test_speedscope_one_profile_per_process():
    doc = strict_json(write_profile(folded(CASES["processes"]), "speedscope", "-n", "3 processes"))
    names = [p["name"] for p in doc["profiles"]]
    assert names == ["process 10 (uvicorn master)", "process 11 (uvicorn worker)", "process 12 (uvicorn worker)", OUTSIDE]
    assert [p["endValue"] for p in doc["profiles"]] == [5, 22, 30, 1]


# --------------------------------------------------------------------------
# Speedscope's own schema, with a small draft-07 validator


def speedscope_dist():
    """The dist/release directory of the npm package speedscope, or None."""
    env = os.environ.get("SPEEDSCOPE_SCHEMA")
    if env:
        return Path(env).parent
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        root = subprocess.run([npm, "root", "-g"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    dist = Path(root.stdout.decode().strip()) / "speedscope" / "dist" / "release"
    return dist if (dist / "file-format-schema.json").is_file() else None


DIST = speedscope_dist()
NO_SPEEDSCOPE = "speedscope's npm package is not installed (npm install -g speedscope), nor SPEEDSCOPE_SCHEMA set"


class SchemaError(AssertionError):
    pass


# Keywords that only annotate: nothing to check.
ANNOTATIONS = {"$schema", "$id", "title", "description", "definitions", "default", "examples", "$comment"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(value, schema, root, path="$"):
    """Raise SchemaError unless value is valid under schema (the draft-07
    keywords speedscope's schema uses; any other one is refused, so that a
    new schema cannot pass unchecked)."""
    for key in schema:
        if key not in ANNOTATIONS and key not in {
            "$ref", "type", "properties", "required", "additionalProperties", "items",
            "anyOf", "oneOf", "allOf", "enum", "const", "minItems", "maxItems", "minimum", "maximum",
        }:  # fmt: skip
            raise NotImplementedError("schema keyword %r at %s" % (key, path))
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        validate(value, target, root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            raise SchemaError("%s: %r is not of type %s" % (path, value, "/".join(types)))
    if "const" in schema and value != schema["const"]:
        raise SchemaError("%s: %r is not %r" % (path, value, schema["const"]))
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError("%s: %r is not one of %r" % (path, value, schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaError("%s: %r < %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaError("%s: %r > %r" % (path, value, schema["maximum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                raise SchemaError("%s: %r is missing" % (path, key))
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                validate(v, props[key], root, "%s.%s" % (path, key))
            elif schema.get("additionalProperties", True) is False:
                raise SchemaError("%s: %r is not allowed" % (path, key))
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(v, schema["additionalProperties"], root, "%s.%s" % (path, key))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            raise SchemaError("%s: %d items" % (path, len(value)))
        items = schema.get("items")
        if isinstance(items, dict):
            for i, v in enumerate(value):
                validate(v, items, root, "%s[%d]" % (path, i))
        elif isinstance(items, list):
            for i, (v, s) in enumerate(zip(value, items)):
                validate(v, s, root, "%s[%d]" % (path, i))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            passed = 0
            reasons = []
            for sub in schema[key]:
                try:
                    validate(value, sub, root, path)
                    passed += 1
                except SchemaError as e:
                    reasons.append(str(e))
            if passed == 0 or (key == "oneOf" and passed > 1):
                raise SchemaError("%s: %s fails (%s)" % (path, key, "; ".join(reasons)))
    for sub in schema.get("allOf", []):
        validate(value, sub, root, path)


@pytest.fixture(scope="module")
def schema():
    if DIST is None:
        pytest.skip(NO_SPEEDSCOPE)
    return json.loads((DIST / "file-format-schema.json").read_text())


@pytest.mark.parametrize("rate", [0, 100])
@pytest.mark.parametrize("name", sorted(CASES))
def test_speedscope_matches_its_schema(schema, name, rate):
    doc = strict_json(write_profile(folded(CASES[name]), "speedscope", "-r", str(rate), "-n", "PID 1 (x)"))
    validate(doc, schema, schema)


def test_schema_validator_is_not_blind(schema):
    good = strict_json(write_profile(folded(CASES["small"]), "speedscope", "-r", "100"))
    validate(good, schema, schema)
    for breakage in (
        lambda d: d.pop("shared"),
        lambda d: d.update({"$schema": "https://example.com/other.json"}),
        lambda d: d["profiles"][0].pop("weights"),
        lambda d: d["profiles"][0].update({"unit": "parsecs"}),
        lambda d: d["profiles"][0].update({"type": "flamegraph"}),
        lambda d: d["profiles"][0]["samples"].append(["0"]),
        lambda d: d["shared"]["frames"].append({"file": "x.py"}),
        lambda d: d["shared"]["frames"][0].update({"line": "10"}),
    ):
        bad = json.loads(json.dumps(good))
        breakage(bad)
        with pytest.raises(SchemaError):
            validate(bad, schema, schema)


# --------------------------------------------------------------------------
# The speedscope app itself, in headless Chromium


class SandwichTable(HTMLParser):
    """The rows of speedscope's sandwich view: (total, self, name, file)."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.title = [], None, None, None
        self.doc_title, self.in_title = "", False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        elif tag == "tr":
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []
            self.title = dict(attrs).get("title")
        elif tag == "div" and self.cell is not None:
            self.row.append(("".join(self.cell), self.title))
            self.cell = None

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "td" and self.cell is not None:
            self.row.append(("".join(self.cell), self.title))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if len(self.row) == 3:
                self.rows.append((self.row[0][0], self.row[1][0], self.row[2][0], self.row[2][1]))
            self.row = None

    def handle_data(self, data):
        if self.in_title:
            self.doc_title += data
        if self.cell is not None:
            self.cell.append(data)


def speedscope_dom(profile, tmp_path, view="sandwich"):
    """The DOM of the speedscope app once it imported profile (bytes)."""
    loader = tmp_path / "load.js"
    loader.write_text(
        "speedscope.loadFileFromBase64(%s, %s)" % (json.dumps("profile.json"), json.dumps(base64.b64encode(profile).decode()))
    )
    url = (DIST / "index.html").as_uri() + "#localProfilePath=%s&view=%s" % (loader, view)
    # speedscope alert()s on a file it cannot read, which blocks.
    dom = dump_dom(url, 10000, ("--allow-file-access-from-files", "--window-size=1600,3000"),
                   stuck="speedscope did not load the profile within %ss (an import error?)" % CHROMIUM_TIMEOUT)
    assert "Something went wrong" not in dom, "speedscope could not import the profile"
    return dom


def ms(text):
    """'420.00ms (93%)' -> 420.0; '1.05s (12%)' -> 1050.0; '0.00ns' -> 0."""
    m = re.match(r"\s*([\d.]+)\s*(ns|\u00b5s|us|ms|s)\b", text)
    assert m, text
    return float(m.group(1)) * {"ns": 1e-6, "\u00b5s": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


needs_app = pytest.mark.skipif(DIST is None, reason=NO_SPEEDSCOPE)


@needs_app
@needs_chromium
def test_speedscope_app_shows_the_times(tmp_path):
    # One process: every function's total and self time, in the sandwich view.
    case = [
        ([b"main (app.py:1)", b"handler (app.py:10)", b"render (app.py:20)"], 25),
        ([b"main (app.py:1)", b"handler (app.py:10)", b"query (db.py:5)"], 35),
        ([b"main (app.py:1)", b"<lambda> (app.py:40)", "caf\u00e9_\U0001f40d (a&b.py:7)".encode()], 10),
        ([b"main (app.py:1)"], 5),
    ]
    target = 'PID 42 (python3 "app".py)'
    dom = speedscope_dom(write_profile(folded(case), "speedscope", "-r", "100", "-n", target), tmp_path)
    page = SandwichTable()
    page.feed(dom)
    assert page.doc_title.strip() == target + " - speedscope"
    got = {name: (ms(tot), ms(own), file) for tot, own, name, file in page.rows}
    want = {
        "main": (750.0, 50.0, "app.py"),
        "handler": (600.0, 0.0, "app.py"),
        "render": (250.0, 250.0, "app.py"),
        "query": (350.0, 350.0, "db.py"),
        "<lambda>": (100.0, 0.0, "app.py"),
        "caf\u00e9_\U0001f40d": (100.0, 100.0, "a&b.py"),
    }
    assert got == want


@needs_app
@needs_chromium
def test_speedscope_app_lists_one_profile_per_process(tmp_path):
    dom = speedscope_dom(write_profile(folded(CASES["processes"]), "speedscope", "-r", "100", "-n", "3 processes"), tmp_path)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert "process 10 (uvicorn master) (1/4)" in text
    for name, total_ms in (
        ("process 10 (uvicorn master)", "50.00ms"),
        ("process 11 (uvicorn worker)", "220.00ms"),
        ("process 12 (uvicorn worker)", "300.00ms"),
        (OUTSIDE, "10.00ms"),
    ):
        assert re.search(r"\d %s %s" % (re.escape(name), re.escape(total_ms)), text), (name, text[:2000])
