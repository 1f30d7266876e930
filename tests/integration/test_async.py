"""`pytop dump --async`: the asyncio tasks of a target, against real interpreters.

The target is tests/fixtures/asyncio_graph.py: one event loop in the main
thread with named tasks parked in a known await graph, and a thread "plain"
running no loop.  Its oracle holds what CPython itself sees of every task
(id, state, coroutine stack, what it awaits and who awaits it); the
fixture's `# @marker` comments give its own lines.  On 3.14 and up,
CPython's own `python -m asyncio ps` / `pstree` read the same target and
must agree with pytop.

With --async, right after the frames of the thread running an event loop:

      asyncio: N tasks
        task "NAME" 0xADDR [running|pending|done|cancelled]
            FUNC (FILE:LINE)                  innermost first
            awaits: task "NAME" 0xADDR
                  | gather: task "A" 0xADDR, task "B" 0xADDR
                  | taskgroup: task "A" 0xADDR, ...
                  | future 0xADDR (TYPE)
            awaited by: task "NAME" 0xADDR, ...

and after all threads, the tasks of loops running on no thread, under
"asyncio: N tasks on no running loop".
"""

import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import List, Optional

import pytest

from conftest import (
    POLL_TIMEOUT,
    PROCESS_RE,
    THREAD_RE,
    INTERPRETERS,
    DumpFormatError,
    Frame,
    dump,
    launch,
    markers,
    oracle_frames,
    parse_dump,
    poll_dump,
    run_pytop,
    short_filename,
)

SCRIPT = "asyncio_graph.py"
GATHERED = ["chain", "event-waiter", "awaited", "awaiter"]
GROUP_CHILDREN = ["group-child-1", "group-child-2"]


def expected_names(interp):
    names = ["main"] + GATHERED
    if interp.version_info >= (3, 11):  # asyncio.TaskGroup
        names += ["group"] + GROUP_CHILDREN
    return sorted(names)


# --------------------------------------------------------------------------
# The --async output


@dataclass(frozen=True, order=True)
class Ref:
    name: str
    addr: int


@dataclass
class Awaits:
    kind: str  # task | gather | taskgroup | future
    tasks: List[Ref] = field(default_factory=list)  # for task, gather, taskgroup
    addr: Optional[int] = None  # for future
    type: Optional[str] = None  # for future


@dataclass
class Task:
    name: str
    addr: int
    state: str
    frames: List[Frame] = field(default_factory=list)
    awaits: Optional[Awaits] = None
    awaited_by: Optional[List[Ref]] = None  # None when the line is absent

    @property
    def stack(self):
        return [f.where for f in self.frames]


@dataclass
class AsyncSection:
    pid: int
    tid: Optional[int]  # the loop's thread; None for "on no running loop"
    count: int
    tasks: List[Task] = field(default_factory=list)

    def task(self, name):
        found = [t for t in self.tasks if t.name == name]
        assert len(found) == 1, "task %r listed %d times: %s" % (name, len(found), [t.name for t in self.tasks])
        return found[0]


@dataclass
class AsyncDump:
    processes: list  # [conftest.Process]: the dump without its asyncio lines
    sections: List[AsyncSection]
    torn: dict  # {pid: tasks left out because they changed while read}


LOOP_RE = re.compile(r"^  asyncio: (\d+) tasks?$")
NO_LOOP_RE = re.compile(r"^ *asyncio: (\d+) tasks? on no running loop$")
# After a process's threads: tasks pytop skipped because they changed while read.
UNREADABLE_RE = re.compile(r"^  \((\d+) asyncio tasks? changed while read and (?:is|are) left out\)$")
TASK_RE = re.compile(r'^    task "(.*)" 0x([0-9a-f]+) \[(running|pending|done|cancelled)\]$')
TASK_FRAME_RE = re.compile(r"^        (\S.*?) \((.+):(\d+)\)$")
AWAITS_RE = re.compile(r"^        awaits: (.*)$")
AWAITED_BY_RE = re.compile(r"^        awaited by: (.*)$")
REF = r'task "([^"]*)" 0x([0-9a-f]+)'
REFS_RE = re.compile(r"^%s(?:, %s)*$" % (REF, REF))
FUTURE_RE = re.compile(r"^future 0x([0-9a-f]+) \((.+)\)$")


