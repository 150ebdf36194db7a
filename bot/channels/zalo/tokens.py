"""OA access and refresh tokens, kept in the database so a refresh survives restarts.

Zalo refresh tokens are single-use: after a refresh only the new pair works, so every worker
must read the pair from the database, not from the (now stale) configuration. The pair lives in
its own table (`channel_token`), which `tthc-bot purge` never touches.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.security import TokenStore

STORE_CHANNEL = "zalo"


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


class TokenBox:
    """The current token pair; configuration values win when an operator changes them."""

    def __init__(self, store: TokenStore, app_id: str, configured: Tokens) -> None:
        self.store = store
        self.app_id = app_id or "default"
        self.configured = configured
        self.current = configured

    def load(self) -> Tokens:
        """The newest pair: the stored one unless the configuration changed since (blocking)."""
        record = self.store.get(STORE_CHANNEL, self.app_id)
        if record and record.get("seed") == self.configured.access:
            self.current = Tokens(str(record.get("access", "")), str(record.get("refresh", "")))
        else:
            self.current = self.configured
        return self.current

    def save(self, tokens: Tokens) -> None:
        """Remember a refreshed pair for every worker (blocking)."""
        self.current = tokens
        self.store.put(
            STORE_CHANNEL,
            self.app_id,
            {"seed": self.configured.access, "access": tokens.access, "refresh": tokens.refresh},
        )
