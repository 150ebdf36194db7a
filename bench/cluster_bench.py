"""Four `tthc-bot serve` workers on one PostgreSQL: webhook load, redeliveries, a booking storm.

Real processes on loopback: a throwaway PostgreSQL (tests/pg.py), a fake Telegram Bot API
(child process), N workers started as `python -m bot.cli serve --config FILE` in webhook mode.
The load generator plays `--chats` citizens; each sends `--messages` texts one after another
(waiting for the 200), spread round-robin over the workers as nginx would, and a share of the
updates (`--redeliver`) is delivered a second time to another worker with the same update_id.
Every text used produces exactly one reply, so lost and duplicated replies are counted per chat.
Then `--storm-processes` processes book one slot of `--capacity` places through the booking store.

    python bench/cluster_bench.py [--workers 4] [--chats 300] [--messages 3] [--unthrottled]

By default workers keep production send limits (30 messages/s per worker, 1/s per chat after a
burst of 3), so end-to-end throughput is the limiter's; `--unthrottled` lifts them (same code
path, `serve` built with an unthrottled Telegram channel) to measure the workers themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing as mp
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from cluster_support import (  # noqa: E402
    Worker,
    free_ports,
    post_update,
    start_worker,
    wait_healthy,
    write_config,
)
from pg import PostgresServer, missing_binaries  # noqa: E402

SECRET = "bench-secret-0123456789"
TOKEN = "123456:BENCH"
TEXTS = ("trợ giúp", "gặp cán bộ", "bắt đầu lại")  # one reply each, whatever the state
FIRST_CHAT = 10_000


# ---- child process: the fake Bot API -------------------------------------------------
def _fake_api(port_out: Any, stop: Any) -> None:
    """Child process: the fake Bot API (tests/fake_telegram.py) with a /stats endpoint."""
    from fake_telegram import serve_in_child

    serve_in_child(TOKEN, port_out, stop)


# ---- a worker without send limits (--unthrottled) ---------------------------------
def _serve_unthrottled(config: str) -> int:
    """`tthc-bot serve` exactly, except for the Telegram channel's rate limits."""
    from telegram.ext import AIORateLimiter

    from bot.app import build
    from bot.channels.base import Services
    from bot.channels.telegram import TelegramChannel
    from bot.config import Config, load_config
    from bot.web.logs import setup_logging
    from bot.web.server import Server, run

    def unthrottled(c: Config, services: Services) -> TelegramChannel:
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
        return TelegramChannel(c, services, rate_limiter=limiter, per_chat_rate=0)

    cfg = load_config(config)
    setup_logging(str(cfg["log.level"]))
    app = build(cfg)
    server = Server(
        cfg,
        app.store,
        app.features,
        outbox=app.outbox(),
        makers={"telegram": unthrottled},
    )
    return asyncio.run(run(server))


# ---- the cluster -----------------------------------------------------------------------
@dataclass
class Cluster:
    pg: PostgresServer
    api_port: int
    stop_api: Any
    api: Any
    workers: list[Worker] = field(default_factory=list)


def _worker_config(tmp: Path, url: str, api_port: int) -> Path:
    return write_config(
        tmp / "config.yaml",
        {
            "data_dir": str(tmp / "data"),
            "database.url": url,
            "web.host": "127.0.0.1",
            "telegram.token": TOKEN,
            "telegram.base_url": f"http://127.0.0.1:{api_port}/bot",
            "telegram.mode": "webhook",
            "telegram.webhook.secret_token": SECRET,
            "log.level": "WARNING",
        },
    )


async def start_cluster(args: argparse.Namespace, tmp: Path) -> Cluster:
    """PostgreSQL, the fake API, then the workers (in parallel), all healthy."""
    ctx = mp.get_context("spawn")
    port_q, stop = ctx.Queue(), ctx.Event()
    cluster = Cluster(PostgresServer(), 0, stop, ctx.Process(target=_fake_api, args=(port_q, stop)))
    try:
        cluster.pg.start()
        cluster.api.start()
        cluster.api_port = port_q.get(timeout=60)
        config = _worker_config(tmp, cluster.pg.create_database("cluster"), cluster.api_port)
        argv = [sys.executable, __file__, "--serve-unthrottled", str(config)]
        for n, port in enumerate(free_ports(args.workers)):
            log = tmp / f"worker-{n}.log"
            cluster.workers.append(
                start_worker(config, port, log, argv if args.unthrottled else None)
            )
        await wait_healthy(cluster.workers, timeout=args.timeout)
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def stop_cluster(cluster: Cluster) -> list[int]:
    """SIGTERM each worker by its PID and wait; then the fake API and PostgreSQL."""
    codes = [w.stop() for w in cluster.workers]
    cluster.stop_api.set()
    if cluster.api.pid is not None:
        cluster.api.join(timeout=10)
    cluster.pg.stop()
    return codes


