"""`pytop dump` against real interpreters (3.8-3.13, pyenv's and Debian's).

Every expected function, file and line comes from the fixture sources (their
`# @marker` comments) or from the fixture's oracle (what CPython itself
reports for its threads: see tests/fixtures/fixturelib.py).  Targets are
started once per interpreter and shared by the tests of this module.
"""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import (
    DEBIAN_PYTHON,
    FIXTURES,
    INTERPRETERS,
    PRESENT,
    PYTOP,
    Target,
    any_interpreter,
    descendants,
    dump,
    free_port,
    launch,
    launch_argv,
    listener_pids,
    markers,
    old_interpreters,
    oracle_frames,
    parse_dump,
    poll_dump,
    pytop_env,
    run_pytop,
)
from tuilib import Tui


def test_some_interpreter_is_available():
    assert PRESENT, "no Python 3.8-3.13 interpreter found: %s" % [(i.id, i.missing) for i in INTERPRETERS]


# --------------------------------------------------------------------------
# Targets, one of each per interpreter


def _target(script, *args):
    @pytest.fixture(scope="module")
    def fixture(interp):
        with launch(interp, script, *args) as target:
            yield target

    return fixture


nested = _target("nested.py", "arg")
recursion = _target("recursion.py", "500")
classes = _target("classes.py")
functional = _target("functional.py")
asyncio_app = _target("asyncio_app.py")
threads = _target("threads.py")
with_locals = _target("with_locals.py")
untracked = _target("untracked.py")


def dump_target(target, *extra):
    """The single process of `pytop dump -p PID EXTRA`, checked against the oracle's threads."""
    processes, result = dump("-p", target.pid, *extra)
    assert len(processes) == 1, "one process block expected\n" + result.describe()
    process = processes[0]
    assert process.pid == target.pid, result.describe()
    want = [(t["tid"], t["display_name"]) for t in target.oracle["threads"]]
    got = [(t.tid, t.name) for t in process.threads]
    assert got == want, "threads (main first, then ascending TID)\n" + result.describe()
    return process, result


def own_frames(stack, script):
    """The frames of a stack that belong to the fixture file itself."""
    return [f for f in stack if f[1] == script]


def main_stack(target, *extra):
    process, result = dump_target(target, *extra)
    thread = process.thread(tid=target.pid)
    expected = oracle_frames(target.oracle, target.oracle_thread("MainThread"), "--full-filenames" in extra)
    assert thread.stack == expected, "stack differs from what the interpreter itself reports\n" + result.describe()
    return thread, result


# --------------------------------------------------------------------------
# Headers


def test_process_header(interp, nested):
    process, result = dump_target(nested)
    oracle = nested.oracle
    assert process.cmdline == nested.cmdline, result.describe()
    assert process.version == oracle["version"], result.describe()
    path = process.runtime_path
    base = os.path.basename(path)
    assert re.match(r"^(lib)?python%s([.\-d]|$)" % re.escape(interp.version), base), "runtime path %r: not python%s or libpython%s" % (path, interp.version, interp.version)
    with open("/proc/%d/maps" % nested.pid) as f:
        fields = [line.split(None, 5) for line in f]
    mapped = set(x[5].strip() for x in fields if len(x) == 6)
    assert path in mapped, "%s is not mapped in the target: %s" % (path, sorted(m for m in mapped if "python" in m))
    if shutil.which("nm"):
        symbols = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True).stdout
        assert re.search(r" _PyRuntime$", symbols, re.M), "%s does not define _PyRuntime" % path


def test_thread_header_of_a_sleeping_main_thread(interp, nested):
    process, result = dump_target(nested)
    assert len(process.threads) == 1, result.describe()
    main = process.threads[0]
    assert (main.tid, main.name, main.state) == (nested.pid, "MainThread", "idle"), result.describe()
    assert not main.gil, "nobody holds the GIL while the only thread sleeps\n" + result.describe()


# --------------------------------------------------------------------------
# Stacks


def test_nested_calls(interp, nested):
    m = markers("nested.py")
    thread, result = main_stack(nested)
    assert thread.stack == [
        ("inner", "nested.py", m["inner"]),
        ("middle", "nested.py", m["middle"]),
        ("outer", "nested.py", m["outer"]),
        ("<module>", "nested.py", m["module"]),
    ], result.describe()


