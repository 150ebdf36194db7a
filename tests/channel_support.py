"""Shared pieces of the channel tests: a configuration on a fresh SQLite file, a running server."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml

from bot.app import build
from bot.config import Config, load_config
from bot.web.server import ChannelMaker, Server

# Content folders may be pointed elsewhere while developing; tokens never come from the environment.
PASS_ENV = ("TTHC_CATALOG_DIR", "TTHC_FLOWS_DIR")
GUIDE_TEXT = "làm giấy khai sinh cho con"
PROCEDURE = "Đăng ký khai sinh"


ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)
SHARED = ("lexicon", "offices")  # folders copied whole


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _load(path: Path) -> Any:
    return yaml.load(
        path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )


@functools.cache
def small_catalog(source: str) -> Path:
    """The bundled catalogue cut down to khai-sinh, its bundles, their members and what the office
    files name: the same files, loaded in a fraction of a second instead of several."""
    src = Path(source)
    by_id: dict[str, Path] = {}
    for path in src.rglob("*.yaml"):
        if path.relative_to(src).parts[0] in SHARED:
            continue
        found = ID_LINE.search(path.read_text(encoding="utf-8"))
        if found:
            by_id[found.group(1)] = path
    todo = {"khai-sinh"}
    for shared in SHARED:
        for path in (src / shared).rglob("*.yaml") if (src / shared).is_dir() else ():
            todo |= {s for s in _strings(_load(path)) if s in by_id}
    keep: set[str] = set()
    while todo:
        pid = todo.pop()
        keep.add(pid)
        data = _load(by_id[pid]) or {}
        todo |= {
            p for p in [*data.get("bundles", []), *data.get("members", [])] if p in by_id
        } - keep
    dst = Path(tempfile.mkdtemp(prefix="tthc-catalog-"))
    atexit.register(shutil.rmtree, dst, True)
    for shared in SHARED:
        if (src / shared).is_dir():
            shutil.copytree(src / shared, dst / shared)
    for pid in keep:
        target = dst / by_id[pid].relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(by_id[pid], target)
    return dst


def bot_config(tmp_path: Path, **settings: Any) -> Config:
    """Defaults plus a private database, a free port and a small copy of the bundled catalogue."""
    env = {k: v for k, v in os.environ.items() if k in PASS_ENV}
    cfg = load_config(None, env=env)
    base = {
        "data_dir": str(tmp_path / "data"),
        "database.url": f"sqlite:///{tmp_path / 'tthc.db'}",
        "web.host": "127.0.0.1",
        "web.port": 0,
        "catalog.dir": str(small_catalog(cfg["catalog.dir"])),
    }
    return cfg.with_overrides(**{**base, **settings})


@asynccontextmanager
async def running(
    cfg: Config, makers: Mapping[str, ChannelMaker] | None = None, **kwargs: Any
) -> AsyncIterator[Server]:
    """A started `serve` server on loopback, stopped afterwards."""
    app = build(cfg)
    server = Server(cfg, app.store, app.features, makers=makers, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def web_client() -> Any:
    """An HTTP client that keeps cookies from 127.0.0.1 (aiohttp refuses IP-address cookies by
    default), like a browser keeps the chat's session cookie."""
    import aiohttp

    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
