"""Shared fixtures: one contract suite over a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PostgresServer, missing_binaries
from sqlalchemy import Engine

from bot.storage.db import make_engine, migrate

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server for the whole session; skipped (failed under CI) without binaries."""
    reason = missing_binaries()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so PostgreSQL tests must run)")
    if reason:
        pytest.skip(reason)
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'tthc.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database(f"test_{os.getpid()}_{next(_database_numbers)}")


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """The URL of a fresh database migrated to the newest revision."""
    migrate(empty_db_url)
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh migrated database, disposed after the test."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# Hypothesis: random examples while developing; a fixed, repeatable set under CI.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    _hyp_settings.load_profile("ci")


# Issue 13 (matcher over the whole national catalogue): with ~5,700 imported entries the matcher's
# IDF over accent-folded words changes ("lại" in hundreds of names folds to "lai", so the curated
# alias "khai sinh cho con lai" nearly ties with "khai sinh cho con"), and these conversations
# now get a separating question or another first answer. They are expected to fail until the
# matcher helper's issue 13 work lands; they run (xfail, not strict), so a fix shows as XPASS.
# Since session 19 the second gate, learnt from strangers' questions, decides alone for a long
# message (g-khai-sinh-03, "bé nhà em mới sinh tuần trước, giờ đi đăng ký khai sinh cần gì ạ",
# got a choice list until the session-31 models, which answer it and so it runs again).
_ISSUE13 = Path(__file__).with_name("issue13_known_failures.txt")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = {
        line.strip() for line in _ISSUE13.read_text(encoding="utf-8").splitlines() if line.strip()
    }
    mark = pytest.mark.xfail(
        reason="issue 13: matcher ranking over the whole national catalogue (tests/conftest.py)",
        strict=False,
    )
    for item in items:
        if item.nodeid in known:
            item.add_marker(mark)