def test_recursion_500_deep(interp, recursion):
    m = markers("recursion.py")
    thread, result = main_stack(recursion)
    stack = thread.stack
    depth = sum(1 for f in stack if f[0] == "recurse")
    assert depth == 500, "expected 500 recurse frames, got %d\n%s" % (depth, result.describe())
    assert stack[0] == ("recurse", "recursion.py", m["bottom"])
    assert stack[1:500] == [("recurse", "recursion.py", m["recurse"])] * 499
    assert stack[500:] == [("<module>", "recursion.py", m["module"])]


def test_methods(interp, classes):
    m = markers("classes.py")
    thread, result = main_stack(classes)
    assert thread.stack == [
        (interp.func("Greeter.hello"), "classes.py", m["hello"]),
        (interp.func("Greeter.util"), "classes.py", m["util"]),
        (interp.func("Greeter.make"), "classes.py", m["make"]),
        ("<module>", "classes.py", m["module"]),
    ], result.describe()


def test_generator_lambda_comprehensions_unicode(interp, functional):
    m = markers("functional.py")
    expected = [
        ("produce", "functional.py", m["produce"]),
        ("consume", "functional.py", m["consume"]),
        (interp.func("make_closure.<locals>.inner.<locals>.<genexpr>"), "functional.py", m["closure"]),
        (interp.func("make_closure.<locals>.inner"), "functional.py", m["closure"]),
        ("<lambda>", "functional.py", m["lambda"]),
    ]
    if interp.version_info < (3, 12):  # PEP 709 inlines list comprehensions from 3.12
        expected.append((interp.func("grüße_señor_日本.<locals>.<listcomp>"), "functional.py", m["listcomp"]))
    expected += [
        ("grüße_señor_日本", "functional.py", m["listcomp"]),
        ("<module>", "functional.py", m["module"]),
    ]
    thread, result = main_stack(functional)
    assert thread.stack == expected, result.describe()


def test_running_coroutine(interp, asyncio_app):
    m = markers("asyncio_app.py")
    thread, result = main_stack(asyncio_app)
    assert own_frames(thread.stack, "asyncio_app.py") == [
        ("compute", "asyncio_app.py", m["compute"]),
        ("handler", "asyncio_app.py", m["handler"]),
        ("<module>", "asyncio_app.py", m["module"]),
    ], "the running coroutines, then the module (main() is suspended)\n" + result.describe()
    event_loop = [f for f in thread.stack if f[1].startswith("asyncio/")]
    assert event_loop, "event loop frames shortened to asyncio/...\n" + result.describe()
    assert thread.stack[2:2 + len(event_loop)] == event_loop, result.describe()


def test_full_filenames(interp, asyncio_app):
    thread, result = main_stack(asyncio_app, "--full-filenames")
    for function, filename, _ in thread.stack:
        # The target's own path: in a Debian root, under the root.
        assert os.path.isabs(filename) and os.path.exists((interp.root or "") + filename), (function, filename)
    assert thread.stack[0][1] == str(FIXTURES / "asyncio_app.py"), result.describe()
    stdlib = [f for f in thread.stack if f[1].startswith(asyncio_app.oracle["stdlib"] + "/asyncio/")]
    assert stdlib, result.describe()


# --------------------------------------------------------------------------
# Threads


def test_ten_named_threads(interp, threads):
    process, result = dump_target(threads)
    names = [t.name for t in process.threads]
    assert len(process.threads) == 11, result.describe()
    assert names[0] == "MainThread" and process.threads[0].tid == threads.pid, result.describe()
    assert sorted(names[1:]) == sorted(["worker-%d" % i for i in range(8)] + ["worker-8-🐍", "busy"]), result.describe()
    tids = [t.tid for t in process.threads[1:]]
    assert tids == sorted(tids), "threads after the main one in ascending TID\n" + result.describe()
    assert sum(t.gil for t in process.threads) <= 1, "at most one thread holds the GIL\n" + result.describe()
    for t in process.threads:
        if t.name != "busy":
            assert t.state == "idle", "%s sleeps or waits\n%s" % (t.name, result.describe())
            assert not t.gil, "%s sleeps or waits\n%s" % (t.name, result.describe())


