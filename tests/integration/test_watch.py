"""`pytop watch`: slow requests captured from outside, alerts once per
endpoint and window, delivered to real receivers on loopback.

The servers are those of test_by_endpoint (FastAPI under uvicorn with two
workers on Debian's 3.11 and the sid root's 3.14, Flask under gunicorn
with two sync workers on 3.11), serving tests/fixtures/webapp's
endpoints: GET /slow/{ms} burns ms/2 of CPU then waits ms/2, GET
/health?wait=S is a slow health check, /fast and /wait (0.2 s) are
under the threshold. watch runs with --slow 300ms --exclude /health
--alert-window 1h, a webhook receiver (an HTTP server of the test) and an
SMTP server (Debian's aiosmtpd), plus a webhook nothing listens on.

Asserted: a report (SVG, markdown, HTML) for each slow request and none
for the others; in each report the request, its worker and its time
split as the handler splits it; one alert for the endpoint, in the log,
at the webhook and by mail with the three reports attached byte for
byte; the dead receiver retried and its failure logged while watch goes
on; after a restart of pytop, a slow request is written but not alerted
again. Then, on one server: a worker killed and the whole server
restarted under watch, and its requests still captured.
"""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PYTOP, free_port, launch_argv, pytop_env, require_pytop
from test_by_endpoint import SERVERS, WEBAPP, accepts, get, server_argv, serves, workers
from test_notify import Receiver, parse_mail, smtp_server

SLOW_MS = 400
SLOW = "GET /slow/{ms}"
SLOW_FLASK = "GET /slow/<int:ms>"


RUNNING = []


@pytest.fixture(autouse=True)
def no_watch_left():
    """A test that failed midway leaves no watch running."""
    yield
    while RUNNING:
        RUNNING.pop().kill()


class Watch:
    """pytop watch running in the background; its stderr in a file."""

    def __init__(self, args, tmp_path, name):
        require_pytop()
        self.err_path = tmp_path / ("%s.stderr" % name)
        self.err = open(self.err_path, "w")
        self.argv = [PYTOP, "watch"] + [str(a) for a in args]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.err, env=pytop_env())
        RUNNING.append(self)

    def text(self):
        return self.err_path.read_text()

    def wait_for(self, predicate, what, timeout=20):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.proc.poll() is None, "watch exited (%s) waiting for %s:\n%s" % (self.proc.returncode, what, self.text())
            assert time.monotonic() < deadline, "no %s within %d s:\n%s" % (what, timeout, self.text())
            time.sleep(0.05)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.err.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(30)
        finally:
            self.err.close()
        return rc


def reports(out, path_slug=None):
    """The markdown reports in out (optionally of one path, as its file
    names write it: slow_400), oldest first."""
    files = sorted(p for p in out.glob("*.md"))
    return [p for p in files if path_slug is None or "-GET-%s-" % path_slug in p.name]


def alerts(out):
    log = out / "alerts.log"
    return [l for l in log.read_text().splitlines() if " ALERT " in l] if log.exists() else []


def slow_requests(port, n, ms=SLOW_MS):
    """n requests of /slow/ms one after the other: their latencies, as the
    client saw them, in seconds."""
    out = []
    for _ in range(n):
        start = time.monotonic()
        status, _ = get(port, "/slow/%d" % ms, timeout=10)
        out.append(time.monotonic() - start)
        assert status == 200
    return out


@pytest.fixture(scope="module", params=SERVERS, ids=["%s-%s" % (i.id, s) for i, s in SERVERS])
def server(request):
    interp, kind = request.param
    port = free_port()
    argv = server_argv(interp, kind, port)
    ready = lambda t: accepts(port) and len(workers(t.pid)) >= 2  # noqa: E731
    yield interp, kind, argv, port, ready


