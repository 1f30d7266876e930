"""Benchmark target: N asyncio tasks parked three coroutines deep.

    python3 tasks.py N

Each task awaits outer() -> middle() -> inner() -> asyncio.sleep(3600);
the main task awaits them all through one gather. Prints "ready PID N"
once every task has parked, then sleeps in the event loop: the cost of
reading the tasks is all a profiler pays.
"""

import asyncio
import os
import sys


async def inner():
    await asyncio.sleep(3600)


async def middle():
    await inner()


async def outer():
    await middle()


async def main(n):
    tasks = [asyncio.ensure_future(outer()) for _ in range(n)]
    await asyncio.sleep(0.2)
    print("ready %d %d" % (os.getpid(), n), flush=True)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
