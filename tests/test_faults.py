"""Faults a city deployment meets: a worker killed with SIGKILL (mid-conversation, mid-booking,
holding a reminder), PostgreSQL restarted under a running worker, Telegram down or hanging.

Real processes, a real PostgreSQL server; only the Telegram servers are fakes.
(Zalo answering 5xx then recovering is covered by tests/test_zalo.py.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import queue
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
from aiohttp import web
from booking_helpers import MONDAY, service, slot_at, write_office
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running
from cluster_support import (
    Worker,
    free_ports,
    post_update,
    start_worker,
    wait_healthy,
    write_config,
)
from fake_telegram import Call, FakeTelegram
from pg import SETTINGS, PostgresServer, missing_binaries
from sqlalchemy import func, select

from bot.booking.models import BookingRow, NoticeRow, SlotRow
from bot.booking.reminders import LEASE, Outbox
from bot.booking.store import Citizen
from bot.channels.base import Services
from bot.channels.telegram import TelegramChannel
from bot.config import Config
from bot.core.messages import Outgoing, Reply
from bot.storage.db import make_engine, migrate
from bot.web.server import Server

CHAT = 5151
SECRET = "fault-secret-0123456789"
CHECKLIST = "Xem giấy tờ cần chuẩn bị"
HELP = "Tôi giúp anh/chị biết thủ tục"
HUMAN = "gặp trực tiếp cán bộ"
SORRY = "hệ thống đang gặp trục trặc"


def keyboard(call: Call) -> dict[str, str]:
    """label -> callback_data of a message's inline keyboard."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def next_sent(api: FakeTelegram, after: int, timeout: float = 20) -> list[Call]:
    """The messages sent to CHAT after the first `after`, once at least one arrived."""
    return (await api.wait_sent(after + 1, CHAT, timeout=timeout))[after:]


async def next_card(api: FakeTelegram, after: int, timeout: float = 20) -> Call:
    """The first message with buttons sent to CHAT after the first `after` (a reply's last)."""
    deadline = time.monotonic() + timeout
    while not any(keyboard(c) for c in api.sent(CHAT)[after:]):
        assert time.monotonic() < deadline, [c.params.get("text") for c in api.sent(CHAT)]
        await asyncio.sleep(0.02)
    return next(c for c in api.sent(CHAT)[after:] if keyboard(c))


# ---- a. kill -9 a worker in the middle of a conversation ----------------------------
@pytest.fixture
async def fake(aiohttp_server: Any) -> tuple[FakeTelegram, str]:
    """The fake Bot API and the base URL to give python-telegram-bot."""
    api = FakeTelegram()
    server = await aiohttp_server(api.app())
    return api, f"http://127.0.0.1:{server.port}/bot"


def worker_config(tmp_path: Path, db_url: str, base_url: str, token: str) -> Path:
    """A config file for `serve` workers: shared database, webhook mode, the small catalogue."""
    cfg = bot_config(tmp_path, **{"database.url": db_url})
    names = ("data_dir", "database.url", "web.host", "catalog.dir", "flows.dir")
    return write_config(
        tmp_path / "config.yaml",
        {
            **{name: cfg[name] for name in names},
            "telegram.token": token,
            "telegram.base_url": base_url,
            "telegram.mode": "webhook",
            "telegram.webhook.secret_token": SECRET,
        },
    )


