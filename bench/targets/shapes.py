"""A benchmark target of a given shape, for bench/tick-shapes.

    python shapes.py threads N     one thread spinning, N - 1 parked in a sleep
    python shapes.py workers N     a parent and N worker processes (fork),
                                   one of them spinning, the others asleep

Prints "ready PID" once every thread or worker is running, then runs
until stopped by a signal (the workers end with their parent).
"""
import os
import signal
import sys
import threading
import time


def spin():
    n = 0
    while True:
        n += 1


def park():
    while True:
        time.sleep(3600)


def main():
    shape, n = sys.argv[1], int(sys.argv[2])
    if shape == "threads":
        for _ in range(n - 1):
            threading.Thread(target=park, daemon=True).start()
        print("ready %d" % os.getpid(), flush=True)
        spin()
    children = []
    for i in range(n):
        pid = os.fork()
        if pid == 0:
            # A worker dies with its parent (Linux: PR_SET_PDEATHSIG through ctypes).
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)
            spin() if i == 0 else park()
        children.append(pid)
    print("ready %d" % os.getpid(), flush=True)
    park()


if __name__ == "__main__":
    main()
