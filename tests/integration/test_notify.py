"""The notifiers of `pytop watch` against real receivers on 127.0.0.1.

tests/tools/notify_send (built by `make check`) starts a sender with --notify
specs, posts one alert (a markdown body, report files) and stops, printing
the sender's statistics. The receivers are started here, on ephemeral
ports, and stopped at the end of each test:

- a webhook (http.server in a thread of the test) gets the markdown intact;
- a fake Mattermost (the two endpoints of API v4 pytop uses, checking the
  Bearer token and the multipart form) gets the files zipped, byte for
  byte, and a post that refers to the upload;
- Debian's aiosmtpd, with STARTTLS on a certificate made here and AUTH
  LOGIN or PLAIN, gets the mail with every attachment byte for byte; a
  user is refused where the server offers no STARTTLS;
- a receiver that is down, and one that fails twice, show the retries.

No secret (webhook path, token, password) may appear on stderr or in the
alert log. PYTOP_BUILDDIR names the build tree (default: the directory of
$PYTOP); NOTIFY_SEND the helper itself.
"""

import contextlib
import io
import json
import os
import re
import ssl
import subprocess
import threading
import time
import zipfile
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import PYTOP, any_interpreter, free_port, launch, pytop_env

BUILDDIR = Path(os.environ.get("PYTOP_BUILDDIR") or Path(PYTOP).parent)
HELPER = Path(os.environ.get("NOTIFY_SEND") or BUILDDIR / "tests" / "tools" / "notify_send")
TIMEOUT = 20

SUBJECT = "pytop: slow request GET /users/{id} 812 ms (PID 42)"
# What a markdown body may hold: UTF-8, JSON's and mail's special
# characters, a line SMTP would take for the end of the data.
MARKDOWN = (
    "## Slow request `GET /users/{id}`: 812 ms\n\n"
    "| function | own |\n|---|---|\n| `json.dumps` | 41.5 % |\n\n"
    'Quotes " and \\ backslashes, tabs\tand ünïcödé — 🐍\n'
    ".\n"
    ". a line that starts with a dot\n"
    "From the start of a line, " + "a long line " * 20 + "\n"
)
WEBHOOK_SECRET = "T0001/B0002/hookSECRETxyz"
TOKEN = "mmTOKENsecret42"
PASSWORD = "pa55:w@rd,SECRET"  # %-escaped in a URL
PASSWORD_ESCAPED = "pa55%3Aw%40rd%2CSECRET"
SECRETS = [WEBHOOK_SECRET, "hookSECRET", TOKEN, PASSWORD, PASSWORD_ESCAPED, "SECRET"]


# --------------------------------------------------------------------------
# Running notify_send


class Sent:
    def __init__(self, proc, log):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.log = log
        m = re.fullmatch(r"queued=(\d+) sent=(\d+) failed=(\d+) dropped=(\d+) retries=(\d+)\n", self.stdout)
        assert m, "no statistics line\n" + self.describe()
        self.stats = dict(zip(("queued", "sent", "failed", "dropped", "retries"), (int(x) for x in m.groups())))

    def describe(self):
        return "exit %d\n--- stdout\n%s--- stderr\n%s--- log\n%s" % (self.returncode, self.stdout, self.stderr, self.log)

    def assert_stats(self, **want):
        got = dict((k, self.stats[k]) for k in want)
        assert got == want, "statistics %s, not %s\n%s" % (got, want, self.describe())

    def assert_no_secret(self):
        for secret in SECRETS:
            assert secret not in self.stderr, "a secret on stderr\n" + self.describe()
            assert secret not in self.log, "a secret in the alert log\n" + self.describe()


