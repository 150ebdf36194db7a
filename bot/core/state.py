"""The conversation state of one citizen: declared fields, a version, JSON in and out.

Stores keep `to_dict()`; `from_dict()` reads any earlier version (old dicts still load, unknown
keys are dropped). Changing procedure goes through `switch_procedure`, the one place that says
what belongs to a procedure and what belongs to the person.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

STATE_VERSION = 2
HISTORY_LIMIT = 30
TRANSCRIPT_LIMIT = 80  # messages a reloaded web page shows again


@dataclass
class Snapshot:
    """What `back` restores: the procedure part of the state, and the step to run again."""

    entry: str
    state: dict[str, Any]
    text: str = ""  # what the citizen had typed when the step was entered (re-read by `understand`)

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "ctx": self.state, "text": self.text}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Snapshot:
        state = dict(raw.get("ctx") or raw.get("state") or {})
        return cls(str(raw.get("entry", "")), state, str(raw.get("text", "")))


# The fields that belong to the procedure in hand (snapshot for `back`, reset on switch).
PROCEDURE_FIELDS = (
    "proc",
    "answers",
    "have",
    "pending",
    "choices",
    "data",
    "declined",
    "ask_all",
    "came_from",
)


@dataclass
class ConversationState:
    """One conversation. Fields are JSON-able; `data` is each feature's own scratch area."""

    version: int = STATE_VERSION
    step: str = ""
    proc: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    have: list[str] = field(default_factory=list)
    pending: str | None = None
    choices: list[str] = field(default_factory=list)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    declined: list[str] = field(default_factory=list)
    lang: str = "vi"
    history: list[Snapshot] = field(default_factory=list)
    buttons: list[list[str]] = field(default_factory=list)
    ask_all: bool = False
    came_from: str | None = None
    case: str | None = None
    cases: list[str] = field(default_factory=list)
    updated: float = 0.0
    expired: bool = False
    misses: int = 0  # typed messages in a row the bot did not understand
    footnote_shown: bool = False  # the "(*) unverified" footnote is said once per conversation
    facts: dict[str, str] = field(
        default_factory=dict
    )  # what the citizen said about the case, by question id
    transcript: list[dict[str, Any]] = field(
        default_factory=list
    )  # channels that show history (web)
    last_text: str = ""  # the citizen's last typed message (the card's notes speak to it)

    def log(self, entries: list[dict[str, Any]]) -> None:
        """Add messages to the transcript, keeping the last TRANSCRIPT_LIMIT."""
        self.transcript.extend(entries)
        del self.transcript[:-TRANSCRIPT_LIMIT]

    # ---- procedure -----------------------------------------------------------
    def switch_procedure(self, pid: str) -> None:
        """Start a procedure; the previous procedure's answers, ticks and flags go, known facts stay."""
        if self.proc == pid:
            return
        self.proc = pid
        self.answers = {}
        self.have = []
        self.pending = None
        self.ask_all = False
        self.came_from = None

    def reset(self, *keep: str) -> None:
        """Back to a fresh conversation, keeping the named fields."""
        kept = {name: getattr(self, name) for name in keep}
        fresh = ConversationState()
        for f in fields(self):
            setattr(self, f.name, kept.get(f.name, getattr(fresh, f.name)))

    def replace_with(self, other: ConversationState) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))

    def snapshot(self, entry: str, text: str = "") -> Snapshot:
        return Snapshot(entry, copy.deepcopy({k: getattr(self, k) for k in PROCEDURE_FIELDS}), text)

    def restore(self, snap: Snapshot) -> None:
        fresh = ConversationState()
        for name in PROCEDURE_FIELDS:
            value = snap.state.get(name, getattr(fresh, name))
            setattr(self, name, copy.deepcopy(value))

    def remember(self, snap: Snapshot) -> None:
        self.history.append(snap)
        del self.history[:-HISTORY_LIMIT]

    def scratch(self, name: str) -> dict[str, Any]:
        """A feature's own data (booking, feedback)."""
        return self.data.setdefault(name, {})

    # ---- JSON ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "history":
                value = [s.to_dict() for s in value]
            out[f.name] = copy.deepcopy(value)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> ConversationState:
        """Any stored version; missing fields take their defaults, unknown keys are dropped."""
        state = cls()
        if not raw:
            return state
        names = {f.name for f in fields(cls)}
        for key, value in raw.items():
            if key not in names or key == "version":
                continue
            if key == "history":
                value = [Snapshot.from_dict(s) for s in value or [] if isinstance(s, dict)]
            elif value is None and key not in ("proc", "pending", "came_from", "case"):
                continue
            setattr(state, key, copy.deepcopy(value))
        state.version = STATE_VERSION
        return state
