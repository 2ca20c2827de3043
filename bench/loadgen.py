"""A small, bounded HTTP load generator for loopback servers (asyncio + httpx).

It sends at most ``requests`` requests with ``concurrency`` in flight, and stops by itself at
``deadline`` seconds whatever happens. Only loopback URLs are accepted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def _loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load is only ever sent to loopback, not to {host}")


async def _load(urls: list[tuple[str, dict[str, str]]], requests: int, concurrency: int,
                deadline: float) -> Load:
    for url, _ in urls:
        _loopback(url)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    start = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.perf_counter() - start > deadline:
                    return
                url, headers = urls[i % len(urls)]
                t = time.perf_counter()
                try:
                    r = await client.get(url, headers=headers)
                    await r.aread()
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Load(len(latencies), errors, time.perf_counter() - start, latencies)


def load(urls: list[tuple[str, dict[str, str]]], requests: int = 1000, concurrency: int = 8,
         deadline: float = 30.0) -> Load:
    """Send ``requests`` GETs over ``urls`` (round robin) with ``concurrency`` in flight."""
    return asyncio.run(_load(urls, requests, concurrency, deadline))


def wait_up(url: str, seconds: float = 30.0) -> bool:
    """Poll ``url`` until it answers 200, for at most ``seconds``."""
    _loopback(url)
    end = time.time() + seconds
    while time.time() < end:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False
