"""Booking tables on the shared `Base`: slots with a taken counter, bookings, citizens, notices.

Only the minimum is stored: channel, user id, procedure, office and slot; no names or phones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base, UtcDateTime

CONFIRMED, CANCELLED, ATTENDED, NO_SHOW = "confirmed", "cancelled", "attended", "no_show"


class SlotRow(Base):
    """One slot of a session; `taken` never exceeds `capacity` (CHECK + conditional UPDATE)."""

    __tablename__ = "booking_slot"
    __table_args__ = (
        UniqueConstraint("office_id", "session_id", "starts_at"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    closed_reason: Mapped[str | None] = mapped_column(String(500), default=None)


class BookingRow(Base):
    """A citizen's place in a slot, found by its short code."""

    __tablename__ = "booking"
    __table_args__ = (Index("ix_booking_citizen", "channel", "user_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    procedure_id: Mapped[str] = mapped_column(String(128))
    # Further procedures filed at the same visit (same place, same time), comma-separated ids.
    also: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    office_id: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slot.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Keyed hash of the client address that booked (web only): caps bookings per address and day.
    origin: Mapped[str | None] = mapped_column(String(64), default=None, index=True)


class CitizenRow(Base):
    """One row per (channel, user): locked while a booking is made, so limits hold."""

    __tablename__ = "booking_citizen"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NoticeRow(Base):
    """A message to send later (reminder, session cancelled); claimed before it is sent."""

    __tablename__ = "booking_notice"
    __table_args__ = (Index("ix_booking_notice_pending", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
