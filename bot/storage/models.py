"""Tables of the storage layer; importing this module registers every table on `Base`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base, UtcDateTime

JSON_DOC = JSON().with_variant(JSONB(), "postgresql")


class ConversationState(Base):
    """The engine's state for one user of one channel."""

    __tablename__ = "conversation_state"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class InboxKey(Base):
    """A delivery already handled (Telegram update_id, Zalo msg_id)."""

    __tablename__ = "inbox"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
