"""Alembic migrations of the project database (run through `bot.storage.db.migrate`)."""