@pytest.fixture
async def two_workers(
    pg_server: PostgresServer, tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> AsyncIterator[list[Worker]]:
    """Two `python -m bot.cli serve` processes on one PostgreSQL database, both healthy."""
    api, base_url = fake
    db_url = pg_server.create_database(f"faults_{os.getpid()}_{time.monotonic_ns()}")
    migrate(db_url)  # once, before the workers start (they would wait on the migration lock)
    config = worker_config(tmp_path, db_url, base_url, api.token)
    workers = [
        start_worker(config, port, tmp_path / f"worker-{n}.log")
        for n, port in enumerate(free_ports(2))
    ]
    try:
        await wait_healthy(workers, timeout=60)
        yield workers
    finally:
        for worker in workers:
            worker.stop()


@pytest.mark.postgres
@pytest.mark.slow
async def test_kill_9_mid_conversation_the_next_message_continues_on_another_worker(
    fake: tuple[FakeTelegram, str], two_workers: list[Worker]
) -> None:
    api, _ = fake
    a, b = two_workers
    async with aiohttp.ClientSession() as http:
        assert await post_update(http, a, api.text_update(CHAT, GUIDE_TEXT), SECRET) == 200
        card = await next_card(api, 0)
        if PROCEDURE in keyboard(card):  # a choice of procedures first
            press = api.callback_update(CHAT, keyboard(card)[PROCEDURE])
            before = len(api.sent(CHAT))
            assert await post_update(http, a, press, SECRET) == 200
            card = await next_card(api, before)
        assert PROCEDURE in card.params["text"], a.output()
        assert CHECKLIST in keyboard(card)
        a.kill()
        before = len(api.sent(CHAT))
        press = api.callback_update(CHAT, keyboard(card)[CHECKLIST])
        assert await post_update(http, b, press, SECRET) == 200
        question = await next_card(api, before)
    assert "Câu hỏi" in question.params["text"], b.output()
    assert b.process.poll() is None


# ---- b. kill -9 while several processes book one slot -------------------------------
CAPACITY = 30
ATTEMPTS = 25  # per process; 3 processes want 75 places of 30


def book_one_by_one(url: str, folder: str, name: str, barrier: Barrier, results: Any) -> None:
    """Child process: book citizens name-0, name-1, … into one slot, reporting each result."""
    svc = service(url, Path(folder), write=False)
    slot = slot_at(svc, MONDAY, "08:00")
    svc.store.slot_id(slot)
    barrier.wait(timeout=60)
    for i in range(ATTEMPTS):
        result = svc.store.book(Citizen("telegram", f"{name}-{i}"), "khai-sinh", slot)
        code = result.booking.code if result.booking else ""
        results.put((name, f"{name}-{i}", result.status, code))
    results.put((name, "", "done", ""))
    svc.db.dispose()


def results_of(q: Any, *, until_done: bool) -> list[tuple[str, str, str, str]]:
    """What one process reported: until it said done, or (a killed one) until nothing is left."""
    out: list[tuple[str, str, str, str]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            item = q.get(timeout=0.5 if until_done else 0.2)
        except queue.Empty:
            if until_done:
                continue
            return out
        if item[2] == "done":
            return out
        out.append(item)
    raise AssertionError(f"no end after {len(out)} results")


def kill_after_some_bookings(victim: Any, q: Any) -> list[tuple[str, str, str, str]]:
    """SIGKILL the victim a random moment after its third result (it is mid-storm then);
    everything it reported. Each process has its own queue: a process killed while writing
    to a shared one could leave its lock held and block the others."""
    seen = [q.get(timeout=60) for _ in range(3)]
    time.sleep(random.uniform(0, 0.03))
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(timeout=10)
    return seen + results_of(q, until_done=False)


def slot_rows(url: str) -> tuple[int, int, list[str], Counter[str]]:
    """slot.taken, confirmed rows, their codes and citizens (for the one slot booked)."""
    db = make_engine(url)
    try:
        with db.begin() as conn:
            taken = conn.execute(select(SlotRow.taken)).scalar_one()
            rows = conn.execute(
                select(BookingRow.code, BookingRow.user_id).where(BookingRow.status == "confirmed")
            ).all()
    finally:
        db.dispose()
    return taken, len(rows), [r.code for r in rows], Counter(r.user_id for r in rows)


@pytest.mark.postgres
@pytest.mark.slow
def test_kill_9_during_a_booking_storm_keeps_the_slot_consistent(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    url = pg_server.create_database(f"storm_{os.getpid()}_{time.monotonic_ns()}")
    migrate(url)
    folder = tmp_path / "offices"
    write_office(folder, capacity=CAPACITY)
    ctx = multiprocessing.get_context("spawn")
    names = ["victim", "s1", "s2"]
    barrier, queues = ctx.Barrier(len(names)), [ctx.Queue() for _ in names]
    procs = [
        ctx.Process(target=book_one_by_one, args=(url, str(folder), n, barrier, q))
        for n, q in zip(names, queues, strict=True)
    ]
    for p in procs:
        p.start()
    attempts = kill_after_some_bookings(procs[0], queues[0])
    for p, q in zip(procs[1:], queues[1:], strict=True):
        attempts += results_of(q, until_done=True)
        p.join(timeout=30)
    assert procs[0].exitcode == -signal.SIGKILL
    assert [p.exitcode for p in procs[1:]] == [0, 0]

    taken, confirmed, codes, per_citizen = slot_rows(url)
    assert taken == confirmed <= CAPACITY
    assert len(set(codes)) == len(codes)
    reported = {user for _, user, status, _ in attempts if status == "booked"}
    assert reported <= set(per_citizen)  # every "booked" anyone was told is in the database

    # The killed process's citizens try again (the one in flight may or may not have a place).
    svc = service(url, folder, write=False)
    slot = slot_at(svc, MONDAY, "08:00")
    retries = [
        svc.store.book(Citizen("telegram", f"victim-{i}"), "khai-sinh", slot)
        for i in range(ATTEMPTS)
    ]
    svc.db.dispose()
    taken, confirmed, codes, per_citizen = slot_rows(url)
    assert taken == confirmed <= CAPACITY
    assert len(set(codes)) == len(codes)
    assert max(per_citizen.values()) == 1, "a retry booked a second place"
    # a retry for a place the crash had already taken is "held" (that booking, nothing new)
    assert {r.status for r in retries} <= {"booked", "held", "limit", "full"}


def test_confirming_the_same_slot_again_does_not_take_a_second_place(
    db_url: str, tmp_path: Path
) -> None:
    svc = service(db_url, tmp_path / "offices")  # the default limit of 2 active bookings
    slot = slot_at(svc, MONDAY, "08:00")
    who = Citizen("telegram", "retry")
    first = svc.store.book(who, "khai-sinh", slot)
    again = svc.store.book(who, "khai-sinh", slot)  # the citizen never saw the first reply
    assert first.booking is not None and again.booking is not None
    assert (len(svc.store.active(who)), again.booking.code) == (1, first.booking.code)


# ---- c. a reminder held by a worker that died ------------------------------------------
def render(kind: str, params: Any) -> tuple[Reply, ...]:
    return (Reply(f"{kind} {params['code']}"),)


def claim_and_hang(url: str, now: dt.datetime, claimed: Any) -> None:
    """Child process: claim what is due, report it, then hang until killed (bounded)."""
    outbox = Outbox(make_engine(url), render)
    claimed.put([c.id for c in outbox.claim(now)])
    time.sleep(60)


def first_due(url: str) -> dt.datetime:
    db = make_engine(url)
    try:
        with db.begin() as conn:
            return conn.execute(select(func.min(NoticeRow.due_at))).scalar_one()
    finally:
        db.dispose()


def send_round(url: str, now: dt.datetime, sent: list[Outgoing], gate: threading.Barrier) -> None:
    """One worker's outbox round at `now`: deliver (record) and mark each claimed notice."""
    outbox = Outbox(make_engine(url), render)
    gate.wait(timeout=30)
    outbox.send_due(now, sent.append)
    outbox.engine.dispose()


def test_a_reminder_held_by_a_killed_worker_is_sent_once_after_the_lease(
    db_url: str, tmp_path: Path
) -> None:
    svc = service(db_url, tmp_path / "offices")
    booked = svc.store.book(Citizen("telegram", "77"), "khai-sinh", slot_at(svc, MONDAY, "08:00"))
    assert booked.booking is not None
    due = first_due(db_url) + dt.timedelta(minutes=1)  # the evening-before reminder only
    ctx = multiprocessing.get_context("spawn")
    claimed = ctx.Queue()
    dying = ctx.Process(target=claim_and_hang, args=(db_url, due, claimed))
    dying.start()
    held = claimed.get(timeout=60)
    assert dying.pid is not None
    os.kill(dying.pid, signal.SIGKILL)
    dying.join(timeout=10)
    assert len(held) == 1

    assert Outbox(svc.db, render).claim(due + dt.timedelta(minutes=1)) == []  # lease still held
    after_lease = due + LEASE + dt.timedelta(seconds=1)
    sent: list[Outgoing] = []
    gate = threading.Barrier(2)
    rounds = [
        threading.Thread(target=send_round, args=(db_url, after_lease, sent, gate))
        for _ in range(2)
    ]
    for t in rounds:
        t.start()
    for t in rounds:
        t.join(timeout=30)
    assert [o.replies[0].text for o in sent] == [f"remind_day {booked.booking.code}"]
    assert Outbox(svc.db, render).claim(after_lease + LEASE * 3) == []  # sent: never again


# ---- d. PostgreSQL restarted under a running worker ------------------------------------
class RestartablePostgres(PostgresServer):
    """The test server, stopped hard and started again on the same data and port."""

    def durable_database(self, name: str) -> str:
        """A database whose commits survive a crash (the test server's default does not wait
        for the WAL: an immediate stop would lose the last commits, the schema included)."""
        url = self.create_database(name)
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
        return url

    def crash(self) -> None:
        """Every server process gone at once, as after a crash (no shutdown checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def start_again(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {SETTINGS}"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")


@pytest.fixture
def own_pg() -> Iterator[RestartablePostgres]:
    """A PostgreSQL server of this test alone (it is restarted)."""
    reason = missing_binaries()
    if reason and os.environ.get("CI"):
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)
    server = RestartablePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def quick(cfg: Config, services: Services) -> TelegramChannel:
    """The real channel with quick limits and a short backoff, for tests."""
    return TelegramChannel(cfg, services, per_chat_rate=50, per_chat_burst=50, send_backoff=0.02)


def webhook_config(tmp_path: Path, base_url: str, token: str, **settings: Any) -> Config:
    return bot_config(
        tmp_path,
        **{
            "telegram.token": token,
            "telegram.base_url": base_url,
            "telegram.mode": "webhook",
            "telegram.webhook.secret_token": SECRET,
            **settings,
        },
    )


async def say(server: Server, api: FakeTelegram, text: str) -> str:
    """Post a text update to the in-process worker; the reply's text."""
    before = len(api.sent(CHAT))
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{server.port}/telegram/webhook"
        update = api.text_update(CHAT, text)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, json=update, headers=headers) as resp:
            assert resp.status == 200
    return str((await next_sent(api, before))[0].params["text"])


async def health(server: Server) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}/healthz") as resp,
    ):
        return resp.status


