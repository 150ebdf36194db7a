"""`tthc-bot volunteers add|revoke|list`: volunteers' personal web-chat logins, run by an admin."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.config import load_config
from bot.storage.security import SqlVolunteerLogins

Handler = Callable[[argparse.Namespace], int]


def _logins(args: argparse.Namespace) -> SqlVolunteerLogins:
    from bot.storage.db import make_engine, migrate

    cfg = load_config(getattr(args, "config", None))
    migrate(cfg.database_url)
    return SqlVolunteerLogins(make_engine(cfg.database_url))


def add(args: argparse.Namespace) -> int:
    """Issue a personal web login; the code is shown once (only its hash is stored)."""
    code = _logins(args).add(args.name)
    print(f"Web login for {args.name}: type in the web chat\n  /dangnhap {code}")
    print("Give it to the volunteer privately; `tthc-bot volunteers revoke` ends it.")
    return 0


def revoke(args: argparse.Namespace) -> int:
    """End a volunteer's web login at once, on every browser."""
    if _logins(args).revoke(args.name):
        print(f"revoked: {args.name}")
        return 0
    print(f"no active web login named '{args.name}'", file=sys.stderr)
    return 1


def list_logins(args: argparse.Namespace) -> int:
    for name, created, revoked in _logins(args).list():
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
        print(f"{name}\tissued {created:%Y-%m-%d %H:%M}\t{state}")
    return 0


def add_parser(sub: Any, register: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """The `volunteers` sub-commands, registered under 'volunteers <name>'."""
    vol = sub.add_parser("volunteers", help="volunteers' personal web logins")
    vol_sub = vol.add_subparsers(dest="volunteers_cmd", required=True)
    for name, handler, help_text in (
        ("add", add, "issue a web login (shown once)"),
        ("revoke", revoke, "end a web login everywhere"),
        ("list", list_logins, "web logins"),
    ):
        one = vol_sub.add_parser(name, help=help_text)
        if name != "list":
            one.add_argument("name")
        one.add_argument("--config")
        register(f"volunteers {name}")(handler)