def parse_refs(text):
    if not REFS_RE.match(text):
        raise DumpFormatError("expected 'task \"NAME\" 0xADDR, ...': %r" % text)
    return [Ref(name, int(addr, 16)) for name, addr in re.findall(REF, text)]


def parse_awaits(text):
    m = FUTURE_RE.match(text)
    if m:
        return Awaits("future", addr=int(m.group(1), 16), type=m.group(2))
    m = re.match(r"^(gather|taskgroup): (.*)$", text)
    if m:
        return Awaits(m.group(1), parse_refs(m.group(2)))
    refs = parse_refs(text)
    if len(refs) != 1:
        raise DumpFormatError("a task awaits one task, not %d: %r" % (len(refs), text))
    return Awaits("task", refs)


def parse_async_dump(text):
    """Parse `pytop dump --async` output into an AsyncDump.

    The asyncio sections, and the note on tasks left out as torn, are taken
    out and parsed here; what remains must be a plain dump
    (conftest.parse_dump).  DumpFormatError on any odd line."""
    if not text.endswith("\n"):
        raise DumpFormatError("output does not end with a newline")
    lines = text[:-1].split("\n")
    kept, sections, torn = [], [], {}
    pid = tid = None
    i = 0

    def fail(msg):
        raise DumpFormatError("line %d: %s: %r" % (i + 1, msg, lines[i] if i < len(lines) else "<end>"))

    while i < len(lines):
        line = lines[i]
        m = UNREADABLE_RE.match(line)
        if m:
            if pid is None or not kept or kept[-1] == "":
                fail("the note on torn tasks must end a process's threads")
            if pid in torn:
                fail("a second note on torn tasks")
            torn[pid] = int(m.group(1))
            i += 1
            if i < len(lines) and not (lines[i] == "" and i + 1 < len(lines) and PROCESS_RE.match(lines[i + 1])):
                fail("the note on torn tasks must end its process")
            continue
        m_loop, m_none = LOOP_RE.match(line), NO_LOOP_RE.match(line)
        if not (m_loop or m_none):
            m = PROCESS_RE.match(line)
            if m:
                pid, tid = int(m.group(1)), None
            m = THREAD_RE.match(line)
            if m:
                tid = int(m.group(1))
            if line == "":
                tid = None  # a thread block ends with a blank line
            kept.append(line)
            i += 1
            continue
        if pid is None:
            fail("asyncio section before any process")
        if m_loop:
            if tid is None:
                fail("'asyncio: N tasks' outside a thread block")
            section = AsyncSection(pid, tid, int(m_loop.group(1)))
        else:
            if not kept or kept[-1] != "":
                fail("'asyncio: N tasks on no running loop' must follow a blank line")
            kept.pop()  # that blank line: the plain dump ends with the last thread
            section = AsyncSection(pid, None, int(m_none.group(1)))
        sections.append(section)
        i += 1
        task = None
        while i < len(lines) and lines[i] != "" and not PROCESS_RE.match(lines[i]) and not UNREADABLE_RE.match(lines[i]):
            line = lines[i]
            m = TASK_RE.match(line)
            if m:
                task = Task(m.group(1), int(m.group(2), 16), m.group(3))
                section.tasks.append(task)
            elif task is None:
                fail('expected a task line \'    task "NAME" 0xADDR [STATE]\'')
            elif TASK_FRAME_RE.match(line):
                if task.awaits is not None or task.awaited_by is not None:
                    fail("a frame after awaits/awaited by")
                fm = TASK_FRAME_RE.match(line)
                task.frames.append(Frame(fm.group(1), fm.group(2), int(fm.group(3))))
            elif AWAITS_RE.match(line):
                if task.awaits is not None or task.awaited_by is not None:
                    fail("a second awaits, or awaits after awaited by")
                try:
                    task.awaits = parse_awaits(AWAITS_RE.match(line).group(1))
                except DumpFormatError as e:
                    fail(str(e))
            elif AWAITED_BY_RE.match(line):
                if task.awaited_by is not None:
                    fail("a second awaited by")
                try:
                    task.awaited_by = parse_refs(AWAITED_BY_RE.match(line).group(1))
                except DumpFormatError as e:
                    fail(str(e))
            else:
                fail("expected a task, a frame '        FUNCTION (FILE:LINE)', 'awaits: ...' or 'awaited by: ...'")
            i += 1
        if len(section.tasks) != section.count:
            raise DumpFormatError("'asyncio: %d tasks' lists %d tasks" % (section.count, len(section.tasks)))
    rest = "\n".join(kept) + "\n"
    return AsyncDump(parse_dump(rest), sections, torn)