def test_thread_stacks(interp, threads):
    m = markers("threads.py")
    process, result = dump_target(threads)
    for want in threads.oracle["threads"]:
        got = process.thread(tid=want["tid"]).stack
        expected = oracle_frames(threads.oracle, want)
        if want["display_name"] == "busy":
            function, filename, line = got[0]
            assert (function, filename) == ("spin", "threads.py"), result.describe()
            assert m["spin-first"] <= line <= m["spin-last"], result.describe()
            got, expected = got[1:], expected[1:]
        assert got == expected, "thread %s\n%s" % (want["display_name"], result.describe())
    kinds = {"worker-0": "sleeper", "worker-3": "waiter", "worker-6": "locker", "worker-8-🐍": "sleeper"}
    for name, marker in kinds.items():
        stack = process.thread(name=name).stack
        assert own_frames(stack, "threads.py")[0] == (marker, "threads.py", m[marker]), result.describe()
    assert own_frames(process.thread(tid=threads.pid).stack, "threads.py") == [
        ("main", "threads.py", m["join"]),
        ("<module>", "threads.py", m["module"]),
    ], result.describe()


def test_busy_thread_runs_and_holds_the_gil(interp, threads):
    def busy_running_with_gil(processes):
        busy = processes[0].thread(name="busy")
        assert sum(t.gil for t in processes[0].threads) <= 1, "two threads hold the GIL"
        return busy.state == "running" and busy.gil

    processes, result = poll_dump("-p", threads.pid, until=busy_running_with_gil, what="thread busy [running] [GIL]")
    for t in processes[0].threads:
        if t.name != "busy":
            assert t.state == "idle" and not t.gil, result.describe()


def test_thread_unknown_to_threading_shows_its_os_name(interp, untracked):
    m = markers("untracked.py")
    process, result = dump_target(untracked)
    assert [t.name for t in process.threads] == ["MainThread", "raw-native"], result.describe()
    raw = process.thread(name="raw-native")
    assert raw.tid == untracked.oracle_thread("raw-native")["tid"]
    assert raw.stack == [("untracked", "untracked.py", m["untracked"])], result.describe()
    assert process.thread(name="MainThread").stack == [("<module>", "untracked.py", m["main"])], result.describe()


# --------------------------------------------------------------------------
# Locals