def test_slow_requests_reports_and_one_alert(server, tmp_path):
    interp, kind, argv, port, ready = server
    slow = SLOW_FLASK if kind == "gunicorn" else SLOW
    out = tmp_path / "watch"
    dead = free_port()
    with launch_argv(argv, "%s-%s" % (kind, interp.id), cwd=WEBAPP, ready=ready) as target, Receiver(lambda r: (200, {})) as hook, smtp_server(tls=None, mechanisms=()) as smtp:
        args = ["-P", port, "--slow", "300ms", "--exclude", "/health", "--alert-window", "1h", "-o", out, "--notify-retry", "0.1s",
                "--notify", "webhook=%s/hooks/secret-part" % hook.url,
                "--notify", "email=smtp://127.0.0.1:%d,pytop@example.com,ops@example.com" % smtp["port"],
                "--notify", "webhook=http://127.0.0.1:%d/down" % dead]
        w = Watch(args, tmp_path, "first")
        w.wait_for(lambda: "pytop: watching" in w.text(), "its start line")
        served = [p for p in workers(target.pid) if serves(p)]
        # Under the threshold, or excluded: nothing written.
        for path in ["/fast", "/wait", "/users/7", "/health?wait=0.5", "/health"]:
            assert get(port, path, timeout=10)[0] == 200
        latencies = slow_requests(port, 3)
        w.wait_for(lambda: len(reports(out)) >= 3, "3 reports")
        w.wait_for(lambda: len(hook.requests) >= 1 and len(smtp["mails"]) >= 1, "the alert at the webhook and by mail")
        # The dead webhook: tried 4 times, then its failure logged; watch goes on.
        w.wait_for(lambda: "failed webhook http://127.0.0.1:%d/" % dead in (out / "alerts.log").read_text(), "the dead webhook's failure in the log")
        slow_requests(port, 1)
        w.wait_for(lambda: len(reports(out)) >= 4, "a 4th report after the failure")
        assert w.stop() == 0, w.text()
        text = w.text()
        first_run = reports(out)
        assert len(first_run) == 4, [p.name for p in out.iterdir()]
        # A restart of pytop: the window holds, nothing is alerted again.
        # This time the configuration is a file, and SIGHUP re-reads it.
        config = tmp_path / "config"
        with Receiver(lambda r: (200, {})) as hook2:
            config.write_text("slow = 300ms\nalert-window = 1h\nnotify = webhook=%s/x\n" % hook2.url)
            w2 = Watch(["-c", config, "-P", port, "-o", out], tmp_path, "second")
            w2.wait_for(lambda: "pytop: watching" in w2.text(), "its start line")
            slow_requests(port, 1)
            w2.wait_for(lambda: len(reports(out)) >= 5, "a 5th report")
            config.write_text("slow = 1s\nalert-window = 1h\ninclude = /slow/*\n")
            w2.proc.send_signal(signal.SIGHUP)
            w2.wait_for(lambda: "configuration reloaded: slow 1.00s, alert window 1.0h, 1 include" in w2.text(), "the reload")
            slow_requests(port, 1, ms=200)  # no longer slow (with room for a busy machine)
            assert get(port, "/health?wait=1.1", timeout=10)[0] == 200  # slow, not included
            slow_requests(port, 1, ms=1200)
            w2.wait_for(lambda: reports(out, "slow_1200"), "the 1.2 s request's report")
            assert len(reports(out)) == 6, [p.name for p in reports(out)]
            assert w2.stop() == 0, w2.text()
            assert hook2.requests == [] and "pytop: alert" not in w2.text(), w2.text()

    # Reports: only the slow endpoint's, three files each, written whole.
    mds = first_run
    assert all("-GET-slow_%d-" % SLOW_MS in p.name for p in mds), [p.name for p in out.iterdir()]
    for md in mds:
        for ext in (".svg", ".html"):
            assert md.with_suffix(ext).exists(), md
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") or ".tmp" in p.name], list(out.iterdir())
    body = mds[0].read_text()
    assert "| Request | GET /slow/%d |" % SLOW_MS in body, body[:1500]
    assert "| Endpoint | %s |" % slow in body.replace("\\", ""), body[:1500]
    # Observed from its first sample to its last: within the client's
    # latency, and short of it by a few sampling periods at the most.
    m = re.search(r"\| Duration \| (\d+) ms, observed from outside", body)
    assert m and latencies[0] - 0.1 <= int(m.group(1)) / 1000 <= latencies[0] + 0.011, (latencies, body[:1500])
    pid = int(re.search(r"\| Worker \| PID (\d+) \|", body).group(1))
    assert pid in served, (pid, served)
    # It sleeps SLOW_MS/2: that many samples off the CPU (at 100 Hz, give
    # or take 5), all of them counted as waiting, and perhaps a sample or
    # two taken on the CPU in a function that waits (entering the sleep).
    m = re.search(r"\| On CPU \| (\d+) of its (\d+) samples \((\d+) waiting\) \|", body)
    assert m, body[:1500]
    running, total, off = (int(x) for x in m.groups())
    assert running + off == total and abs(off * 10 - SLOW_MS / 2) <= 50, body[:1500]
    waiting = float(re.search(r"\| waiting \| ([\d.]+)% \|", body).group(1))
    assert 100.0 * off / total - 0.1 <= waiting <= 100.0 * (off + 2) / total + 0.1, body[:3000]
    assert re.search(r"\| [\d.]+% \| [\d.]+% \| burn \(endpoints\\?_(asgi|wsgi)\.py:\d+\)", body), body[:3000]
    svg = mds[0].with_suffix(".svg").read_text()
    assert svg.startswith("<?xml") and "burn" in svg and svg.rstrip().endswith("</svg>")
    html = mds[0].with_suffix(".html").read_text()
    assert "<h1>pytop report: slow request GET /slow/%d</h1>" % SLOW_MS in html and html.rstrip().endswith("</html>")

    # One alert, everywhere it was sent.
    assert len(alerts(out)) == 1, (out / "alerts.log").read_text()
    assert len(hook.requests) == 1, hook.requests
    msg = json.loads(hook.requests[0]["body"])
    assert "GET /slow/%d" % SLOW_MS in msg["text"] and "burn" in msg["text"], msg
    assert len(smtp["mails"]) == 1
    mail = parse_mail(smtp["mails"][0]["content"])
    assert "slow request" in mail["Subject"] and slow in mail["Subject"], mail["Subject"]
    attached = {p.get_filename(): p.get_content() for p in mail.walk() if p.is_attachment()}
    first = mds[0]
    assert sorted(attached) == sorted(first.with_suffix(e).name for e in (".svg", ".md", ".html")), attached.keys()
    for name, content in attached.items():
        data = content if isinstance(content, bytes) else content.encode()
        assert data == (out / name).read_bytes(), name
    assert "secret-part" not in text and "secret-part" not in (out / "alerts.log").read_text()
    # The summary on exit.
    assert re.search(r"^\s+\d+\s+\S+\s+\S+\s+\S+\s+4\s+4\s+1\s+%s$" % re.escape(slow), text, re.M), text


