"""Telegram updates to neutral messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Update
from telegram.constants import ChatType

CHANNEL = "telegram"
RESTART = "cmd:restart"


@dataclass(frozen=True)
class Inbound:
    """What an update asks of us: text, a pressed button's callback data, or a non-text message."""

    chat_id: int
    text: str = ""
    callback: CallbackQuery | None = None
    media: bool = False


def inbound(update: Update) -> Inbound | None:
    """The private-chat message or button press in an update; None for anything else."""
    query = update.callback_query
    if query is not None:
        msg = query.message
        if msg is None or msg.chat.type != ChatType.PRIVATE:
            return None
        return Inbound(msg.chat.id, callback=query)
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    if message.text is None:
        return Inbound(message.chat.id, media=True)
    return Inbound(message.chat.id, text=message.text)


def start_payload(text: str) -> tuple[bool, str]:
    """(is /start, its deep-link payload) for texts such as '/start fb-ub-phuong-1'."""
    head, _, rest = text.strip().partition(" ")
    if head.split("@")[0].lower() != "/start":
        return False, ""
    return True, rest.strip()


def chat_key(data: dict[str, Any]) -> int:
    """The chat of a raw update (JSON), for ordering before it is parsed; 0 when there is none."""
    for kind in ("message", "edited_message", "callback_query"):
        part = data.get(kind)
        if isinstance(part, dict):
            message = part.get("message") if kind == "callback_query" else part
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    return 0
