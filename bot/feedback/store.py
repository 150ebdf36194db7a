"""Feedback in SQL: one answer per booking and the hourly quota, both enforced by the database."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from bot.feedback.mask import mask
from bot.feedback.models import GROUPS, RATINGS, FeedbackOffer, FeedbackQuota, FeedbackResponse
from bot.feedback.report import ResponseRow
from bot.storage.db import dialect_insert, utc_now

COMMENT_MAX = 2000
CONTACT_MAX = 200
Response = FeedbackResponse


@dataclass(frozen=True)
class Entry:
    """Where a survey comes from; every link is optional."""

    channel: str
    source: str  # "qr", "guide", "booking", "menu"
    office: str | None = None
    counter: str | None = None
    procedure: str | None = None
    booking: str | None = None


@dataclass(frozen=True)
class Offer:
    """A post-visit survey offered for a booking."""

    booking: str
    office: str | None
    procedure: str | None
    respondent: str


class Refused(Exception):
    """A response was not created: `reason` is 'answered' (booking) or 'limited' (quota)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def respondent_key(channel: str, user: str, secret: bytes) -> str:
    """A keyed one-way key for the quota and offers (responses never store it): without the
    per-install secret, ids cannot be tried one by one against it."""
    return hmac.new(secret, f"tthc-feedback|{channel}|{user}".encode(), hashlib.sha256).hexdigest()


