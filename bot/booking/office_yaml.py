"""Load `procedures_catalog/offices/*.yaml` into `Offices`; every problem as FILE:LINE."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from bot.booking.offices import WEEKDAY_KEYS, Hotline, MakeUpDay, Office, Offices, Session, Span
from bot.content.checker import Checker
from bot.content.yamlio import LineDict, Problem, load_yaml

CALENDAR_FILE = "calendar.yaml"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAYS = {k: i for i, k in enumerate(WEEKDAY_KEYS)} | {
    k: i for i, k in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}
OFFICE_KEYS = {
    "id": True,
    "sample": True,
    "name": True,
    "address": True,
    "hours": True,
    "map_url": False,
    "hotline": False,
    "sessions": False,
    "closures": False,
    "make_up_days": False,
    "commune": False,
    "nearby": False,
    "several_per_person": False,
}
SESSION_KEYS = {
    "id": True,
    "name": True,
    "weekdays": True,
    "start": True,
    "end": True,
    "slot_minutes": True,
    "capacity": True,
    "procedures": True,
    "turnaround": False,
    "notes": False,
    "breaks": False,
}
HOTLINE_KEYS = {"number": False, "verify": False, "note": False}
CLOSURE_KEYS = {"date": False, "from": False, "to": False, "reason": True}
MAKE_UP_KEYS = {"date": True, "like": False, "reason": True}
CALENDAR_KEYS = {"confirmed_until": True, "closures": False, "make_up_days": False}
MAX_CLOSURE_DAYS = 366


class _Checker(Checker):
    """Collects the problems of one file while building records from it."""

    def __init__(self, file: str, procedure_ids: Collection[str] | None) -> None:
        super().__init__(file)
        self.procedure_ids = procedure_ids

    def text(self, data: LineDict, key: str, what: str, *, required: bool = True) -> str:
        value = data.get(key)
        if not required and (value is None or value == ""):
            return ""
        if isinstance(value, (bool, dict, list)) or value is None or not str(value).strip():
            self.add(data.line_of(key), f"{what} '{key}' must be non-empty text")
            return ""
        return str(value).strip()

    def slug(self, data: LineDict, key: str, what: str) -> str:
        value = self.text(data, key, what)
        if value and not ID_RE.match(value):
            self.add(data.line_of(key), f"{what} '{key}' must be a slug like 'phuong-viet-hung'")
        return value

    def flag(self, data: LineDict, key: str, what: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(data.line_of(key), f"{what} '{key}' must be true or false")
            return default
        return value

    def number(self, data: LineDict, key: str, what: str, low: int, high: int) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                data.line_of(key), f"{what} '{key}' must be a whole number from {low} to {high}"
            )
            return 0
        return value

    def time(self, value: Any, line: int, what: str) -> dt.time | None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return dt.time(value // 60, value % 60)  # YAML 1.1 reads unquoted 17:30 as 1050
        m = TIME_RE.match(str(value).strip()) if isinstance(value, str) else None
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            self.add(line, f'{what} must be a time like "08:00" (in quotes), got {value!r}')
            return None
        return dt.time(int(m.group(1)), int(m.group(2)))

    def date(self, value: Any, line: int, what: str) -> dt.date | None:
        if isinstance(value, str) and DATE_RE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.add(line, f"{what} must be a date YYYY-MM-DD, got {value!r}")
        return None

    def weekday(self, value: Any, line: int, what: str) -> int | None:
        key = str(value).strip().lower()
        if key not in WEEKDAYS:
            self.add(line, f"{what}: unknown weekday {value!r} (use t2, t3, t4, t5, t6, t7, cn)")
            return None
        return WEEKDAYS[key]


def _spans(ck: _Checker, value: Any, line: int, what: str) -> tuple[Span, ...]:
    parts = [p for p in str(value).replace("–", "-").split(",") if p.strip()] if value else []
    if not parts or not isinstance(value, str):
        ck.add(line, f'{what} must be text like "08:00-12:00, 13:30-17:00"')
        return ()
    out: list[Span] = []
    for part in parts:
        start, sep, end = part.partition("-")
        a, b = ck.time(start.strip(), line, what), ck.time(end.strip(), line, what) if sep else None
        if sep and a and b and a >= b:
            ck.add(line, f"{what}: '{part.strip()}' ends before it starts")
        elif not sep:
            ck.add(line, f"{what}: '{part.strip()}' must be a range like 08:00-12:00")
        elif a and b:
            out.append(Span(a, b))
    return tuple(out)


def _hours(ck: _Checker, data: LineDict) -> dict[int, tuple[Span, ...]]:
    raw = data.get("hours")
    if not isinstance(raw, LineDict):
        ck.add(data.line_of("hours"), "hours must map weekdays (t2 … cn) to times")
        return {}
    hours: dict[int, tuple[Span, ...]] = {}
    for key, value in raw.items():
        day = ck.weekday(key, raw.line_of(key), "hours")
        spans = _spans(ck, value, raw.line_of(key), f"hours '{key}'")
        if day is not None:
            hours[day] = spans
    return hours


def _session(ck: _Checker, value: Any, line: int) -> Session | None:
    data = ck.mapping(value, line, "a session", SESSION_KEYS)
    if data is None:
        return None
    sid = ck.slug(data, "id", "session")
    what = f"session '{sid}'"
    raw_days = ck.items(data.get("weekdays"), data.line_of("weekdays"), f"{what} weekdays")
    days = [ck.weekday(v, ln, f"{what} weekdays") for v, ln in raw_days]
    if not days:
        ck.add(data.line_of("weekdays"), f"{what} needs at least one weekday")
    start = ck.time(data.get("start"), data.line_of("start"), f"{what} start")
    end = ck.time(data.get("end"), data.line_of("end"), f"{what} end")
    minutes = ck.number(data, "slot_minutes", what, 5, 240)
    capacity = ck.number(data, "capacity", what, 1, 1000)
    if start and end and start >= end:
        ck.add(data.line_of("end"), f"{what} ends before it starts")
    elif start and end and minutes and _minutes(end, start) % minutes:
        ck.add(
            data.line_of("slot_minutes"),
            f"{what}: {minutes}-minute slots do not fill {start:%H:%M}-{end:%H:%M} exactly",
        )
    procs = _procedures(ck, data, what)
    breaks = (
        _spans(ck, data["breaks"], data.line_of("breaks"), f"{what} breaks")
        if "breaks" in data
        else ()
    )
    result = Session(
        sid,
        ck.text(data, "name", what),
        frozenset(d for d in days if d is not None),
        start or dt.time(0),
        end or dt.time(0),
        minutes,
        capacity,
        procs,
        ck.text(data, "turnaround", what, required=False),
        ck.text(data, "notes", what, required=False),
        breaks,
    )
    return result if sid else None


def _minutes(end: dt.time, start: dt.time) -> int:
    return (end.hour - start.hour) * 60 + end.minute - start.minute


def _procedures(ck: _Checker, data: LineDict, what: str) -> tuple[str, ...]:
    items = ck.items(data.get("procedures"), data.line_of("procedures"), f"{what} procedures")
    if not items:
        ck.add(data.line_of("procedures"), f"{what} needs at least one procedure id")
    out: list[str] = []
    for value, line in items:
        pid = str(value).strip()
        if ck.procedure_ids is not None and pid not in ck.procedure_ids:
            ck.add(line, f"{what}: unknown procedure id '{pid}' (not in the catalogue)")
        elif pid in out:
            ck.add(line, f"{what}: procedure '{pid}' listed twice")
        else:
            out.append(pid)
    return tuple(out)


def _closures(ck: _Checker, value: Any, line: int) -> dict[dt.date, str]:
    out: dict[dt.date, str] = {}
    for item, ln in ck.items(value, line, "closures"):
        data = ck.mapping(item, ln, "a closure", CLOSURE_KEYS)
        if data is None:
            continue
        reason = ck.text(data, "reason", "closure")
        if "date" in data and ("from" in data or "to" in data):
            ck.add(data.line, "a closure has either 'date' or 'from'/'to', not both")
            continue
        if "date" in data:
            first = last = ck.date(data["date"], data.line_of("date"), "closure 'date'")
        else:
            first = ck.date(data.get("from"), data.line_of("from"), "closure 'from'")
            last = ck.date(data.get("to"), data.line_of("to"), "closure 'to'")
        if first and last and not 0 <= (last - first).days < MAX_CLOSURE_DAYS:
            ck.add(
                data.line_of("to"),
                f"closure 'to' must be on or after 'from', within {MAX_CLOSURE_DAYS} days",
            )
        elif first and last:
            out.update(
                {first + dt.timedelta(days=n): reason for n in range((last - first).days + 1)}
            )
    return out


def _make_up_days(ck: _Checker, value: Any, line: int) -> dict[dt.date, MakeUpDay]:
    out: dict[dt.date, MakeUpDay] = {}
    for item, ln in ck.items(value, line, "make_up_days"):
        data = ck.mapping(item, ln, "a make-up day", MAKE_UP_KEYS)
        if data is None:
            continue
        day = ck.date(data.get("date"), data.line_of("date"), "make-up day 'date'")
        like = ck.weekday(data.get("like", "t2"), data.line_of("like"), "make-up day 'like'")
        reason = ck.text(data, "reason", "make-up day")
        if day and day.weekday() < 5:
            ck.add(
                data.line_of("date"),
                f"make-up day {day} is a weekday already; list weekend days only",
            )
        elif day and like is not None:
            out[day] = MakeUpDay(day, like, reason)
    return out


def _hotline(ck: _Checker, data: LineDict) -> Hotline:
    raw = ck.mapping(
        data.get("hotline", LineDict()), data.line_of("hotline"), "hotline", HOTLINE_KEYS
    )
    if raw is None:
        return Hotline()
    return Hotline(
        ck.text(raw, "number", "hotline", required=False),
        ck.flag(raw, "verify", "hotline", True),
        ck.text(raw, "note", "hotline", required=False),
    )


def _office(ck: _Checker, data: Any) -> Office | None:
    data = ck.mapping(data, 1, "an office file", OFFICE_KEYS)
    if data is None:
        return None
    oid = ck.slug(data, "id", "office")
    sessions: list[Session] = []
    for item, line in ck.items(data.get("sessions"), data.line_of("sessions"), "sessions"):
        session = _session(ck, item, line)
        if session and any(s.id == session.id for s in sessions):
            ck.add(line, f"duplicate session id '{session.id}'")
        elif session:
            sessions.append(session)
    office = Office(
        id=oid,
        name=ck.text(data, "name", "office"),
        address=ck.text(data, "address", "office"),
        sample=ck.flag(data, "sample", "office", True),
        hours=_hours(ck, data),
        sessions=tuple(sessions),
        map_url=ck.text(data, "map_url", "office", required=False),
        hotline=_hotline(ck, data),
        closures=_closures(ck, data.get("closures"), data.line_of("closures")),
        make_up_days=_make_up_days(ck, data.get("make_up_days"), data.line_of("make_up_days")),
        commune=_commune(ck, data),
        nearby=tuple(
            str(v).strip()
            for v, _ in ck.items(data.get("nearby"), data.line_of("nearby"), "nearby")
            if str(v).strip()
        ),
        several_per_person=ck.flag(data, "several_per_person", "office", False),
    )
    return office if oid else None


DISTRICT_WORDS = ("quận ", "huyện ", "thị xã ")


def _commune(ck: _Checker, data: LineDict) -> str:
    """A commune-level unit: since 1 July 2025 there are no districts (quận, huyện, thị xã)."""
    value = ck.text(data, "commune", "office", required=False)
    if value.lower().startswith(DISTRICT_WORDS):
        ck.add(
            data.line_of("commune"),
            f"commune '{value}' names a district; since 1/7/2025 use the xã/phường/đặc khu",
        )
    return value


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_offices(
    folder: Path, procedure_ids: Collection[str] | None = None
) -> tuple[Offices | None, list[Problem]]:
    """Every office file and calendar.yaml in `folder`; (offices or None, problems)."""
    problems: list[Problem] = []
    offices: dict[str, Office] = {}
    closures: dict[dt.date, str] = {}
    make_up: dict[dt.date, MakeUpDay] = {}
    confirmed_until: dt.date | None = None
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in files:
        name = _display(path)
        data, probs = load_yaml(path, name)
        problems.extend(probs)
        ck = _Checker(name, procedure_ids)
        if path.name == CALENDAR_FILE:
            cal = ck.mapping(data, 1, "calendar.yaml", CALENDAR_KEYS) if data is not None else None
            if cal is not None:
                closures.update(_closures(ck, cal.get("closures"), cal.line_of("closures")))
                make_up.update(
                    _make_up_days(ck, cal.get("make_up_days"), cal.line_of("make_up_days"))
                )
                confirmed_until = _confirmed_until(ck, cal)
        elif data is not None:
            office = _office(ck, data)
            if office and office.id in offices:
                ck.add(data.line_of("id"), f"duplicate office id '{office.id}'")
            elif office:
                offices[office.id] = office
        problems.extend(ck.problems)
    if problems:
        return None, problems
    return Offices(offices, closures, make_up, confirmed_until), []


def _confirmed_until(ck: _Checker, cal: LineDict) -> dt.date | None:
    """The last day whose closures and make-up days are officially known (required)."""
    raw = cal.get("confirmed_until")
    if raw is None:
        return None  # `mapping` already said it is missing
    value = raw.isoformat() if isinstance(raw, dt.date) else raw
    return ck.date(value, cal.line_of("confirmed_until"), "calendar 'confirmed_until'")