def test_back_to_back_requests_each_reported(server, tmp_path):
    """Requests one right after the other, each on a new connection: a
    freed request object is often made again at the same address for the
    next request of the same path, with no tick between the two. Told
    apart by the client's port, each is reported on its own, never two
    as one request of twice the length."""
    interp, kind, argv, port, ready = server
    out = tmp_path / "watch"
    n, ms = 20, 200
    # One worker, so that every request is made in the same process.
    one = list(argv)
    one[one.index("-w" if kind == "gunicorn" else "--workers") + 1] = "1"
    with launch_argv(one, "%s-%s" % (kind, interp.id), cwd=WEBAPP, ready=lambda t: accepts(port)):
        w = Watch(["-P", port, "--slow", "100ms", "--exclude", "/health", "-o", out], tmp_path, "b2b")
        w.wait_for(lambda: "pytop: watching" in w.text(), "its start line")
        latencies = slow_requests(port, n, ms=ms)
        w.wait_for(lambda: len(reports(out)) >= n, "%d reports" % n)
        assert w.stop() == 0, w.text()
    durations = [int(re.search(r"\| Duration \| (\d+) ms", p.read_text()).group(1)) for p in reports(out)]
    assert len(durations) == n and max(durations) < 1000 * max(latencies) + 11, (durations, latencies)


def test_watch_follows_workers_and_a_restarted_server(tmp_path):
    """A gunicorn worker killed (its master starts another) and then the
    whole server stopped and started again on its port: watch keeps going,
    follows the new processes and captures their slow requests."""
    gunicorn = [s for s in SERVERS if s[1] == "gunicorn"]
    if not gunicorn:
        pytest.skip("no gunicorn server to watch")
    port = free_port()
    argv = server_argv(gunicorn[0][0], "gunicorn", port)
    ready = lambda t: accepts(port) and len([p for p in workers(t.pid) if serves(p)]) >= 2  # noqa: E731
    out = tmp_path / "watch"

    def pids_of_reports():
        return {int(p.stem.rsplit("-", 1)[1]) for p in reports(out)}

    with launch_argv(argv, "gunicorn-kill", cwd=WEBAPP, ready=ready) as first:
        w = Watch(["-P", port, "--slow", "300ms", "-o", out], tmp_path, "restarts")
        w.wait_for(lambda: "pytop: watching" in w.text(), "its start line")
        old = [p for p in workers(first.pid) if serves(p)]
        os.kill(old[0], signal.SIGKILL)
        first.wait_until(lambda: len([p for p in workers(first.pid) if serves(p)]) >= 2 and old[0] not in workers(first.pid), "a new worker")
        new = [p for p in workers(first.pid) if serves(p) and p not in old]
        assert new, workers(first.pid)
        # Until the new worker has served a slow request (the two share
        # the port: which one answers is the kernel's choice).
        deadline = time.monotonic() + 30
        while new[0] not in pids_of_reports():
            assert time.monotonic() < deadline, "no report from the new worker %d: %s\n%s" % (new[0], pids_of_reports(), w.text())
            slow_requests(port, 1)
            time.sleep(0.2)  # the report is written within a poll of watch
    w.wait_for(lambda: "waiting for a server on port %d" % port in w.text(), "watch waiting for the port")
    with launch_argv(argv, "gunicorn-again", cwd=WEBAPP, ready=ready) as second:
        w.wait_for(lambda: "watching port %d again" % port in w.text(), "watch attached again")
        later = [p for p in workers(second.pid) if serves(p)]
        deadline = time.monotonic() + 30
        while not (set(later) & pids_of_reports()):
            assert time.monotonic() < deadline, "no report from the restarted server's workers %s\n%s" % (later, w.text())
            slow_requests(port, 1)
            time.sleep(0.2)
        assert w.proc.poll() is None, w.text()
        assert w.stop() == 0, w.text()
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