class FeedbackStore:
    """Survey answers on SQLite or PostgreSQL."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_per_hour: int = 10,
        max_per_client_hour: int = 0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.max_per_hour = max_per_hour
        self.max_per_client_hour = max_per_client_hour  # 0: no per-address limit
        self.clock = clock

    @cached_property
    def _secret(self) -> bytes:
        from bot.storage.security import install_secret

        return install_secret(self.engine, "feedback-respondent")

    def respondent(self, channel: str, user: str) -> str:
        """The keyed hash of a citizen for offers and the quota."""
        return respondent_key(channel, user, self._secret)

    def _hour(self) -> int:
        return int(self.clock().timestamp() // 3600)

    def _quotas(self, respondent: str, origin: str) -> list[tuple[str, int]]:
        out = [(respondent, self.max_per_hour)]
        if origin:
            out.append((f"o:{origin}"[:64], self.max_per_client_hour))
        return [(key, limit) for key, limit in out if limit >= 1]

    def can_start(self, respondent: str, origin: str = "") -> bool:
        """False when the respondent (or the client address) used up this hour's quota
        (a hint; `create` enforces it)."""
        with self.engine.begin() as conn:
            for key, limit in self._quotas(respondent, origin):
                query = select(FeedbackQuota.used).where(
                    FeedbackQuota.respondent == key, FeedbackQuota.hour == self._hour()
                )
                if (conn.execute(query).scalar_one_or_none() or 0) >= limit:
                    return False
        return True

    def answered(self, booking: str) -> bool:
        """Whether the survey of this booking was answered."""
        query = select(FeedbackOffer.booking).where(
            FeedbackOffer.booking == booking, FeedbackOffer.answered.is_(True)
        )
        with self.engine.begin() as conn:
            return conn.execute(query).first() is not None

    def create(self, entry: Entry, respondent: str, origin: str = "") -> int:
        """Insert an empty response and charge the quotas in one transaction; raise Refused.
        A booking's survey is answered once; the answer does not keep the booking code."""
        values = {
            "created_at": self.clock(),
            "channel": entry.channel,
            "source": entry.source,
            "office": entry.office,
            "counter": entry.counter,
            "procedure": entry.procedure,
            "booking": None,
        }
        with self.engine.begin() as conn:
            if entry.booking is not None and not self._mark_answered(conn, entry, respondent):
                raise Refused("answered")
            new_id = conn.execute(
                insert(Response).values(values).returning(Response.id)
            ).scalar_one()
            for key, limit in self._quotas(respondent, origin):
                if not self._charge(conn, key, limit):
                    raise Refused("limited")  # leaving the block rolls the insert back
            return int(new_id)

    def _mark_answered(self, conn: Any, entry: Entry, respondent: str) -> bool:
        """Flip the booking's offer to answered (creating it if the survey came another way)."""
        statement = dialect_insert(conn, FeedbackOffer).values(
            booking=entry.booking,
            office=entry.office,
            procedure=entry.procedure,
            respondent=respondent,
            offered_at=self.clock(),
            answered=True,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["booking"],
            set_={"answered": True},
            where=FeedbackOffer.answered.is_(False),
        )
        return conn.execute(statement.returning(FeedbackOffer.booking)).first() is not None

    def _charge(self, conn: Any, key: str, limit: int) -> bool:
        hour = self._hour()
        conn.execute(delete(FeedbackQuota).where(FeedbackQuota.hour < hour - 1))
        statement = dialect_insert(conn, FeedbackQuota).values(respondent=key, hour=hour, used=1)
        statement = statement.on_conflict_do_update(
            index_elements=["respondent", "hour"],
            set_={"used": FeedbackQuota.used + 1},
            where=FeedbackQuota.used < limit,
        )
        return conn.execute(statement.returning(FeedbackQuota.used)).first() is not None

    def rate(self, response_id: int, question: str, value: int) -> None:
        """Store a 1-5 rating for 'overall' or a SIPAS group."""
        column = question if question == "overall" else f"g_{question}"
        if column not in RATINGS or not 1 <= value <= 5:
            raise ValueError(f"bad rating {question}={value}")
        self._set(response_id, {column: value})

    def comment(self, response_id: int, text: str) -> str:
        """Store the comment with phone and ID numbers masked; returns what was stored."""
        stored = mask(text.strip())[:COMMENT_MAX]
        self._set(response_id, {"comment": stored})
        return stored

    def contact(self, response_id: int, text: str) -> None:
        """Store a name or phone the citizen agreed to leave, with the time of consent."""
        self._set(
            response_id, {"contact": text.strip()[:CONTACT_MAX], "contact_consent_at": self.clock()}
        )

    def _set(self, response_id: int, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Response).where(Response.id == response_id).values(values))

    def claim_offer(self, offer: Offer) -> bool:
        """Record that the survey was offered for this booking; False if it already was."""
        values = {
            "booking": offer.booking,
            "office": offer.office,
            "procedure": offer.procedure,
            "respondent": offer.respondent,
            "offered_at": self.clock(),
        }
        with self.engine.begin() as conn:
            statement = dialect_insert(conn, FeedbackOffer).values(values)
            statement = statement.on_conflict_do_nothing(index_elements=["booking"])
            return conn.execute(statement.returning(FeedbackOffer.booking)).first() is not None

    def offer(self, booking: str) -> Offer | None:
        """The offer recorded for a booking, if any."""
        query = select(FeedbackOffer).where(FeedbackOffer.booking == booking)
        with self.engine.begin() as conn:
            row = conn.execute(query).mappings().first()
        return (
            Offer(row["booking"], row["office"], row["procedure"], row["respondent"])
            if row
            else None
        )

    def rows(
        self,
        *,
        office: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ResponseRow]:
        """Responses for reports, oldest first; `start` inclusive, `end` exclusive."""
        query = select(Response).order_by(Response.created_at, Response.id)
        if office:
            query = query.where(Response.office == office)
        if start is not None:
            query = query.where(Response.created_at >= start)
        if end is not None:
            query = query.where(Response.created_at < end)
        with self.engine.begin() as conn:
            return [_row(r) for r in conn.execute(query).mappings()]

    def add(self, row: ResponseRow, channel: str = "import") -> int:
        """Insert a complete response as is (fixtures, imports from paper surveys)."""
        values = {
            "created_at": row.created_at,
            "channel": channel,
            "source": row.source,
            "office": row.office,
            "counter": row.counter,
            "procedure": row.procedure,
            "booking": row.booking,
            "overall": row.overall,
            **{f"g_{g}": v for g, v in zip(GROUPS, row.groups, strict=True)},
            "comment": mask(row.comment) if row.comment else None,
        }
        with self.engine.begin() as conn:
            return int(
                conn.execute(insert(Response).values(values).returning(Response.id)).scalar_one()
            )


def _row(r: Any) -> ResponseRow:
    return ResponseRow(
        created_at=r["created_at"],
        office=r["office"],
        procedure=r["procedure"],
        overall=r["overall"],
        groups=tuple(r[f"g_{g}"] for g in GROUPS),
        comment=r["comment"],
        counter=r["counter"],
        booking=r["booking"],
        source=r["source"],
        contact=r["contact"],
    )
