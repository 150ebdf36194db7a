"""Run conversation files (format: /work/coord/CONVERSATIONS.md, README "Conversation tests").

Each file is a list of turns: `say` (typed) or `press` (a shown button whose label contains the
words), with `expect` / `reject` checked accent- and case-insensitively on the reply (texts and
button labels). Every typed turn must be understood (no "not understood" answer) unless the turn
says `understood: false`, where the bot must say so and offer next steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.engine import Engine
from bot.core.messages import Incoming, Reply
from bot.core.normalize import fold, strip_marks

CHANNEL = "test"
APOLOGY_KEYS = ("fallback", "not_understood", "not_understood_question", "not_understood_proc")
PREFIX = 40  # characters of a text that identify it


def norm(text: str) -> str:
    return " ".join(strip_marks(text.lower()).split())


def apology_marks(engine: Engine) -> list[str]:
    """The openings of the bot's 'not understood' answers, in every language."""
    marks = []
    for table in engine.content.flows.texts.values():
        for key in APOLOGY_KEYS:
            if key in table:
                opening = table[key].split("{")[0][:PREFIX]
                marks.append(norm(opening))
    return [m for m in marks if m]


@dataclass
class Turn:
    index: int
    kind: str  # say | press
    value: str
    user: str
    expect: list[Any] = field(default_factory=list)
    reject: list[str] = field(default_factory=list)
    understood: bool = True


@dataclass
class Result:
    file: str
    typed: int = 0
    understood: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: list[float] = field(
        default_factory=list
    )  # per typed turn, for bench/eval_conversations.py


def load(path: Path) -> list[Turn]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ValueError(f"{path}: a conversation needs a list of 'turns'")
    user = str(data.get("user") or "u1")
    turns = []
    for i, raw in enumerate(data["turns"], 1):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: turn {i} must be a mapping")
        user = str(raw.get("user") or user)
        kind = "say" if "say" in raw else "press" if "press" in raw else ""
        if not kind:
            raise ValueError(f"{path}: turn {i} needs 'say' or 'press'")
        turns.append(
            Turn(
                i,
                kind,
                str(raw[kind]),
                user,
                list(raw.get("expect") or []),
                [str(x) for x in raw.get("reject") or []],
                bool(raw.get("understood", True)),
            )
        )
    return turns


def reply_text(replies: list[Reply]) -> str:
    parts = []
    for r in replies:
        parts.append(r.text)
        parts.extend(b.label for b in r.buttons)
    return "\n".join(parts)


def run(engine: Engine, path: Path, prefix: str = "") -> Result:
    """Run one file; users are namespaced by the file so files never share a conversation."""
    result = Result(path.name)
    marks = apology_marks(engine)
    last: dict[str, list[Reply]] = {}
    for turn in load(path):
        user = f"{prefix}{path.stem}:{turn.user}"
        if turn.kind == "press":
            shown = [b for r in last.get(turn.user, []) for b in r.buttons]
            button = next((b for b in shown if norm(turn.value) in norm(b.label)), None)
            if button is None:
                result.failures.append(
                    f"turn {turn.index}: no button with {turn.value!r} in {[b.label for b in shown]}"
                )
                return result
            replies = engine.handle(Incoming(CHANNEL, user, button=button.payload))
        else:
            start = time.perf_counter()
            replies = engine.handle(Incoming(CHANNEL, user, text=turn.value))
            result.seconds.append(time.perf_counter() - start)
        last[turn.user] = replies
        text = norm(reply_text(replies))
        if turn.kind == "say":
            result.typed += turn.understood  # gibberish (understood: false) is not counted
            apologised = any(m in text for m in marks)
            if turn.understood and not apologised:
                result.understood += 1
            elif turn.understood:
                result.failures.append(
                    f"turn {turn.index} ({turn.value!r}): not understood: {reply_text(replies)[:200]!r}"
                )
            elif not (apologised and any(r.buttons for r in replies)):
                result.failures.append(
                    f"turn {turn.index}: should say it did not understand and offer next steps"
                )
        for item in turn.expect:
            options = item if isinstance(item, list) else [item]
            if not any(norm(str(o)) in text or fold(str(o)) in fold(text) for o in options):
                result.failures.append(
                    f"turn {turn.index} ({turn.value!r}): expected {options} in {reply_text(replies)[:300]!r}"
                )
        for item in turn.reject:
            if norm(item) in text:
                result.failures.append(
                    f"turn {turn.index} ({turn.value!r}): must not contain {item!r}"
                )
    return result
