"""The fact-report table: one row per citizen, entry and field (a repeated tap changes nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base, UtcDateTime


class FactReport(Base):
    """A citizen says a fact of an entry is wrong. No user id: a one-way reporter key only."""

    __tablename__ = "fact_report"
    __table_args__ = (
        UniqueConstraint("entry", "field", "reporter", name="uq_fact_report_one_per_reporter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    entry: Mapped[str] = mapped_column(String(128), index=True)  # procedure id
    field: Mapped[str] = mapped_column(String(160))  # fee, processing_time, … or document:<key>
    channel: Mapped[str] = mapped_column(String(32))
    reporter: Mapped[str] = mapped_column(String(64))
    last_reviewed: Mapped[str] = mapped_column(String(10))  # the entry's review date when reported
