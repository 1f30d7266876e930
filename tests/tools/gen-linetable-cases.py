#!/usr/bin/env python3
"""Generate tests/data/linetable_cases.h: line tables with the interpreter's own answers.

Run under one interpreter (any of CPython 3.8-3.15), this compiles a fixed set of
sample sources, walks every code object (recursively through co_consts) and prints
a C fragment with, for each one, the raw line table (co_lnotab before 3.10,
co_linetable from 3.10), co_firstlineno and the expected line of every code unit
(every 2-byte offset, CACHE entries included), or -1 where there is none.

The expected lines come from the interpreter's own decoders: dis.findlinestarts
(3.8, 3.9), code.co_lines() (3.10) and code.co_positions() (3.11+), and every
one is checked against PyCode_Addr2Line() called through ctypes, which is what
CPython itself uses for the line of a frame. Any disagreement aborts.

On 3.11+ the script also runs itself under `-X no_debug_ranges`, whose tables
use the column-less entry kind (13) that normal compiles rarely emit.

Regenerate the whole header (needs pyenv with the interpreters below, and
the sid root of scripts/test-roots, mounted, for 3.14 and 3.15):

    tests/tools/gen-linetable-cases.py --all > tests/data/linetable_cases.h

--all runs this script under each interpreter and wraps the fragments in the
struct definitions. Other interpreters: --all 3.8.18 3.12.4 ...
"""

import ctypes
import os
import subprocess
import sys

# pyenv versions, and ROOT:X.Y for Debian's pythonX.Y in a root of
# scripts/test-roots (run with chroot; the tree must be mounted there).
DEFAULT_PYTHONS = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0", "sid:3.14", "sid:3.15"]

# ---------------------------------------------------------------------------
# Sample sources. Blank lines, odd indentation and long lines are deliberate.

COMMON_SOURCE = '''\
"""Module docstring."""
import os
GLOBAL = [i * i
          for i in range(10)
          if i % 2]
for _k in range(3):
    GLOBAL.append(_k)
if __name__ == "__main__":
    print(GLOBAL)


def decorator(fn):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@decorator
@decorator
def decorated(a,
              b=2,
              *rest):
    return (a +
            b)


def nested_loops(n):
    total = 0
    for i in range(n):
        for j in range(i):
            if (i + j) % 3 == 0:
                continue
            total += i * j
        else:
            total -= 1
    while total > 100:
        total //= 2
        if total == 7:
            break
    return total


def exceptions(x):
    try:
        y = 1 / x
    except ZeroDivisionError as e:
        y = str(e)
    except (TypeError, ValueError):
        raise
    else:
        y = y * 2
    finally:
        x = None
    try:
        with open(__file__) as f, open(__file__) as g:
            y = f.read() + g.read()
    except OSError:
        pass
    finally:
        try:
            del x
        except NameError:
            pass
    return y


def multiline_expressions(a, b, c):
    value = (a
             + b
             * c) if a else [
        b,
        c,
    ]
    call = dict(
        a=a,

        b=b,
        c={k: v for k, v in
           zip("abc", (a, b, c))},
    )
    s = f"{a}" \\
        f"{b!r:>{c}}"
    assert a < b < c, (
        "message")
    return value, call, s


def comprehensions(rows):
    flat = [x for row in rows for x in row if x]
    sets = {x % 7 for x in flat}
    table = {k: [v for v in range(k)]
             for k in sets}
    gen = (y * 2 for y in flat
           if y > 1)
    return sum(gen), table


def lambdas(items):
    key = lambda x: x[1]
    adder = lambda a: lambda b: a + b
    multi = (lambda p,
             q:
             p * q)
    return sorted(items, key=key), adder(1)(2), multi(3, 4)


def generator(n):
    yield 0
    got = yield 1
    yield from range(n)
    for i in range(n):
        if i == got:
            return i
        yield i


async def coroutine(session, urls):
    async with session as s:
        results = []
        async for item in s.stream(urls):
            results.append(await s.get(item))
        try:
            await s.close()
        except Exception:
            pass
    return [r async for r in s.more() if r]


class Shape:
    """A class body."""
    sides = 0
    names = [n for n in ("a", "b")]

    def __init__(self, sides):
        self.sides = sides

    @property
    def area(self):
        return self.sides * 2

    @staticmethod
    def make(n):
        return Shape(n)

    class Inner:
        def method(self):
            return super().__init__()


def closures():
    counter = 0
    def bump():
        nonlocal counter
        counter += 1
        return counter
    return bump


def blank_gaps(x):
    a = x



    b = a + 1
    # a comment
    # another comment




    c = b * 2
    return c
'''


