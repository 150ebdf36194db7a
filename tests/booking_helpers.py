"""Shared pieces of the booking tests: a hand-moved clock and a test office written as YAML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.booking.calendar import TZ, Slot
from bot.booking.office_yaml import load_offices
from bot.booking.offices import Offices
from bot.booking.service import BookingService

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "procedures_catalog"
FLOWS = ROOT / "flows"
SAMPLE_OFFICES = CATALOG / "offices"
NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)  # Saturday 21/11/2026, 16:00 in Hà Nội
MONDAY = dt.date(2026, 11, 23)

OFFICE_YAML = """\
id: {id}
sample: true
name: Phòng thử nghiệm {id}
address: Số 1 phố Thử, Hà Nội
hours:
  t2: "08:00-12:00, 13:30-17:00"
  t3: "08:00-12:00, 13:30-17:00"
  t4: "08:00-12:00, 13:30-17:00"
  t5: "08:00-12:00, 13:30-17:00"
  t6: "08:00-12:00, 13:30-17:00"
sessions:
  - id: sang
    name: Buổi sáng thử nghiệm
    weekdays: [t2, t3, t4, t5, t6]
    start: "08:00"
    end: "10:00"
    slot_minutes: 30
    capacity: {capacity}
    procedures: [khai-sinh, ket-hon]
    turnaround: Trong ngày.
"""


class Clock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def write_office(folder: Path, office_id: str = "thu-nghiem", capacity: int = 10) -> Path:
    """A test office file in `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{office_id}.yaml"
    path.write_text(OFFICE_YAML.format(id=office_id, capacity=capacity), encoding="utf-8")
    return path


def make_offices(folder: Path, capacity: int = 10) -> Offices:
    """Load one test office from a fresh folder."""
    write_office(folder, capacity=capacity)
    offices, problems = load_offices(folder)
    assert problems == [] and offices is not None
    return offices


def service(
    db_url: str,
    folder: Path,
    *,
    capacity: int = 10,
    max_active: int = 2,
    clock: Clock | None = None,
    write: bool = True,
) -> BookingService:
    """A booking service on the database with the test office (written unless `write` is False)."""
    svc = BookingService(db_url, max_active=max_active, clock=clock or Clock())
    if write:
        write_office(folder, capacity=capacity)
    assert svc.load(folder) == []
    return svc


def slot_at(svc: BookingService, day: dt.date, hhmm: str, office_id: str = "thu-nghiem") -> Slot:
    """The test office's slot starting at hh:mm that day."""
    office = svc.offices.get(office_id)
    assert office is not None
    start = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), TZ)
    return next(s for s in svc.calendar.slots_on(office, day) if s.start == start)
