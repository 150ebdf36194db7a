"""Retention: `tthc-bot purge --older-than 180d` deletes what is no longer needed.

Conversations (and volunteer cases), webhook dedup keys, web sessions and notices, and the
per-citizen booking lock rows older than the window are deleted (channel credentials and
volunteer logins are not). On SQLite the WAL is checkpointed afterwards, so with
`secure_delete` the purged rows are overwritten in the database file.
Feedback keeps its ratings (anonymous already) but loses comments and any contact details;
bookings whose slot ended before the window are deleted with their notices.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from bot.booking.models import BookingRow, CitizenRow, NoticeRow, SlotRow
from bot.feedback.models import FeedbackOffer, FeedbackQuota, FeedbackResponse
from bot.storage.db import utc_now
from bot.storage.inbox import SqlInbox
from bot.storage.models import AdminSession, WebNotice, WebSession
from bot.storage.state import SqlStateStore

UNITS = {"d": 86400, "h": 3600, "m": 60}


def parse_age(text: str) -> timedelta:
    """'180d', '12h', '30m' -> timedelta; ValueError otherwise."""
    m = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"'{text}' is not an age like 180d, 12h or 30m")
    return timedelta(seconds=int(m.group(1)) * UNITS[m.group(2)])


def purge(engine: Engine, older_than: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Delete or erase everything older than the window; return counts per kind."""
    now = now or utc_now()
    cutoff = now - older_than
    seconds = older_than.total_seconds()
    counts = {
        "conversations": SqlStateStore(engine).purge_older_than(seconds),
        "inbox keys": SqlInbox(engine).purge_older_than(seconds),
    }
    with engine.begin() as conn:
        erased = conn.execute(
            update(FeedbackResponse)
            .where(FeedbackResponse.created_at < cutoff)
            .where(
                (FeedbackResponse.comment.is_not(None)) | (FeedbackResponse.contact.is_not(None))
            )
            .values(comment=None, contact=None, contact_consent_at=None)
        )
        counts["feedback comments erased"] = erased.rowcount
        counts["feedback offers"] = conn.execute(
            delete(FeedbackOffer).where(FeedbackOffer.offered_at < cutoff)
        ).rowcount
        counts["feedback quotas"] = conn.execute(
            delete(FeedbackQuota).where(FeedbackQuota.hour < int(cutoff.timestamp() // 3600))
        ).rowcount
        old_slots = select(SlotRow.id).where(SlotRow.ends_at < cutoff)
        old_bookings = select(BookingRow.id).where(BookingRow.slot_id.in_(old_slots))
        counts["booking notices"] = conn.execute(
            delete(NoticeRow).where(
                NoticeRow.booking_id.in_(old_bookings) | (NoticeRow.due_at < cutoff)
            )
        ).rowcount
        counts["bookings"] = conn.execute(
            delete(BookingRow).where(BookingRow.slot_id.in_(old_slots))
        ).rowcount
        expired = {  # rows that only live until a time: (table, its time column, the limit)
            "booking citizens": (CitizenRow, CitizenRow.touched_at, cutoff),
            "web sessions": (WebSession, WebSession.seen_at, cutoff),
            "web notices": (WebNotice, WebNotice.created_at, cutoff),
            "admin sessions": (AdminSession, AdminSession.expires_at, now),
        }
        for name, (table, column, limit) in expired.items():
            counts[name] = conn.execute(delete(table).where(column < limit)).rowcount
    if engine.dialect.name == "sqlite":  # move the deletions out of the WAL into the (secure) file
        raw = engine.raw_connection()  # outside a transaction (the engine begins IMMEDIATE ones)
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return counts