def long_sources():
    """Functions whose line deltas exceed 127 (both ways) and offsets exceed 255."""
    out = []
    # Over 300 lines of straight-line code, with branches and a wide line.
    lines = ["def long_function(n):", "    v = n"]
    for i in range(320):
        if i % 40 == 39:
            lines.append("    if v > %d:" % i)
            lines.append("        v -= %d" % i)
        else:
            lines.append("    v = v + n * %d" % i)
    lines.append("    w = (" + ", ".join("v" for _ in range(150)) + ")")
    lines.append("    s = '" + "x" * 300 + "' + str(v) + str(len(w))")
    lines.append("    return s")
    out.append("\n".join(lines))
    # A loop whose body spans more than 200 lines: backward line jumps > 127.
    lines = ["def long_loop(n):", "    total = 0", "    while n > 0:"]
    for i in range(210):
        lines.append("        total += n * %d" % i)
    lines.append("        n -= 1")
    lines.append("    for k in range(n):")
    lines.append("        total += k")
    for i in range(140):
        lines.append("")
    lines.append("        total -= 1")
    lines.append("    return total")
    out.append("\n".join(lines))
    # Gaps of blank lines larger than 127 and 255.
    lines = ["def huge_gaps(x):", "    a = x"]
    lines += [""] * 150
    lines.append("    b = a + 1")
    lines += ["    # comment"] * 300
    lines.append("    c = (b,")
    lines += [""] * 200
    lines.append("         a)")
    lines.append("    return c")
    out.append("\n".join(lines))
    return "\n\n\n".join(out) + "\n"


MATCH_SOURCE = '''\
def matching(command):
    match command.split():
        case [action]:
            return action
        case [action, obj] if obj:
            return action + obj
        case {"x": x,
              "y": y}:
            return x + y
        case _:
            return None
'''

EXCEPT_STAR_SOURCE = '''\
def except_star():
    try:
        raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
    except* ValueError as eg:
        handled = eg
    except* TypeError:
        pass
    return handled
'''

TYPE_PARAMS_SOURCE = '''\
type Pair[T] = tuple[T, T]

def first[T](items: list[T]) -> T:
    return items[0]

class Box[T]:
    def get(self) -> T:
        return self.item
'''


def sample_sources():
    srcs = [("common", COMMON_SOURCE), ("long", long_sources())]
    if sys.version_info >= (3, 10):
        srcs.append(("match", MATCH_SOURCE))
    if sys.version_info >= (3, 11):
        srcs.append(("except_star", EXCEPT_STAR_SOURCE))
    if sys.version_info >= (3, 12):
        srcs.append(("type_params", TYPE_PARAMS_SOURCE))
    return srcs


# ---------------------------------------------------------------------------
# Ground truth.

def addr2line():
    f = ctypes.pythonapi.PyCode_Addr2Line
    f.argtypes = [ctypes.py_object, ctypes.c_int]
    f.restype = ctypes.c_int
    return f


def table_of(code):
    if sys.version_info >= (3, 10):
        return code.co_linetable
    return code.co_lnotab


