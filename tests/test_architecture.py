"""The core (matching, catalogue model, flows, engine) imports no I/O library or outer layer."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "telegram",
    "aiohttp",
    "sqlalchemy",
    "yaml",
    "psycopg",
    "bot.storage",
    "bot.channels",
    "bot.web",
    "bot.booking",
    "bot.feedback",
    "bot.content",
)


def test_core_imports_no_io() -> None:
    code = (
        "import sys, pkgutil, importlib, bot.core\n"
        "for m in pkgutil.walk_packages(bot.core.__path__, 'bot.core.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = {FORBIDDEN!r}\n"
        "print(sorted(n for n in sys.modules if any(n == b or n.startswith(b + '.') for b in bad)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
