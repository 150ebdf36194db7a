"""Reminders: when they fall due, claims with a lease, sent once, withdrawn with the booking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from booking_helpers import MONDAY, NOW, service, slot_at

from bot.booking.calendar import TZ
from bot.booking.reminders import LEASE, Outbox, schedule
from bot.booking.service import BookingService
from bot.booking.store import Citizen
from bot.core.messages import Outgoing, Reply

EVENING = dt.datetime(2026, 11, 22, 18, 0, tzinfo=TZ)
WHO = Citizen("zalo", "42")


def render(kind: str, params: Mapping[str, Any]) -> tuple[Reply, ...]:
    return (Reply(f"{kind} {params['code']}"),)


@pytest.fixture
def svc(db_url: str, tmp_path: Path) -> Iterator[BookingService]:
    svc = service(db_url, tmp_path / "offices")
    yield svc
    svc.db.dispose()


@pytest.fixture
def outbox(svc: BookingService) -> Outbox:
    return Outbox(svc.db, render)


def book(svc: BookingService, hhmm: str = "08:00") -> str:
    result = svc.store.book(WHO, "khai-sinh", slot_at(svc, MONDAY, hhmm))
    assert result.booking is not None
    return result.booking.code


def test_schedule_the_evening_before_and_an_hour_before() -> None:
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    assert schedule(start, NOW) == [
        ("remind_day", EVENING),
        ("remind_hour", start - dt.timedelta(hours=1)),
    ]


def test_no_reminder_that_would_already_be_late() -> None:
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    assert (
        schedule(start, EVENING + dt.timedelta(minutes=5)),
        schedule(start, start - dt.timedelta(minutes=50)),
    ) == ([("remind_hour", start - dt.timedelta(hours=1))], [])


def test_due_reminder_is_claimed_once(svc: BookingService, outbox: Outbox) -> None:
    code = book(svc)
    assert outbox.claim(EVENING - dt.timedelta(seconds=1)) == []
    [first] = outbox.claim(EVENING)
    assert (first.kind, first.outgoing) == (
        "remind_day",
        Outgoing("zalo", "42", (Reply(f"remind_day {code}"),)),
    )
    assert outbox.claim(EVENING + dt.timedelta(minutes=1)) == []


def test_a_claim_older_than_the_lease_without_sent_at_is_claimed_again(
    svc: BookingService, outbox: Outbox
) -> None:
    book(svc)
    [crashed] = outbox.claim(EVENING)  # the worker died before marking it sent
    assert outbox.claim(EVENING + LEASE - dt.timedelta(seconds=1)) == []
    [again] = outbox.claim(EVENING + LEASE + dt.timedelta(seconds=1))
    assert (again.id, again.token != crashed.token) == (crashed.id, True)
    assert outbox.mark_sent([again], EVENING + LEASE) == 1
    assert outbox.claim(EVENING + 3 * LEASE) == []


def test_sent_reminders_stay_sent_across_restarts(svc: BookingService, outbox: Outbox) -> None:
    book(svc)
    outbox.mark_sent(outbox.claim(EVENING), EVENING)
    restarted = Outbox(svc.db, render)
    assert restarted.claim(EVENING + dt.timedelta(hours=1)) == []


def test_cancelled_booking_sends_no_reminder(svc: BookingService, outbox: Outbox) -> None:
    code = book(svc)
    svc.store.cancel(WHO, code)
    assert outbox.claim(dt.datetime(2026, 11, 23, 7, 30, tzinfo=TZ)) == []


def test_send_due_marks_sent_only_after_delivery(svc: BookingService, outbox: Outbox) -> None:
    book(svc, "08:00")
    book(svc, "08:30")
    delivered: list[Outgoing] = []

    def flaky(out: Outgoing) -> None:
        if not delivered:
            delivered.append(out)
            return
        raise ConnectionError("channel down")

    with pytest.raises(ConnectionError):
        outbox.send_due(EVENING, flaky)
    assert (
        len(outbox.claim(EVENING)) == 1
    )  # the failed one was released at once, not after the lease


def test_service_outbox_source_hands_over_each_notice_once(svc: BookingService) -> None:
    book(svc)
    svc.outbox.render = render  # no engine here: plain words
    assert [o.replies[0].text.split()[0] for o in svc.due_reminders(EVENING)] == ["remind_day"]
    assert svc.due_reminders(EVENING) == []
