"""Migrations: idempotent, concurrent-safe, and in step with the models."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from multiprocessing.synchronize import Barrier

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

import bot.booking.models  # noqa: F401  (each feature registers its tables on Base.metadata)
import bot.feedback.models  # noqa: F401
import bot.reports.models  # noqa: F401
import bot.storage.models  # noqa: F401
from bot.storage.db import Base, alembic_config, make_engine, migrate

TABLES = {"alembic_version", *Base.metadata.tables}
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def schema(url: str) -> tuple[set[str], list[str]]:
    """The tables of the database and its Alembic revision."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return set(inspect(conn).get_table_names()), list(revisions)
    finally:
        engine.dispose()


def test_migrate_creates_the_tables(db_url: str) -> None:
    assert schema(db_url) == (TABLES, [HEAD])


def test_migrate_twice_is_a_no_op(db_url: str) -> None:
    migrate(db_url)
    assert schema(db_url) == (TABLES, [HEAD])


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def run_migrate(url: str, barrier: Barrier) -> None:
    """Child process: migrate as soon as every sibling is ready."""
    barrier.wait(timeout=60)
    migrate(url)


def test_concurrent_migrate_from_three_processes(empty_db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    workers = [ctx.Process(target=run_migrate, args=(empty_db_url, barrier)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert ([worker.exitcode for worker in workers], schema(empty_db_url)) == (
        [0, 0, 0],
        (TABLES, [HEAD]),
    )


def test_core_never_imports_storage() -> None:
    code = (
        "import sys, pkgutil, importlib, bot.core\n"
        "for m in pkgutil.walk_packages(bot.core.__path__, 'bot.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'sqlalchemy'"
        " or n.startswith('bot.storage')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
