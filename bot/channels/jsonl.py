"""`tthc-bot chat --jsonl`: the stable conversation contract evaluations use.

In: one JSON object per line, `{"user": "U", "text": "..."}` or `{"user": "U", "button": "<payload>"}`
(`user` optional; each distinct user is its own conversation). Out: exactly one JSON object per
input line, in order, flushed: `{"replies": [{"text": "...", "buttons": [{"label": "...", "payload": "..."}]}]}`.
A line that is not such an object gets `{"replies": [], "error": "..."}`. Exit 0 at end of input.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.core.engine import Engine
from bot.core.messages import Incoming, Reply

CHANNEL = "jsonl"


def reply_obj(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
    }


def parse(line: str, default_user: str) -> Incoming:
    """One input line as a message; ValueError says what is wrong with it."""
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    user = obj.get("user", default_user)
    text, button = obj.get("text", ""), obj.get("button", "")
    if not isinstance(user, str | int) or not isinstance(text, str) or not isinstance(button, str):
        raise ValueError("'user', 'text' and 'button' must be strings")
    return Incoming(CHANNEL, str(user), text=text, button=button)


def run_jsonl(engine: Engine, stdin: TextIO, stdout: TextIO, user: str = "console") -> int:
    for line in stdin:
        out: dict[str, Any]
        if not line.strip():
            out = {"replies": []}
        else:
            try:
                msg = parse(line, user)
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                out = {"replies": [], "error": str(exc)}
            else:
                out = {"replies": [reply_obj(r) for r in engine.handle(msg)]}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