PLAIN_TYPES = {"NoneType", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set"}
SHORTEN_PAST = 80


def check_local(name, shown, want):
    """One local: the Python repr for plain values (shortened past 80
    characters), <TypeName at 0xADDRESS> for other objects."""
    full = want["repr"]
    if want["builtin"] and want["type"] in PLAIN_TYPES:
        if len(full) <= SHORTEN_PAST:
            assert shown == full, "%s: %r, expected %r" % (name, shown, full)
        else:
            head = shown.split("...", 1)[0]
            assert "..." in shown and len(shown) <= SHORTEN_PAST + 10, "%s: %r should be shortened with '...'" % (name, shown)
            assert len(head) >= 20 and full.startswith(head), "%s: %r is not a shortened %r" % (name, shown, full[:100])
    else:
        m = re.match(r"^<(\S+) at 0x([0-9a-f]+)>$", shown)
        assert m, "%s: %r, expected <%s at 0x%x>" % (name, shown, want["type"], want["id"])
        assert (m.group(1), int(m.group(2), 16)) == (want["type"], want["id"]), "%s: %r, expected <%s at 0x%x>" % (name, shown, want["type"], want["id"])


def test_locals(interp, with_locals):
    m = markers("with_locals.py")
    thread, result = main_stack(with_locals, "--locals")
    oracle = with_locals.oracle_thread("MainThread")["frames"]
    holder, caller = thread.frames[0], thread.frames[1]
    assert holder.where == ("holder", "with_locals.py", m["holder"]), result.describe()
    expected_names = ["nothing", "yes", "answer", "big", "negative", "ratio", "text", "raw", "items", "pair", "mapping", "bag", "thing", "no", "tenth", "long_text", "long_list"]
    assert [w["name"] for w in oracle[0]["locals"]] == expected_names, "the fixture's own oracle is off"
    assert [n for n, _ in holder.locals] == expected_names, "arguments in order, then bound locals\n" + result.describe()
    for (name, shown), want in zip(holder.locals, oracle[0]["locals"]):
        check_local(name, shown, want)
    assert caller.locals == [("before", "'set'")], result.describe()


def test_locals_exact_reprs(interp, with_locals):
    """The values listed in the contract, spelled out (not only via the oracle)."""
    thread, result = main_stack(with_locals, "--locals")
    shown = dict(thread.frames[0].locals)
    assert shown["nothing"] == "None"
    assert shown["yes"] == "True" and shown["no"] == "False"
    assert shown["answer"] == "42" and shown["negative"] == "-7"
    assert shown["big"] == str(2 ** 100)
    assert shown["ratio"] == "3.25" and shown["tenth"] == "0.1"
    assert shown["text"] == "'héllo 🐍'"
    assert shown["raw"] == r"b'\x00ab'"
    assert shown["items"] == "[1, 2, 3]" and shown["pair"] == "(1, 'a')"
    assert shown["mapping"] == "{'k': 1}" and shown["bag"] == "{1, 2}"
    assert re.match(r"^<Thing at 0x[0-9a-f]+>$", shown["thing"]), shown["thing"]


def test_no_locals_without_the_option(interp, with_locals):
    thread, result = main_stack(with_locals)
    assert all(not f.locals for f in thread.frames), result.describe()


# --------------------------------------------------------------------------
# Errors


def test_missing_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    assert not os.path.exists("/proc/%d" % p.pid)
    r = run_pytop("dump", "-p", p.pid)
    assert r.returncode == 1, r.describe()
    assert "no such process" in r.error_line(), r.describe()


def test_not_a_python_process():
    with launch_argv(["sleep", "100"], "sleep", ready=lambda t: True) as target:
        r = run_pytop("dump", "-p", target.pid)
    assert r.returncode == 1, r.describe()
    line = r.error_line()
    assert "is not a Python process" in line and str(target.pid) in line, r.describe()


@pytest.mark.parametrize("old", old_interpreters(), ids=lambda i: i.id)
def test_unsupported_python(old):
    if old.path is None:
        pytest.skip("%s: %s" % (old.id, old.missing))
    with launch(old, "old_python.py") as target:
        r = run_pytop("dump", "-p", target.pid)
    assert r.returncode == 1, r.describe()
    line = r.error_line()
    assert re.search(r"Python %s is not supported.*supported: 3\.8" % re.escape(old.version), line), r.describe()


@contextlib.contextmanager
def pytop_for(user):
    """A pytop binary user can run: ours, or a copy where ours is out of its reach."""
    group = subprocess.run(["id", "-gn", user], capture_output=True, text=True).stdout.strip()
    as_user = ["setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups", "--"]
    if subprocess.run(as_user + ["test", "-x", PYTOP]).returncode == 0:
        yield PYTOP
        return
    copy_dir = tempfile.mkdtemp(prefix="pytop-it-%s-" % user)
    try:
        os.chmod(copy_dir, 0o755)
        pytop = os.path.join(copy_dir, "pytop")
        shutil.copy2(PYTOP, pytop)
        yield pytop
    finally:
        shutil.rmtree(copy_dir)


def test_permission_denied():
    interp = any_interpreter()
    with pytop_for("nobody") as pytop, launch(interp, "nested.py") as target:
        r = run_pytop("dump", "-p", target.pid, user="nobody", pytop=pytop)
    assert r.returncode == 1, r.describe()
    assert "permission denied reading PID %d: it runs as user root (uid 0) and pytop as user nobody" % target.pid in r.error_line(), r.describe()


def test_refused_in_a_user_namespace():
    """A rootless container: Python in a user namespace that nobody made. Another
    user is refused and told to go inside; its creator and root may read it."""
    try:
        with open("/proc/sys/kernel/unprivileged_userns_clone") as f:
            if f.read().strip() == "0":
                pytest.skip("unprivileged user namespaces are off (kernel.unprivileged_userns_clone=0)")
    except OSError:
        pass
    argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
            "unshare", "--user", "--map-root-user", DEBIAN_PYTHON, "nested.py"]
    # No oracle: nobody may not write where the tests keep theirs.
    target = Target(argv, FIXTURES, "userns-nested", env={"FIXTURE_ORACLE": ""})
    try:
        target.wait_until(lambda: "ready\n" in target.output()[0], "ready")
        pid = target.pid
        with open("/proc/%d/uid_map" % pid) as f:
            assert f.read().split()[:2] == ["0", "65534"], "not in its own user namespace"
        with pytop_for("daemon") as pytop:
            r = run_pytop("dump", "-p", pid, user="daemon", pytop=pytop)
        assert r.returncode == 1, r.describe()
        assert r.error_line() == (
            "pytop: permission denied reading PID %d: it runs in a user namespace pytop is not privileged "
            "over (run pytop inside it: nsenter --target %d --user --pid, or as the user who created it)" % (pid, pid)
        ), r.describe()
        for user in ("nobody", None):
            with (pytop_for(user) if user else contextlib.nullcontext(PYTOP)) as pytop:
                r = run_pytop("dump", "-p", pid, user=user, pytop=pytop)
            assert r.returncode == 0 and "inner (nested.py:" in r.stdout, r.describe()
    finally:
        target.stop()


