"""Telegram updates to neutral messages."""

from __future__ import annotations

from dataclasses import dataclass

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
