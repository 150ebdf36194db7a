"""Logging for `serve`: levels only; message text, phone and ID numbers never go to INFO logs."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
QUIET = ("httpx", "httpcore", "telegram.ext.ExtBot", "apscheduler")


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once."""
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
