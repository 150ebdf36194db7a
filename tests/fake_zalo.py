"""A fake Zalo OpenAPI + OAuth server, and signed webhook events like Zalo sends them."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.zalo.signature import HEADER, signature


@dataclass
class FakeZalo:
    """Records sent messages; `fail_next` HTTP statuses are answered first; tokens are checked."""

    access_token: str = "access-1"
    refresh_token: str = "refresh-1"
    secret_key: str = "oa-secret"
    messages: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    refreshes: list[dict[str, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)

    def app(self) -> web.Application:
        """Routes for /v3.0/oa/message/cs and /v4/oa/access_token."""
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._refresh)
        return app

    def texts(self, user_id: str | None = None) -> list[str]:
        """Texts sent, oldest first."""
        return [
            m["message"]["text"]
            for m in self.messages
            if user_id is None or m["recipient"]["user_id"] == user_id
        ]

    async def wait_texts(
        self, count: int, user_id: str | None = None, timeout: float = 10
    ) -> list[str]:
        """Wait until at least `count` texts went out."""
        deadline = time.monotonic() + timeout
        while len(self.texts(user_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} texts, got {self.texts(user_id)!r}")
            await asyncio.sleep(0.01)
        return self.texts(user_id)

    async def _send(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.fail_next:
            return web.Response(status=self.fail_next.pop(0), text="upstream trouble")
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        self.messages.append(body)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "message_id": f"m{len(self.messages)}",
                    "user_id": body["recipient"]["user_id"],
                },
            }
        )

    async def _refresh(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.refreshes.append({k: str(v) for k, v in form.items()})
        if request.headers.get("secret_key") != self.secret_key:
            return web.json_response({"error": -14002, "error_name": "Invalid secret key"})
        if (
            form.get("refresh_token") != self.refresh_token
            or form.get("grant_type") != "refresh_token"
        ):
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        n = len(self.refreshes) + 1
        self.access_token, self.refresh_token = f"access-{n}", f"refresh-{n}"
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )


def event(
    user_id: str,
    text: str = "",
    msg_id: str = "",
    name: str = "user_send_text",
    app_id: str = "app-1",
) -> dict[str, Any]:
    """A Zalo OA webhook event body."""
    stamp = str(int(time.time() * 1000))
    message: dict[str, Any] = {"msg_id": msg_id or f"msg-{stamp}-{user_id}"}
    if name == "user_send_text":
        message["text"] = text
    return {
        "app_id": app_id,
        "user_id_by_app": f"app-{user_id}",
        "event_name": name,
        "timestamp": stamp,
        "sender": {"id": user_id},
        "recipient": {"id": "oa-1"},
        "message": message,
    }


def signed(
    body: dict[str, Any], app_id: str = "app-1", secret_key: str = "oa-secret"
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers Zalo would send for an event."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    mac = signature(app_id, raw, str(body.get("timestamp", "")), secret_key)
    return raw, {HEADER: mac, "Content-Type": "application/json"}