def poll_async_dump(*args, until, what, timeout=POLL_TIMEOUT):
    """conftest.poll_dump with the asyncio sections parsed: (AsyncDump, result)."""
    parsed, r = poll_dump(*args, until=until, what=what, timeout=timeout, parse=parse_async_dump)
    assert r.stderr == "", "pytop dump wrote to stderr\n" + r.describe()
    return parsed, r


# --------------------------------------------------------------------------
# Targets, one of each per interpreter


@pytest.fixture(scope="module")
def graph(interp):
    with launch(interp, SCRIPT) as target:
        yield target


@pytest.fixture(scope="module")
def no_asyncio(interp):
    with launch(interp, "threads.py") as target:
        yield target


def oracle_tasks(target):
    return dict((t["name"], t) for t in target.oracle["tasks"])


def task_frames(oracle, task):
    """[(function, file, line)] that pytop must print for an oracle task."""
    return oracle_frames(oracle, {"frames": task["coro_stack"]})


def refs(oracle, names):
    """The sorted [Ref] of the oracle's tasks `names`."""
    ids = dict((t["name"], t["id"]) for t in oracle["tasks"])
    return sorted(Ref(name, ids[name]) for name in names)


def dump_tasks(target):
    """pytop dump --async of the graph target, polled until it lists every
    task; returns (process, the loop's AsyncSection, result)."""
    names = sorted(t["name"] for t in target.oracle["tasks"])

    def complete(parsed):
        assert not parsed.torn, "tasks left out as torn: %s" % parsed.torn
        mine = [s for s in parsed.sections if s.pid == target.pid]
        return len(mine) == 1 and sorted(t.name for t in mine[0].tasks) == names

    parsed, result = poll_async_dump("-p", target.pid, "--async", until=complete, what="tasks %s" % names)
    assert len(parsed.processes) == 1 and parsed.processes[0].pid == target.pid, result.describe()
    assert len(parsed.sections) == 1, "one asyncio section: the one loop's\n" + result.describe()
    return parsed.processes[0], parsed.sections[0], result


# --------------------------------------------------------------------------
# The fixture itself (no pytop): its oracle is the graph it was written for


def test_oracle_is_the_intended_graph(interp, graph):
    oracle = graph.oracle
    m = markers(SCRIPT)
    tasks = oracle_tasks(graph)
    assert sorted(tasks) == expected_names(interp)
    assert oracle["loop_tid"] == graph.pid, "the loop runs in the main thread"
    assert [t["display_name"] for t in oracle["threads"]] == ["MainThread", "plain"]
    for name, task in tasks.items():
        assert task["state"] == "pending", name
    own = dict((name, [(f[0], f[2]) for f in task_frames(oracle, t) if f[1] == SCRIPT]) for name, t in tasks.items())
    assert own["main"] == [("main", m["gather"])]
    assert own["chain"] == [("leaf", m["leaf"]), ("middle", m["middle"]), ("top", m["top"])]
    assert own["event-waiter"] == [("event_waiter", m["event-wait"])]
    assert own["awaited"] == [("awaited", m["awaited"])]
    assert own["awaiter"] == [("awaiter", m["awaiter"])]
    for name in ("chain", "awaited"):
        assert task_frames(oracle, tasks[name])[0][:2] == ("sleep", "asyncio/tasks.py"), name
    assert task_frames(oracle, tasks["event-waiter"])[0][:2] == (interp.func("Event.wait"), "asyncio/locks.py")
    gathered = GATHERED + (["group"] if "group" in tasks else [])
    assert tasks["main"]["awaits"] == {"kind": "gather", "tasks": gathered}
    assert tasks["awaiter"]["awaits"] == {"kind": "task", "tasks": ["awaited"]}
    for name in ("chain", "event-waiter", "awaited") + tuple(GROUP_CHILDREN if "group" in tasks else ()):
        assert tasks[name]["awaits"]["kind"] == "future" and tasks[name]["awaits"]["type"] == "_asyncio.Future", name
    assert tasks["main"]["awaited_by"] == []
    assert tasks["awaited"]["awaited_by"] == ["awaiter", "main"]
    if "group" in tasks:
        assert own["group"] == [("group", m["group"])]
        assert own["group-child-1"] == own["group-child-2"] == [("group_child", m["group-child"])]
        # __aexit__, which from 3.13.x (not 3.13.0) awaits _aexit.
        assert [f[1] for f in task_frames(oracle, tasks["group"])[:-1]] in (["asyncio/taskgroups.py"], ["asyncio/taskgroups.py"] * 2)
        assert tasks["group"]["awaits"] == {"kind": "taskgroup", "tasks": GROUP_CHILDREN}
        assert tasks["group"]["awaited_by"] == ["main"]
        for name in GROUP_CHILDREN:
            assert tasks[name]["awaited_by"] == ["group"], name


