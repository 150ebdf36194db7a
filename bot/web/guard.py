"""Slow and greedy clients: a header deadline, a body deadline, a cap on connections per client
address, and error logging that cannot flood the disk.

- Headers: aiohttp (3.14) closes a connection whose next request has not fully arrived within
  `keepalive_timeout` of the connection (or of the previous answer); we set it to
  `web.header_timeout_seconds`.
- Bodies: `body_deadline` closes the connection when a request's body has not fully arrived
  within `web.body_timeout_seconds`.
- Connections: at most `web.max_connections_per_client` open at once from one address (trusted
  proxies are exempt: they carry everybody).
- Logging: the event loop's error reports (e.g. `accept()` failing with "Too many open files")
  are rate-limited.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler

from bot.web.clients import Network, _ip, client_key, trusted

log = logging.getLogger(__name__)


def body_deadline(seconds: float) -> Handler:
    """Middleware: a request whose body is still arriving after `seconds` loses its connection."""

    @web.middleware
    async def deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists or request.content.is_eof():
            return await handler(request)
        loop = asyncio.get_running_loop()

        def expire() -> None:
            if not request.content.is_eof() and request.transport is not None:
                log.info("closed a connection whose request body was too slow")
                request.transport.close()

        timer = loop.call_later(seconds, expire)
        try:
            return await handler(request)
        finally:
            timer.cancel()

    return deadline  # type: ignore[return-value]


class ConnectionCap:
    """Open connections per client address."""

    def __init__(self, limit: int, networks: Sequence[Network]) -> None:
        self.limit = limit
        self.networks = list(networks)
        self.open: Counter[str] = Counter()
        self.refused = 0

    def admit(self, transport: Any) -> str | None:
        """The address key to release later, or None when the connection must be refused."""
        peer = transport.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not host or self.limit <= 0 or trusted(_ip(host), self.networks):
            return ""
        key = client_key(host)
        if self.open[key] >= self.limit:
            self.refused += 1
            return None
        self.open[key] += 1
        return key

    def release(self, key: str) -> None:
        if key:
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]


class _CappedHandler(RequestHandler):
    def __init__(self, manager: web.Server, cap: ConnectionCap, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._cap = cap
        self._cap_key: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        key = self._cap.admit(transport)
        if key is None:
            transport.abort()  # type: ignore[attr-defined]
            return
        self._cap_key = key
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._cap_key is None:
            return  # refused: never registered
        self._cap.release(self._cap_key)
        self._cap_key = None
        super().connection_lost(exc)


class CappedServer:
    """The runner's protocol factory with a connection cap; everything else is the inner one's."""

    def __init__(self, inner: web.Server, cap: ConnectionCap) -> None:
        self._inner = inner
        self.cap = cap

    def __call__(self) -> RequestHandler:
        inner = self._inner
        return _CappedHandler(inner, self.cap, loop=inner._loop, **inner._kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def cap_connections(runner: web.AppRunner, cap: ConnectionCap) -> None:
    """Install the cap on a set-up runner (before its sites start)."""
    runner._server = CappedServer(runner._server, cap)  # type: ignore[assignment,arg-type]


class QuietErrors:
    """An event-loop exception handler that logs at most `burst` reports per `window` seconds."""

    def __init__(self, burst: int = 20, window: float = 60.0) -> None:
        self.burst = burst
        self.window = window
        self.started = time.monotonic()
        self.logged = 0
        self.dropped = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.started > self.window:
            if self.dropped:
                log.error("%d more event-loop errors were not logged", self.dropped)
            self.started, self.logged, self.dropped = now, 0, 0
        if self.logged >= self.burst:
            self.dropped += 1
            return
        self.logged += 1
        loop.default_exception_handler(context)


class LogBudget(logging.Filter):
    """At most `burst` records per `window` seconds pass (then one line saying how many were
    dropped): a client sending malformed requests cannot fill the disk with tracebacks."""

    def __init__(self, burst: int = 20, window: float = 60.0) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.started = time.monotonic()
        self.passed = 0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.started > self.window:
            if self.dropped:
                record.msg = f"[{self.dropped} similar records were dropped] {record.msg}"
            self.started, self.passed, self.dropped = now, 0, 0
        if self.passed >= self.burst:
            self.dropped += 1
            return False
        self.passed += 1
        return True


NOISY = ("aiohttp.server", "aiohttp.web")  # one traceback per malformed request


def limit_noisy_logs() -> None:
    """Give each noisy logger a budget (once per process)."""
    for name in NOISY:
        logger = logging.getLogger(name)
        if not any(isinstance(f, LogBudget) for f in logger.filters):
            logger.addFilter(LogBudget())


def raise_open_files_limit() -> int:
    """Raise the soft limit of open files to the hard one; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            return soft
    return soft
