"""The web chat as a channel: turns arrive over HTTP, bot-initiated messages wait in a mailbox."""

from __future__ import annotations

from collections import OrderedDict, deque

from aiohttp import web

from bot.channels.base import Services
from bot.config import Config
from bot.core.messages import Outgoing, Reply

CHANNEL = "web"
MAILBOX_SIZE = 20


class WebChannel:
    """Holds messages for web users until their page asks (`/api/inbox` or the next turn)."""

    name = CHANNEL

    def __init__(self, services: Services, max_users: int = 10_000) -> None:
        self.services = services
        self.max_users = max_users
        self._mail: OrderedDict[str, deque[Reply]] = OrderedDict()

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
        """Keep the replies for the user's page."""
        box = self._mail.setdefault(out.user, deque(maxlen=MAILBOX_SIZE))
        box.extend(out.replies)
        self._mail.move_to_end(out.user)
        while len(self._mail) > self.max_users:
            self._mail.popitem(last=False)

    def collect(self, user: str) -> list[Reply]:
        """Take the user's waiting replies."""
        box = self._mail.pop(user, None)
        return list(box) if box else []
