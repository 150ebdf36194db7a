"""Fact reports in SQL (SQLite or PostgreSQL): add one tap, list them per entry for the admin pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from bot.reports.models import FactReport
from bot.storage.db import dialect_insert, utc_now


def reporter_key(channel: str, user: str) -> str:
    """One-way key: a repeated tap by the same person counts once; no user id is stored."""
    return hashlib.sha256(f"tthc-fact-report|{channel}|{user}".encode()).hexdigest()


@dataclass(frozen=True)
class FieldCount:
    """How many citizens reported one field of one entry, and when last."""

    entry: str
    field: str
    count: int
    last_at: datetime


class FactReportStore:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, entry: str, field: str, channel: str, user: str, last_reviewed: str) -> bool:
        """Store a report; False when this citizen already reported this field of this entry."""
        row = {
            "created_at": self.clock(),
            "entry": entry,
            "field": field,
            "channel": channel,
            "reporter": reporter_key(channel, user),
            "last_reviewed": last_reviewed,
        }
        with self.engine.begin() as conn:
            stmt = (
                dialect_insert(conn, FactReport)
                .values(**row)
                .on_conflict_do_nothing()
                .returning(FactReport.id)
            )
            return conn.execute(stmt).first() is not None

    def counts(self, entry: str | None = None) -> list[FieldCount]:
        """Reports grouped by entry and field, most reported first."""
        query = (
            select(
                FactReport.entry, FactReport.field, func.count(), func.max(FactReport.created_at)
            )
            .group_by(FactReport.entry, FactReport.field)
            .order_by(func.count().desc(), FactReport.entry, FactReport.field)
        )
        if entry is not None:
            query = query.where(FactReport.entry == entry)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
        return [
            FieldCount(
                e,
                f,
                int(n),
                last if isinstance(last, datetime) else datetime.fromisoformat(str(last)),
            )
            for e, f, n, last in rows
        ]
