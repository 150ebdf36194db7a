"""Web chat under the issue-14 guards: turn latency with server-issued sessions, and /healthz
while slow clients hold connections.

The real `serve` server (SQLite, bundled content) runs in this process on loopback; clients
are emulated behind a trusted proxy (`X-Forwarded-For`) or from distinct source addresses
127.0.x.y. Prints p50/p99, throughput, RSS, and what the slow clients achieved.

    python bench/web_guard_bench.py [--sessions 200] [--turns 10] [--slow 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TEXTS = ("làm giấy khai sinh cho con", "trợ giúp", "đăng ký tạm trú", "gặp cán bộ", "bắt đầu lại")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def turns(port: int, sessions: int, per_session: int) -> None:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def citizen(n: int) -> None:
        jar = aiohttp.CookieJar(unsafe=True)
        via = {"X-Forwarded-For": f"10.{n // 250}.{n % 250}.1"}
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            for t in range(per_session):
                body = {"text": TEXTS[(n + t) % len(TEXTS)]}
                started = time.perf_counter()
                async with http.post(
                    f"http://127.0.0.1:{port}/api/chat", json=body, headers=via
                ) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.5)  # a person reads before answering (2/s per session)

    started = time.perf_counter()
    await asyncio.gather(*(citizen(n) for n in range(sessions)))
    wall = time.perf_counter() - started
    print(
        f"chat turns: {len(latencies)} from {sessions} sessions in {wall:.1f} s; "
        f"p50 {pct(latencies, 0.5):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms; statuses {statuses}"
    )


async def slow_clients(port: int, count: int, addresses: int, header_timeout: float) -> None:
    """`count` connections that send half a header line and then nothing, from `addresses`
    source addresses; /healthz is timed meanwhile, and the survivors counted after the timeout."""
    import aiohttp

    async def open_one(i: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        host = f"127.0.{1 + i % addresses // 250}.{2 + i % addresses % 250}"
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            await writer.drain()
            return reader, writer
        except OSError:
            return None

    pairs = [p for p in await asyncio.gather(*(open_one(i) for i in range(count))) if p]
    writers = [w for _, w in pairs]
    await asyncio.sleep(0.2)
    health: list[float] = []
    failures = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        deadline = time.monotonic() + header_timeout
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    await resp.read()
                    failures += resp.status != 200
            except (aiohttp.ClientError, TimeoutError):
                failures += 1
            health.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)
    alive = 0
    for reader, _ in pairs:
        try:
            async with asyncio.timeout(0.01):
                alive += bool(await reader.read(1024)) or not reader.at_eof()
        except TimeoutError:
            alive += 1  # nothing came and the server has not closed it
        except (ConnectionError, OSError):
            pass
    for w in writers:
        w.close()
    print(
        f"slow headers: {count} tried from {addresses} addresses, {len(writers)} opened; "
        f"/healthz during the attack p50 {pct(health, 0.5):.1f} ms, p99 {pct(health, 0.99):.1f} ms, "
        f"{failures} failures of {len(health)}; still open {header_timeout + 1.5:.1f} s later: {alive}"
    )


async def one_greedy_address(port: int, count: int, cap_of: object) -> None:
    writers = []
    for _ in range(count):
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.9.9", 0))
            writers.append(w)
        except OSError:
            break
    await asyncio.sleep(0.3)
    refused = getattr(cap_of, "refused", "?")
    print(
        f"one address opening {count} connections: {len(writers)} connects, {refused} refused by the cap"
    )
    for w in writers:
        w.close()


def session_costs(url: str) -> None:
    """What a server-issued session adds to a turn: one indexed read (one write to issue)."""
    from bot.storage.db import make_engine, migrate
    from bot.storage.security import SqlSessions

    migrate(url)
    sessions = SqlSessions(make_engine(url))
    issue, lookup = [], []
    tokens = []
    for _ in range(2000):
        started = time.perf_counter()
        tokens.append(sessions.issue()[0])
        issue.append(time.perf_counter() - started)
    for token in tokens:
        started = time.perf_counter()
        sessions.lookup(token)
        lookup.append(time.perf_counter() - started)
    print(
        f"session on SQLite: issue p50 {pct(issue, 0.5):.2f} ms p99 {pct(issue, 0.99):.2f} ms; "
        f"lookup p50 {pct(lookup, 0.5):.2f} ms p99 {pct(lookup, 0.99):.2f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    from channel_support import bot_config, running

    with tempfile.TemporaryDirectory() as tmp:
        session_costs(f"sqlite:///{tmp}/sessions.db")
        cfg = bot_config(
            Path(tmp),
            **{
                "web.trusted_proxies": ["127.0.0.1"],
                "web.header_timeout_seconds": args.header_timeout,
                "booking.max_per_client_day": 4,
            },
        )
        async with running(cfg) as server:
            await turns(server.port, args.sessions, args.turns)
            await slow_clients(server.port, args.slow, args.addresses, args.header_timeout)
            await one_greedy_address(server.port, 100, getattr(server, "connection_cap", None))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of the process (server + load generator): {rss:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=40)
    parser.add_argument("--header-timeout", type=float, default=5.0)
    asyncio.run(main(parser.parse_args()))
