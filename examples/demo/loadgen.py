#!/usr/bin/env python3
"""Loopback HTTP load for the pytop demo service (standard library only).

A few threads send a mix of requests to http://127.0.0.1:PORT/{fast,cpu,slow}
over keep-alive connections, and everything stops by itself after --duration
seconds (default 300), or at Ctrl-C / SIGTERM.  It only ever connects to
127.0.0.1.  A summary of requests and errors is printed at the end.

    python3 loadgen.py --port 8000 --duration 60
"""

import argparse
import collections
import http.client
import random
import signal
import sys
import threading
import time

HOST = "127.0.0.1"  # fixed on purpose: this is a loopback demo, never a remote load tool
MIX = [("/fast", 6), ("/cpu", 3), ("/slow", 2)]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8000, help="port of the demo service on 127.0.0.1 (8000)")
    p.add_argument("--duration", type=float, default=300, help="stop after this many seconds (300)")
    p.add_argument("--threads", type=int, default=4, help="concurrent clients (4)")
    p.add_argument("--pause", type=float, default=0.01, help="seconds each client waits between requests (0.01)")
    args = p.parse_args(argv)
    if not 0 < args.duration <= 24 * 3600:
        p.error("--duration must be between 0 and 86400 seconds")
    if not 1 <= args.threads <= 64:
        p.error("--threads must be between 1 and 64")
    if not 1 <= args.port <= 65535:
        p.error("--port must be between 1 and 65535")
    return args


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = collections.Counter()
        self.errors = collections.Counter()

    def add(self, path, error=None):
        with self.lock:
            if error is None:
                self.ok[path] += 1
            else:
                self.errors[error] += 1


def client(port, deadline, pause, stop, stats, seed):
    rng = random.Random(seed)
    paths = [path for path, weight in MIX for _ in range(weight)]
    conn = None
    while not stop.is_set() and time.monotonic() < deadline:
        path = rng.choice(paths)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            stats.add(path, None if response.status == 200 else "HTTP %d" % response.status)
        except (OSError, http.client.HTTPException) as e:
            stats.add(path, type(e).__name__)
            if conn is not None:
                conn.close()
            conn = None
            stop.wait(0.2)  # the server is not up yet, or restarting
            continue
        if pause:
            stop.wait(pause)
    if conn is not None:
        conn.close()


def main(argv=None):
    args = parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    deadline = time.monotonic() + args.duration
    stats = Stats()
    clients = [
        threading.Thread(
            target=client,
            args=(args.port, deadline, args.pause, stop, stats, n),
            name="client-%d" % n,
            daemon=True,
        )
        for n in range(args.threads)
    ]
    started = time.monotonic()
    for c in clients:
        c.start()
    while any(c.is_alive() for c in clients):
        stop.wait(0.2)  # keeps the main thread responsive to signals
        if time.monotonic() > deadline + 15:
            break  # a request hung past its timeout: give up on it
    elapsed = time.monotonic() - started
    total = sum(stats.ok.values())
    print(
        "loadgen: %d requests in %.1fs (%.0f/s): %s; errors: %s"
        % (
            total,
            elapsed,
            total / elapsed if elapsed else 0,
            ", ".join("%s %d" % (p, stats.ok[p]) for p, _ in MIX),
            dict(stats.errors) or "none",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
