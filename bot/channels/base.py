"""What every channel offers the server, and what the server hands every channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.channels.hub import Hub
from bot.channels.metrics import Metrics
from bot.config import Config
from bot.content.yamlio import ContentError, Problem
from bot.core.engine import StateStore
from bot.core.messages import Outgoing


@dataclass(frozen=True)
class Services:
    """Shared by the channels of one process."""

    hub: Hub
    store: StateStore  # also holds small channel records (Telegram button ids, Zalo tokens)
    metrics: Metrics


class Channel(Protocol):
    """A platform adapter: webhook routes, start/stop, delivery of bot-initiated messages."""

    name: str

    def routes(self, app: web.Application) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def deliver(self, out: Outgoing) -> None:
        """Deliver a bot-initiated message (reminder, notice). The delivery contract:
        return normally only when the platform accepted every reply, or when it refused for
        good (user blocked the bot, unknown user: retrying cannot help, logged); RAISE when the
        platform could not be reached or answered a temporary error after the channel's own
        retries, so the outbox keeps the message and tries again later. Never swallow a
        transient failure: a swallowed one is marked sent and lost."""
        ...


class ChannelFactory(Protocol):
    """The class side of a channel, as registered in `bot.channels.registry.CHANNELS`."""

    @staticmethod
    def enabled(cfg: Config) -> bool: ...
    @classmethod
    def create(cls, cfg: Config, services: Services) -> Channel: ...


def config_error(cfg: Config, message: str) -> ContentError:
    """A channel is on but its settings are incomplete: reported like any config problem."""
    return ContentError([Problem(cfg.path or "config", 0, message)])