# --------------------------------------------------------------------------
# dump --async


def test_tasks_of_the_loop_thread(interp, graph):
    oracle = graph.oracle
    process, section, result = dump_tasks(graph)
    assert section.tid == oracle["loop_tid"], "tasks under the loop's thread\n" + result.describe()
    assert process.thread(tid=section.tid).name == "MainThread", result.describe()
    plain = graph.oracle_thread("plain")["tid"]
    assert process.thread(tid=plain).name == "plain", result.describe()
    assert section.count == len(section.tasks) == len(oracle["tasks"]), result.describe()
    assert sorted(t.name for t in section.tasks) == expected_names(interp), result.describe()


def test_threads_unchanged_by_async(interp, graph):
    process, _, result = dump_tasks(graph)
    assert [(t.tid, t.name) for t in process.threads] == [(t["tid"], t["display_name"]) for t in graph.oracle["threads"]], result.describe()
    for want in graph.oracle["threads"]:
        got = process.thread(tid=want["tid"]).stack
        assert got == oracle_frames(graph.oracle, want), "thread %s\n%s" % (want["display_name"], result.describe())


def test_task_ids_and_states(interp, graph):
    _, section, result = dump_tasks(graph)
    for name, want in oracle_tasks(graph).items():
        task = section.task(name)
        assert task.addr == want["id"], "task %s: 0x%x, id() is 0x%x\n%s" % (name, task.addr, want["id"], result.describe())
        assert task.state == want["state"] == "pending", "task %s\n%s" % (name, result.describe())


def test_task_coroutine_stacks(interp, graph):
    m = markers(SCRIPT)
    _, section, result = dump_tasks(graph)
    for name, want in oracle_tasks(graph).items():
        stack = section.task(name).stack
        assert stack == task_frames(graph.oracle, want), "task %s: coroutine stack, innermost first\n%s" % (name, result.describe())
    own = dict((t.name, [f for f in t.stack if f[1] == SCRIPT]) for t in section.tasks)
    assert own["chain"] == [("leaf", SCRIPT, m["leaf"]), ("middle", SCRIPT, m["middle"]), ("top", SCRIPT, m["top"])], result.describe()
    assert section.task("chain").stack[0][:2] == ("sleep", "asyncio/tasks.py"), result.describe()
    assert section.task("event-waiter").stack[0][:2] == (interp.func("Event.wait"), "asyncio/locks.py"), result.describe()
    assert own["main"] == [("main", SCRIPT, m["gather"])], result.describe()
    assert own["awaiter"] == [("awaiter", SCRIPT, m["awaiter"])], result.describe()
    if interp.version_info >= (3, 11):
        assert own["group"] == [("group", SCRIPT, m["group"])], result.describe()
        assert section.task("group").stack[0][1] == "asyncio/taskgroups.py", result.describe()


def test_task_await_edges(interp, graph):
    oracle = graph.oracle
    _, section, result = dump_tasks(graph)
    for name, want in oracle_tasks(graph).items():
        task = section.task(name)
        where = "task %s\n%s" % (name, result.describe())
        expected = want["awaits"]
        if expected is None:
            assert task.awaits is None, where
        elif expected["kind"] == "future":
            assert task.awaits is not None and task.awaits.kind == "future", where
            assert (task.awaits.addr, task.awaits.type) == (expected["id"], expected["type"]), where
        else:
            assert task.awaits is not None and task.awaits.kind == expected["kind"], where
            assert sorted(task.awaits.tasks) == refs(oracle, expected["tasks"]), where
        if want["awaited_by"]:
            assert task.awaited_by is not None and sorted(task.awaited_by) == refs(oracle, want["awaited_by"]), where
        else:
            assert task.awaited_by is None, "no 'awaited by:' line when no task awaits it\n" + where


