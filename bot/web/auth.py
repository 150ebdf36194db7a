"""Admin access: `Authorization: Bearer <admin.token>` or a session cookie from the login form."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.pages import login_page
from bot.web.runtime import RUNTIME

COOKIE = "tthc_admin"
COOKIE_MAX_AGE = 12 * 3600
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_value(token: str) -> str:
    """The cookie value for a token: changes when the token changes, reveals nothing about it."""
    return hmac.new(token.encode(), b"tthc-admin-session-v1", hashlib.sha256).hexdigest()


def check(request: web.Request, token: str) -> bool | None:
    """True with valid credentials, False with wrong ones, None when none were given."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            given.strip().encode(), token.encode()
        )
    cookie = request.cookies.get(COOKIE, "")
    if cookie:
        return secrets.compare_digest(cookie.encode(), session_value(token).encode())
    return None


def guard(request: web.Request) -> web.Response | None:
    """None when the request may see admin pages; otherwise the refusal to send."""
    rt = request.app[RUNTIME]
    token = str(rt.cfg["admin.token"])
    if not token:
        return web.Response(status=403, text="admin pages are disabled (admin.token is empty)")
    ip = request.remote or ""
    if not rt.login_limit.available(ip):
        return web.Response(status=429, text="too many failed attempts; try again later")
    verdict = check(request, token)
    if verdict:
        return None
    if verdict is False:
        rt.login_limit.try_take(ip)
    return web.Response(
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="tthc-admin"'},
        text="admin token required",
    )


def admin_only(handler: Handler) -> Handler:
    """Wrap a handler so it runs only for an authenticated admin; browsers get the login form."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        refusal = guard(request)
        if refusal is None:
            return await handler(request)
        if refusal.status == 401 and "text/html" in request.headers.get("Accept", ""):
            return login_page(status=401)
        return refusal

    return wrapped


def login_ok(request: web.Request, given: str) -> web.Response | None:
    """None when the typed token is right; otherwise the refusal (counted against the address)."""
    rt = request.app[RUNTIME]
    token = str(rt.cfg["admin.token"])
    if not token:
        return web.Response(status=403, text="admin pages are disabled (admin.token is empty)")
    ip = request.remote or ""
    if not rt.login_limit.available(ip):
        return web.Response(status=429, text="too many failed attempts; try again later")
    if secrets.compare_digest(given.encode(), token.encode()):
        return None
    rt.login_limit.try_take(ip)
    return web.Response(status=401, text="wrong token")