def notify_send(tmp_path, *specs, files=(), backoff=0.05, ca_file=None, env=None):
    if not os.access(HELPER, os.X_OK):
        pytest.fail("tests/tools/notify_send not found at %s (make check builds it; or set PYTOP_BUILDDIR or NOTIFY_SEND)" % HELPER)
    body = tmp_path / "body.md"
    body.write_text(MARKDOWN, encoding="utf-8")
    log = tmp_path / "alerts.log"
    argv = [str(HELPER), "--subject", SUBJECT, "--body-file", str(body), "--log", str(log), "--backoff", str(backoff)]
    for spec in specs:
        argv += ["--notify", spec]
    for f in files:
        argv += ["--file", str(f)]
    if ca_file:
        argv += ["--ca-file", str(ca_file)]
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=TIMEOUT, env=dict(pytop_env(), **(env or {})), stdin=subprocess.DEVNULL
    )
    sent = Sent(proc, log.read_text(encoding="utf-8") if log.exists() else "")
    assert sent.returncode == 0, "notify_send failed\n" + sent.describe()
    return sent


@pytest.fixture
def reports(tmp_path):
    """Four report files, one of each content type, with bytes a careless
    encoding would change: CRLF and lone CR, trailing blanks, long lines,
    UTF-8, and every byte value."""
    d = tmp_path / "reports"
    d.mkdir()
    contents = {
        "profile.svg": ('<svg xmlns="http://www.w3.org/2000/svg">\r\n<text>ünï \r</text>  \n' + "<g/>" * 400 + "\n</svg>\n").encode(),
        "report.md": MARKDOWN.encode(),
        "report.html": b"<!doctype html>\n<p>. dot\n</p>\nFrom here\n" + bytes(range(32, 127)) * 20,
        "stacks.bin": bytes(range(256)) * 17,
    }
    paths = []
    for name, data in contents.items():
        (d / name).write_bytes(data)
        paths.append(d / name)
    return paths


# --------------------------------------------------------------------------
# HTTP receivers: http.server in a thread of the test


