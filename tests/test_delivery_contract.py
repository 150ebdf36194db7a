"""The channel delivery contract (bot/channels/base.py `Channel.deliver`), per channel, over real HTTP:
a platform that stays down makes `deliver` raise, so the outbox keeps the message for later;
a delivered message is acknowledged once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake_zalo import FakeZalo
from test_zalo import USER, quick, zalo_config

from bot.core.messages import Outgoing, Reply


@dataclass
class Item:
    outgoing: Outgoing


@dataclass
class Claims:
    """An outbox source like the booking service: claim, then done or failed."""

    items: list[Item]
    done_items: list[Item] = field(default_factory=list)
    failed_items: list[Item] = field(default_factory=list)

    def claim(self) -> list[Item]:
        return [i for i in self.items if i not in self.done_items]

    def done(self, items: list[Item]) -> None:
        self.done_items += items

    def failed(self, items: list[Item]) -> None:
        self.failed_items += items


@pytest.fixture
async def zalo(aiohttp_server: Any) -> tuple[FakeZalo, str]:
    api = FakeZalo()
    server = await aiohttp_server(api.app())
    return api, f"http://127.0.0.1:{server.port}"


async def test_zalo_down_four_times_is_not_marked_sent(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    from channel_support import running

    api, base = zalo
    api.fail_next = [500] * 4
    claims = Claims([Item(Outgoing("zalo", USER, (Reply("nhắc lịch"),)))])
    async with running(
        zalo_config(tmp_path, base), makers={"zalo": quick}, outbox=[claims]
    ) as server:
        assert await server.flush_outbox() == 0
        assert (claims.done_items, claims.failed_items) == (
            [],
            claims.items,
        )  # given back, not lost
        assert api.attempts == 4
        assert await server.flush_outbox() == 1  # Zalo is back: delivered and acknowledged
        assert claims.done_items == claims.items
        assert "nhắc lịch" in (await api.wait_texts(1, USER))[0]


async def test_a_booking_reminder_on_zalo_is_retried_then_delivered_once(
    tmp_path: Path, zalo: tuple[FakeZalo, str], db_url: str
) -> None:
    """The real booking outbox: Zalo down → the reminder is not marked sent; back → sent once."""
    import datetime as dt

    from booking_helpers import MONDAY, Clock, service, slot_at
    from channel_support import running
    from sqlalchemy import select

    from bot.booking.calendar import TZ
    from bot.booking.models import NoticeRow
    from bot.booking.store import Citizen

    clock = Clock(dt.datetime(2026, 11, 23, 6, 0, tzinfo=TZ))  # booked the same morning
    svc = service(db_url, tmp_path / "offices", clock=clock)
    api, base = zalo
    svc.store.book(Citizen("zalo", USER), "khai-sinh", slot_at(svc, MONDAY, "08:00"))
    clock.now = dt.datetime(2026, 11, 23, 7, 0, tzinfo=TZ)  # the hour reminder is due

    def sent() -> list[object]:
        with svc.db.begin() as conn:
            return [
                r
                for (r,) in conn.execute(
                    select(NoticeRow.sent_at).where(NoticeRow.kind == "remind_hour")
                )
            ]

    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}, outbox=[svc]) as server:
        svc.attach(lambda: server.runtime.engine.content)  # type: ignore[union-attr]
        api.fail_next = [500] * 4
        assert await server.flush_outbox() == 0
        assert sent() == [None] and api.attempts == 4  # given back, never marked sent
        assert await server.flush_outbox() == 1  # Zalo is back
        assert await server.flush_outbox() == 0  # and only once
        assert sent() != [None]
        assert "Còn khoảng 1 giờ nữa" in (await api.wait_texts(1, USER))[0]
    svc.db.dispose()
