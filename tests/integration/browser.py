"""Headless Chromium for the tests of what pytop writes for a browser
(the flamegraph SVG, the report page, speedscope files): the DOM of a page
after its scripts ran.

$CHROMIUM says where the browser is; tests that need it are skipped with
`needs_chromium` when it is not installed, and in the sanitizer build's
run (PYTOP_SANITIZED, set by .ci/run): that run is there to check pytop's
own memory, and a browser running the same page again checks nothing of
pytop (pytop's writing of each page is checked there by the unit tests).
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 60
HAVE_CHROMIUM = os.access(CHROMIUM, os.X_OK)
SANITIZED = os.environ.get("PYTOP_SANITIZED") == "1"
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM or SANITIZED,
    reason="the sanitizer build's run leaves the browser to the normal build's"
    if SANITIZED
    else "chromium is not installed (%s): cannot run a page's scripts" % CHROMIUM,
)


def dump_dom(url, budget_ms=2000, extra=(), stuck=None):
    """The DOM (text) of url once its scripts ran for budget_ms of virtual
    time, in a fresh profile. stuck: what a timeout means, for its message."""
    profile = tempfile.mkdtemp(prefix="pytop-chromium-")
    argv = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        *extra, "--user-data-dir=" + profile, "--virtual-time-budget=%d" % budget_ms, "--dump-dom", url,
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(stuck or "chromium did not finish within %ss: %s" % (CHROMIUM_TIMEOUT, url))
    finally:
        # Its helper processes are in its own session: end them too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, "chromium failed on %s:\n%s" % (url, err.decode(errors="replace")[-3000:])
    return out.decode("utf-8")
