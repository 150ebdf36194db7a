"""Reminders and notices: stored rows, claimed in the database before sending, sent once.

A worker claims due rows (`claimed_by`, `claimed_at`) in one statement that only matches
unclaimed rows, or rows whose claim is older than the lease and still unsent (a crashed
worker); the channel layer delivers the `Outgoing` and calls `mark_sent`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from bot.booking.calendar import TZ, local
from bot.booking.models import NoticeRow
from bot.core.messages import Outgoing, Reply

LEASE = dt.timedelta(minutes=5)
DAY_BEFORE_AT = dt.time(18, 0)  # the evening before the appointment, Vietnam time
HOUR_BEFORE = dt.timedelta(hours=1)
REMIND_DAY, REMIND_HOUR, SESSION_CANCELLED = "remind_day", "remind_hour", "session_cancelled"
Render = Callable[[str, Mapping[str, Any]], tuple[Reply, ...]]


@dataclass(frozen=True)
class Claimed:
    """A notice this worker claimed: deliver `outgoing`, then `mark_sent`."""

    id: int
    kind: str
    token: str
    outgoing: Outgoing


def schedule(start: dt.datetime, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(kind, due) of the reminders still ahead for an appointment starting at `start`."""
    day_before = dt.datetime.combine(local(start).date() - dt.timedelta(days=1), DAY_BEFORE_AT, TZ)
    out = [(REMIND_DAY, day_before), (REMIND_HOUR, start - HOUR_BEFORE)]
    return [(kind, due) for kind, due in out if due > now]


def add_notices(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert notices (booking_id, channel, user_id, kind, params, due_at) in this transaction."""
    rows = list(rows)
    if rows:
        conn.execute(insert(NoticeRow), rows)


def cancel_pending(conn: Connection, booking_ids: Iterable[int], now: dt.datetime) -> None:
    """Withdraw the unsent notices of these bookings (cancelled or moved)."""
    ids = list(booking_ids)
    if ids:
        conn.execute(
            update(NoticeRow)
            .where(
                NoticeRow.booking_id.in_(ids),
                NoticeRow.sent_at.is_(None),
                NoticeRow.cancelled_at.is_(None),
            )
            .values(cancelled_at=now)
        )


class Outbox:
    """Claims due notices for one worker at a time and renders them as `Outgoing`."""

    def __init__(self, engine: Engine, render: Render, *, lease: dt.timedelta = LEASE) -> None:
        self.engine = engine
        self.render = render
        self.lease = lease

    def _claimable(self, now: dt.datetime) -> Any:
        return and_(
            NoticeRow.sent_at.is_(None),
            NoticeRow.cancelled_at.is_(None),
            NoticeRow.due_at <= now,
            or_(NoticeRow.claimed_at.is_(None), NoticeRow.claimed_at < now - self.lease),
        )

    def claim(self, now: dt.datetime, limit: int = 100) -> list[Claimed]:
        """Claim up to `limit` due notices; no other worker gets them within the lease."""
        token = uuid.uuid4().hex
        claimable = self._claimable(now)
        with self.engine.begin() as conn:
            pick = (
                select(NoticeRow.id)
                .where(claimable)
                .order_by(NoticeRow.due_at, NoticeRow.id)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            ids = list(conn.execute(pick).scalars())
            if not ids:
                return []
            conn.execute(
                update(NoticeRow)
                .where(NoticeRow.id.in_(ids), claimable)
                .values(claimed_by=token, claimed_at=now)
            )
            rows = (
                conn.execute(
                    select(NoticeRow)
                    .where(NoticeRow.claimed_by == token)
                    .order_by(NoticeRow.due_at, NoticeRow.id)
                )
                .mappings()
                .all()
            )
        return [
            Claimed(
                r["id"],
                r["kind"],
                token,
                Outgoing(r["channel"], r["user_id"], self.render(r["kind"], r["params"])),
            )
            for r in rows
        ]

    def mark_sent(self, claimed: Iterable[Claimed], now: dt.datetime) -> int:
        """Record delivery; returns how many rows were newly marked."""
        ids = [c.id for c in claimed]
        if not ids:
            return 0
        with self.engine.begin() as conn:
            result = conn.execute(
                update(NoticeRow)
                .where(NoticeRow.id.in_(ids), NoticeRow.sent_at.is_(None))
                .values(sent_at=now)
            )
            return int(result.rowcount)

    def release(self, claimed: Iterable[Claimed]) -> None:
        """Give back claims whose delivery failed, so the next round retries them."""
        for c in claimed:
            with self.engine.begin() as conn:
                conn.execute(
                    update(NoticeRow)
                    .where(
                        NoticeRow.id == c.id,
                        NoticeRow.claimed_by == c.token,
                        NoticeRow.sent_at.is_(None),
                    )
                    .values(claimed_by=None, claimed_at=None)
                )

    def send_due(self, now: dt.datetime, deliver: Callable[[Outgoing], object]) -> int:
        """Claim, deliver and mark each due notice; a failed delivery is released for retry."""
        sent = 0
        items = self.claim(now)
        for n, item in enumerate(items):
            try:
                deliver(item.outgoing)
            except Exception:
                self.release(items[n:])
                raise
            sent += self.mark_sent([item], now)
        return sent
