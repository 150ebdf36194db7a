"""The aiohttp application: chat, admin, health and metrics; channels add their webhook routes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.web import admin, chat
from bot.web.clients import make_middleware, parse_networks
from bot.web.guard import body_deadline
from bot.web.runtime import RUNTIME, Runtime

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers and content is loaded; 503 otherwise."""
    rt = request.app[RUNTIME]
    try:
        await asyncio.to_thread(rt.services.store.get, "health", "ping")
    except Exception:
        log.exception("health check: the database does not answer")
        return web.json_response({"status": "database unavailable"}, status=503)
    degraded = {name: why for name, why in rt.failed.items()}
    for name, channel in rt.channels.items():
        problem = getattr(channel, "health_problem", None)
        if problem:
            degraded[name] = str(problem)
    return web.json_response(
        {
            "status": "degraded" if degraded else "ok",
            "procedures": len(rt.engine.content.catalog),
            "channels": sorted(rt.channels),
            "failed_channels": sorted(rt.failed),
            "degraded_channels": degraded,
        }
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = request.app[RUNTIME].services.metrics.render()
    return web.Response(
        body=body.encode(),
        headers={
            "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
        },
    )


CSP = (
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Conservative headers on every answer; a content policy on pages."""
    response = await handler(request)
    response.headers["Server"] = "tthc-bot"  # no version to look up
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def make_app(rt: Runtime) -> web.Application:
    """The web application of one process; channels register their routes on it afterwards."""
    networks = parse_networks(rt.cfg.get("web.trusted_proxies") or [])
    body_seconds = float(rt.cfg.get("web.body_timeout_seconds") or 30)
    middlewares: list[Any] = [
        body_deadline(body_seconds),
        make_middleware(networks),
        security_headers,
    ]
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=middlewares,
    )
    app[RUNTIME] = rt
    chat.register(app)
    admin.register(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    for channel in rt.channels.values():
        channel.routes(app)
    return app