def expected_lines(code):
    """The line of each code unit, from the interpreter's Python-level decoders."""
    nunits = len(code.co_code) // 2
    if sys.version_info >= (3, 11):
        lines = [-1 if p[0] is None else p[0] for p in code.co_positions()]
        if len(lines) != nunits:
            sys.exit("%s: co_positions() gave %d entries for %d code units"
                     % (code.co_name, len(lines), nunits))
        return lines
    lines = [-1] * nunits
    if sys.version_info >= (3, 10):
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                lines[off // 2] = -1 if line is None else line
        return lines
    import dis
    starts = dict(dis.findlinestarts(code))
    line = code.co_firstlineno
    for i in range(nunits):
        line = starts.get(2 * i, line)
        lines[i] = line
    return lines


def walk(code, path):
    name = getattr(code, "co_qualname", None) or code.co_name
    label = "%s:%s:%d" % (path, name, code.co_firstlineno)
    yield label, code
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield from walk(const, path)


def collect(suffix=""):
    check = addr2line()
    cases = []
    for path, src in sample_sources():
        top = compile(src, "<%s>" % path, "exec")
        for label, code in walk(top, path):
            lines = expected_lines(code)
            for i, line in enumerate(lines):
                truth = check(code, 2 * i)
                if truth != line:
                    sys.exit("%s offset %d: decoder says %d, PyCode_Addr2Line says %d"
                             % (label, 2 * i, line, truth))
            cases.append((label + suffix, code.co_firstlineno, bytes(table_of(code)), lines))
    return cases


# ---------------------------------------------------------------------------
# Output.

def wrap(items, indent="    ", width=100):
    out, cur = [], indent
    for item in items:
        if len(cur) + len(item) + 2 > width and cur.strip():
            out.append(cur.rstrip())
            cur = indent
        cur += item + ", "
    if cur.strip():
        out.append(cur.rstrip())
    return "\n".join(out)


def fragment(cases):
    v = sys.version_info
    tag = "%d_%d" % (v.major, v.minor)
    full = "%d.%d.%d" % (v.major, v.minor, v.micro)
    out = []
    noffsets = 0
    rows = []
    for idx, (label, first, table, lines) in enumerate(cases):
        tname = "lt_%s_t%d" % (tag, idx)
        lname = "lt_%s_l%d" % (tag, idx)
        if table:
            out.append("static const uint8_t %s[] = {\n%s\n};" % (tname, wrap(str(b) for b in table)))
            tref = "%s, sizeof %s" % (tname, tname)
        else:
            tref = "NULL, 0"
        out.append("static const int %s[] = {\n%s\n};" % (lname, wrap(str(x) for x in lines)))
        noffsets += len(lines)
        rows.append('    {"%s", %d, %s, %s, sizeof %s / sizeof %s[0]},'
                    % (label, first, tref, lname, lname, lname))
    head = ["/* Python %s: %d code objects, %d offsets. */" % (full, len(cases), noffsets),
            '#define LT_%s_PYTHON "%s"' % (tag, full)]
    tail = ["static const struct linetable_case lt_%s_cases[] = {" % tag] + rows + ["};", ""]
    return "\n".join(head + out + tail), len(cases), noffsets


PREAMBLE = """\
/*
 * GENERATED by tests/tools/gen-linetable-cases.py -- do not edit. Regenerate with
 *     tests/tools/gen-linetable-cases.py --all > tests/data/linetable_cases.h
 * (needs pyenv, and the sid root of scripts/test-roots, with CPython %s).
 *
 * For each CPython, every code object of the script's sample sources: its raw
 * line table, co_firstlineno and the line PyCode_Addr2Line() reports at each
 * byte offset (-1: no line).
 */
#ifndef PYTOP_TESTS_LINETABLE_CASES_H
#define PYTOP_TESTS_LINETABLE_CASES_H
/* clang-format off */

#include <stddef.h>
#include <stdint.h>

struct linetable_case {
    const char *name;      /* source:qualname:firstlineno */
    int firstlineno;
    const uint8_t *table;  /* co_lnotab (3.8, 3.9) or co_linetable */
    size_t len;
    const int *lines;      /* expected line at byte offset 2 * i */
    size_t nunits;         /* code units (2 bytes each), CACHE entries included */
};
"""

EPILOGUE = """\
/* clang-format on */
#endif
"""


def run_all(versions):
    print(PREAMBLE % ", ".join(versions))
    for ver in versions:
        if ":" in ver:
            name, minor = ver.split(":")
            top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            root = subprocess.run([os.path.join(top, "scripts", "test-roots"), "path", name], check=True,
                                  stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
            python = ["chroot", root, "/usr/bin/python" + minor]
        else:
            prefix = subprocess.run(["pyenv", "prefix", ver], check=True, stdout=subprocess.PIPE,
                                    universal_newlines=True).stdout.strip()
            minor = ".".join(ver.split(".")[:2])
            python = [os.path.join(prefix, "bin", "python" + minor)]
        res = subprocess.run(python + [os.path.abspath(__file__)], check=True,
                             stdout=subprocess.PIPE, universal_newlines=True)
        sys.stdout.write(res.stdout)
    sys.stdout.write(EPILOGUE)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--all":
        run_all(args[1:] or DEFAULT_PYTHONS)
        return
    if args == ["--cases-repr"]:
        # Internal: the cases of this process (e.g. under -X no_debug_ranges).
        print(repr(collect(" [no_debug_ranges]")))
        return
    if args:
        sys.exit(__doc__)
    cases = collect()
    if sys.version_info >= (3, 11):
        res = subprocess.run([sys.executable, "-X", "no_debug_ranges", os.path.abspath(__file__),
                              "--cases-repr"], check=True, stdout=subprocess.PIPE,
                             universal_newlines=True)
        import ast
        cases += ast.literal_eval(res.stdout)
    text, ncases, noffsets = fragment(cases)
    sys.stdout.write(text)
    sys.stderr.write("Python %d.%d: %d code objects, %d offsets\n"
                     % (sys.version_info[0], sys.version_info[1], ncases, noffsets))


if __name__ == "__main__":
    main()
