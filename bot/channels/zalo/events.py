"""Zalo OA webhook events to what the bridge does with them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

TEXT = "user_send_text"
# A citizen sent something we cannot read: answer politely that only text works.
NOT_TEXT = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_audio",
        "user_send_video",
        "user_send_file",
        "user_send_location",
        "user_send_link",
        "user_send_business_card",
    }
)


@dataclass(frozen=True)
class Event:
    """A citizen's message: `text` set for text, empty for other kinds."""

    kind: str  # "text" | "not_text"
    user_id: str
    msg_id: str
    text: str = ""


def parse(data: dict[str, Any], raw: bytes) -> Event | None:
    """The event to act on, or None for events we ignore (follow, seen, our own echoes…)."""
    name = data.get("event_name")
    if name != TEXT and name not in NOT_TEXT:
        return None
    sender = data.get("sender")
    user_id = str(sender.get("id", "")) if isinstance(sender, dict) else ""
    if not user_id:
        return None
    raw_message = data.get("message")
    message = raw_message if isinstance(raw_message, dict) else {}
    msg_id = str(message.get("msg_id") or "") or hashlib.sha256(raw).hexdigest()[:40]
    if name == TEXT:
        return Event("text", user_id, msg_id, str(message.get("text") or ""))
    return Event("not_text", user_id, msg_id)
