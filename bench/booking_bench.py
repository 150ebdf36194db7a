"""Booking throughput and latency on SQLite and PostgreSQL, from several processes at once.

    python bench/booking_bench.py [--processes 4] [--per-process 250] [--backends sqlite,postgres]

Two scenarios per backend: "spread" (distinct citizens over many slots with room) and
"storm" (every attempt at one slot of 10 places: 10 booked, the rest told it is full).
PostgreSQL is a throwaway server started like the test suite's (tests/pg.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pg import PostgresServer, missing_binaries  # noqa: E402

from bot.booking.service import BookingService  # noqa: E402
from bot.booking.store import Citizen  # noqa: E402
from bot.storage.db import migrate  # noqa: E402

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
DAYS = [dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
OFFICE = """\
id: bench
sample: true
name: Bench office
address: Hà Nội
hours:
  t2: "08:00-17:00"
  t3: "08:00-17:00"
  t4: "08:00-17:00"
  t5: "08:00-17:00"
  t6: "08:00-17:00"
sessions:
  - id: spread
    name: Spread
    weekdays: [t2, t3, t4, t5, t6]
    start: "08:00"
    end: "16:00"
    slot_minutes: 15
    capacity: 40
    procedures: [khai-sinh]
  - id: storm
    name: Storm
    weekdays: [t2, t3, t4, t5, t6]
    start: "16:00"
    end: "16:30"
    slot_minutes: 30
    capacity: 10
    procedures: [khai-sinh]
"""


def worker(
    url: str, folder: str, scenario: str, n: int, count: int, barrier: Any, out: Any
) -> None:
    """Child process: `count` bookings by distinct citizens; (status, seconds) per attempt."""
    svc = BookingService(url, max_active=1000, clock=lambda: NOW)
    svc.load(Path(folder))
    office = svc.offices.get("bench")
    assert office is not None
    slots = [s for d in DAYS for s in svc.calendar.slots_on(office, d) if s.session_id == scenario]
    slots = slots if scenario == "spread" else slots[:1]
    for s in slots:
        svc.store.slot_id(s)
    results = []
    barrier.wait(timeout=300)
    for i in range(count):
        slot = slots[(n * count + i) % len(slots)]
        t0 = time.perf_counter()
        status = svc.store.book(Citizen("bench", f"{n}-{i}"), "khai-sinh", slot).status
        results.append((status, time.perf_counter() - t0))
    svc.db.dispose()
    out.put((time.perf_counter(), results))


def run(url: str, folder: Path, scenario: str, processes: int, count: int) -> dict[str, Any]:
    """One scenario on one database; wall time from the barrier to the last process done."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes + 1), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, str(folder), scenario, n, count, barrier, out))
        for n in range(processes)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    start = time.perf_counter()
    done = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    wall = max(end for end, _ in done) - start
    results = [r for _, rs in done for r in rs]
    latencies = sorted(s for _, s in results)
    booked = sum(1 for status, _ in results if status == "booked")
    return {
        "attempts": len(results),
        "booked": booked,
        "per_s": len(results) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
    }


TURNS = ("chứng thực bản sao", "đặt lịch", "viet hung", "{day} tuần sau", "{time}", "đồng ý")
DAYS_SAID = ("thứ 2", "thứ 4", "thứ 6")  # Việt Hưng's evening sessions: 3 days × 4 slots × 4 places
TIMES_SAID = ("17h30", "17h45", "18h00", "18h15")


def _said(n: int, text: str) -> str:
    return text.format(day=DAYS_SAID[n % 3], time=TIMES_SAID[(n // 3) % 4])


def turn_bench(citizens: int) -> None:
    """A booking turn through the whole app (engine, SQLite state and booking stores, texts):
    each citizen types the dialogue from the guide to the confirmation; p50/p99 per turn."""
    from bot.app import build
    from bot.config import load_config
    from bot.core.messages import Incoming

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'turns.db'}"
        engine = build(load_config(None, env={}).with_overrides(database__url=url)).engine()
        times: list[float] = []
        cold = time.perf_counter()
        for text in TURNS:  # one citizen first: loads the holiday tables and warms the caches
            engine.handle(Incoming("telegram", "warm-up", _said(47, text)))
        print(
            f"first citizen (cold start of the booking caches): {time.perf_counter() - cold:.2f} s"
        )
        for n in range(citizens):
            for i, text in enumerate(TURNS):
                start = time.perf_counter()
                engine.handle(Incoming("telegram", f"bench-{n}", _said(n, text)))
                if i:  # the guide's own first turn is the matcher's bench
                    times.append((time.perf_counter() - start) * 1000)
        q = statistics.quantiles(times, n=100)
        print(
            f"booking turn (SQLite, {citizens} citizens × {len(TURNS) - 1} typed turns): "
            f"p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {max(times):.1f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--turns", type=int, default=0, help="only the dialogue-turn bench, N citizens"
    )
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-process", type=int, default=250)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if args.turns:
        turn_bench(args.turns)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="booking-bench-"))
    folder = tmp / "offices"
    folder.mkdir()
    (folder / "bench.yaml").write_text(OFFICE, encoding="utf-8")
    server: PostgresServer | None = None
    rows = []
    try:
        for backend in args.backends.split(","):
            for scenario in ("spread", "storm"):
                if backend == "sqlite":
                    url = f"sqlite:///{tmp / f'{scenario}.sqlite3'}"
                else:
                    if missing_binaries():
                        print(f"skipping PostgreSQL: {missing_binaries()}", file=sys.stderr)
                        break
                    if server is None:
                        server = PostgresServer()
                        server.start()
                    url = server.create_database(f"bench_{scenario}")
                migrate(url)
                rows.append(
                    (
                        backend,
                        scenario,
                        run(url, folder, scenario, args.processes, args.per_process),
                    )
                )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{args.processes} processes × {args.per_process} attempts by distinct citizens; "
        "per s = attempts per second of wall time; p50/p99 latency of one attempt in ms"
    )
    print(
        f"{'backend':<10} {'scenario':<8} {'attempts':>8} {'booked':>7} {'per s':>8}"
        f" {'p50':>7} {'p99':>7}"
    )
    for backend, scenario, r in rows:
        print(
            f"{backend:<10} {scenario:<8} {r['attempts']:>8} {r['booked']:>7} {r['per_s']:>8.0f} "
            f"{r['p50']:>7.1f} {r['p99']:>7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
