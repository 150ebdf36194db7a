"""The booking calendar: holidays from the `holidays` package, closures, make-up days, slots."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from booking_helpers import NOW, SAMPLE_OFFICES

from bot.booking.calendar import TZ, Calendar, local
from bot.booking.office_yaml import load_offices
from bot.booking.offices import Office, Offices


@pytest.fixture(scope="module")
def offices() -> Offices:
    offices, problems = load_offices(SAMPLE_OFFICES)
    assert problems == []
    assert offices is not None
    return offices


def office(offices: Offices, office_id: str) -> Office:
    found = offices.get(office_id)
    assert found is not None
    return found


def at(day: str, hhmm: str = "00:00") -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), TZ)


def test_tet_2027_offers_no_slot(offices: Offices) -> None:
    cal = Calendar(dataclasses.replace(offices, confirmed_until=None))  # the package's own days
    viet_hung = office(offices, "phuong-viet-hung")
    tet = [dt.date(2027, 2, 4) + dt.timedelta(days=n) for n in range(7)]  # 29 Tết … mùng 5
    closed = [cal.closed_reason(viet_hung, d) for d in tet]
    days = cal.next_days(viet_hung, "khai-sinh", at("2027-02-01", "08:00"), horizon=20)
    assert (all(closed), [d for d in days if d in tet]) == (True, [])
    assert days[:3] == [dt.date(2027, 2, 1), dt.date(2027, 2, 3), dt.date(2027, 2, 12)]


def test_gio_to_hung_vuong_2027_is_closed(offices: Offices) -> None:
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    gio_to = dt.date(2027, 4, 16)  # 10/3 âm lịch, a Friday: Việt Hưng's evening session day
    assert (cal.holiday(gio_to), cal.slots_on(viet_hung, gio_to)) == ("Ngày Giỗ Tổ Hùng Vương", [])


def test_vietnam_culture_day_24_11_2026_skips_green_tuesday(offices: Offices) -> None:
    cal = Calendar(offices)
    me_linh = office(offices, "xa-me-linh")
    days = cal.next_days(me_linh, "khai-sinh", NOW, horizon=14)
    assert (cal.holiday(dt.date(2026, 11, 24)), days) == (
        "Ngày Văn hóa Việt Nam",
        [dt.date(2026, 12, 1)],
    )


def test_make_up_saturday_works_like_monday(offices: Offices) -> None:
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    saturday = dt.date(2026, 8, 22)  # worked in place of Monday 31/8/2026
    slots = cal.slots_on(viet_hung, saturday, "khai-sinh")
    assert (cal.works_like(viet_hung, saturday), [s.start for s in slots][:1]) == (
        0,
        [at("2026-08-22", "17:30")],
    )
    assert cal.slots_on(viet_hung, dt.date(2026, 8, 31)) == []


def test_closure_in_an_office_file_closes_that_day(tmp_path: Path) -> None:
    text = (SAMPLE_OFFICES / "phuong-viet-hung.yaml").read_text(encoding="utf-8")
    text = text.replace("closures: []", "closures:\n  - {date: 2026-11-25, reason: Kiểm kê hồ sơ}")
    (tmp_path / "phuong-viet-hung.yaml").write_text(text, encoding="utf-8")
    offices, problems = load_offices(tmp_path)
    assert problems == [] and offices is not None
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    days = cal.next_days(viet_hung, "khai-sinh", NOW, horizon=7)
    assert (cal.closed_reason(viet_hung, dt.date(2026, 11, 25)), days) == (
        "Kiểm kê hồ sơ",
        [dt.date(2026, 11, 23), dt.date(2026, 11, 27)],
    )


def test_national_closure_range_from_calendar_yaml(tmp_path: Path) -> None:
    (tmp_path / "calendar.yaml").write_text(
        "confirmed_until: 2027-06-30\nclosures:\n  - {from: 2026-12-30, to: 2027-01-04, reason: Nghỉ Tết Dương lịch}\n",
        encoding="utf-8",
    )
    (tmp_path / "phuong-viet-hung.yaml").write_bytes(
        (SAMPLE_OFFICES / "phuong-viet-hung.yaml").read_bytes()
    )
    offices, problems = load_offices(tmp_path)
    assert problems == [] and offices is not None
    days = Calendar(offices).next_days(
        office(offices, "phuong-viet-hung"), "khai-sinh", at("2026-12-28"), horizon=10
    )
    assert days == [dt.date(2026, 12, 28), dt.date(2027, 1, 6)]


def test_police_office_opens_saturday_morning(offices: Offices) -> None:
    cal = Calendar(offices)
    police = office(offices, "cong-an-phuong-viet-hung")
    saturday = dt.date(2026, 11, 28)
    slots = cal.slots_on(police, saturday, "dang-ky-tam-tru")
    assert ([s.key for s in slots][:2], cal.slots_on(police, dt.date(2026, 11, 29))) == (
        ["sang-thu-bay@08:00", "sang-thu-bay@08:30"],
        [],
    )


def test_fast_track_wednesday_skips_lunch_break(offices: Offices) -> None:
    cal = Calendar(offices)
    hbt = office(offices, "phuong-hai-ba-trung")
    times = [
        f"{s.start:%H:%M}" for s in cal.slots_on(hbt, dt.date(2026, 11, 25), "trich-luc-ho-tich")
    ]
    assert times == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
    ]


def test_slots_too_soon_or_past_are_not_offered(offices: Offices) -> None:
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    now = at("2026-11-23", "17:20")  # the 17:30 slot starts within the 30-minute lead
    keys = [s.key for s in cal.slots_on(viet_hung, dt.date(2026, 11, 23), "khai-sinh", now)]
    assert keys == ["gio-thu-9@18:00", "gio-thu-9@18:15"]


def test_only_eligible_procedures_get_slots(offices: Offices) -> None:
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    assert (
        cal.slots_on(viet_hung, dt.date(2026, 11, 23), "dang-ky-tam-tru"),
        "dang-ky-tam-tru" in offices.bookable(),
    ) == ([], True)


def test_times_are_vietnam_time() -> None:
    assert local(dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)) == at("2026-11-23", "17:30")


def test_nothing_is_offered_past_confirmed_until(offices: Offices) -> None:
    """Tết 2027's official days off are not known yet: the sample calendar stops before it."""
    assert offices.confirmed_until == dt.date(2027, 1, 31)
    cal = Calendar(offices)
    viet_hung = office(offices, "phuong-viet-hung")
    days = cal.next_days(viet_hung, "khai-sinh", at("2027-01-25", "08:00"), horizon=30)
    assert days and max(days) <= dt.date(2027, 1, 31)
    assert cal.closed_reason(viet_hung, dt.date(2027, 2, 1)) == "unconfirmed"


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        ("closures: []\n", "missing required key 'confirmed_until'"),
        ("confirmed_until: soon\n", "calendar 'confirmed_until' must be a date YYYY-MM-DD"),
    ],
)
def test_check_requires_a_confirmed_until_date(tmp_path: Path, calendar: str, message: str) -> None:
    (tmp_path / "calendar.yaml").write_text(calendar, encoding="utf-8")
    offices, problems = load_offices(tmp_path)
    assert offices is None and any(message in p.message for p in problems)


def test_check_warns_when_the_confirmed_calendar_runs_out(tmp_path: Path) -> None:
    from bot.booking.service import BookingService

    svc = BookingService(f"sqlite:///{tmp_path / 'unused.db'}")
    assert svc.load(SAMPLE_OFFICES) == []
    assert svc.calendar_warning(dt.date(2026, 12, 4)) is None
    soon = svc.calendar_warning(dt.date(2027, 1, 10))
    assert soon is not None and "confirmed_until ends on 2027-01-31" in soon
    late = svc.calendar_warning(dt.date(2027, 2, 2))
    assert late is not None and "ended" in late
