"""The one place that wires the bot for the CLI, the server and the tests.

`build(cfg)` gives an `App`: the SQL state store, the features (guide, volunteers, feedback,
booking) and the outbox sources; `App.engine()` checks content and builds the engine.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.content.bundle import load_catalog_dir
from bot.content.flows import load_flows
from bot.content.yamlio import ContentError, Problem
from bot.core import actions, conversation, volunteer
from bot.core.engine import Content, Engine, StateStore
from bot.core.feature import Feature
from bot.core.flows import check_flows
from bot.core.model import Catalog

if TYPE_CHECKING:
    from bot.booking.service import BookingService

log = logging.getLogger(__name__)
TRANSCRIPT_CHANNELS = frozenset({"web"})  # a reloaded page shows the conversation so far


@dataclass(frozen=True)
class Paths:
    catalog: Path
    flows: Path

    @classmethod
    def from_config(cls, cfg: Config) -> Paths:
        return cls(Path(cfg["catalog.dir"]), Path(cfg["flows.dir"]))


ContentCheck = Callable[[Paths, Catalog], list[Problem]]


def check_content(paths: Paths, engine: Engine) -> tuple[Content | None, list[Problem]]:
    """Load catalogue + flows and run every check; (content or None, problems)."""
    try:
        bundle, problems = load_catalog_dir(paths.catalog), []
    except ContentError as exc:
        bundle, problems = None, list(exc.problems)
    flows, flow_problems = load_flows(paths.flows)
    problems = problems + flow_problems
    if bundle is not None:
        for check in engine.content_checks:
            problems += check(paths, bundle.catalog)
    if flows is not None:
        issues = check_flows(
            flows,
            engine.outcomes,
            frozenset(engine.conditions),
            engine.command_names,
            frozenset(engine.entry_points),
        )
        problems += [Problem(i.file, i.line, i.message) for i in issues]
        texts_file = str(paths.flows / "texts.yaml")
        for lang, table in flows.texts.items():
            problems += [
                Problem(
                    texts_file,
                    0,
                    f"text key '{key}' used by a feature is missing in texts ({lang})",
                )
                for key in sorted(engine.text_keys - set(table))
            ]
    if problems or bundle is None or flows is None:
        return None, problems
    return Content(bundle.catalog, bundle.matcher, flows), []


def build_engine(cfg: Config, store: StateStore, features: Sequence[Feature] = ()) -> Engine:
    """An engine with the guide, volunteer mode and the given features; raises ContentError."""
    engine = Engine(
        None,
        volunteer.CaseStore(store),
        idle_seconds=int(cfg["conversation.idle_minutes"]) * 60,
        volunteers=frozenset(cfg["volunteers.ids"]),
        transcript_channels=TRANSCRIPT_CHANNELS,
    )
    engine.typed = conversation.typed
    for feature in (actions.FEATURE, volunteer.FEATURE, *features):
        engine.include(feature)
    content, problems = check_content(Paths.from_config(cfg), engine)
    if content is None:
        raise ContentError(problems)
    engine.content = content
    return engine


def state_store(cfg: Config) -> StateStore:
    """The SQL state store of the configured database (migrated). No silent in-memory fallback."""
    from bot.storage.db import make_engine, migrate
    from bot.storage.state import SqlStateStore

    migrate(cfg.database_url)
    return SqlStateStore(make_engine(cfg.database_url))


@dataclass
class App:
    """Everything one process needs, wired once."""

    cfg: Config
    store: StateStore
    features: tuple[Feature, ...]
    booking: BookingService
    extras: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> Engine:
        return build_engine(self.cfg, self.store, self.features)

    def outbox(self) -> tuple[Any, ...]:
        """Sources of bot-initiated messages (booking reminders, notices, post-visit surveys)."""
        from bot.feedback.offices import load_offices
        from bot.feedback.store import FeedbackStore
        from bot.storage.db import make_engine
        from bot.surveys import PostVisitSurveys

        booking = self.booking
        surveys = PostVisitSurveys(
            booking.store,
            FeedbackStore(make_engine(self.cfg.database_url)),
            lambda: booking.words().flows,
            load_offices(self.cfg["catalog.dir"]),
        )
        return (
            booking,
            surveys,
        )  # notices are claimed (a failed send is retried); surveys offered once


def build(cfg: Config, store: StateStore | None = None) -> App:
    """Wire the application: the SQL store (unless one is given), booking and feedback features."""
    from bot.booking.service import BookingService
    from bot.feedback.dialogue import feature_for
    from bot.reports.dialogue import feature_for as fact_reports_for

    if store is None:
        store = state_store(cfg)  # migrates the configured database
    else:  # bookings, feedback and reports still live in the configured database
        from bot.storage.db import migrate

        migrate(cfg.database_url)
    booking = BookingService.from_config(cfg)
    features = (feature_for(cfg), booking.feature(), fact_reports_for(cfg))
    return App(cfg, store, features, booking)


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
