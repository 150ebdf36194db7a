"""Tables of the storage layer; importing this module registers every table on `Base`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
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


class WebSession(Base):
    """A web-chat session issued by the server: only the SHA-256 of the cookie is kept."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Set when a volunteer logged in with their own code (volunteer_login); revoking it ends it.
    volunteer_id: Mapped[int | None] = mapped_column(Integer, default=None)


class VolunteerLogin(Base):
    """A volunteer's personal web login: an admin issues it (`tthc-bot volunteers add`) and can
    revoke it; only the hash of the code is kept."""

    __tablename__ = "volunteer_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class AdminSession(Base):
    """An admin login: a new random cookie per login (hash kept), deleted at logout."""

    __tablename__ = "admin_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class WebNotice(Base):
    """A bot-initiated message waiting for a web user's page (shared by every worker)."""

    __tablename__ = "web_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    reply: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChannelToken(Base):
    """Credentials a channel refreshes itself (Zalo OA tokens): never purged with conversations."""

    __tablename__ = "channel_token"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InstallSecret(Base):
    """Random keys made once per installation (e.g. for hashing feedback respondents)."""

    __tablename__ = "install_secret"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
