"""Attachments for a booking: an .ics calendar event and a QR code of the booking code."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache

import segno
from icalendar import Alarm, Calendar, Event, Timezone

from bot.booking.calendar import TZ
from bot.core.messages import Attachment

PRODID = "-//tthc-bot//booking//VI"
ALARM_BEFORE = dt.timedelta(hours=1)


def ics_file(
    code: str,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    location: str,
    description: str,
    *,
    stamp: dt.datetime,
) -> Attachment:
    """One VEVENT in Asia/Ho_Chi_Minh with a reminder an hour before."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{code}@tthc-bot")
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(TZ))
    event.add("dtend", end.astimezone(TZ))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    cal.add_component(_vtimezone())
    cal.add_component(event)
    return Attachment(f"lich-hen-{code}.ics", cal.to_ical(), "text/calendar; charset=utf-8")


def qr_png(code: str) -> Attachment:
    """A PNG QR code holding the booking code, large enough to scan from a phone screen."""
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="png", scale=8, border=4)
    return Attachment(f"lich-hen-{code}.png", out.getvalue(), "image/png")


@cache
def _vtimezone() -> Timezone:
    """Asia/Ho_Chi_Minh as a VTIMEZONE, computed once (icalendar takes ~50 ms to derive it;
    Vietnam has kept UTC+7 without daylight saving since 1975)."""
    probe = Calendar()
    event = Event()
    event.add("dtstart", dt.datetime(2026, 1, 1, tzinfo=TZ))
    probe.add_component(event)
    probe.add_missing_timezones()
    [found] = probe.walk("VTIMEZONE")
    assert isinstance(found, Timezone)
    return found
