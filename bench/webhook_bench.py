"""Telegram webhook throughput of one worker on loopback: updates/s, latency percentiles, no loss.

The worker (this process) runs the real `serve` server in webhook mode with the bundled content
on SQLite. A fake Bot API server and an aiohttp load generator run in two child processes, so the
worker's CPU is its own. Every update is a private-chat text from one of `--chats` citizens.

    python bench/webhook_bench.py [--count 3000] [--concurrency 64] [--chats 300]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

SECRET = "bench-secret-0123456789"
TOKEN = "123456:BENCH"
TEXTS = (
    "làm giấy khai sinh cho con",
    "trợ giúp",
    "đăng ký tạm trú cho người thuê trọ",
    "gặp cán bộ",
    "làm căn cước cho con 14 tuổi",
    "bắt đầu lại",
)


# ---- child process: the fake Bot API -------------------------------------------------
def _fake_api(port_out: Any, stop: Any) -> None:
    """Child process: the fake Bot API (tests/fake_telegram.py) with a /stats endpoint."""
    from fake_telegram import serve_in_child

    serve_in_child(TOKEN, port_out, stop)


# ---- child process: the load generator ----------------------------------------------
def _load(url: str, count: int, chats: int, concurrency: int, timeout: float, out: Any) -> None:
    import aiohttp

    async def main() -> None:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(1, count + 1):
            queue.put_nowait(n)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        deadline = time.monotonic() + timeout

        async def worker(http: aiohttp.ClientSession) -> None:
            while not queue.empty() and time.monotonic() < deadline:
                n = queue.get_nowait()
                chat = 10_000 + n % chats
                update = {
                    "update_id": n,
                    "message": {
                        "message_id": n,
                        "date": int(time.time()),
                        "text": TEXTS[n % len(TEXTS)],
                        "chat": {"id": chat, "type": "private", "first_name": "B"},
                        "from": {"id": chat, "is_bot": False, "first_name": "B"},
                    },
                }
                started = time.perf_counter()
                async with http.post(url, json=update, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                latencies.append(time.perf_counter() - started)

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.perf_counter()
            await asyncio.gather(*(worker(http) for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        out.put({"latencies": latencies, "statuses": statuses, "elapsed": elapsed})

    asyncio.run(main())


# ---- the worker ------------------------------------------------------------------------
async def _drain(server: Any, count: int, timeout: float) -> float:
    """Seconds until the engine handled `count` messages and the queue is empty."""
    metrics = server.runtime.services.metrics
    channel = server.runtime.channels["telegram"]
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if (
            metrics.value("tthc_messages_total", channel="telegram") >= count
            and channel.queue.pending == 0
        ):
            break
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


async def _stats(port: int) -> dict[str, int]:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/stats") as resp:
        return dict(await resp.json())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def run(args: argparse.Namespace) -> int:
    """Start everything, fire the load, wait for the backlog, print the table."""
    from telegram.ext import AIORateLimiter

    from bot.app import build
    from bot.channels.base import Services
    from bot.channels.telegram import TelegramChannel
    from bot.config import Config, load_config
    from bot.web.logs import setup_logging
    from bot.web.server import Server

    setup_logging("WARNING")
    ctx = mp.get_context("spawn")
    port_q, stop, result_q = ctx.Queue(), ctx.Event(), ctx.Queue()
    fake = ctx.Process(target=_fake_api, args=(port_q, stop), daemon=True)
    fake.start()
    api_port = port_q.get(timeout=60)
    tmp = Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    cfg = load_config(args.config).with_overrides(
        **{
            "database.url": args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
            "web.host": "127.0.0.1",
            "web.port": 0,
            "telegram.token": TOKEN,
            "telegram.base_url": f"http://127.0.0.1:{api_port}/bot",
            "telegram.mode": "webhook",
            "telegram.webhook.secret_token": SECRET,
            "telegram.webhook.url": "",
        }
    )

    def unthrottled(c: Config, services: Services) -> TelegramChannel:
        # Telegram's own flood limits would cap replies at 30/s; the bench measures the worker.
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
        return TelegramChannel(c, services, rate_limiter=limiter, per_chat_rate=0)

    app = build(cfg)
    server = Server(cfg, app.store, app.features, makers={"telegram": unthrottled})
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.port}{cfg['telegram.webhook.path']}"
        load = ctx.Process(
            target=_load,
            args=(url, args.count, args.chats, args.concurrency, args.timeout, result_q),
            daemon=True,
        )
        load.start()
        result = await asyncio.to_thread(result_q.get, True, args.timeout + 60)
        drain = await _drain(server, args.count, args.timeout)
        handled = server.runtime.services.metrics.value("tthc_messages_total", channel="telegram")
        if args.verbose:
            print(server.runtime.services.metrics.render())
        await asyncio.sleep(0.5)
        stats = await _stats(api_port)
    finally:
        await server.stop()
        stop.set()
    lat, elapsed = result["latencies"], result["elapsed"]
    accepted = result["statuses"].get(200, 0)
    total = elapsed + drain
    rows = [
        ("updates sent", f"{len(lat)}"),
        ("HTTP 200 (acknowledged)", f"{accepted}"),
        ("other statuses", f"{ {k: v for k, v in result['statuses'].items() if k != 200} or '-' }"),
        ("acknowledged / s", f"{accepted / elapsed:,.0f}"),
        (
            "ack latency p50 / p99 / max (ms)",
            f"{_pct(lat, 0.5):.1f} / {_pct(lat, 0.99):.1f} / {max(lat) * 1000 if lat else 0:.1f}",
        ),
        ("ack latency mean (ms)", f"{statistics.fmean(lat) * 1000:.1f}" if lat else "-"),
        ("handled by the engine", f"{handled:.0f}"),
        ("handled end-to-end / s", f"{handled / total:,.0f}  ({total:.2f} s incl. backlog)"),
        ("replies sent to the Bot API", f"{stats['sent']} to {stats['chats']} chats"),
        ("lost updates", f"{args.count - handled:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(
        f"\nTelegram webhook, 1 worker, {args.concurrency} connections, {args.chats} chats, "
        f"{cfg.database_url.split(':')[0]}"
    )
    print("-" * (width + 40))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    lost = args.count - handled
    ok = lost == 0 and accepted == args.count and accepted / elapsed >= args.target
    print("-" * (width + 40))
    print(
        f"target ≥ {args.target:,} updates/s acknowledged, none lost: {'MET' if ok else 'NOT MET'}"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on each phase (s)")
    parser.add_argument("--target", type=int, default=1000)
    parser.add_argument("--config", help="configuration file (content folders, database)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--verbose", action="store_true", help="print the worker's metrics")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
