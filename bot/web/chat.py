"""The web chat: the page, `POST /api/chat` and `GET /api/inbox` for bot-initiated messages.

Identity is issued by the server: a random session id (256 bits) in an HttpOnly, SameSite=Lax
cookie, stored hashed. The page never chooses it; a `user` field in the body is ignored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.web import CHANNEL, WebChannel, reply_json
from bot.core.messages import Incoming, Reply
from bot.storage.security import WebIdentity
from bot.web.clients import client_key, client_of, cross_site, https_of, origin_hash
from bot.web.runtime import RUNTIME, Runtime

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "tthc_session"
SESSION_MAX_AGE = 180 * 24 * 3600
MAX_TEXT = 2000
MAX_PAYLOAD = 512

__all__ = ["SESSION_COOKIE", "register", "reply_json"]


def _bad(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _parse(body: Any) -> tuple[str, str] | str:
    """(text, button) or an error message; any `user` field is ignored."""
    if not isinstance(body, dict):
        return "expected a JSON object"
    text, button = body.get("text", ""), body.get("button", "")
    if not isinstance(text, str) or not isinstance(button, str):
        return "'text' and 'button' must be strings"
    if len(button) > MAX_PAYLOAD:
        return "message too long"
    return text, button


def _mailbox(rt: Runtime) -> WebChannel | None:
    channel = rt.channels.get(CHANNEL)
    return channel if isinstance(channel, WebChannel) else None


async def session_identity(request: web.Request) -> WebIdentity | None:
    """Who a valid session cookie speaks for, or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    return await asyncio.to_thread(request.app[RUNTIME].sessions.lookup, token)


async def session_user(request: web.Request) -> str | None:
    """The web user of a valid session cookie, or None."""
    found = await session_identity(request)
    return found.user if found else None


async def _volunteer_login(
    request: web.Request, rt: Runtime, token: str, text: str, client: str
) -> web.Response | None:
    """`/dangnhap CODE` binds a volunteer's personal login to this session; `/dangxuat` ends it.
    None for any other text. Wrong codes count like wrong admin tokens (per client)."""
    words = text.strip().split()
    if not words or words[0].lower() not in ("/dangnhap", "/dangxuat"):
        return None
    if words[0].lower() == "/dangxuat":
        await asyncio.to_thread(rt.sessions.unbind_volunteer, token)
        return _say(rt, "vol_web_logout")
    if not rt.login_limit.available(client):
        return _bad("too many failed attempts; try again later", 429)
    code = words[1] if len(words) == 2 else ""
    name = await asyncio.to_thread(rt.sessions.bind_volunteer, token, code)
    if name is None:
        rt.login_limit.try_take(client)
        return _say(rt, "vol_web_login_bad")
    return _say(rt, "vol_web_login_ok", name=name)


def _say(rt: Runtime, key: str, **kw: str) -> web.Response:
    text = rt.services.hub.text(key).format(**kw)
    return web.json_response({"replies": [{"text": text, "buttons": []}]})


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=https_of(request),
    )


async def api_chat(request: web.Request) -> web.Response:
    """One turn: {"text"} or {"button"} -> {"replies": [...]}; the session comes from the cookie."""
    rt = request.app[RUNTIME]
    client = client_key(client_of(request))
    if not rt.chat_limit.try_take(client):
        return _bad("too many requests", 429)
    if cross_site(request):
        return _bad("cross-site request", 403)
    if request.content_type != "application/json":
        return _bad("expected application/json", 415)
    try:
        body = await request.json()
    except ValueError:
        return _bad("malformed JSON")
    parsed = _parse(body)
    if isinstance(parsed, str):
        return _bad(parsed)
    text, button = parsed
    if len(text) > MAX_TEXT:  # a clear answer asking to shorten it, not a silent cut or a bare 400
        words = rt.engine.content.flows.text("too_long", "vi")
        shorten = Reply(words.format(length=len(text), limit=MAX_TEXT))
        return web.json_response({"replies": [reply_json(shorten)], "too_long": True})
    identity, new_token = await session_identity(request), ""
    if identity is None:
        if not rt.new_session_limit.try_take(client):
            return _bad("too many new sessions from this address", 429)
        new_token, user = await asyncio.to_thread(rt.sessions.issue)
        identity = WebIdentity(user)
    user = identity.user
    if not rt.session_turn_limit.try_take(user):
        return _bad("too many requests", 429)
    token = new_token or request.cookies.get(SESSION_COOKIE, "")
    answered = await _volunteer_login(request, rt, token, text, client) if text else None
    if answered is not None:
        if new_token:
            set_session_cookie(request, answered, new_token)
        return answered
    origin = origin_hash(client, rt.origin_secret)
    msg = Incoming(
        CHANNEL, user, text=text, button=button, origin=origin, volunteer=bool(identity.volunteer)
    )
    replies = await rt.services.hub.handle(msg)
    box = _mailbox(rt)
    waiting = await box.collect(user) if box else []
    response = web.json_response({"replies": [*waiting, *(reply_json(r) for r in replies)]})
    if new_token:
        set_session_cookie(request, response, new_token)
    return response


async def api_inbox(request: web.Request) -> web.Response:
    """Messages the bot sent on its own since the page last asked (this session's only)."""
    rt = request.app[RUNTIME]
    if not rt.chat_limit.try_take(client_key(client_of(request))):
        return _bad("too many requests", 429)
    user = await session_user(request)
    box = _mailbox(rt)
    replies = await box.collect(user) if box and user else []
    return web.json_response({"replies": replies})


async def api_history(request: web.Request) -> web.Response:
    """The conversation so far, from the database, for a reloaded page (this session's only)."""
    rt = request.app[RUNTIME]
    if not rt.chat_limit.try_take(client_key(client_of(request))):
        return _bad("too many requests", 429)
    user = await session_user(request)
    messages = await asyncio.to_thread(rt.engine.history, CHANNEL, user) if user else []
    out = [
        {
            "from": m.get("from"),
            "text": m.get("text", ""),
            "buttons": [{"label": b[0], "payload": b[1]} for b in m.get("buttons", [])],
        }
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
