"""The Zalo channel: a signed webhook acknowledged at once, turns processed in order per user."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.base import Services, config_error
from bot.channels.ordered import KeyedQueue
from bot.channels.textsplit import split_text
from bot.channels.zalo import signature
from bot.channels.zalo.client import ZaloAuthError, ZaloClient, ZaloError
from bot.channels.zalo.events import Event, parse
from bot.channels.zalo.tokens import TokenBox, Tokens
from bot.config import Config
from bot.core.messages import Incoming, Outgoing, Reply, numbered
from bot.storage.security import MemoryTokenStore, SqlTokenStore

log = logging.getLogger(__name__)
CHANNEL = "zalo"
MAX_TEXT = 2000
FRESH_SECONDS = 15 * 60  # events stamped further than this from now are refused (replays)


class ZaloChannel:
    """Zalo OA v3 events in, consultation text messages out; buttons become numbered lines."""

    name = CHANNEL

    def __init__(
        self,
        cfg: Config,
        services: Services,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        queue_limit: int = 10_000,
    ) -> None:
        self.app_id = str(cfg["zalo.oa.app_id"])
        self.secret_key = str(cfg["zalo.oa.secret_key"])
        if not self.app_id or not self.secret_key:
            raise config_error(
                cfg, "zalo needs zalo.oa.app_id and zalo.oa.secret_key to check signatures"
            )
        if not (cfg["zalo.oa.access_token"] or cfg["zalo.oa.refresh_token"]):
            raise config_error(cfg, "zalo needs zalo.oa.access_token or zalo.oa.refresh_token")
        self.path = str(cfg["zalo.webhook.path"])
        self.max_body = int(cfg["zalo.webhook.max_body_bytes"])
        self.hub = services.hub
        self.metrics = services.metrics
        db = getattr(services.store, "engine", None)
        self.tokens = TokenBox(
            SqlTokenStore(db) if db is not None else MemoryTokenStore(),
            self.app_id,
            Tokens(str(cfg["zalo.oa.access_token"]), str(cfg["zalo.oa.refresh_token"])),
        )
        self._client_args: dict[str, Any] = {
            "api_base_url": str(cfg["zalo.oa.api_base_url"]),
            "oauth_url": str(cfg["zalo.oa.oauth_url"]),
            "app_id": self.app_id,
            "secret_key": self.secret_key,
            "attempts": attempts,
            "backoff": backoff,
        }
        self.queue = KeyedQueue(queue_limit)
        self._session: aiohttp.ClientSession | None = None
        self._client: ZaloClient | None = None
        self.health_problem = ""  # set while Zalo refuses our credentials; /healthz reports it
        self.clock = time.time

    @staticmethod
    def enabled(cfg: Config) -> bool:
        """On when the OA app id or a token is configured (the rest is then required)."""
        return any(
            cfg[k] for k in ("zalo.oa.app_id", "zalo.oa.access_token", "zalo.oa.refresh_token")
        )

    @classmethod
    def create(cls, cfg: Config, services: Services) -> ZaloChannel:
        """The channel with production retry settings."""
        return cls(cfg, services)

    def routes(self, app: web.Application) -> None:
        """The webhook route."""
        app.router.add_post(self.path, self.on_webhook)

    @property
    def client(self) -> ZaloClient:
        """The API client (after start)."""
        if self._client is None:
            raise RuntimeError("the Zalo channel is not started")
        return self._client

    async def start(self) -> None:
        """Open the HTTP session and pick up tokens refreshed by an earlier run."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        self._client = ZaloClient(self._session, self.tokens, **self._client_args)
        await asyncio.to_thread(self.tokens.load)
        log.info("zalo channel started on %s", self.path)

    async def stop(self) -> None:
        """Finish queued turns, then close the session."""
        await self.queue.close()
        if self._session is not None:
            await self._session.close()

    # ---- events in -------------------------------------------------------------
    async def on_webhook(self, request: web.Request) -> web.Response:
        """413 oversized, 403 unsigned or badly signed, 400 malformed; otherwise queue and 200."""
        if (request.content_length or 0) > self.max_body:
            return self._reject(413, "size")
        raw = await _read_at_most(request, self.max_body)
        if raw is None:
            return self._reject(413, "size")
        given = request.headers.get(signature.HEADER, "")
        if not given:
            return self._reject(403, "signature")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting too
            return self._reject(400, "malformed")
        if not isinstance(data, dict):
            return self._reject(400, "malformed")
        stamp = str(data.get("timestamp", ""))
        if not signature.valid(given, self.app_id, raw, stamp, self.secret_key):
            return self._reject(403, "signature")
        if not self._fresh(stamp):
            return self._reject(403, "stale")
        event = parse(data, raw)
        if event is not None and not self.queue.submit(event.user_id, lambda: self._process(event)):
            return web.Response(status=503)
        return web.json_response({"error": 0})

    def _fresh(self, stamp: str) -> bool:
        """A timestamp (milliseconds) within FRESH_SECONDS of now: old signed events are replays."""
        if not stamp.isdigit() or len(stamp) > 16:
            return False
        return abs(self.clock() - int(stamp) / 1000) <= FRESH_SECONDS

    def _reject(self, status: int, reason: str) -> web.Response:
        self.metrics.inc("tthc_webhook_rejects_total", channel=CHANNEL, reason=reason)
        return web.Response(status=status)

    async def _process(self, event: Event) -> None:
        if not await self.hub.first_time(CHANNEL, event.msg_id):
            return
        if event.kind != "text":
            await self.send(event.user_id, [Reply(self.hub.text("text_only"))])
            return
        replies = await self.hub.handle(Incoming(CHANNEL, event.user_id, text=event.text))
        await self.send(event.user_id, replies)

    # ---- messages out ----------------------------------------------------------
    async def deliver(self, out: Outgoing) -> None:
        """Send a bot-initiated message (reminder, notice). Raises when Zalo stayed unreachable,
        so the outbox gives the message back for a later round (the channel delivery contract)."""
        try:
            await self._send_all(out.user, list(out.replies))
        except ZaloError as exc:
            self.metrics.inc("tthc_errors_total", channel=CHANNEL, stage="deliver")
            if exc.transient:
                raise
            log.info("zalo notice not deliverable: code %s", exc.code)

    async def send(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Each reply as text with numbered buttons, cut to Zalo's 2,000 characters."""
        try:
            await self._send_all(user_id, replies)
        except ZaloError as exc:
            self.metrics.inc("tthc_errors_total", channel=CHANNEL, stage="send")
            log.warning("zalo send failed: code %s", exc.code)

    async def _send_all(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Send every piece; a refusal of our credentials marks the channel degraded."""
        try:
            for reply in replies:
                for piece in split_text(numbered(reply), MAX_TEXT):
                    if piece:
                        await self.client.send_text(user_id, piece)
        except ZaloAuthError as exc:
            self.health_problem = f"Zalo refuses the OA credentials (code {exc.code})"
            self.metrics.inc("tthc_errors_total", channel=CHANNEL, stage="auth")
            log.error("zalo send failed: the OA credentials are refused (code %s)", exc.code)
            raise
        self.health_problem = ""


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past `limit` bytes (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16_384):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
