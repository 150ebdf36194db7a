"""Conversation state kept in SQL, one JSON document per (channel, user)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, text

from bot.storage.db import dialect_insert, utc_now
from bot.storage.models import ConversationState

Row = ConversationState
MAX_STATE_BYTES = 64 * 1024  # one conversation; a turn that would grow it beyond is refused


class StateTooLarge(ValueError):
    """A conversation state over MAX_STATE_BYTES: not saved, the previous one stays."""


_STRIPES = [
    threading.Lock() for _ in range(256)
]  # per process: users hash onto a fixed set of locks


class SqlStateStore:
    """The engine's state store on SQLite or PostgreSQL; returns fresh copies."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    @contextmanager
    def lock(self, channel: str, user: str) -> Iterator[None]:
        """Serialise one user's turns: across threads here, and across workers on PostgreSQL
        (a session advisory lock), so two messages never read the same state and both write."""
        digest = hashlib.sha256(f"{self.engine.url}\0{channel}\0{user}".encode()).digest()
        with _STRIPES[digest[0]]:
            if self.engine.dialect.name != "postgresql":
                yield
                return
            key = int.from_bytes(
                hashlib.sha256(f"{channel}\0{user}".encode()).digest()[:8], "big", signed=True
            )
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def get(self, channel: str, user: str) -> dict[str, Any] | None:
        """The saved state, or None when the user has none."""
        query = select(Row.state).where(Row.channel == channel, Row.user_id == user)
        with self.engine.begin() as conn:
            return conn.execute(query).scalar_one_or_none()

    def put(self, channel: str, user: str, state: dict[str, Any]) -> None:
        """Save the state, replacing any previous one; StateTooLarge over MAX_STATE_BYTES."""
        size = len(json.dumps(state, ensure_ascii=False, default=str).encode())
        if size > MAX_STATE_BYTES:
            raise StateTooLarge(f"conversation state of {size} bytes refused")
        values = {"channel": channel, "user_id": user, "state": state, "updated_at": self.clock()}
        with self.engine.begin() as conn:
            insert = dialect_insert(conn, Row).values(values)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[Row.channel, Row.user_id],
                    set_={"state": insert.excluded.state, "updated_at": insert.excluded.updated_at},
                )
            )

    def delete(self, channel: str, user: str) -> None:
        """Forget the user's state; nothing happens when there is none."""
        with self.engine.begin() as conn:
            conn.execute(delete(Row).where(Row.channel == channel, Row.user_id == user))

    def purge_older_than(self, seconds: float) -> int:
        """Drop states untouched for `seconds`; returns how many went."""
        cutoff = self.clock() - timedelta(seconds=seconds)
        with self.engine.begin() as conn:
            return conn.execute(delete(Row).where(Row.updated_at < cutoff)).rowcount
