"""Inline keyboards, and button payloads squeezed into Telegram's 64-byte callback_data."""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.engine import StateStore
from bot.core.messages import Button

MAX_CALLBACK_BYTES = 64
SHORT_PREFIX = "~"
STORE_CHANNEL = "tg-button"  # store records: ("tg-button", id) -> {"payload": ...}
SHORT_LABEL = 16  # labels up to this length share a row
ROW_WIDTH = 3


class PayloadIds:
    """Long payloads become '~' + a hash id, kept in the shared store for every worker."""

    def __init__(self, store: StateStore, cache_size: int = 4096) -> None:
        self.store = store
        self.cache_size = cache_size
        self._cache: OrderedDict[str, str] = OrderedDict()

    def known(self, payload: str) -> bool:
        """True when `encode` needs no store write (short, or already stored by this worker)."""
        return self._fits(payload) or self._short(payload) in self._cache

    @staticmethod
    def _fits(payload: str) -> bool:
        return len(payload.encode()) <= MAX_CALLBACK_BYTES and not payload.startswith(SHORT_PREFIX)

    @staticmethod
    def _short(payload: str) -> str:
        digest = hashlib.sha256(payload.encode()).digest()
        return SHORT_PREFIX + base64.urlsafe_b64encode(digest[:12]).decode()

    def encode(self, payload: str) -> str:
        """Callback data for a payload (blocking: may write to the store)."""
        if self._fits(payload):
            return payload
        short = self._short(payload)
        if short not in self._cache:
            self.store.put(STORE_CHANNEL, short, {"payload": payload})
            self._remember(short, payload)
        return short

    def cached(self, data: str) -> bool:
        """True when `decode` needs no store read."""
        return not data.startswith(SHORT_PREFIX) or data in self._cache

    def decode(self, data: str) -> str:
        """The payload behind callback data; '' when the id is unknown (a stale button)."""
        if not data.startswith(SHORT_PREFIX):
            return data
        if data in self._cache:
            return self._cache[data]
        record = self.store.get(STORE_CHANNEL, data)
        payload = str(record.get("payload", "")) if record else ""
        if payload:
            self._remember(data, payload)
        return payload

    def _remember(self, short: str, payload: str) -> None:
        self._cache[short] = payload
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def markup(buttons: Sequence[Button], data: Sequence[str]) -> InlineKeyboardMarkup:
    """Short labels share rows of three; long ones get a row each."""
    rows: list[list[InlineKeyboardButton]] = []
    for button, cb in zip(buttons, data, strict=True):
        key = InlineKeyboardButton(button.label, callback_data=cb)
        last = rows[-1] if rows else None
        short = len(button.label) <= SHORT_LABEL
        if short and last and len(last) < ROW_WIDTH and len(last[0].text) <= SHORT_LABEL:
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)
