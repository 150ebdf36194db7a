"""Alembic environment: compares against `Base.metadata` and serializes concurrent upgrades."""

from __future__ import annotations

from alembic import context

import bot.booking.models  # noqa: F401  (booking tables, revision 0002)
import bot.feedback.models  # noqa: F401  (feedback tables, revision 0003)
import bot.reports.models  # noqa: F401  (fact reports, revision 0005)
import bot.storage.models  # noqa: F401  (registers the tables on Base.metadata)
from bot.storage.db import Base, make_engine, migration_lock, normalize_url

config = context.config
URL = str(config.attributes["url"])


def run_offline() -> None:
    """Emit the SQL script instead of running it (`--sql`)."""
    url = normalize_url(URL).render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Upgrade in one transaction while holding the database's migration lock."""
    engine = make_engine(URL)
    try:
        with engine.connect() as connection, migration_lock(connection):
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                transactional_ddl=True,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
