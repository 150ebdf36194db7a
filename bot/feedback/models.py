"""Feedback tables: anonymous survey responses, post-visit offers and the hourly spam quota."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base, UtcDateTime

# SIPAS groups: (1) tiếp cận dịch vụ, (2) thủ tục hành chính, (3) công chức giải quyết,
# (4) kết quả giải quyết, (5) tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị.
GROUPS = ("access", "procedure", "staff", "result", "handling")
RATINGS = ("overall", *(f"g_{g}" for g in GROUPS))


def _in_range(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_range")


class FeedbackResponse(Base):
    """One survey answer; no user id: a name or phone only with the citizen's consent."""

    __tablename__ = "feedback_response"
    __table_args__ = (
        *(_in_range(c) for c in RATINGS),
        CheckConstraint(
            "contact IS NULL OR contact_consent_at IS NOT NULL", name="contact_consent"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    office: Mapped[str | None] = mapped_column(String(64), index=True)
    counter: Mapped[str | None] = mapped_column(String(64))
    procedure: Mapped[str | None] = mapped_column(String(128), index=True)
    booking: Mapped[str | None] = mapped_column(String(64), unique=True)
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    g_access: Mapped[int | None] = mapped_column(SmallInteger)
    g_procedure: Mapped[int | None] = mapped_column(SmallInteger)
    g_staff: Mapped[int | None] = mapped_column(SmallInteger)
    g_result: Mapped[int | None] = mapped_column(SmallInteger)
    g_handling: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    contact_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FeedbackOffer(Base):
    """A post-visit survey offered for one booking: offered once, answered at most once."""

    __tablename__ = "feedback_offer"

    booking: Mapped[str] = mapped_column(String(64), primary_key=True)
    office: Mapped[str | None] = mapped_column(String(64))
    procedure: Mapped[str | None] = mapped_column(String(128))
    respondent: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the survey is answered; the answer itself keeps no booking code, so it cannot be
    # joined back to the citizen who booked.
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class FeedbackQuota(Base):
    """Responses started by one (hashed) respondent in one clock hour; purged after the hour."""

    __tablename__ = "feedback_quota"

    respondent: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    used: Mapped[int] = mapped_column(Integer)
