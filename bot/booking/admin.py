"""`tthc-bot bookings …`: list a day's bookings, mark attendance, cancel a session with notices."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from bot.booking.calendar import local
from bot.booking.models import ATTENDED, NO_SHOW
from bot.booking.service import OFFICES_DIR, BookingService
from bot.booking.store import BookingView
from bot.config import Config
from bot.storage.db import migrate

STATUSES = {"attended": ATTENDED, "no-show": NO_SHOW}
COLUMNS = ("code", "start", "end", "session", "procedure", "status", "channel")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `bookings` sub-commands."""
    bookings = sub.add_parser("bookings", help="bookings admin").add_subparsers(
        dest="bookings_cmd", required=True
    )
    ls = bookings.add_parser("list", help="bookings of an office on a day")
    ls.add_argument("--office", required=True)
    ls.add_argument("--date", required=True, type=dt.date.fromisoformat)
    ls.add_argument("--csv", action="store_true", help="CSV on stdout")
    mark = bookings.add_parser("mark", help="mark a booking attended or no-show")
    mark.add_argument("code")
    mark.add_argument("status", choices=sorted(STATUSES))
    cs = bookings.add_parser(
        "cancel-session", help="cancel a session and notify every booked citizen"
    )
    cs.add_argument("--office", required=True)
    cs.add_argument("--date", required=True, type=dt.date.fromisoformat)
    cs.add_argument("--session")
    cs.add_argument("--reason", required=True)
    for p in (ls, mark, cs):
        p.add_argument("--config")


def service(cfg: Config) -> BookingService:
    """A migrated database and the offices as they are on disk."""
    migrate(cfg.database_url)
    svc = BookingService.from_config(cfg)
    problems = svc.load(Path(cfg["catalog.dir"]) / OFFICES_DIR)
    for p in problems:
        print(p, file=sys.stderr)
    return svc


def _row(b: BookingView) -> tuple[str, ...]:
    return (
        b.code,
        f"{local(b.start):%Y-%m-%d %H:%M}",
        f"{local(b.end):%H:%M}",
        b.session_id,
        b.procedure_id,
        b.status,
        b.channel,
    )


def list_bookings(svc: BookingService, office: str, day: dt.date, as_csv: bool, out: TextIO) -> int:
    """Print the office's bookings that day as a table or CSV."""
    rows = [_row(b) for b in svc.store.on_day(office, day)]
    if as_csv:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return 0
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(COLUMNS)
    ]
    for line in [COLUMNS, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip(), file=out)
    print(f"{len(rows)} booking(s) at {office} on {day}", file=out)
    return 0


def mark(svc: BookingService, code: str, status: str, out: TextIO) -> int:
    booking = svc.store.mark(code, STATUSES[status])
    if booking is None:
        print(f"no booking {code.upper()} (or it was cancelled)", file=sys.stderr)
        return 1
    print(f"{booking.code}: {booking.status}", file=out)
    return 0


def cancel_session(
    svc: BookingService, office_id: str, day: dt.date, session: str | None, reason: str, out: TextIO
) -> int:
    """Close the session(s) that day, cancel the bookings and queue a notice to each citizen."""
    office = svc.offices.get(office_id)
    if office is None:
        print(f"unknown office '{office_id}'", file=sys.stderr)
        return 2
    if session and office.session(session) is None:
        print(f"office '{office_id}' has no session '{session}'", file=sys.stderr)
        return 2
    slots = [
        s for s in svc.calendar.slots_on(office, day) if not session or s.session_id == session
    ]
    cancelled = svc.store.cancel_session(office_id, day, slots, reason, session)
    for b in cancelled:
        print(f"cancelled {b.code} {local(b.start):%H:%M} ({b.channel})", file=out)
    print(f"{len(cancelled)} booking(s) cancelled; {len(cancelled)} notice(s) queued", file=out)
    return 0
