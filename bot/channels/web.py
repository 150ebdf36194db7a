"""The web chat as a channel: turns arrive over HTTP, bot-initiated messages wait in the database
(any worker can hand them to the page) or, without a database, in this process."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from bot.channels.base import Services
from bot.config import Config
from bot.core.messages import Outgoing, Reply
from bot.storage.security import MemoryNotices, Notices, SqlNotices

CHANNEL = "web"


def reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the page reads it."""
    out: dict[str, Any] = {
        "text": reply.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
    }
    if reply.attachment is not None:
        att = reply.attachment
        out["attachment"] = {
            "filename": att.filename,
            "mime": att.mime,
            "data_base64": base64.b64encode(att.content).decode(),
        }
    return out


class WebChannel:
    """Holds messages for web users until their page asks (`/api/inbox` or the next turn)."""

    name = CHANNEL

    def __init__(self, services: Services, notices: Notices | None = None) -> None:
        self.services = services
        db = getattr(services.store, "engine", None)
        self.notices: Notices = notices or (SqlNotices(db) if db is not None else MemoryNotices())

    @staticmethod
    def enabled(cfg: Config) -> bool:
        """Always on: it is the local chat page."""
        return True

    @classmethod
    def create(cls, cfg: Config, services: Services) -> WebChannel:
        """The channel; its routes live in bot.web.chat."""
        return cls(services)

    def routes(self, app: web.Application) -> None:
        """Nothing here: the chat API is part of the web app."""

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""

    async def deliver(self, out: Outgoing) -> None:
        """Keep the replies for the user's page (blocking work on the hub's threads)."""
        await self.services.hub.run(
            self.notices.add, out.user, [reply_json(r) for r in out.replies]
        )

    async def collect(self, user: str) -> list[dict[str, Any]]:
        """Take the user's waiting replies (each one is handed out once, by one worker)."""
        return await self.services.hub.run(self.notices.take, user)
