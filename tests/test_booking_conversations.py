"""Booking conversations (tests/conversations/booking-*.yaml) through the real app: engine,
SQLite state and booking stores, texts — the format of coord CONVERSATIONS.md. The shared
runner (tests/test_conversations.py) runs every file; this one keeps booking's own green
on its own and adds nothing the format does not say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import build
from bot.config import load_config
from bot.core.engine import Engine
from bot.core.messages import Incoming, Reply
from bot.core.normalize import strip_marks

FILES = sorted((Path(__file__).parent / "conversations").glob("booking-*.yaml"))
NOT_UNDERSTOOD = "chua hieu viec anh/chi can"


def norm(text: str) -> str:
    return " ".join(strip_marks(text.lower()).split())


def reply_text(replies: list[Reply]) -> str:
    return "\n".join([r.text for r in replies] + [b.label for r in replies for b in r.buttons])


def check(expect: list[Any], reply: str) -> list[str]:
    missing = []
    for item in expect:
        options = item if isinstance(item, list) else [item]
        if not any(norm(o) in norm(reply) for o in options):
            missing.append(str(item))
    return missing


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_booking_conversation(path: Path, tmp_path: Path) -> None:
    cfg = load_config(None, env={}).with_overrides(database__url=f"sqlite:///{tmp_path / 'b.db'}")
    app = build(cfg)
    engine: Engine = app.engine()
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    user = spec.get("user", "u1")
    last: list[Reply] = []
    for n, turn in enumerate(spec["turns"], 1):
        user = turn.get("user", user)
        if "press" in turn:
            found = [b for r in last for b in r.buttons if norm(turn["press"]) in norm(b.label)]
            assert found, (
                f"{path.name} turn {n}: no button '{turn['press']}' in {reply_text(last)!r}"
            )
            last = engine.handle(Incoming("jsonl", user, "", found[0].payload))
        else:
            last = engine.handle(Incoming("jsonl", user, str(turn["say"])))
        reply = reply_text(last)
        where = f"{path.name} turn {n} ({turn.get('say') or turn.get('press')}):\n{reply}"
        assert not check(turn.get("expect", []), reply), where
        assert not [r for r in turn.get("reject", []) if norm(r) in norm(reply)], where
        if "say" in turn and turn.get("understood", True):
            assert NOT_UNDERSTOOD not in norm(reply), where
