"""The service of bench/watch-cost: a FastAPI app whose requests each do a
little work (parse, compute, serialize) and sometimes wait, as a web
service's do. With PYINSTRUMENT=1 it profiles every request in process
with pyinstrument, the way the middleware monitors do (a Profiler started
and stopped around each request, its report rendered for the slow ones).
"""

import asyncio
import json
import os
import time

from fastapi import FastAPI, Request

app = FastAPI()
SLOW = float(os.environ.get("SLOW_S", "0.5"))


def work(n):
    data = [{"id": i, "name": "item%d" % i, "score": (i * 7919) % 1000 / 10} for i in range(n)]
    data.sort(key=lambda d: d["score"])
    return json.dumps(data[:10])


@app.get("/items")
async def items():
    return {"top": work(200)}


@app.get("/users/{user_id}")
async def user(user_id: int):
    return {"id": user_id, "top": work(50)}


@app.get("/io")
async def io():
    await asyncio.sleep(0.002)
    return {"ok": True}


if os.environ.get("PYINSTRUMENT") == "1":
    from pyinstrument import Profiler

    @app.middleware("http")
    async def profile_request(request: Request, call_next):
        profiler = Profiler(interval=0.001, async_mode="enabled")
        profiler.start()
        start = time.perf_counter()
        response = await call_next(request)
        profiler.stop()
        if time.perf_counter() - start >= SLOW:
            profiler.output_html()
        return response