def test_no_async_lines_without_the_option(interp, graph):
    processes, result = dump("-p", graph.pid)  # the plain parser: an asyncio line fails it
    assert "asyncio:" not in result.stdout and 'task "' not in result.stdout, result.describe()
    process = processes[0]
    for want in graph.oracle["threads"]:
        assert process.thread(tid=want["tid"]).stack == oracle_frames(graph.oracle, want), result.describe()


def test_process_without_asyncio(interp, no_asyncio):
    """threads.py never imports asyncio: the normal dump, no asyncio section, exit 0."""
    processes, result = dump("-p", no_asyncio.pid, "--async")
    assert "asyncio" not in result.stdout, result.describe()
    assert [(t.tid, t.name) for t in processes[0].threads] == [(t["tid"], t["display_name"]) for t in no_asyncio.oracle["threads"]], result.describe()


# --------------------------------------------------------------------------
# Pure-Python tasks (asyncio.tasks._PyTask): read through their __dict__


@pytest.fixture(scope="module")
def pytasks(interp):
    with launch(interp, "asyncio_pytask.py") as target:
        yield target


def test_pure_python_tasks(interp, pytasks):
    """Two _PyTasks beside the C task "main": each listed with its id,
    state, coroutine stack and what it awaits, like a C task. On 3.14 and
    up CPython's own asyncio.all_tasks() no longer lists them; pytop does."""
    script = "asyncio_pytask.py"
    m = markers(script)
    ids = pytasks.oracle["task_ids"]

    def complete(parsed):
        mine = [s for s in parsed.sections if s.pid == pytasks.pid]
        return len(mine) == 1 and sorted(t.name for t in mine[0].tasks) == sorted(ids)

    parsed, result = poll_async_dump("-p", pytasks.pid, "--async", until=complete, what="tasks %s" % sorted(ids))
    section = [s for s in parsed.sections if s.pid == pytasks.pid][0]
    assert section.tid == pytasks.pid, "under the loop's thread\n" + result.describe()
    for name, addr in ids.items():
        task = section.task(name)
        assert (task.addr, task.state) == (addr, "pending"), "task %s\n%s" % (name, result.describe())
    chain, awaiter = section.task("py-chain"), section.task("py-awaiter")
    own = lambda t: [f for f in t.stack if f[1] == script]
    assert own(chain) == [("py_leaf", script, m["py-leaf"]), ("py_top", script, m["py-top"])], result.describe()
    assert chain.stack[0][:2] == ("sleep", "asyncio/tasks.py"), result.describe()
    assert own(awaiter) == [("py_awaiter", script, m["py-awaiter"])], result.describe()
    assert own(section.task("main")) == [("main", script, m["main"])], result.describe()
    assert chain.awaits is not None and chain.awaits.kind == "future", result.describe()
    assert awaiter.awaits is not None and awaiter.awaits.kind == "task", result.describe()
    assert awaiter.awaits.tasks == [Ref("py-chain", ids["py-chain"])], result.describe()
    assert chain.awaited_by == [Ref("py-awaiter", ids["py-awaiter"])], result.describe()


# --------------------------------------------------------------------------
# CPython's own `python -m asyncio ps` / `pstree` (3.14 and up)


# The interpreters that have the tool (3.14+), run where their root is: the
# tests below are parametrized over these alone (the `interp` fixture takes
# them indirectly), so older interpreters make no skip lines.
TOOL_INTERPRETERS = [i for i in INTERPRETERS if i.root is not None and i.version_info >= (3, 14)]
with_asyncio_tool = pytest.mark.parametrize("interp", TOOL_INTERPRETERS, ids=[i.id for i in TOOL_INTERPRETERS], indirect=True)


def require_asyncio_tool(interp):
    if interp.version_info < (3, 14) or interp.root is None:
        pytest.skip("python -m asyncio ps/pstree: only with the Debian root's 3.14 and 3.15 (%s)" % interp.id)


