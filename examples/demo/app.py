"""pytop demo service: a FastAPI app with three kinds of endpoint.

    /fast   returns at once
    /cpu    pure-Python CPU work (compute_primes, ~20-50 ms) run right in the
            event loop -- the classic hot spot a profiler should point at
    /slow   awaits asyncio.sleep(0.2): slow for the client, idle for the CPU

Serve it with Debian's Python 3.11 (python3-fastapi, python3-uvicorn):

    cd examples/demo && python3.11 -m uvicorn app:app --workers 2 --port 8000
"""

import asyncio

from fastapi import FastAPI

PRIME_LIMIT = 60000

app = FastAPI(title="pytop demo")


def is_prime(n):
    if n < 2:
        return False
    divisor = 2
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 1
    return True


def compute_primes(limit):
    return [n for n in range(limit) if is_prime(n)]


def digest(numbers):
    total = 0
    for n in numbers:
        total = (total * 31 + n) % 1000000007
    return total


@app.get("/fast")
async def fast():
    return {"ok": True}


@app.get("/cpu")
async def cpu():
    primes = compute_primes(PRIME_LIMIT)
    return {"primes": len(primes), "digest": digest(primes)}


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.2)
    return {"ok": True}
