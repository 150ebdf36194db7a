"""A fake Telegram Bot API server (aiohttp) that python-telegram-bot talks to over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 777000
JSON_FIELDS = {"reply_markup", "allowed_updates", "link_preview_options", "reply_parameters"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


class FakeTelegram:
    """Queue updates with `push_*`, read what the bot did in `calls`."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self.webhook: dict[str, Any] = {}

    def app(self) -> web.Application:
        """The aiohttp application; serve it with aiohttp's test server or AppRunner."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        return app

    # ---- updates ---------------------------------------------------------------
    def _user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Dân"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Dân"}

    def text_update(self, chat_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
        """An update carrying a text message."""
        return {
            "update_id": update_id or next(self._ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._user(chat_id),
                "text": text,
            },
        }

    def callback_update(self, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        """An update carrying a button press on one of the bot's messages."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
            "text": "…",
        }
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": f"cq{next(self._ids)}",
                "from": self._user(chat_id),
                "chat_instance": "ci",
                "message": message,
                "data": data,
            },
        }

    async def push(self, update: dict[str, Any]) -> None:
        """Make an update available to getUpdates."""
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    # ---- what the bot did ------------------------------------------------------
    def sent(self, chat_id: int | None = None) -> list[Call]:
        """sendMessage / sendDocument / sendPhoto calls, oldest first."""
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendDocument", "sendPhoto")
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def called(self, method: str) -> list[Call]:
        """Calls of one API method."""
        return [c for c in self.calls if c.method == method]

    async def wait_sent(
        self, count: int, chat_id: int | None = None, timeout: float = 10
    ) -> list[Call]:
        """Wait until at least `count` messages went out."""
        deadline = time.monotonic() + timeout
        while len(self.sent(chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} messages, got {len(self.sent(chat_id))}: "
                    f"{[c.params.get('text', '')[:60] for c in self.sent(chat_id)]}"
                )
            await asyncio.sleep(0.01)
        return self.sent(chat_id)

    # ---- the API ---------------------------------------------------------------
    async def _params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = value
        params.update(request.query)
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params, files

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params, files))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        result = await handler(params, files)
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: dict[str, Any], files: Any) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "TTHC",
            "username": "tthc_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        async with self._changed:
            while True:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return ready

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            **extra,
        }

    async def _api_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        return self._message(params, text=params.get("text", ""))

    async def _api_sendDocument(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> Any:
        name = next(iter(files.values()))[0] if files else "file"
        return self._message(
            params, document={"file_id": "f1", "file_unique_id": "u1", "file_name": name}
        )

    async def _api_sendPhoto(self, params: dict[str, Any], files: Any) -> Any:
        return self._message(
            params, photo=[{"file_id": "p1", "file_unique_id": "pu1", "width": 1, "height": 1}]
        )

    async def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        return self._message(params, text="…")

    async def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook = dict(params)
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any], files: Any) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }


def serve_in_child(token: str, port_out: Any, stop: Any) -> None:
    """Child-process entry for benchmarks: a FakeTelegram on a free port, plus GET /stats
    ({"sent", "chats", "per_chat"}), until `stop` is set."""
    from collections import Counter

    async def main() -> None:
        api = FakeTelegram(token)
        app = api.app()

        async def stats(request: web.Request) -> web.Response:
            per_chat = Counter(str(c.params["chat_id"]) for c in api.sent())
            return web.json_response(
                {"sent": sum(per_chat.values()), "chats": len(per_chat), "per_chat": per_chat}
            )

        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port_out.put(runner.addresses[0][1])
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await runner.cleanup()

    asyncio.run(main())
