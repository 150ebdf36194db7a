"""The booking feature assembled: offices (reloaded with the content), calendar, store, outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine as DbEngine

from bot.booking.calendar import Calendar
from bot.booking.office_yaml import load_offices
from bot.booking.offices import Offices
from bot.booking.reminders import Claimed, Outbox
from bot.booking.store import BookingStore
from bot.booking.wording import Words
from bot.config import Config
from bot.content.yamlio import Problem
from bot.core.messages import Outgoing, Reply
from bot.core.model import Catalog
from bot.storage.db import make_engine, utc_now

if TYPE_CHECKING:
    from bot.app import Paths
    from bot.core.engine import Content
    from bot.core.feature import Feature

OFFICES_DIR = "offices"
NOTICE_TEXTS = {
    "remind_day": "booking_remind_day",
    "remind_hour": "booking_remind_hour",
    "session_cancelled": "booking_notice_cancelled",
}


class BookingService:
    """What the dialogue, the admin CLI and the channel layer's reminder loop share."""

    def __init__(
        self,
        db: DbEngine | str,
        *,
        max_active: int = 2,
        max_per_client_day: int = 0,
        offices_dir: Path | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self.max_active = max_active
        self.max_per_client_day = max_per_client_day
        self.offices_dir = offices_dir
        self.clock = clock
        self.offices = Offices()
        self.calendar = Calendar(self.offices)
        self._content: Callable[[], Content] | None = None

    @classmethod
    def from_config(cls, cfg: Config, **kw: Any) -> BookingService:
        """Settings from the config; the database is opened on first use."""
        return cls(
            cfg.database_url,
            max_active=int(cfg["booking.max_active_per_user"]),
            max_per_client_day=int(cfg.get("booking.max_per_client_day") or 0),
            **kw,
        )

    @cached_property
    def db(self) -> DbEngine:
        return make_engine(self._db) if isinstance(self._db, str) else self._db

    @cached_property
    def store(self) -> BookingStore:
        return BookingStore(
            self.db,
            max_active=self.max_active,
            max_per_origin_day=self.max_per_client_day,
            clock=self.clock,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.db, self.render)

    # ---- content -------------------------------------------------------------
    def load(self, folder: Path, catalog: Catalog | None = None) -> list[Problem]:
        """Load offices (checking procedure ids against the catalogue); keep them if clean."""
        offices, problems = load_offices(folder, set(catalog.procedures) if catalog else None)
        if offices is not None:
            self.offices = offices
            self.calendar = Calendar(offices, lead=self.calendar.lead)
        return problems

    def check(self, paths: Paths, catalog: Catalog) -> list[Problem]:
        """The content check `tthc-bot check` and hot reload run (a Feature content check)."""
        return self.load(self.offices_dir or paths.catalog / OFFICES_DIR, catalog)

    def calendar_warning(self, today: dt.date, days: int = 30) -> str | None:
        """A word for `tthc-bot check` when the confirmed calendar ends within `days`: after
        `confirmed_until` no booking is offered at all."""
        until = self.offices.confirmed_until
        if until is None or (until - today).days > days:
            return None
        state = "ended" if until < today else "ends"
        return (
            f"{OFFICES_DIR}/calendar.yaml: warning: confirmed_until {state} on {until}: no booking "
            "is offered after it; add the next official days off and make-up days, then move it"
        )

    def attach(self, content: Callable[[], Content]) -> None:
        """Where current texts and catalogue come from (the engine's content)."""
        self._content = content

    def words(self) -> Words:
        if self._content is None:
            raise RuntimeError("BookingService.attach(...) was not called")
        content = self._content()
        return Words(content.flows, self.offices, content.catalog)

    def feature(self) -> Feature:
        """The booking feature for `Engine.include`: dialogue, condition, command, content check."""
        from bot.booking import dialogue

        return dialogue.feature(self)

    # ---- notices -------------------------------------------------------------
    def render(self, kind: str, params: Mapping[str, Any]) -> tuple[Reply, ...]:
        """A stored notice as replies, with today's texts."""
        words = self.words()
        return (Reply(words.t(NOTICE_TEXTS.get(kind, kind), **words.facts(params))),)

    def claim_due(self, now: dt.datetime | None = None, limit: int = 100) -> list[Claimed]:
        """Claim due notices for this worker without marking them; deliver, then `mark_sent`."""
        return self.outbox.claim(now or self.clock(), limit)

    def mark_sent(self, claimed: Iterable[Claimed], now: dt.datetime | None = None) -> int:
        return self.outbox.mark_sent(claimed, now or self.clock())

    def claim(self) -> list[Claimed]:
        """Outbox protocol for `serve`: claim now, then `done` after delivery or `failed`."""
        return self.claim_due()

    def done(self, claimed: Iterable[Claimed]) -> None:
        self.mark_sent(claimed)

    def failed(self, claimed: Iterable[Claimed]) -> None:
        """A failed delivery is released, so the next round (of any worker) retries it."""
        self.outbox.release(claimed)

    def due_reminders(self, now: dt.datetime | None = None, limit: int = 100) -> list[Outgoing]:
        """Claim due reminders and notices, mark them sent and hand them over (an outbox source)."""
        claimed = self.claim_due(now, limit)
        self.mark_sent(claimed, now)
        return [c.outgoing for c in claimed]

    def send_due(
        self, deliver: Callable[[Outgoing], object], now: dt.datetime | None = None
    ) -> int:
        """One round that marks each notice sent only after `deliver` returned."""
        return self.outbox.send_due(now or self.clock(), deliver)