# ---- load ----------------------------------------------------------------------------
@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    redelivered: int = 0
    elapsed: float = 0.0


def _update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat, "type": "private", "first_name": "B"},
            "from": {"id": chat, "is_bot": False, "first_name": "B"},
        },
    }


async def _citizen(
    http: Any, n: int, workers: list[Worker], turn: Any, load: Load, args: argparse.Namespace
) -> None:
    rng = random.Random(n)
    deadline = time.monotonic() + args.timeout
    for i in range(args.messages):
        if time.monotonic() > deadline:
            return
        update = _update(n * args.messages + i + 1, FIRST_CHAT + n, TEXTS[(n + i) % len(TEXTS)])
        first = next(turn) % len(workers)
        targets = [first]
        if rng.random() < args.redeliver:  # Telegram retrying, on another worker if any
            targets.append(
                (first + rng.randrange(1, len(workers))) % len(workers)
                if len(workers) > 1
                else first
            )
            load.redelivered += 1
        for w in targets:
            started = time.perf_counter()
            status = await post_update(http, workers[w], update, SECRET)
            load.latencies.append(time.perf_counter() - started)
            load.statuses[status] += 1


async def run_load(workers: list[Worker], args: argparse.Namespace) -> Load:
    """Every citizen at once; at most `--concurrency` requests in flight."""
    import aiohttp

    load = Load()
    turn = itertools.count()
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        await asyncio.gather(
            *(_citizen(http, n, workers, turn, load, args) for n in range(args.chats))
        )
        load.elapsed = time.perf_counter() - started
    return load


async def _get(url: str) -> Any:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return await (resp.json() if resp.content_type == "application/json" else resp.text())


async def wait_replies(
    api_port: int, expected: int, timeout: float
) -> tuple[float, dict[str, int]]:
    """Seconds until the fake API received `expected` messages, then per-chat counts."""
    started = time.perf_counter()
    stats = await _get(f"http://127.0.0.1:{api_port}/stats")
    while stats["sent"] < expected and time.perf_counter() - started < timeout:
        await asyncio.sleep(0.05)
        stats = await _get(f"http://127.0.0.1:{api_port}/stats")
    waited = time.perf_counter() - started
    await asyncio.sleep(1.0)  # late duplicates would show up now
    stats = await _get(f"http://127.0.0.1:{api_port}/stats")
    return waited, dict(stats["per_chat"])


async def counter_total(workers: list[Worker], name: str) -> float:
    """A counter summed over every worker's /metrics."""
    total = 0.0
    for worker in workers:
        for line in str(await _get(f"{worker.url}/metrics")).splitlines():
            if line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


def open_connections(pg: PostgresServer, database: str) -> int:
    """Connections to `database` right now (the workers' pools keep theirs open)."""
    import psycopg

    with psycopg.connect(pg.dsn("postgres")) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchone()
    return int(row[0]) if row else 0


