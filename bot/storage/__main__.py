"""Alembic's command line on the project's migrations: `python -m bot.storage revision ...`."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from alembic.config import CommandLine

from bot.storage.db import alembic_config

DEFAULT_URL = "sqlite:///data/tthc.db"


def main(argv: Sequence[str] | None = None) -> None:
    """Run an Alembic command against TTHC_DATABASE_URL (default: the local SQLite file)."""
    cli = CommandLine(prog="python -m bot.storage")
    options = cli.parser.parse_args(argv)
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    cli.run_cmd(alembic_config(os.environ.get("TTHC_DATABASE_URL", DEFAULT_URL)), options)


if __name__ == "__main__":
    main(sys.argv[1:])