class Receiver:
    """An HTTP server on 127.0.0.1; answer(request) -> (status, JSON) for each
    request, a dict with method, path, headers and body."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                request = {"method": "POST", "path": self.path, "headers": self.headers, "body": self.rfile.read(length)}
                receiver.requests.append(request)
                status, reply = receiver.answer(request)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        # A short poll: shutdown() waits for it.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def multipart(content_type, body):
    """{name: (filename, bytes)} of a multipart/form-data body."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    assert m, "no boundary in %r" % content_type
    fields = {}
    for chunk in body.split(b"--" + m.group(1).encode())[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n"), "malformed part %r" % chunk[:80]
        head, sep, data = chunk[2:-2].partition(b"\r\n\r\n")
        assert sep, "a part without headers"
        disposition = re.search(rb"(?im)^content-disposition: form-data; (.*)$", head)
        assert disposition, "a part without Content-Disposition: %r" % head
        name = re.search(rb'\bname="([^"]*)"', disposition.group(1)).group(1).decode()
        filename = re.search(rb'\bfilename="([^"]*)"', disposition.group(1))
        fields[name] = (filename.group(1).decode() if filename else None, data)
    return fields


def log_lines(sent, outcome):
    """The log's lines for an outcome (sent, failed, dropped); each starts
    with an ISO-8601 UTC time."""
    lines = sent.log.splitlines()
    for line in lines:
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (sent|failed|dropped) ", line), "odd log line %r" % line
    return [l for l in lines if l.split(" ", 2)[1] == outcome]


# --------------------------------------------------------------------------
# Webhooks


def test_webhook_gets_the_markdown_intact(tmp_path):
    with Receiver(lambda r: (200, {"ok": True})) as hook:
        sent = notify_send(tmp_path, "webhook=%s/hooks/%s?x=1" % (hook.url, WEBHOOK_SECRET))
    sent.assert_stats(queued=1, sent=1, failed=0, dropped=0, retries=0)
    assert len(hook.requests) == 1
    r = hook.requests[0]
    assert r["path"] == "/hooks/%s?x=1" % WEBHOOK_SECRET
    assert r["headers"]["Content-Type"] == "application/json"
    assert json.loads(r["body"].decode("utf-8")) == {"text": MARKDOWN, "username": "pytop"}
    assert log_lines(sent, "sent") == [l for l in sent.log.splitlines()]
    assert log_lines(sent, "sent")[0].endswith(" sent webhook %s/\u2026 : %s" % (hook.url, SUBJECT))
    assert sent.stderr == ""
    sent.assert_no_secret()


def test_webhook_failing_twice_is_delivered_on_the_third_try(tmp_path):
    def answer(request):
        return (500, {"error": "busy"}) if len(hook.requests) <= 2 else (200, {})

    with Receiver(answer) as hook:
        sent = notify_send(tmp_path, "webhook=%s/hooks/%s" % (hook.url, WEBHOOK_SECRET), backoff=0.05)
    sent.assert_stats(queued=1, sent=1, failed=0, retries=2)
    assert len(hook.requests) == 3
    assert all(json.loads(r["body"])["text"] == MARKDOWN for r in hook.requests)
    assert len(log_lines(sent, "sent")) == 1 and not log_lines(sent, "failed")
    assert sent.stderr == ""
    sent.assert_no_secret()


def test_a_receiver_that_is_down_is_retried_then_reported(tmp_path):
    port = free_port()
    t0 = time.monotonic()
    sent = notify_send(tmp_path, "webhook=http://127.0.0.1:%d/hooks/%s" % (port, WEBHOOK_SECRET), backoff=0.05)
    # Three retries, 0.05 + 0.1 + 0.2 s apart.
    assert 0.35 <= time.monotonic() - t0 < TIMEOUT
    sent.assert_stats(queued=1, sent=0, failed=1, dropped=0, retries=3)
    desc = "webhook http://127.0.0.1:%d/\u2026" % port
    failed = log_lines(sent, "failed")
    assert len(failed) == 1 and len(sent.log.splitlines()) == 1, sent.describe()
    assert failed[0].endswith(" failed %s after 4 tries: couldn't connect to server : %s" % (desc, SUBJECT)), sent.describe()
    assert sent.stderr == "pytop: alert not delivered to %s: couldn't connect to server after 4 tries\n" % desc
    sent.assert_no_secret()


# --------------------------------------------------------------------------
# Mattermost


class FakeMattermost(Receiver):
    """POST /api/v4/files and /api/v4/posts as API v4 describes them, for
    one token and one channel."""

    FILE_ID = "fileid7k3m9q2x8w4r6t1y5u0p"

    def __init__(self, token, channel):
        self.token, self.channel = token, channel
        self.uploads, self.posts = [], []
        super().__init__(self.route)

    def route(self, r):
        if r["headers"].get("Authorization") != "Bearer " + self.token:
            return 401, {"id": "api.context.session_expired.app_error", "status_code": 401}
        if r["path"] == "/api/v4/files":
            ctype = r["headers"].get("Content-Type", "")
            if not ctype.startswith("multipart/form-data"):
                return 400, {"message": "not multipart"}
            fields = multipart(ctype, r["body"])
            if fields.get("channel_id", (None, b""))[1].decode() != self.channel or "files" not in fields:
                return 400, {"message": "channel_id and files wanted"}
            self.uploads.append(fields["files"])
            info = {"id": self.FILE_ID, "name": fields["files"][0], "size": len(fields["files"][1])}
            return 201, {"file_infos": [info], "client_ids": []}
        if r["path"] == "/api/v4/posts":
            post = json.loads(r["body"])
            if post.get("channel_id") != self.channel:
                return 400, {"message": "channel_id wanted"}
            self.posts.append(post)
            return 201, dict(post, id="post1")
        return 404, {}


def test_mattermost_gets_the_files_zipped_and_a_post(tmp_path, reports):
    with FakeMattermost(TOKEN, "ch4nnel1d") as mm:
        # The token from the environment, off the command line.
        sent = notify_send(tmp_path, "mattermost=%s/,,ch4nnel1d" % mm.url, files=reports, env={"PYTOP_MATTERMOST_TOKEN": TOKEN})
    sent.assert_stats(queued=1, sent=1, failed=0, retries=0)
    assert len(mm.uploads) == 1, sent.describe()
    name, data = mm.uploads[0]
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == sorted(p.name for p in reports)
        for p in reports:
            assert z.read(p.name) == p.read_bytes(), "%s changed in the zip" % p.name
    assert mm.posts == [{"channel_id": "ch4nnel1d", "message": MARKDOWN, "file_ids": [FakeMattermost.FILE_ID]}]
    assert log_lines(sent, "sent")[0].endswith(" sent mattermost %s channel ch4nnel1d : %s" % (mm.url, SUBJECT))
    sent.assert_no_secret()


def test_mattermost_refusing_the_token_is_reported_without_it(tmp_path, reports):
    with FakeMattermost("another-token", "ch4nnel1d") as mm:
        sent = notify_send(tmp_path, "mattermost=%s,%s,ch4nnel1d" % (mm.url, TOKEN), files=reports, backoff=0.01)
    sent.assert_stats(sent=0, failed=1, retries=3)
    assert not mm.uploads and not mm.posts
    assert "/api/v4/files: HTTP 401 after 4 tries" in sent.stderr, sent.describe()
    sent.assert_no_secret()


# --------------------------------------------------------------------------
# Email: aiosmtpd


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert, key)."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return cert, key


