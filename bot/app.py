"""Assemble the bot: content (catalogue + flows) checked together, an engine, hot reload."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import Config
from bot.content.bundle import load_catalog_dir
from bot.content.flows import load_flows
from bot.content.yamlio import ContentError, Problem
from bot.core import actions, volunteer
from bot.core.engine import Content, Engine, StateStore
from bot.core.flows import check_flows
from bot.core.model import Catalog

log = logging.getLogger(__name__)
COMMANDS = frozenset({"restart", "back", "help", "human"})
Installer = Callable[[Engine], None]


@dataclass(frozen=True)
class Paths:
    catalog: Path
    flows: Path

    @classmethod
    def from_config(cls, cfg: Config) -> Paths:
        return cls(Path(cfg["catalog.dir"]), Path(cfg["flows.dir"]))


ContentCheck = Callable[[Paths, Catalog], list[Problem]]
_CHECKS: weakref.WeakKeyDictionary[Engine, list[ContentCheck]] = weakref.WeakKeyDictionary()


def add_content_check(engine: Engine, check: ContentCheck) -> None:
    """Let an installer check more content (e.g. offices) each time the content is checked."""
    _CHECKS.setdefault(engine, []).append(check)


def check_content(paths: Paths, engine: Engine) -> tuple[Content | None, list[Problem]]:
    """Load catalogue + flows and run every check; (content or None, problems)."""
    try:
        bundle, problems = load_catalog_dir(paths.catalog), []
    except ContentError as exc:
        bundle, problems = None, list(exc.problems)
    flows, flow_problems = load_flows(paths.flows)
    problems = problems + flow_problems
    if bundle is not None:
        for check in _CHECKS.get(engine, []):
            problems += check(paths, bundle.catalog)
    if flows is not None:
        issues = check_flows(flows, engine.outcomes, frozenset(engine.conditions),
                             COMMANDS | frozenset(engine.commands), frozenset(engine.entry_points))
        problems += [Problem(i.file, i.line, i.message) for i in issues]
    if problems or bundle is None or flows is None:
        return None, problems
    return Content(bundle.catalog, bundle.matcher, flows), []


def build_engine(cfg: Config, store: StateStore, installers: tuple[Installer, ...] = ()) -> Engine:
    """An engine with the guide, volunteer mode and any extra installers; raises ContentError."""
    engine = Engine(None, store, idle_seconds=int(cfg["conversation.idle_minutes"]) * 60,
                    volunteers=frozenset(cfg["volunteers.ids"]))
    actions.install(engine)
    volunteer.install(engine)
    for install in installers:
        install(engine)
    content, problems = check_content(Paths.from_config(cfg), engine)
    if content is None:
        raise ContentError(problems)
    engine.content = content
    return engine


def _stamp(paths: Paths) -> tuple[tuple[str, float, int], ...]:
    files = [*paths.catalog.rglob("*.yaml"), *paths.flows.rglob("*.yaml")]
    out = []
    for f in sorted(files):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime, st.st_size))
    return tuple(out)


class Reloader:
    """Polls the content folders; a good edit replaces the content, a bad one is refused."""

    def __init__(self, engine: Engine, paths: Paths) -> None:
        self.engine = engine
        self.paths = paths
        self.stamp = _stamp(paths)
        self.last_problems: list[Problem] = []
        self._lock = threading.Lock()

    def poll(self) -> bool | None:
        """Reload if anything changed: True reloaded, False refused, None unchanged."""
        with self._lock:
            stamp = _stamp(self.paths)
            if stamp == self.stamp:
                return None
            self.stamp = stamp
            content, problems = check_content(self.paths, self.engine)
            self.last_problems = problems
            if content is None:
                for p in problems:
                    log.error("reload refused: %s", p)
                return False
            self.engine.content = content
            log.info("content reloaded: %d procedures", len(content.catalog))
            return True
