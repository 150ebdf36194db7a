"""The web chat: the page, `POST /api/chat` and `GET /api/inbox` for bot-initiated messages."""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.web import CHANNEL, WebChannel
from bot.core.messages import Incoming, Reply
from bot.web.runtime import RUNTIME, Runtime

STATIC = Path(__file__).resolve().parent / "static"
USER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TEXT = 2000
MAX_PAYLOAD = 512


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


def _bad(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


def _parse(body: Any) -> tuple[str, str, str] | str:
    """(user, text, button) or an error message."""
    if not isinstance(body, dict):
        return "expected a JSON object"
    user, text, button = body.get("user"), body.get("text", ""), body.get("button", "")
    if not isinstance(user, str) or not USER_RE.match(user):
        return "'user' must be 1-64 letters, digits or _.:-"
    if not isinstance(text, str) or not isinstance(button, str):
        return "'text' and 'button' must be strings"
    if len(button) > MAX_PAYLOAD:
        return "message too long"
    return user, text, button


def _mailbox(rt: Runtime) -> WebChannel | None:
    channel = rt.channels.get(CHANNEL)
    return channel if isinstance(channel, WebChannel) else None


async def api_chat(request: web.Request) -> web.Response:
    """One turn: {"user", "text"} or {"user", "button"} -> {"replies": [...]}."""
    rt = request.app[RUNTIME]
    if not rt.chat_limit.try_take(request.remote or ""):
        return web.json_response({"error": "too many requests"}, status=429)
    try:
        body = await request.json()
    except ValueError:
        return _bad("malformed JSON")
    parsed = _parse(body)
    if isinstance(parsed, str):
        return _bad(parsed)
    user, text, button = parsed
    if len(text) > MAX_TEXT:  # a clear answer asking to shorten it, not a silent cut or a bare 400
        words = rt.engine.content.flows.text("too_long", "vi")
        shorten = Reply(words.format(length=len(text), limit=MAX_TEXT))
        return web.json_response({"replies": [reply_json(shorten)], "too_long": True})
    replies = await rt.services.hub.handle(Incoming(CHANNEL, user, text=text, button=button))
    box = _mailbox(rt)
    waiting = box.collect(user) if box else []
    return web.json_response({"replies": [reply_json(r) for r in [*waiting, *replies]]})


async def api_inbox(request: web.Request) -> web.Response:
    """Messages the bot sent on its own since the page last asked."""
    user = request.query.get("user", "")
    if not USER_RE.match(user):
        return _bad("'user' must be 1-64 letters, digits or _.:-")
    box = _mailbox(request.app[RUNTIME])
    return web.json_response(
        {"replies": [reply_json(r) for r in (box.collect(user) if box else [])]}
    )


async def api_history(request: web.Request) -> web.Response:
    """The conversation so far, from the database, for a reloaded page."""
    user = request.query.get("user", "")
    if not USER_RE.match(user):
        return _bad("'user' must be 1-64 letters, digits or _.:-")
    rt = request.app[RUNTIME]
    messages = await asyncio.to_thread(rt.engine.history, CHANNEL, user)
    out = [
        {"from": m.get("from"), "text": m.get("text", ""),
         "buttons": [{"label": b[0], "payload": b[1]} for b in m.get("buttons", [])]}
        for m in messages
    ]
    return web.json_response({"messages": out})


async def index(request: web.Request) -> web.Response:
    """The chat page."""
    page = await asyncio.to_thread((STATIC / "index.html").read_bytes)
    return web.Response(body=page, content_type="text/html", charset="utf-8")


def register(app: web.Application) -> None:
    """Add the chat routes and the static files."""
    app.router.add_get("/", index)
    app.router.add_post("/api/chat", api_chat)
    app.router.add_get("/api/inbox", api_inbox)
    app.router.add_get("/api/history", api_history)
    app.router.add_static("/static/", STATIC)
