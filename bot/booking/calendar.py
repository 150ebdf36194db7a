"""Working days and slots of each office, in Asia/Ho_Chi_Minh; pure (no I/O, no clock).

A day is closed on a public holiday (the `holidays` package), a closure from calendar.yaml or
the office file, or a weekday without opening hours, unless it is a make-up working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from bot.booking.offices import Office, Offices, Session

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEAD = dt.timedelta(minutes=30)  # a slot must start at least this long after "now"
HORIZON_DAYS = 60
UNCONFIRMED = "unconfirmed"  # closed_reason past calendar.yaml's `confirmed_until`


@dataclass(frozen=True)
class Slot:
    """One bookable slot of a session on one day (aware datetimes in TZ)."""

    office_id: str
    session_id: str
    start: dt.datetime
    end: dt.datetime
    capacity: int

    @property
    def key(self) -> str:
        """'session@HH:MM', unique within one office and day (button payloads)."""
        return f"{self.session_id}@{self.start:%H:%M}"


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in Vietnam time; naive datetimes are taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(TZ)


class Calendar:
    """Which days an office works, which sessions run and which slots are still ahead."""

    def __init__(self, offices: Offices, *, lead: dt.timedelta = LEAD) -> None:
        self.offices = offices
        self.lead = lead

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("VN", language="vi")

    def holiday(self, day: dt.date) -> str | None:
        """The public holiday's name, or None."""
        name = self._holidays.get(day)
        return str(name) if name else None

    def closed_reason(self, office: Office, day: dt.date) -> str | None:
        """Why the office is closed that day (holiday or closure name), or None if it works.

        A day past the calendar's `confirmed_until` is never offered: its official days off
        (Tết, make-up Saturdays) are not known yet.
        """
        until = self.offices.confirmed_until
        if until is not None and day > until:
            return UNCONFIRMED
        reason = self.holiday(day) or self.offices.closures.get(day) or office.closures.get(day)
        if reason:
            return reason
        if self._make_up(office, day) is None and not office.hours.get(day.weekday()):
            return "weekend"
        return None

    def _make_up(self, office: Office, day: dt.date) -> int | None:
        found = office.make_up_days.get(day) or self.offices.make_up_days.get(day)
        return found.like if found else None

    def works_like(self, office: Office, day: dt.date) -> int | None:
        """The weekday whose schedule applies (a make-up day's `like`), or None when closed."""
        if self.closed_reason(office, day):
            return None
        like = self._make_up(office, day)
        return day.weekday() if like is None else like

    def sessions_on(
        self, office: Office, day: dt.date, procedure: str | None = None
    ) -> list[Session]:
        """The sessions that run that day (taking the procedure, when given)."""
        weekday = self.works_like(office, day)
        if weekday is None:
            return []
        return [
            s
            for s in office.sessions
            if weekday in s.weekdays and (procedure is None or procedure in s.procedures)
        ]

    def slots_on(
        self,
        office: Office,
        day: dt.date,
        procedure: str | None = None,
        now: dt.datetime | None = None,
    ) -> list[Slot]:
        """Slots of that day in time order; with `now`, only those starting after now + lead."""
        earliest = local(now) + self.lead if now else None
        out = []
        for session in self.sessions_on(office, day, procedure):
            for start in session.slot_starts():
                begin = dt.datetime.combine(day, start, TZ)
                if earliest is None or begin >= earliest:
                    end = begin + dt.timedelta(minutes=session.slot_minutes)
                    out.append(Slot(office.id, session.id, begin, end, session.capacity))
        return sorted(out, key=lambda s: (s.start, s.session_id))

    def next_days(
        self, office: Office, procedure: str | None, now: dt.datetime, horizon: int = HORIZON_DAYS
    ) -> list[dt.date]:
        """Days from today on, within `horizon` days, that still have a slot; earliest first."""
        today = local(now).date()
        days = (today + dt.timedelta(days=n) for n in range(horizon))
        return [d for d in days if self.slots_on(office, d, procedure, now)]

    def slot(
        self,
        office: Office,
        day: dt.date,
        key: str,
        procedure: str | None = None,
        now: dt.datetime | None = None,
    ) -> Slot | None:
        """The slot with this key that day, if it is still offered."""
        return next((s for s in self.slots_on(office, day, procedure, now) if s.key == key), None)