@pytest.mark.postgres
@pytest.mark.slow
async def test_postgres_restart_the_worker_recovers_by_itself(
    own_pg: RestartablePostgres, tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, base_url = fake
    cfg = webhook_config(
        tmp_path, base_url, api.token, **{"database.url": own_pg.durable_database("restart")}
    )
    async with running(cfg, makers={"telegram": quick}) as server:
        assert HELP in await say(server, api, "trợ giúp")
        await asyncio.to_thread(own_pg.crash)
        await asyncio.to_thread(own_pg.start_again)
        assert HUMAN in await say(server, api, "gặp cán bộ")  # stale pooled connections replaced
        await asyncio.to_thread(own_pg.crash)
        assert await health(server) == 503
        assert SORRY in await say(server, api, "gặp cán bộ")  # a polite error, no crash
        await asyncio.to_thread(own_pg.start_again)
        assert HUMAN in await say(server, api, "gặp cán bộ")  # the very first message after
        assert await health(server) == 200


# ---- e. Telegram down, or hanging past the timeout -------------------------------------
class FlakyTelegram(FakeTelegram):
    """The fake Bot API, whose next `fail` sendMessage calls answer `fail_status` and next `hang`
    calls answer only after `hang_seconds` (past python-telegram-bot's 5 s read timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = 0
        self.fail_status = 500
        self.hang = 0
        self.hang_seconds = 5.5
        self.send_attempts = 0

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "sendMessage":
            return await super()._dispatch(request)
        self.send_attempts += 1
        if self.hang > 0:
            self.hang -= 1
            await asyncio.sleep(self.hang_seconds)
            return web.json_response({"ok": False, "error_code": 504}, status=504)
        if self.fail > 0:
            self.fail -= 1
            status = self.fail_status
            return web.json_response(
                {"ok": False, "error_code": status, "description": "trouble"}, status=status
            )
        return await super()._dispatch(request)


@pytest.fixture
async def flaky(aiohttp_server: Any) -> tuple[FlakyTelegram, str]:
    api = FlakyTelegram()
    server = await aiohttp_server(api.app())
    return api, f"http://127.0.0.1:{server.port}/bot"


@dataclass(frozen=True)
class Item:
    outgoing: Outgoing


class Claims:
    """An outbox source like the booking service: claim, then done or failed."""

    def __init__(self) -> None:
        self.items = [Item(Outgoing("telegram", str(CHAT), (Reply("nhắc lịch"),)))]
        self.done_items: list[object] = []
        self.failed_items: list[object] = []

    def claim(self) -> list[object]:
        return [i for i in self.items if i not in self.done_items]

    def done(self, items: list[object]) -> None:
        self.done_items += items

    def failed(self, items: list[object]) -> None:
        self.failed_items += items


async def test_telegram_500s_are_retried_with_backoff(
    tmp_path: Path, flaky: tuple[FlakyTelegram, str]
) -> None:
    api, base_url = flaky
    api.fail = 3
    async with running(
        webhook_config(tmp_path, base_url, api.token), makers={"telegram": quick}
    ) as server:
        assert HELP in await say(server, api, "trợ giúp")
        assert (api.send_attempts, len(api.sent(CHAT))) == (4, 1)
        metrics = server.runtime.services.metrics  # type: ignore[union-attr]
        assert metrics.value("tthc_errors_total", channel="telegram", stage="send") == 0


@pytest.mark.slow
async def test_a_hung_telegram_request_times_out_and_is_sent_again(
    tmp_path: Path, flaky: tuple[FlakyTelegram, str]
) -> None:
    api, base_url = flaky
    api.hang = 1
    async with running(
        webhook_config(tmp_path, base_url, api.token), makers={"telegram": quick}
    ) as server:
        assert HELP in await say(server, api, "trợ giúp")
        assert (api.send_attempts, len(api.sent(CHAT))) == (2, 1)


async def test_telegram_down_longer_than_the_retries_no_crash_reminder_kept(
    tmp_path: Path, flaky: tuple[FlakyTelegram, str]
) -> None:
    api, base_url = flaky
    api.fail = 1000
    claims = Claims()
    cfg = webhook_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": quick}, outbox=[claims]) as server:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{server.port}/telegram/webhook"
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            update = api.text_update(CHAT, "trợ giúp")
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 200
        channel = server.runtime.channels["telegram"]  # type: ignore[union-attr]
        assert isinstance(channel, TelegramChannel)
        assert await channel.queue.join(10)
        assert api.send_attempts == 4  # bounded: the reply was given up, the worker lives on
        assert await server.flush_outbox() == 0
        assert (claims.done_items, claims.failed_items) == ([], claims.items)  # given back
        api.fail = 0
        assert HUMAN in await say(server, api, "gặp cán bộ")
        assert await server.flush_outbox() == 1
        assert claims.done_items == claims.items


async def test_a_reminder_to_a_chat_that_blocked_the_bot_is_not_retried_forever(
    tmp_path: Path, flaky: tuple[FlakyTelegram, str]
) -> None:
    api, base_url = flaky
    api.fail, api.fail_status = 1, 403
    claims = Claims()
    cfg = webhook_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": quick}, outbox=[claims]) as server:
        await server.flush_outbox()
    assert (api.send_attempts, claims.done_items, claims.failed_items) == (1, claims.items, [])