# Root without CAP_SYS_PTRACE: Docker's and Kubernetes' default. The maps of
# the target are readable but its files and memory are not.
NO_PTRACE = ["setpriv", "--inh-caps=-sys_ptrace", "--bounding-set=-sys_ptrace", "--"]


def test_refused_without_ptrace_capability():
    interp = any_interpreter()
    with launch(interp, "nested.py") as target:
        for args in (["dump", "-p", target.pid], ["record", "-p", target.pid, "-d", "1", "-o", os.devnull]):
            r = run_pytop(*args, wrap=NO_PTRACE)
            assert r.returncode == 1, r.describe()
            line = r.error_line()
            assert line.startswith("pytop: permission denied reading PID %d: pytop runs without CAP_SYS_PTRACE" % target.pid), r.describe()
            for hint in ("--cap-add SYS_PTRACE", "securityContext.capabilities.add: [SYS_PTRACE]", "kubectl debug --profile=general"):
                assert hint in line, r.describe()
        # `list` leaves the process out and says why.
        r = run_pytop("list", wrap=NO_PTRACE)
        assert r.returncode == 0, r.describe()
        assert str(target.pid) not in [l.split()[0] for l in r.stdout.splitlines()[1:]], r.describe()
        assert "not shown: permission denied reading PID" in r.stderr and "pytop runs without CAP_SYS_PTRACE" in r.stderr, r.describe()


def test_seccomp_refusing_process_vm_readv_falls_back_once():
    """A seccomp filter that fails process_vm_readv (tests/tools/noreadv): the reads go through
    /proc/PID/mem, the stack is the same, and pytop says so on one line."""
    noreadv = os.path.join(os.path.dirname(PYTOP), "tests", "tools", "noreadv")
    assert os.access(noreadv, os.X_OK), "tests/tools/noreadv is not built next to pytop: %s" % noreadv
    interp = any_interpreter()
    with launch(interp, "nested.py") as target:
        r = run_pytop("dump", "-p", target.pid, wrap=[noreadv])
        assert r.returncode == 0, r.describe()
        thread = parse_dump(r.stdout)[0].thread(tid=target.pid)
        assert thread.stack == oracle_frames(target.oracle, target.oracle_thread("MainThread")), r.describe()
        note = "pytop: process_vm_readv was refused (a seccomp filter?): reading PID %d through /proc/%d/mem instead" % (target.pid, target.pid)
        assert [l for l in r.stderr.splitlines() if l.startswith(note)] == r.stderr.splitlines(), r.describe()
        assert len(r.stderr.splitlines()) == 1, r.describe()
        # A recording reads the target a hundred times and says it once.
        out = os.path.join(tempfile.mkdtemp(prefix="pytop-it-noreadv-"), "out.txt")
        try:
            r = run_pytop("record", "-p", target.pid, "-d", "1", "-i", "-f", "collapsed", "-o", out, wrap=[noreadv])
            assert r.returncode == 0, r.describe()
            with open(out) as f:
                stacks = f.read()
        finally:
            shutil.rmtree(os.path.dirname(out))
        assert [l for l in r.stderr.splitlines() if l.startswith(note)] and len(r.stderr.splitlines()) == 2, r.describe()
        # Every sample is the one parked stack, read through /proc/PID/mem.
        leaves = {l.rsplit(" ", 1)[0].split(";")[-1] for l in stacks.splitlines()}
        assert len(leaves) == 1 and "inner" in leaves.pop(), stacks
        # The live view says it on its status line.
        with Tui([noreadv, PYTOP, "-p", target.pid, "-i"], env=pytop_env(), name="noreadv-top") as tui:
            tui.wait_for(lambda s: "process_vm_readv was refused (a seccomp filter?)" in s.text and "inner" in s.text, "the fallback on the status line")


