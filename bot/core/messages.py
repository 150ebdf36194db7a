"""Channel-neutral messages: one incoming message in, replies out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    """What a channel received: free text, or the payload of a pressed button."""

    channel: str
    user: str
    text: str = ""
    button: str = ""
    # Keyed hash of the client's address where identity is not verified (web); limits count it.
    origin: str = ""
    # True only when the channel verified a volunteer's personal login (web: `/dangnhap`).
    volunteer: bool = False


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file to send along (e.g. the printable checklist, an .ics, a QR code)."""

    filename: str
    content: bytes
    mime: str = "text/plain"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message the bot sends on its own (reminders, notices), addressed by channel and user."""

    channel: str
    user: str
    replies: tuple[Reply, ...] = field(default_factory=tuple)


def numbered(reply: Reply) -> str:
    """Text with buttons as numbered lines, for channels without buttons (Zalo text, console)."""
    if not reply.buttons:
        return reply.text
    lines = [reply.text, ""] + [f"{i}. {b.label}" for i, b in enumerate(reply.buttons, 1)]
    return "\n".join(lines)
