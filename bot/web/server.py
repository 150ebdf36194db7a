"""`tthc-bot serve`: every configured channel in one process, stopped cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from aiohttp import web

from bot.app import Paths, Reloader, build_engine
from bot.channels.base import Channel, Services
from bot.channels.hub import Hub, Inbox, MemoryInbox, threads_for
from bot.channels.metrics import Metrics
from bot.channels.registry import CHANNELS
from bot.config import Config
from bot.core.engine import StateStore
from bot.core.feature import Feature
from bot.core.messages import Outgoing
from bot.web.app import make_app
from bot.web.clients import parse_networks
from bot.web.guard import (
    ConnectionCap,
    QuietErrors,
    cap_connections,
    limit_noisy_logs,
    raise_open_files_limit,
)
from bot.web.reports import NoReports, Reports, default_reports
from bot.web.runtime import ClaimingSource, OutboxSource, Runtime

log = logging.getLogger(__name__)
ChannelMaker = Callable[[Config, Services], Channel]


def _inbox(store: StateStore) -> Inbox:
    """The SQL inbox on the store's database, so every worker sees the same delivery keys."""
    db = getattr(store, "engine", None)
    if db is None:
        return MemoryInbox()
    from bot.storage.inbox import SqlInbox

    return SqlInbox(db)


def _due(source: Callable[[], Iterable[Outgoing]]) -> list[Outgoing]:
    return list(source())


def _security_records(store: StateStore) -> dict[str, Any]:
    """Sessions and the per-install key in the database when there is one (shared by workers)."""
    db = getattr(store, "engine", None)
    if db is None:
        return {"origin_secret": secrets.token_bytes(32)}
    from bot.storage.security import SqlAdminSessions, SqlSessions, install_secret

    return {
        "sessions": SqlSessions(db),
        "admin_sessions": SqlAdminSessions(db),
        "origin_secret": install_secret(db, "client-origin"),
    }


class Server:
    """Builds the engine, the web app and the channels; `start()` then `stop()`."""

    def __init__(
        self,
        cfg: Config,
        store: StateStore,
        features: Sequence[Feature] = (),
        *,
        outbox: Sequence[OutboxSource] = (),
        reports: Reports | None = None,
        makers: Mapping[str, ChannelMaker] | None = None,
        reload_interval: float = 2.0,
        outbox_interval: float = 30.0,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.features = tuple(features)
        self.outbox = list(outbox)  # other features append sources before start()
        self.reports = reports
        self.makers = dict(makers or {})
        self.reload_interval = reload_interval
        self.outbox_interval = outbox_interval
        self.runtime: Runtime | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def port(self) -> int:
        """The port actually bound (useful with web.port 0)."""
        assert self._runner is not None
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("the server is not listening")

    def _channels(self, services: Services) -> dict[str, Channel]:
        out: dict[str, Channel] = {}
        for name, factory in CHANNELS.items():
            if not factory.enabled(self.cfg):
                continue
            maker = self.makers.get(name)
            out[name] = maker(self.cfg, services) if maker else factory.create(self.cfg, services)
        return out

    async def start(self) -> None:
        """Load content, open the port, start every channel; a channel that fails is reported."""
        engine = await asyncio.to_thread(build_engine, self.cfg, self.store, self.features)
        metrics = Metrics()
        hub = Hub(engine, _inbox(self.store), metrics, threads_for(self.cfg.database_url))
        services = Services(hub, self.store, metrics)
        reloader = Reloader(engine, Paths.from_config(self.cfg))
        reports = self.reports or default_reports(self.cfg, getattr(self.store, "engine", None))
        rt = Runtime(
            self.cfg,
            engine,
            reloader,
            services,
            self._channels(services),
            reports=reports or NoReports(),
            **await asyncio.to_thread(_security_records, self.store),
        )
        self.runtime = rt
        cfg = self.cfg
        self._runner = web.AppRunner(
            make_app(rt),
            handle_signals=False,
            keepalive_timeout=float(cfg.get("web.header_timeout_seconds") or 30),
        )
        await self._runner.setup()
        networks = parse_networks(cfg.get("web.trusted_proxies") or [])
        self.connection_cap = ConnectionCap(
            int(cfg.get("web.max_connections_per_client") or 0), networks
        )
        cap_connections(self._runner, self.connection_cap)
        asyncio.get_running_loop().set_exception_handler(QuietErrors())
        limit_noisy_logs()
        self._site = web.TCPSite(self._runner, self.cfg["web.host"], int(self.cfg["web.port"]))
        await self._site.start()
        for name, channel in list(rt.channels.items()):
            try:
                await channel.start()
            except Exception as exc:
                log.exception("channel %s did not start", name)
                rt.failed[name] = type(exc).__name__
                del rt.channels[name]
        self._tasks = [
            asyncio.create_task(self._every(self.reload_interval, self._reload)),
            asyncio.create_task(self._every(self.outbox_interval, self.flush_outbox)),
        ]
        log.info(
            "serving on http://%s:%d/ with channels: %s",
            self.cfg["web.host"],
            self.port,
            ", ".join(rt.channels),
        )

    async def stop(self) -> None:
        """Stop background loops and channels (finishing queued turns), then the web server."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._site is not None:
            await self._site.stop()  # no new webhooks while queued turns finish
        if self.runtime is not None:
            for channel in reversed(list(self.runtime.channels.values())):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("channel %s did not stop cleanly", channel.name)
        if self._runner is not None:
            await self._runner.cleanup()
        if self.runtime is not None:
            self.runtime.services.hub.close()
        log.info("stopped")

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:
                log.exception("background job failed")

    async def _reload(self) -> None:
        assert self.runtime is not None
        await asyncio.to_thread(self.runtime.reloader.poll)

    async def flush_outbox(self) -> int:
        """Deliver what every outbox source has due now; returns how many messages went out."""
        sent = 0
        for source in self.outbox:
            if hasattr(source, "claim"):
                claiming = cast(ClaimingSource, source)
                items = await asyncio.to_thread(claiming.claim)
                for item in items:
                    ok = await self._deliver(item.outgoing)
                    await asyncio.to_thread(claiming.done if ok else claiming.failed, [item])
                    sent += ok
            else:
                plain: Callable[[], Iterable[Outgoing]] = source
                for out in await asyncio.to_thread(_due, plain):
                    sent += await self._deliver(out)
        return sent

    async def _deliver(self, out: Outgoing) -> bool:
        assert self.runtime is not None
        channel = self.runtime.channels.get(out.channel)
        if channel is None:
            log.warning("no running channel '%s' for a bot-initiated message", out.channel)
            return False
        try:
            await channel.deliver(out)
        except Exception:
            log.exception("delivery on %s failed", out.channel)
            self.runtime.services.metrics.inc(
                "tthc_errors_total", channel=out.channel, stage="outbox"
            )
            return False
        self.runtime.services.metrics.inc("tthc_outgoing_total", channel=out.channel)
        return True


async def run(server: Server) -> int:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    log.info("open files allowed: %d", raise_open_files_limit())
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await server.stop()
    return 0
