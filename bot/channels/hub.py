"""The bridge from async channels to the synchronous engine: one turn at a time per user."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from bot.channels.metrics import Metrics
from bot.channels.ordered import KeyedLocks
from bot.core.engine import Engine
from bot.core.messages import Incoming, Reply
from bot.storage.state import StateTooLarge

log = logging.getLogger(__name__)
T = TypeVar("T")


class Inbox(Protocol):
    def first_time(self, channel: str, key: str) -> bool: ...


class MemoryInbox:
    """Delivery keys in memory (no database); remembers the most recent `size` keys."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def first_time(self, channel: str, key: str) -> bool:
        """Record the key; False when seen before."""
        if (channel, key) in self._seen:
            return False
        self._seen[(channel, key)] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def threads_for(database_url: str) -> int:
    """Worker threads for blocking turns: one for SQLite (it has a single writer, and threads
    waiting on its lock sleep in its busy handler), a few for a server database (each turn may
    hold two pooled connections: the per-user lock and the work)."""
    return 1 if database_url.startswith("sqlite") else 4


class Hub:
    """Runs `Engine.handle` in worker threads, serialised per (channel, user), with metrics."""

    def __init__(self, engine: Engine, inbox: Inbox, metrics: Metrics, threads: int = 4) -> None:
        self.engine = engine
        self.inbox = inbox
        self.metrics = metrics
        self._locks = KeyedLocks()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="turn")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (engine, database) on the hub's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))

    def close(self) -> None:
        """Let running work finish and release the threads."""
        self._pool.shutdown(wait=True)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """The engine's replies; on failure a polite error reply (never an exception)."""
        self.metrics.inc("tthc_messages_total", channel=msg.channel)
        async with self._locks.hold((msg.channel, msg.user)):
            started = time.perf_counter()
            try:
                replies = await self.run(self.engine.handle, msg)  # takes the store's user lock
            except StateTooLarge:
                log.warning(
                    "a %s conversation reached the state size limit; turn not saved", msg.channel
                )
                self.metrics.inc("tthc_errors_total", channel=msg.channel, stage="state_size")
                replies = [Reply(self.text("state_too_large"))]
            except Exception:
                log.exception("engine failed on a %s message", msg.channel)
                self.metrics.inc("tthc_errors_total", channel=msg.channel, stage="engine")
                replies = [Reply(self.text("error_try_again"))]
            finally:
                self.metrics.observe(
                    "tthc_handle_seconds", time.perf_counter() - started, channel=msg.channel
                )
        self.metrics.inc("tthc_replies_total", len(replies), channel=msg.channel)
        return replies

    async def first_time(self, channel: str, key: str) -> bool:
        """True for a new delivery key; a redelivery is counted and False."""
        try:
            fresh = await self.run(self.inbox.first_time, channel, key)
        except Exception:
            log.exception("inbox check failed on %s; handling the update anyway", channel)
            self.metrics.inc("tthc_errors_total", channel=channel, stage="inbox")
            return True
        if not fresh:
            self.metrics.inc("tthc_duplicates_total", channel=channel)
        return fresh

    def text(self, key: str) -> str:
        """A text from flows/texts.yaml (Vietnamese)."""
        return self.engine.content.flows.text(key, "vi")
