"""Delivery keys already handled, so a redelivered update is processed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete

from bot.storage.db import dialect_insert, utc_now
from bot.storage.models import InboxKey

# Zalo accepts events stamped up to 15 minutes from now; keys are kept well beyond that.
MIN_KEEP_SECONDS = 3600


class SqlInbox:
    """Idempotency keys per channel, shared by every process using the database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def first_time(self, channel: str, key: str) -> bool:
        """Record the key; False when any process recorded it before."""
        values = {"channel": channel, "key": key, "seen_at": self.clock()}
        with self.engine.begin() as conn:
            insert = dialect_insert(conn, InboxKey).values(values)
            statement = insert.on_conflict_do_nothing(index_elements=["channel", "key"])
            # SQLAlchemy keeps rowcount of INSERT only on request (psycopg would report -1).
            result = conn.execute(statement.execution_options(preserve_rowcount=True))
            return result.rowcount == 1

    def purge_older_than(self, seconds: float) -> int:
        """Forget keys recorded more than `seconds` ago (never younger than MIN_KEEP_SECONDS,
        so a key outlives the window in which its event is still accepted); returns how many."""
        cutoff = self.clock() - timedelta(seconds=max(seconds, MIN_KEEP_SECONDS))
        with self.engine.begin() as conn:
            return conn.execute(delete(InboxKey).where(InboxKey.seen_at < cutoff)).rowcount
