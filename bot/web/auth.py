"""Admin access: `Authorization: Bearer <admin.token>` or a session cookie from the login form.

Each login gets a new random session (only its hash is stored, with its expiry); logout deletes
it. Failed attempts are counted per real client (bot.web.clients), so one client's guesses
never lock out another admin.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.clients import client_key, client_of
from bot.web.pages import login_page
from bot.web.runtime import RUNTIME

COOKIE = "tthc_admin"
COOKIE_MAX_AGE = 12 * 3600
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
        return request.app[RUNTIME].admin_sessions.valid(cookie)
    return None


def guard(request: web.Request) -> web.Response | None:
    """None when the request may see admin pages; otherwise the refusal to send."""
    rt = request.app[RUNTIME]
    token = str(rt.cfg["admin.token"])
    if not token:
        return web.Response(status=403, text="admin pages are disabled (admin.token is empty)")
    client = client_key(client_of(request))
    if not rt.login_limit.available(client):
        return web.Response(status=429, text="too many failed attempts; try again later")
    verdict = check(request, token)
    if verdict:
        return None
    if verdict is False:
        rt.login_limit.try_take(client)
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
    client = client_key(client_of(request))
    if not rt.login_limit.available(client):
        return web.Response(status=429, text="too many failed attempts; try again later")
    if secrets.compare_digest(given.encode(), token.encode()):
        return None
    rt.login_limit.try_take(client)
    return web.Response(status=401, text="wrong token")
