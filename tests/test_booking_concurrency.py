"""Several processes at once: never more bookings than places, each reminder claimed once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue
import threading
from collections import Counter
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from booking_helpers import MONDAY, NOW, service, slot_at, write_office
from sqlalchemy import func, select

from bot.booking.models import BookingRow, NoticeRow, SlotRow
from bot.booking.reminders import Outbox
from bot.booking.store import Citizen
from bot.core.messages import Reply

PROCESSES = 4
THREADS = 5
ATTEMPTS_PER_THREAD = 11  # 4 × 5 × 11 = 220 attempts
CAPACITY = 10


def book_storm(url: str, folder: str, worker: int, barrier: Barrier, results: Any) -> None:
    """Child process: after the barrier, threads try to book distinct citizens into one slot."""
    svc = service(url, Path(folder), max_active=5, write=False)
    slot = slot_at(svc, MONDAY, "08:00")
    svc.store.slot_id(slot)
    out: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def attempts(thread: int) -> None:
        for n in range(ATTEMPTS_PER_THREAD):
            user = f"w{worker}-t{thread}-{n}"
            result = svc.store.book(Citizen("telegram", user), "khai-sinh", slot)
            with lock:
                out.append((user, result.status, result.booking.code if result.booking else ""))

    barrier.wait(timeout=120)
    threads = [threading.Thread(target=attempts, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    svc.db.dispose()
    results.put(out)


def run_processes(target: Any, args: tuple[Any, ...]) -> list[Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args, n, barrier, results)) for n in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    collected = []
    while len(collected) < PROCESSES:
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            assert all(p.exitcode in (None, 0) for p in procs), "a worker process failed"
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    return [item for chunk in collected for item in chunk]


def test_220_concurrent_attempts_on_a_slot_of_10(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "offices"
    write_office(folder, capacity=CAPACITY)
    attempts = run_processes(book_storm, (db_url, str(folder)))
    statuses = Counter(status for _, status, _ in attempts)
    assert (len(attempts), statuses) == (220, Counter({"full": 210, "booked": 10}))
    booked = {(user, code) for user, status, code in attempts if status == "booked"}
    svc = service(db_url, folder, write=False)
    with svc.db.begin() as conn:
        rows = set(conn.execute(select(BookingRow.user_id, BookingRow.code)).all())
        taken = conn.execute(select(SlotRow.taken)).scalars().all()
    svc.db.dispose()
    assert (rows, len({code for _, code in rows}), taken) == (booked, 10, [10])


def claim_loop(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    """Child process: claim due reminders until none are left; report what this worker claimed."""
    from bot.storage.db import make_engine

    engine = make_engine(url)
    outbox = Outbox(engine, lambda kind, params: (Reply(f"{kind} {params['code']}"),))
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    claimed: list[int] = []
    barrier.wait(timeout=120)
    while batch := outbox.claim(now, limit=3):
        claimed += [c.id for c in batch]
        outbox.mark_sent(batch, now)
    engine.dispose()
    results.put(claimed)


def test_each_reminder_is_claimed_by_exactly_one_of_four_processes(
    db_url: str, tmp_path: Path
) -> None:
    svc = service(db_url, tmp_path / "offices", capacity=CAPACITY, max_active=5)
    for n, hhmm in enumerate(["08:00", "08:30", "09:00", "09:30"] * 10):
        assert (
            svc.store.book(Citizen("zalo", str(n)), "khai-sinh", slot_at(svc, MONDAY, hhmm)).status
            == "booked"
        )
    with svc.db.begin() as conn:
        ids = set(conn.execute(select(NoticeRow.id)).scalars())
    assert len(ids) == 80 and svc.clock() == NOW
    claimed = run_processes(claim_loop, (db_url,))
    with svc.db.begin() as conn:
        unsent = conn.execute(select(func.count()).where(NoticeRow.sent_at.is_(None))).scalar()
    svc.db.dispose()
    assert (len(claimed), set(claimed), unsent) == (80, ids, 0)
