"""Offices and their bookable sessions, as plain frozen records (loaded by `office_yaml`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

WEEKDAY_KEYS = ("t2", "t3", "t4", "t5", "t6", "t7", "cn")  # index = date.weekday()


@dataclass(frozen=True)
class Span:
    """A time range within one day, e.g. 08:00–12:00."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Hotline:
    number: str = ""
    verify: bool = True
    note: str = ""


@dataclass(frozen=True)
class Session:
    """A bookable special session: weekdays, hours, slot length and places per slot."""

    id: str
    name: str
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    slot_minutes: int
    capacity: int
    procedures: tuple[str, ...]
    turnaround: str = ""
    notes: str = ""
    breaks: tuple[Span, ...] = ()

    def slot_starts(self) -> list[dt.time]:
        """Start times of the slots of one day of this session, skipping any break."""
        first, last, step = _m(self.start), _m(self.end), self.slot_minutes
        pauses = [(_m(b.start), _m(b.end)) for b in self.breaks]
        return [
            dt.time(m // 60, m % 60)
            for m in range(first, last - step + 1, step)
            if not any(m < b_end and m + step > b_start for b_start, b_end in pauses)
        ]


def _m(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class MakeUpDay:
    """A weekend day worked like weekday `like` (0 = Monday)."""

    day: dt.date
    like: int
    reason: str


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    address: str
    sample: bool
    hours: Mapping[int, tuple[Span, ...]]
    sessions: tuple[Session, ...] = ()
    map_url: str = ""
    hotline: Hotline = field(default_factory=Hotline)
    closures: Mapping[dt.date, str] = field(default_factory=dict)
    make_up_days: Mapping[dt.date, MakeUpDay] = field(default_factory=dict)
    commune: str = ""  # the xã/phường/đặc khu it serves (two-level government since 1/7/2025)
    nearby: tuple[str, ...] = ()  # neighbouring communes whose people may come here
    several_per_person: bool = False  # one person may hold several places in one slot

    def session(self, session_id: str) -> Session | None:
        """The session with this id, if the office has one."""
        return next((s for s in self.sessions if s.id == session_id), None)

    def offers(self, procedure_id: str) -> bool:
        """True when some session of this office takes the procedure."""
        return any(procedure_id in s.procedures for s in self.sessions)


@dataclass(frozen=True)
class Offices:
    """Every office, plus the closures and make-up days that apply to all of them."""

    offices: Mapping[str, Office] = field(default_factory=dict)
    closures: Mapping[dt.date, str] = field(default_factory=dict)
    make_up_days: Mapping[dt.date, MakeUpDay] = field(default_factory=dict)
    confirmed_until: dt.date | None = None  # the official calendar is known up to this day

    def get(self, office_id: str) -> Office | None:
        return self.offices.get(office_id)

    def offering(self, procedure_id: str) -> list[Office]:
        """Offices with a session that takes the procedure, sorted by name."""
        return sorted(
            (o for o in self.offices.values() if o.offers(procedure_id)), key=lambda o: o.name
        )

    def bookable(self) -> frozenset[str]:
        """Every procedure id that some session takes."""
        return frozenset(p for o in self.offices.values() for s in o.sessions for p in s.procedures)

    def all(self) -> list[Office]:
        """Every office, sorted by id."""
        return sorted(self.offices.values(), key=lambda o: o.id)
