"""Contract tests of SqlInbox, including several processes racing on the same keys."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier

from sqlalchemy import Engine

from bot.storage.db import make_engine
from bot.storage.inbox import SqlInbox

KEYS = [str(update_id) for update_id in range(1000, 1050)]
PROCESSES = 4


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_first_time_then_seen(engine: Engine) -> None:
    inbox = SqlInbox(engine)
    assert [inbox.first_time("telegram", "7"), inbox.first_time("telegram", "7")] == [True, False]


def test_keys_are_per_channel(engine: Engine) -> None:
    inbox = SqlInbox(engine)
    actual = [inbox.first_time("telegram", "7"), inbox.first_time("zalo", "7")]
    assert actual == [True, True]


def test_seen_by_another_engine(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        actual = [SqlInbox(engine).first_time("zalo", "msg-1") for engine in engines]
    finally:
        for engine in engines:
            engine.dispose()
    assert actual == [True, False]


def test_purge_older_than_forgets_old_keys(engine: Engine) -> None:
    clock = Clock()
    inbox = SqlInbox(engine, clock=clock)
    inbox.first_time("telegram", "old")
    clock.now += timedelta(hours=2)
    inbox.first_time("telegram", "new")
    clock.now += timedelta(minutes=30)
    purged = inbox.purge_older_than(3600)
    again = [inbox.first_time("telegram", "old"), inbox.first_time("telegram", "new")]
    assert (purged, again) == (1, [True, False])


def claim_keys(url: str, barrier: Barrier, results: multiprocessing.Queue) -> None:
    """Child process: try every key once and report the ones this process won."""
    engine = make_engine(url)
    inbox = SqlInbox(engine)
    barrier.wait(timeout=60)
    won = [key for key in KEYS if inbox.first_time("telegram", key)]
    engine.dispose()
    results.put(won)


def test_each_key_is_first_once_across_processes(db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=claim_keys, args=(db_url, barrier, results)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    won = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    assert sorted(key for keys in won for key in keys) == sorted(KEYS)


def test_keys_outlive_the_window_in_which_an_event_is_accepted(engine: Engine) -> None:
    """Zalo accepts events stamped up to 15 minutes ago: a shorter purge keeps their keys."""
    now = datetime.now(UTC)
    SqlInbox(engine, clock=lambda: now - timedelta(minutes=20)).first_time("zalo", "m-20")
    SqlInbox(engine, clock=lambda: now - timedelta(hours=2)).first_time("zalo", "m-120")
    assert (
        SqlInbox(engine).purge_older_than(60) == 1
    )  # asked for 1 minute: only the 2-hour key goes
    assert SqlInbox(engine).first_time("zalo", "m-20") is False
