"""Booking storage contract, on SQLite and PostgreSQL: capacity, limits, cancel, move, admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import chain, repeat
from pathlib import Path

import pytest
from booking_helpers import MONDAY, Clock, service, slot_at
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.booking.models import BookingRow, NoticeRow, SlotRow
from bot.booking.service import BookingService
from bot.booking.store import CODE_ALPHABET, BookingStore, Citizen


@pytest.fixture
def svc(db_url: str, tmp_path: Path) -> Iterator[BookingService]:
    svc = service(db_url, tmp_path / "offices", capacity=3, max_active=2)
    yield svc
    svc.db.dispose()


def citizen(n: int) -> Citizen:
    return Citizen("telegram", str(n))


def notices(svc: BookingService) -> list[tuple[str, str, bool]]:
    query = select(NoticeRow.user_id, NoticeRow.kind, NoticeRow.cancelled_at.is_not(None)).order_by(
        NoticeRow.id
    )
    with svc.db.begin() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def test_a_slot_fills_up_then_says_full(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    statuses = [svc.store.book(citizen(n), "khai-sinh", slot).status for n in range(5)]
    assert statuses == ["booked", "booked", "booked", "full", "full"]
    assert svc.store.usage("thu-nghiem", slot.start, slot.end) == {("sang", slot.start): (3, False)}


def test_booking_is_read_back_in_vietnam_time(svc: BookingService) -> None:
    result = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:30"))
    assert result.booking is not None
    b = result.booking
    assert (
        b.office_id,
        b.session_id,
        b.procedure_id,
        f"{b.start:%Y-%m-%d %H:%M %z}",
        b.status,
    ) == ("thu-nghiem", "sang", "khai-sinh", "2026-11-23 08:30 +0700", "confirmed")
    assert svc.store.find(b.code.lower()) == b


def test_limit_of_active_bookings_per_citizen(svc: BookingService) -> None:
    first = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:00"))
    second = svc.store.book(citizen(1), "ket-hon", slot_at(svc, MONDAY, "08:30"))
    third = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "09:00"))
    other = svc.store.book(citizen(2), "khai-sinh", slot_at(svc, MONDAY, "09:00"))
    assert [r.status for r in (first, second, third, other)] == [
        "booked",
        "booked",
        "limit",
        "booked",
    ]
    assert third.active == 2


def test_past_bookings_do_not_count_towards_the_limit(svc: BookingService) -> None:
    clock: Clock = svc.clock  # type: ignore[assignment]
    svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:00"))
    svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:30"))
    clock.now = dt.datetime(
        2026, 11, 23, 2, 0, tzinfo=dt.UTC
    )  # Monday 09:00, both appointments over
    later = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, dt.date(2026, 11, 25), "08:00"))
    assert (later.status, len(svc.store.active(citizen(1)))) == ("booked", 1)


def test_cancel_frees_the_place_and_withdraws_reminders(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    codes = [svc.store.book(citizen(n), "khai-sinh", slot).booking.code for n in range(3)]  # type: ignore[union-attr]
    assert svc.store.book(citizen(9), "khai-sinh", slot).status == "full"
    assert svc.store.cancel(citizen(0), codes[0]).status == "cancelled"
    assert svc.store.cancel(citizen(0), codes[0]).status == "gone"
    assert svc.store.book(citizen(9), "khai-sinh", slot).status == "booked"
    assert [n for n in notices(svc) if n[0] == "0"] == [
        ("0", "remind_day", True),
        ("0", "remind_hour", True),
    ]


def test_nobody_cancels_someone_elses_booking(svc: BookingService) -> None:
    code = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:00")).booking.code  # type: ignore[union-attr]
    assert (
        svc.store.cancel(citizen(2), code).status,
        svc.store.cancel(Citizen("zalo", "1"), code).status,
    ) == ("gone", "gone")
    assert [b.code for b in svc.store.active(citizen(1))] == [code]


def test_reschedule_keeps_the_code_and_moves_the_place(svc: BookingService) -> None:
    old, new = slot_at(svc, MONDAY, "08:00"), slot_at(svc, MONDAY, "09:30")
    code = svc.store.book(citizen(1), "khai-sinh", old).booking.code  # type: ignore[union-attr]
    moved = svc.store.reschedule(citizen(1), code, new)
    assert (moved.status, moved.booking.code, moved.booking.start) == ("booked", code, new.start)  # type: ignore[union-attr]
    usage = svc.store.usage("thu-nghiem", old.start, new.end)
    assert (usage[("sang", old.start)], usage[("sang", new.start)]) == ((0, False), (1, False))
    assert notices(svc) == [
        ("1", "remind_day", True),
        ("1", "remind_hour", True),
        ("1", "remind_day", False),
        ("1", "remind_hour", False),
    ]


def test_reschedule_into_a_full_slot_keeps_the_old_booking(svc: BookingService) -> None:
    old, full = slot_at(svc, MONDAY, "08:00"), slot_at(svc, MONDAY, "08:30")
    code = svc.store.book(citizen(1), "khai-sinh", old).booking.code  # type: ignore[union-attr]
    for n in range(2, 5):
        svc.store.book(citizen(n), "khai-sinh", full)
    assert svc.store.reschedule(citizen(1), code, full).status == "full"
    assert [(b.code, b.start) for b in svc.store.active(citizen(1))] == [(code, old.start)]
    assert svc.store.usage("thu-nghiem", old.start, old.end) == {("sang", old.start): (1, False)}


def test_the_database_refuses_more_taken_than_capacity(svc: BookingService) -> None:
    slot_id = svc.store.slot_id(slot_at(svc, MONDAY, "08:00"))
    with pytest.raises(IntegrityError), svc.db.begin() as conn:
        conn.execute(
            update(SlotRow).where(SlotRow.id == slot_id).values(taken=SlotRow.capacity + 1)
        )


def test_codes_are_short_and_unambiguous(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    codes = [svc.store.book(citizen(n), "khai-sinh", slot).booking.code for n in range(3)]  # type: ignore[union-attr]
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert set("0O1IL") & set(CODE_ALPHABET) == set()


def test_a_code_collision_draws_another_code(svc: BookingService) -> None:
    drawn = chain(["AAAAAA", "AAAAAA", "BBBBBB"], repeat("CCCCCC"))
    store = BookingStore(svc.db, clock=svc.clock, codes=lambda: next(drawn))
    slot = slot_at(svc, MONDAY, "08:00")
    codes = [store.book(citizen(n), "khai-sinh", slot).booking.code for n in (1, 2)]  # type: ignore[union-attr]
    assert codes == ["AAAAAA", "BBBBBB"]


def test_only_the_minimum_is_stored(svc: BookingService) -> None:
    with svc.db.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("booking")}
    assert columns == {
        "id",
        "code",
        "channel",
        "user_id",
        "procedure_id",
        "also",  # further procedure ids filed at the same visit
        "office_id",
        "slot_id",
        "status",
        "created_at",
        "updated_at",
        "origin",  # a keyed hash of the web client address (per-address limit), never the address
    }


def test_cancel_session_closes_slots_and_queues_one_notice_each(svc: BookingService) -> None:
    office = svc.offices.get("thu-nghiem")
    assert office is not None
    for n, hhmm in enumerate(["08:00", "08:00", "09:30"]):
        svc.store.book(citizen(n), "khai-sinh", slot_at(svc, MONDAY, hhmm))
    other_day = svc.store.book(
        citizen(7), "khai-sinh", slot_at(svc, dt.date(2026, 11, 25), "08:00")
    )
    cancelled = svc.store.cancel_session(
        "thu-nghiem", MONDAY, svc.calendar.slots_on(office, MONDAY), "Mất điện"
    )
    assert sorted(b.user_id for b in cancelled) == ["0", "1", "2"]
    assert svc.store.book(citizen(8), "khai-sinh", slot_at(svc, MONDAY, "08:30")).status == "closed"
    assert [b.code for b in svc.store.active(citizen(7))] == [other_day.booking.code]  # type: ignore[union-attr]
    sent = [n for n in notices(svc) if n[1] == "session_cancelled"]
    assert sorted(sent) == [
        ("0", "session_cancelled", False),
        ("1", "session_cancelled", False),
        ("2", "session_cancelled", False),
    ]
    with svc.db.begin() as conn:
        taken = conn.execute(
            select(func.sum(SlotRow.taken)).where(SlotRow.closed_reason.is_not(None))
        ).scalar()
    assert taken == 0


def test_mark_attended_and_no_show(svc: BookingService) -> None:
    code = svc.store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "08:00")).booking.code  # type: ignore[union-attr]
    gone = svc.store.book(citizen(2), "khai-sinh", slot_at(svc, MONDAY, "08:00")).booking.code  # type: ignore[union-attr]
    svc.store.cancel(citizen(2), gone)
    marked = svc.store.mark(code, "attended")
    assert (
        marked.status if marked else None,
        svc.store.mark(gone, "no_show"),
        svc.store.mark("ZZZZZZ", "attended"),
    ) == ("attended", None, None)
    with svc.db.begin() as conn:
        statuses = dict(conn.execute(select(BookingRow.code, BookingRow.status)).all())  # type: ignore[arg-type]
    assert statuses == {code: "attended", gone: "cancelled"}


def test_slot_rows_are_created_once(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    assert svc.store.slot_id(slot) == svc.store.slot_id(slot)
    with svc.db.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking_slot")).scalar() == 1


def test_bookings_per_client_address_per_office_day(svc: BookingService) -> None:
    store = BookingStore(svc.db, max_active=2, max_per_origin_day=2, clock=svc.clock)
    same_address = [Citizen("web", f"w-{n}", origin="o-abc") for n in range(3)]
    results = [
        store.book(who, "khai-sinh", slot_at(svc, MONDAY, "08:00")) for who in same_address[:2]
    ]
    assert [r.status for r in results] == ["booked", "booked"]
    third = store.book(same_address[2], "khai-sinh", slot_at(svc, MONDAY, "09:00"))
    assert (third.status, third.per_client) == ("limit", True)
    other_day = store.book(
        same_address[2], "khai-sinh", slot_at(svc, dt.date(2026, 11, 25), "08:00")
    )
    assert other_day.status == "booked"
    elsewhere = store.book(
        Citizen("web", "w-9", origin="o-other"), "khai-sinh", slot_at(svc, MONDAY, "09:00")
    )
    assert elsewhere.status == "booked"
    verified = store.book(citizen(1), "khai-sinh", slot_at(svc, MONDAY, "09:00"))  # no origin
    assert verified.status == "booked"


def test_a_second_request_for_a_held_slot_books_nothing(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    first = svc.store.book(citizen(1), "khai-sinh", slot)
    again = svc.store.book(citizen(1), "khai-sinh", slot)
    other = svc.store.book(citizen(1), "ket-hon", slot)  # the office does not allow several
    assert (first.status, again.status, other.status) == ("booked", "held", "held")
    assert again.booking == first.booking and other.booking == first.booking
    assert svc.store.usage("thu-nghiem", slot.start, slot.end)[("sang", slot.start)] == (1, False)
    assert len(svc.store.active(citizen(1))) == 1


def test_several_places_only_for_different_procedures_where_allowed(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    assert svc.store.book(citizen(1), "khai-sinh", slot, several=True).status == "booked"
    assert svc.store.book(citizen(1), "khai-sinh", slot, several=True).status == "held"
    assert svc.store.book(citizen(1), "ket-hon", slot, several=True).status == "booked"
    assert svc.store.usage("thu-nghiem", slot.start, slot.end)[("sang", slot.start)] == (2, False)


def test_a_procedure_is_added_to_the_same_visit(svc: BookingService) -> None:
    slot = slot_at(svc, MONDAY, "08:00")
    made = svc.store.book(citizen(1), "khai-sinh", slot).booking
    assert made is not None
    added = svc.store.add_procedure(citizen(1), made.code, "ket-hon")
    assert added.status == "added" and added.booking is not None
    assert added.booking.procedures == ("khai-sinh", "ket-hon")
    assert svc.store.add_procedure(citizen(1), made.code, "ket-hon").status == "held"
    assert svc.store.add_procedure(citizen(2), made.code, "ket-hon").status == "gone"
    assert svc.store.usage("thu-nghiem", slot.start, slot.end)[("sang", slot.start)] == (1, False)
    with svc.db.begin() as conn:
        params = [p for (p,) in conn.execute(select(NoticeRow.params))]
    assert params and all(p["also"] == "ket-hon" for p in params)


def test_reminders_go_to_whom_they_are_meant_for(svc: BookingService) -> None:
    case = Citizen("case", "CASE123456")
    volunteer = Citizen("telegram", "vol-1")
    slot = slot_at(svc, MONDAY, "08:00")
    svc.store.book(case, "khai-sinh", slot, notify=volunteer, label="CASE123456")
    assert {(u, k) for u, k, _ in notices(svc)} == {
        ("vol-1", "remind_day"),
        ("vol-1", "remind_hour"),
    }
    assert svc.store.redirect_notices(case, Citizen("zalo", "citizen-9")) == 2
    with svc.db.begin() as conn:
        rows = conn.execute(select(NoticeRow.channel, NoticeRow.user_id, NoticeRow.params)).all()
    assert {(c, u, p["case"]) for c, u, p in rows} == {("zalo", "citizen-9", "")}
    assert svc.store.book(Citizen("web", "w1"), "khai-sinh", slot, remind=False).status == "booked"
    assert len(notices(svc)) == 2  # none queued for a page that cannot receive them


def test_limits_count_per_case(svc: BookingService) -> None:
    slots = [slot_at(svc, MONDAY, t) for t in ("08:00", "08:30", "09:00")]
    for n, slot in enumerate(slots):
        assert svc.store.book(Citizen("case", f"C{n}"), "khai-sinh", slot).status == "booked"


def test_moving_onto_a_slot_already_held_moves_nothing(svc: BookingService) -> None:
    eight, half = slot_at(svc, MONDAY, "08:00"), slot_at(svc, MONDAY, "08:30")
    first = svc.store.book(citizen(1), "khai-sinh", eight).booking
    second = svc.store.book(citizen(1), "ket-hon", half).booking
    assert first is not None and second is not None
    moved = svc.store.reschedule(citizen(1), second.code, eight)
    assert (moved.status, moved.booking) == ("held", first)
    assert svc.store.usage("thu-nghiem", eight.start, half.end)[("sang", half.start)] == (1, False)