def test_usage_without_target():
    r = run_pytop("dump")
    assert r.returncode == 2, r.describe()
    r.error_line()


def test_usage_bad_pid():
    r = run_pytop("dump", "-p", "notanumber")
    assert r.returncode == 2, r.describe()
    r.error_line()


def test_no_listener_on_port():
    port = free_port()
    r = run_pytop("dump", "--port", port)
    assert r.returncode == 1, r.describe()
    assert "no process listens on port %d" % port in r.error_line(), r.describe()


# --------------------------------------------------------------------------
# uvicorn and gunicorn with two workers each (Debian's python3.11)


def _server(name, module, argv_tail, started_line):
    @pytest.fixture(scope="module")
    def fixture():
        if not os.access(DEBIAN_PYTHON, os.X_OK):
            pytest.skip("%s is not installed" % DEBIAN_PYTHON)
        check = subprocess.run([DEBIAN_PYTHON, "-c", "import " + module], capture_output=True, text=True)
        if check.returncode != 0:
            pytest.skip("%s missing for %s: %s" % (module, DEBIAN_PYTHON, check.stderr.strip()))
        port = free_port()
        argv = [DEBIAN_PYTHON, "-m", name] + [a.format(port=port) for a in argv_tail]

        def started(target):
            return target.output()[1].count(started_line) == 2 and len(listener_pids(port)) == 3

        with launch_argv(argv, name, cwd=FIXTURES / "webapp", ready=started) as target:
            target.port = port
            target.listeners = listener_pids(port)
            assert target.pid in target.listeners
            yield target

    return fixture


uvicorn_server = _server("uvicorn", "uvicorn, fastapi", ["app:app", "--workers", "2", "--port", "{port}"], "Application startup complete.")
gunicorn_server = _server("gunicorn", "gunicorn", ["-w", "2", "-b", "127.0.0.1:{port}", "wsgi:app"], "Booting worker with pid")


def check_server_dump(server, package, worker_package):
    """-P PORT -s: the three processes holding the socket, plus (CLI.md: -s
    takes the descendants) whatever else the master started -- with uvicorn
    0.17 on 3.11, multiprocessing's resource tracker.  Every one has its
    MainThread; the master and workers show the server's frames."""
    listeners = server.listeners
    workers = listeners - {server.pid}
    expected = listeners | descendants(server.pid)

    def all_parked(processes):
        got = {p.pid: p for p in processes}
        return set(got) == expected and all(
            any(f.file.startswith(worker_package) for f in got[w].thread(name="MainThread").frames) for w in workers
        )

    processes, result = poll_dump("--port", server.port, "-s", until=all_parked, what="master + 2 workers (+ descendants), workers in %s" % worker_package)
    assert len(processes) == len(expected), "each process once\n" + result.describe()
    assert len(workers) == 2 and listeners <= {p.pid for p in processes}, result.describe()
    for p in processes:
        with open("/proc/%d/cmdline" % p.pid, "rb") as f:
            cmdline = f.read().rstrip(b"\0").replace(b"\0", b" ").decode()
        assert p.cmdline == cmdline, result.describe()
        main = p.thread(tid=p.pid)
        assert main.name == "MainThread", result.describe()
        if p.pid in listeners:
            assert any(f.file.startswith(package) for f in main.frames), "process %d: no %s frame\n%s" % (p.pid, package, result.describe())


def test_uvicorn_master_and_workers(uvicorn_server):
    check_server_dump(uvicorn_server, "uvicorn/", "asyncio/")


def test_gunicorn_master_and_workers(gunicorn_server):
    check_server_dump(gunicorn_server, "gunicorn/", "gunicorn/workers/")


@pytest.mark.parametrize("server", ["uvicorn_server", "gunicorn_server"])
def test_port_without_subprocesses_lists_pids(server, request):
    server = request.getfixturevalue(server)
    r = run_pytop("dump", "--port", server.port)
    assert r.returncode in (1, 2), r.describe()
    line = r.error_line()
    for pid in server.listeners:
        assert re.search(r"\b%d\b" % pid, line), "PID %d not listed\n%s" % (pid, r.describe())