@contextlib.contextmanager
def smtp_server(tls=None, mechanisms=("LOGIN", "PLAIN"), user="alerts", password=PASSWORD):
    """aiosmtpd on 127.0.0.1 in a thread of the test: STARTTLS with the
    certificate tls (required before MAIL) or none; AUTH with mechanisms,
    accepting user/password only. Yields its record of what happened."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        pytest.fail("aiosmtpd is not installed for this Python: install python3-aiosmtpd (scripts/bootstrap does)")

    record = {"auth": [], "mails": []}

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            record["mails"].append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "content": envelope.content, "tls": session.ssl is not None})
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        record["auth"].append(mechanism)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)

    kwargs = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        kwargs = {"tls_context": context, "require_starttls": True}
    else:
        kwargs = {"auth_require_tls": False}  # offer AUTH in clear: pytop must not take it
    exclude = [m for m in ("LOGIN", "PLAIN") if m not in mechanisms]
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator, auth_exclude_mechanism=exclude, **kwargs)
    controller.start()
    record["port"] = port
    try:
        yield record
    finally:
        controller.stop()


def parse_mail(content):
    return message_from_bytes(content, policy=policy.default)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_email_over_starttls_with_every_attachment(tmp_path, reports, certificate, mechanism):
    with smtp_server(tls=certificate, mechanisms=(mechanism,)) as smtp:
        if mechanism == "PLAIN":  # the password from the environment
            url, env = "smtp://alerts@127.0.0.1:%d" % smtp["port"], {"PYTOP_SMTP_PASSWORD": PASSWORD}
        else:  # in the URL, %-escaped
            url, env = "smtp://alerts:%s@127.0.0.1:%d" % (PASSWORD_ESCAPED, smtp["port"]), {}
        sent = notify_send(tmp_path, "email=%s,pytop@example.com,a@example.com,b@example.org" % url, files=reports, ca_file=certificate[0], env=env)
    sent.assert_stats(queued=1, sent=1, failed=0, retries=0)
    assert smtp["auth"] == [mechanism]
    assert len(smtp["mails"]) == 1, sent.describe()
    mail = smtp["mails"][0]
    assert mail["tls"], "the mail went in clear"
    assert mail["from"] == "pytop@example.com"
    assert mail["to"] == ["a@example.com", "b@example.org"]

    msg = parse_mail(mail["content"])
    assert msg["Subject"] == SUBJECT
    assert "pytop@example.com" in msg["From"]
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@example.com", "b@example.org"]
    assert msg["Date"].datetime is not None
    text = [p for p in msg.walk() if p.get_content_type() == "text/plain" and not p.is_attachment()]
    assert len(text) == 1
    assert text[0].get_content().replace("\r\n", "\n") == MARKDOWN
    attachments = dict((p.get_filename(), p) for p in msg.iter_attachments())
    assert sorted(attachments) == sorted(p.name for p in reports)
    types = {"profile.svg": "image/svg+xml", "report.md": "text/markdown", "report.html": "text/html", "stacks.bin": "application/octet-stream"}
    for p in reports:
        part = attachments[p.name]
        assert part.get_content_type() == types[p.name]
        assert part.get_payload(decode=True) == p.read_bytes(), "%s changed in the mail" % p.name
    assert log_lines(sent, "sent")[0].endswith(
        " sent email smtp://alerts@127.0.0.1:%d to a@example.com, b@example.org : %s" % (smtp["port"], SUBJECT)
    )
    sent.assert_no_secret()


def test_email_user_without_starttls_is_refused(tmp_path):
    with smtp_server(tls=None) as smtp:
        url = "smtp://alerts:%s@127.0.0.1:%d" % (PASSWORD_ESCAPED, smtp["port"])
        sent = notify_send(tmp_path, "email=%s,pytop@example.com,a@example.com" % url, backoff=0.01)
    sent.assert_stats(sent=0, failed=1, retries=3)
    assert smtp["auth"] == [] and smtp["mails"] == []
    lines = sent.stderr.splitlines()
    assert len(lines) == 1 and "offers no STARTTLS: the password is not sent in clear" in lines[0], sent.describe()
    sent.assert_no_secret()


def test_email_without_user_goes_in_clear_when_no_starttls(tmp_path):
    with smtp_server(tls=None) as smtp:
        sent = notify_send(tmp_path, "email=smtp://127.0.0.1:%d,pytop@example.com,a@example.com" % smtp["port"])
    sent.assert_stats(sent=1, failed=0)
    assert len(smtp["mails"]) == 1 and not smtp["mails"][0]["tls"]
    assert parse_mail(smtp["mails"][0]["content"])["Subject"] == SUBJECT


def test_email_certificate_is_checked(tmp_path, certificate):
    with smtp_server(tls=certificate) as smtp:
        url = "smtp://alerts:%s@127.0.0.1:%d" % (PASSWORD_ESCAPED, smtp["port"])
        sent = notify_send(tmp_path, "email=%s,pytop@example.com,a@example.com" % url, backoff=0.01)  # no --ca-file
    sent.assert_stats(sent=0, failed=1)
    assert smtp["auth"] == [] and smtp["mails"] == []
    assert "certificate" in sent.stderr, sent.describe()
    sent.assert_no_secret()


# --------------------------------------------------------------------------
# Loaded by the first send only

# libcurl and libzip, and some of the 30 libraries they bring (TLS,
# Kerberos, LDAP): about 5 MB that src/notify/netlibs.c dlopen()s when a
# notifier first sends or zips (the tests above), never otherwise.
NOTIFIER_LIBRARIES = re.compile(r"/lib(curl|zip|ssl|crypto|gnutls|krb5|ldap)[.-][^/]*$")


def test_record_never_maps_the_notifiers_libraries(tmp_path):
    with launch(any_interpreter(), "nested.py") as target:
        argv = [PYTOP, "record", "-p", str(target.pid), "-d", "2", "-o", str(tmp_path / "profile.svg")]
        record = subprocess.Popen(argv, env=pytop_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)  # recording, past anything done once at the start
        with open("/proc/%d/maps" % record.pid, encoding="utf-8") as f:
            mapped = sorted(set(line.split()[-1] for line in f if NOTIFIER_LIBRARIES.search(line.rstrip("\n"))))
        _, err = record.communicate(timeout=TIMEOUT)
    assert record.returncode == 0, "pytop record failed\n" + err
    assert mapped == [], "pytop record maps the notifiers' libraries: %s" % ", ".join(mapped)