def asyncio_tool(interp, command, pid):
    """Run `python3.X -m asyncio COMMAND PID` in the interpreter's root."""
    require_asyncio_tool(interp)
    argv = ["chroot", interp.root, "/usr/bin/python" + interp.version, "-m", "asyncio", command, str(pid)]
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("PYTHON"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    r = subprocess.run(argv, cwd="/", env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and r.stdout, "$ %s\nexit %d\n--- stdout\n%s--- stderr\n%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr)
    return r.stdout


PS_HEADER = ["tid", "task", "id", "task", "name", "coroutine", "stack", "awaiter", "chain", "awaiter", "name", "awaiter", "id"]


def parse_asyncio_ps(text):
    """The rows of `python -m asyncio ps` (3.14, 3.15): one per task and
    awaiter, columns tid, task id, task name, coroutine stack ("f -> g",
    innermost first), awaiter chain, awaiter name, awaiter id (0x0: none).
    Split on blanks: the fixture's task and function names have none."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0].split() == PS_HEADER, text
    assert set(lines[1]) == {"-"}, text
    rows = []
    for line in lines[2:]:
        tokens = line.split()
        runs = []  # runs of tokens joined by "->"
        joined = False
        for token in tokens[3:-1]:
            if token == "->":
                joined = True
            elif joined:
                runs[-1].append(token)
                joined = False
            else:
                runs.append([token])
        row = {"tid": int(tokens[0]), "id": int(tokens[1], 16), "name": tokens[2], "awaiter_id": int(tokens[-1], 16)}
        if row["awaiter_id"] == 0:
            assert len(runs) <= 1, line
            row.update(stack=runs[0] if runs else [], awaiter=None)
        else:
            assert 2 <= len(runs) <= 3 and len(runs[-1]) == 1, line
            row.update(stack=runs[0], awaiter=runs[-1][0])
        rows.append(row)
    return rows


def parse_asyncio_pstree(text):
    """{task name: [(function, file, line)] innermost first} from `python -m
    asyncio pstree`: under each "(T) NAME" node, its coroutines outermost
    first, each one level deeper than the one awaiting it."""
    nodes = []
    for line in text.rstrip("\n").split("\n"):
        m = re.match(r"^((?:    |│   )*)(?:└── |├── )(.*)$", line)
        assert m, "pstree line %r" % line
        depth, label = len(m.group(1)) // 4, m.group(2)
        if label.startswith("(T) "):
            nodes.append((depth, "task", label[4:]))
        else:
            fm = re.match(r"^ ?(\S+) (.+):(\d+)$", label)
            assert fm, "pstree coroutine %r" % line
            nodes.append((depth, "coro", (fm.group(1), fm.group(2), int(fm.group(3)))))
    stacks = {}
    for i, (depth, kind, name) in enumerate(nodes):
        if kind != "task":
            continue
        chain = []
        for d, k, frame in nodes[i + 1:]:
            if k != "coro" or d != depth + 1 + len(chain):
                break
            chain.append(frame)
        chain.reverse()
        assert stacks.setdefault(name, chain) == chain, "task %s shown with two stacks" % name
    return stacks


@with_asyncio_tool
def test_asyncio_ps_agrees(interp, graph):
    require_asyncio_tool(interp)
    _, section, result = dump_tasks(graph)
    text = asyncio_tool(interp, "ps", graph.pid)
    rows = parse_asyncio_ps(text)
    where = "\n--- asyncio ps\n%s\n%s" % (text, result.describe())
    assert set(r["name"] for r in rows) == set(t.name for t in section.tasks), where
    for task in section.tasks:
        mine = [r for r in rows if r["name"] == task.name]
        for r in mine:
            assert (r["tid"], r["id"]) == (section.tid, task.addr), where
            assert r["stack"] == [f.function for f in task.frames], "task %s: coroutine names%s" % (task.name, where)
        awaiters = sorted(Ref(r["awaiter"], r["awaiter_id"]) for r in mine if r["awaiter"] is not None)
        assert awaiters == sorted(task.awaited_by or []), "task %s: awaited by%s" % (task.name, where)


@with_asyncio_tool
def test_asyncio_pstree_agrees(interp, graph):
    require_asyncio_tool(interp)
    _, section, result = dump_tasks(graph)
    text = asyncio_tool(interp, "pstree", graph.pid)
    stacks = parse_asyncio_pstree(text)
    where = "\n--- asyncio pstree\n%s\n%s" % (text, result.describe())
    assert set(stacks) == set(t.name for t in section.tasks), where
    for task in section.tasks:
        theirs = [(f, short_filename(path, graph.oracle), line) for f, path, line in stacks[task.name]]
        assert task.stack == theirs, "task %s%s" % (task.name, where)
