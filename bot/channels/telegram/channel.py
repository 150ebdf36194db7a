"""The Telegram channel: updates in (polling or webhook), engine turns, messages out."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web
from telegram import InputFile, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot, Updater

from bot.channels.base import Services, config_error
from bot.channels.limits import KeyedBuckets
from bot.channels.ordered import KeyedQueue
from bot.channels.telegram.convert import (
    CHANNEL,
    RESTART,
    Inbound,
    chat_key,
    inbound,
    start_payload,
)
from bot.channels.telegram.keyboard import PayloadIds, markup
from bot.channels.textsplit import split_text
from bot.config import Config
from bot.core.messages import Incoming, Outgoing, Reply

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ("message", "callback_query")
MAX_TEXT = 4096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
T = TypeVar("T")


def transient(exc: TelegramError) -> bool:
    """A failure worth retrying: Telegram unreachable, too slow, or answering 5xx."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


class TelegramChannel:
    """python-telegram-bot for the wire; ordering, dedup and state are ours."""

    name = CHANNEL

    def __init__(
        self,
        cfg: Config,
        services: Services,
        *,
        rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3.0,
        poll_timeout: float = 30.0,
        queue_limit: int = 10_000,
        send_attempts: int = 4,
        send_backoff: float = 0.5,
    ) -> None:
        self.mode = cfg["telegram.mode"]
        self.secret = str(cfg["telegram.webhook.secret_token"])
        if self.mode == "webhook" and not self.secret:
            raise config_error(
                cfg, "telegram.mode is 'webhook' but telegram.webhook.secret_token is empty"
            )
        self.webhook_url = str(cfg["telegram.webhook.url"])
        self.webhook_path = str(cfg["telegram.webhook.path"])
        self.hub = services.hub
        self.metrics = services.metrics
        base_url = str(cfg["telegram.base_url"])
        self.bot: ExtBot = ExtBot(  # type: ignore[type-arg]
            cfg["telegram.token"],
            base_url=base_url,
            base_file_url=_file_url(base_url),
            rate_limiter=rate_limiter or AIORateLimiter(max_retries=3),
        )
        self.payloads = PayloadIds(services.store)
        self.per_chat = KeyedBuckets(per_chat_rate, per_chat_burst)
        self.poll_timeout = poll_timeout
        self.queue = KeyedQueue(queue_limit)
        self.send_attempts = max(1, send_attempts)
        self.send_backoff = send_backoff
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._started = False

    @staticmethod
    def enabled(cfg: Config) -> bool:
        """On when a bot token is configured."""
        return bool(cfg["telegram.token"])

    @classmethod
    def create(cls, cfg: Config, services: Services) -> TelegramChannel:
        """The channel with production limits."""
        return cls(cfg, services)

    # ---- lifecycle -------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        """The webhook route (webhook mode only)."""
        if self.mode == "webhook":
            app.router.add_post(self.webhook_path, self.on_webhook)

    async def start(self) -> None:
        """Check the token (getMe), then start polling or register the webhook."""
        await self.bot.initialize()
        if self.mode == "polling":
            self._updater = Updater(self.bot, asyncio.Queue())
            await self._updater.initialize()
            await self._updater.start_polling(
                timeout=dt.timedelta(seconds=self.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
            self._consumer = asyncio.create_task(self._consume(self._updater.update_queue))
        elif self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            log.warning(
                "telegram webhook mode without telegram.webhook.url: set the webhook yourself"
            )
        self._started = True
        log.info("telegram channel started (%s) as @%s", self.mode, self.bot.username)

    async def stop(self) -> None:
        """Stop fetching, finish queued turns, close the HTTP clients."""
        if self._updater is not None and self._updater.running:
            await self._updater.stop()
        if self._consumer is not None:
            self._consumer.cancel()
            await asyncio.gather(self._consumer, return_exceptions=True)
        await self.queue.close()
        if self._updater is not None:
            await self._updater.shutdown()
        await self.bot.shutdown()

    async def _consume(self, queue: asyncio.Queue[object]) -> None:
        while True:
            update = await queue.get()
            # Polled updates are already confirmed to Telegram: wait for room, never drop one.
            while isinstance(update, Update) and not self.accept(update):
                await asyncio.sleep(0.05)

    # ---- updates in ------------------------------------------------------------
    async def on_webhook(self, request: web.Request) -> web.Response:
        """Check the secret, queue the update, answer at once."""
        if not self._started:
            return web.Response(status=503)  # Telegram retries later
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), self.secret.encode()):
            self.metrics.inc("tthc_webhook_rejects_total", channel=CHANNEL, reason="secret")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            self.metrics.inc("tthc_webhook_rejects_total", channel=CHANNEL, reason="size")
            return web.Response(status=413)
        except (ValueError, RecursionError):  # malformed, or nested deeper than the parser goes
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            self.metrics.inc("tthc_webhook_rejects_total", channel=CHANNEL, reason="malformed")
            return web.Response(status=400)
        # Parsing into PTB objects waits for the queue: the acknowledgement stays cheap.
        if not self.queue.submit(chat_key(data), lambda: self._process_raw(data)):
            return web.Response(status=503)
        return web.Response(status=200)

    def accept(self, update: Update) -> bool:
        """Queue an update behind the same chat's earlier ones; False when the queue is full."""
        chat = update.effective_chat
        key = chat.id if chat is not None else 0
        return self.queue.submit(key, lambda: self._process(update))

    async def _process_raw(self, data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, self.bot)
        except (TypeError, KeyError, ValueError):
            self.metrics.inc("tthc_errors_total", channel=CHANNEL, stage="parse")
            log.warning("telegram update %s could not be parsed", data.get("update_id"))
            return
        await self._process(update)

    async def _process(self, update: Update) -> None:
        if not await self.hub.first_time(CHANNEL, str(update.update_id)):
            return
        what = inbound(update)
        if what is None:
            return
        if what.media:
            await self.send(what.chat_id, [Reply(self.hub.text("text_only"))])
            return
        msg = await self._incoming(what)
        replies = await self.hub.handle(msg)
        await self.send(what.chat_id, replies)

    async def _incoming(self, what: Inbound) -> Incoming:
        user = str(what.chat_id)
        if what.callback is not None:
            await self._acknowledge(what)
            data = what.callback.data or ""
            decode = self.payloads.decode
            payload = (
                decode(data) if self.payloads.cached(data) else await self.hub.run(decode, data)
            )
            return Incoming(CHANNEL, user, button=payload or "stale")
        is_start, deep_link = start_payload(what.text)
        if is_start and not deep_link:
            return Incoming(CHANNEL, user, button=RESTART)
        return Incoming(CHANNEL, user, text=what.text)

    async def _acknowledge(self, what: Inbound) -> None:
        """Answer the callback query and take the keyboard off the pressed message."""
        query = what.callback
        assert query is not None and query.message is not None
        try:
            await self.bot.answer_callback_query(query.id)
            await self.bot.edit_message_reply_markup(
                what.chat_id, query.message.message_id, reply_markup=None
            )
        except TelegramError as exc:
            log.info("telegram callback acknowledgement failed: %s", type(exc).__name__)

    # ---- messages out ----------------------------------------------------------
    async def deliver(self, out: Outgoing) -> None:
        """Send a bot-initiated message (reminder, notice); raises when Telegram stayed
        unreachable, so the outbox gives the message back for a later round."""
        try:
            await self._send_all(int(out.user), out.replies)
        except TelegramError as exc:
            if transient(exc):
                raise
            log.info("telegram notice not deliverable: %s", type(exc).__name__)

    async def send(self, chat_id: int, replies: Sequence[Reply]) -> None:
        """Send replies in order: text pieces, the keyboard on the last one, then any file."""
        try:
            await self._send_all(chat_id, replies)
        except Forbidden:
            log.info("telegram chat %s blocked the bot", chat_id)
        except TelegramError as exc:
            self.metrics.inc("tthc_errors_total", channel=CHANNEL, stage="send")
            log.warning("telegram send failed: %s", type(exc).__name__)

    async def _send_all(self, chat_id: int, replies: Sequence[Reply]) -> None:
        for reply in replies:
            await self._send_one(chat_id, reply)

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, tried again with exponential backoff while Telegram is down or too slow
        (bounded: `send_attempts` tries, waiting `send_backoff` seconds, then twice that, …)."""
        for attempt in range(self.send_attempts - 1):
            try:
                return await call()
            except TelegramError as exc:
                if not transient(exc):
                    raise
                log.info(
                    "telegram request failed (attempt %d/%d): %s",
                    attempt + 1,
                    self.send_attempts,
                    type(exc).__name__,
                )
            await asyncio.sleep(self.send_backoff * 2**attempt)
        return await call()

    async def _callback_data(self, reply: Reply) -> list[str]:
        """Callback data for the reply's buttons; the store is touched only for new long ones."""
        payloads = [b.payload for b in reply.buttons]
        if all(self.payloads.known(p) for p in payloads):
            return [self.payloads.encode(p) for p in payloads]
        return await self.hub.run(lambda: [self.payloads.encode(p) for p in payloads])

    async def _send_one(self, chat_id: int, reply: Reply) -> None:
        keyboard = None
        if reply.buttons:
            data = await self._callback_data(reply)
            keyboard = markup(reply.buttons, data)
        text = reply.text or ("…" if keyboard or reply.attachment is None else "")
        pieces = split_text(text, MAX_TEXT) if text else []
        for i, piece in enumerate(pieces):
            await self.per_chat.wait(chat_id)
            board = keyboard if i == len(pieces) - 1 else None
            await self._retrying(
                functools.partial(self.bot.send_message, chat_id, piece, reply_markup=board)
            )
        if reply.attachment is not None:
            att = reply.attachment
            await self.per_chat.wait(chat_id)
            file = InputFile(att.content, filename=att.filename)
            send = self.bot.send_photo if att.mime.startswith("image/") else self.bot.send_document
            await self._retrying(functools.partial(send, chat_id, file))


def _file_url(base_url: str) -> str:
    """The file URL that goes with a Bot API base URL ('…/bot' -> '…/file/bot')."""
    head, sep, _ = base_url.rpartition("/bot")
    return f"{head}/file/bot" if sep else base_url
