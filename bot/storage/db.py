"""Engine, declarative base and migrations shared by every table of the project."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_406_301  # pg_advisory_lock key shared by every process migrating the database
# busy_timeout first: switching a new file to WAL needs a lock another process may hold.
# secure_delete: deleted rows (purged comments, contacts) are overwritten, not left in free pages.
SQLITE_PRAGMAS = (
    "busy_timeout=5000",
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "secure_delete=ON",
)
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def normalize_url(url: str) -> URL:
    """Parse a database URL, sending bare `postgresql://` to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: WAL and immediate transactions on SQLite."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        private_file(Path(parsed.database))
    engine = create_engine(parsed, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def private_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its -wal and -shm
    files the same mode); an existing file readable by others is tightened."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, decides when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Take the write lock up front: writers queue on busy_timeout instead of failing on upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def dialect_insert(connection: Connection, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports `on_conflict_do_nothing` / `on_conflict_do_update`."""
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {name} dialect")


def alembic_config(url: str) -> Config:
    """Alembic configuration built in code; the URL travels in `attributes`, not the ini."""
    config = Config(attributes={"url": url})
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def migrate(url: str) -> None:
    """Upgrade the database to the newest revision; safe from several processes at once
    (PostgreSQL: an advisory lock in env.py; SQLite: an exclusive lock on a file beside it)."""
    with _sqlite_file_lock(url):
        command.upgrade(alembic_config(url), "head")


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """Serialise migrations of one SQLite file across processes (busy_timeout alone can expire)."""
    parsed = normalize_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        yield
        return
    lock_path = Path(parsed.database).with_name(Path(parsed.database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the PostgreSQL advisory lock for migrations (SQLite locks with BEGIN IMMEDIATE)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
        connection.commit()