# ---- the booking storm -----------------------------------------------------------------
def booking_storm(pg: PostgresServer, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """bench/booking_bench.py's storm scenario (one slot) on this PostgreSQL, plus the invariant."""
    import psycopg
    from booking_bench import OFFICE
    from booking_bench import run as run_scenario

    from bot.storage.db import migrate

    folder = tmp / "offices"
    folder.mkdir()
    office = OFFICE.replace("capacity: 10", f"capacity: {args.capacity}")  # the storm session
    (folder / "bench.yaml").write_text(office, encoding="utf-8")
    url = pg.create_database("storm")
    migrate(url)
    result = run_scenario(url, folder, "storm", args.storm_processes, args.storm_attempts)
    with psycopg.connect(pg.dsn("storm")) as conn:
        taken, rows = conn.execute(
            "SELECT s.taken, (SELECT count(*) FROM booking b WHERE b.slot_id = s.id"
            " AND b.status = 'confirmed') FROM booking_slot s WHERE s.session_id = 'storm'"
        ).fetchone() or (0, 0)
    return {**result, "taken": taken, "rows": rows}


# ---- the report ------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def lost_and_duplicated(args: argparse.Namespace, per_chat: dict[str, int]) -> tuple[int, int]:
    """Replies missing and replies too many, counted chat by chat."""
    got = [per_chat.get(str(FIRST_CHAT + n), 0) for n in range(args.chats)]
    return sum(max(0, args.messages - g) for g in got), sum(max(0, g - args.messages) for g in got)


def report(
    args: argparse.Namespace, load: Load, e2e: float, per_chat: dict[str, int], dups: float
) -> list[tuple[str, str]]:
    expected = args.chats * args.messages
    lost, duplicated = lost_and_duplicated(args, per_chat)
    acked = load.statuses.get(200, 0)
    lat = load.latencies
    return [
        ("updates posted (incl. redeliveries)", f"{len(lat)} ({load.redelivered} redelivered)"),
        ("HTTP statuses", ", ".join(f"{k}: {v}" for k, v in sorted(load.statuses.items()))),
        ("acknowledged / s", f"{acked / load.elapsed:,.0f}"),
        ("ack latency p50 / p99 (ms)", f"{_pct(lat, 0.5):.1f} / {_pct(lat, 0.99):.1f}"),
        ("redeliveries dropped by the inbox", f"{dups:.0f}"),
        ("replies expected / received", f"{expected} / {sum(per_chat.values())}"),
        ("handled end-to-end / s", f"{expected / e2e:,.0f}  ({e2e:.2f} s to the last reply)"),
        ("lost replies", f"{lost}"),
        ("duplicated replies", f"{duplicated}"),
    ]


def print_rows(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n" + "-" * (width + 36))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


@dataclass
class Results:
    load: Load
    e2e: float
    per_chat: dict[str, int]
    dropped: float
    connections: int
    storm: dict[str, Any]
    exit_codes: list[int]


async def bench(args: argparse.Namespace, tmp: Path) -> Results:
    """Cluster load, then the booking storm on the same PostgreSQL; everything stopped after."""
    cluster = await start_cluster(args, tmp)
    try:
        load = await run_load(cluster.workers, args)
        expected = args.chats * args.messages
        waited, per_chat = await wait_replies(cluster.api_port, expected, args.timeout)
        dropped = await counter_total(cluster.workers, "tthc_duplicates_total")
        connections = open_connections(cluster.pg, "cluster")
        storm = booking_storm(cluster.pg, tmp, args)
    finally:
        codes = stop_cluster(cluster)
    return Results(load, load.elapsed + waited, per_chat, dropped, connections, storm, codes)


def print_report(args: argparse.Namespace, r: Results) -> bool:
    """Both tables; True when nothing was lost, duplicated or overbooked."""
    limits = "unthrottled" if args.unthrottled else "production send limits"
    print_rows(
        f"Telegram webhook, {args.workers} workers ({limits}), PostgreSQL, {args.chats} chats × "
        f"{args.messages} messages, {args.concurrency} connections",
        report(args, r.load, r.e2e, r.per_chat, r.dropped)
        + [
            ("PostgreSQL connections held by the workers", f"{r.connections}"),
            ("worker exit codes (SIGTERM)", " ".join(map(str, r.exit_codes))),
        ],
    )
    storm = r.storm
    print_rows(
        f"Booking storm: {args.storm_processes} processes × {args.storm_attempts} attempts, "
        f"one slot of {args.capacity}",
        [
            ("confirmed / capacity", f"{storm['booked']} / {args.capacity}"),
            ("slot.taken / confirmed rows", f"{storm['taken']} / {storm['rows']}"),
            ("attempts / s", f"{storm['per_s']:,.0f}"),
            ("attempt latency p50 / p99 (ms)", f"{storm['p50']:.1f} / {storm['p99']:.1f}"),
        ],
    )
    return (
        lost_and_duplicated(args, r.per_chat) == (0, 0)
        and r.dropped == r.load.redelivered
        and storm["booked"] == storm["taken"] == storm["rows"] == args.capacity
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--messages", type=int, default=3, help="per chat, sent in order")
    parser.add_argument("--redeliver", type=float, default=0.1, help="share sent twice")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on each phase (s)")
    parser.add_argument("--unthrottled", action="store_true", help="lift Telegram send limits")
    parser.add_argument("--storm-processes", type=int, default=4)
    parser.add_argument("--storm-attempts", type=int, default=100, help="per process")
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--serve-unthrottled", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_unthrottled:
        return _serve_unthrottled(args.serve_unthrottled)
    if missing_binaries():
        print(missing_binaries(), file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="tthc-cluster-"))
    ok = print_report(args, asyncio.run(bench(args, tmp)))
    print(f"\nzero lost, zero duplicated, capacity held: {'YES' if ok else 'NO'} (logs in {tmp})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
