"""What the request handlers of one process share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from bot.app import Reloader
from bot.channels.base import Channel, Services
from bot.channels.limits import KeyedBuckets
from bot.config import Config
from bot.core.engine import Engine
from bot.core.messages import Outgoing
from bot.storage.security import (
    AdminSessions,
    MemoryAdminSessions,
    MemorySessions,
    Sessions,
)
from bot.web.reports import NoReports, Reports


class ClaimingSource(Protocol):
    """Bot-initiated messages claimed in the database: acknowledged only once delivered."""

    def claim(self) -> list[Any]: ...  # items with an `.outgoing`
    def done(self, items: Iterable[Any]) -> None: ...
    def failed(self, items: Iterable[Any]) -> None: ...


# A source polled by the server: a claiming source (nothing is lost when a send fails), or a
# plain callable returning what is due now and counting it as handed over.
OutboxSource = ClaimingSource | Callable[[], Iterable[Outgoing]]


@dataclass
class Runtime:
    cfg: Config
    engine: Engine
    reloader: Reloader
    services: Services
    channels: dict[str, Channel] = field(default_factory=dict)
    reports: Reports = field(default_factory=NoReports)
    sessions: Sessions = field(default_factory=MemorySessions)
    admin_sessions: AdminSessions = field(default_factory=MemoryAdminSessions)
    origin_secret: bytes = b""  # keys the hash of client addresses (per installation)
    # Limits count the real client (see bot.web.clients), and chat turns also the session.
    chat_limit: KeyedBuckets = field(default_factory=lambda: KeyedBuckets(10, 60))
    session_turn_limit: KeyedBuckets = field(default_factory=lambda: KeyedBuckets(2, 20))
    new_session_limit: KeyedBuckets = field(default_factory=lambda: KeyedBuckets(120 / 3600, 120))
    login_limit: KeyedBuckets = field(default_factory=lambda: KeyedBuckets(5 / 60, 5))
    failed: dict[str, str] = field(default_factory=dict)  # channel -> why it did not start


RUNTIME = web.AppKey("runtime", Runtime)
