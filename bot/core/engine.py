"""The conversation engine: walks the YAML flows for one message and returns replies.

It sends nothing and knows no channel: channels turn their updates into `Incoming` and
deliver the `Reply` list. State is a small JSON-able dict per (channel, user) kept in a store.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.flows import COMMAND_PREFIX, DEFAULT_ON_TEXT, Flows, Step
from bot.core.matcher import Matcher
from bot.core.messages import Button, Incoming, Reply
from bot.core.model import Catalog, Procedure
from bot.core.normalize import fold
from bot.core.render import Renderer

MAX_HOPS = 40
HISTORY_LIMIT = 30
SNAPSHOT_KEYS = ("proc", "answers", "have", "pending", "choices", "data", "declined")


class StateStore(Protocol):
    def get(self, channel: str, user: str) -> dict[str, Any] | None: ...
    def put(self, channel: str, user: str, state: dict[str, Any]) -> None: ...


class MemoryStore:
    """A store in a dict (tests, console without a database); returns copies."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, channel: str, user: str) -> dict[str, Any] | None:
        value = self.data.get((channel, user))
        return copy.deepcopy(value) if value is not None else None

    def put(self, channel: str, user: str, state: dict[str, Any]) -> None:
        self.data[(channel, user)] = copy.deepcopy(state)


@dataclass(frozen=True)
class Content:
    """What the engine serves; swapped whole on hot reload."""

    catalog: Catalog
    matcher: Matcher
    flows: Flows


@dataclass
class Turn:
    """One message being handled: the conversation context and the replies so far."""

    engine: Engine
    msg: Incoming
    ctx: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    text: str = ""

    @property
    def content(self) -> Content:
        return self.engine.content

    @property
    def r(self) -> Renderer:
        return Renderer(self.content.flows, self.ctx.get("lang", "vi"))

    @property
    def proc(self) -> Procedure | None:
        pid = self.ctx.get("proc")
        return self.content.catalog.get(pid) if pid else None

    def say(self, text: str, buttons: list[Button] | None = None, **kw: Any) -> None:
        self.replies.append(Reply(text, tuple(buttons or ()), **kw))

    def data(self, name: str) -> dict[str, Any]:
        """A scratch area for one flow's own data (booking, feedback)."""
        return self.ctx.setdefault("data", {}).setdefault(name, {})


Action = Callable[[Turn], str]
Condition = Callable[[Turn], bool]


def new_context() -> dict[str, Any]:
    return {"step": "", "proc": None, "answers": {}, "have": [], "pending": None, "choices": [],
            "data": {}, "declined": [], "lang": "vi", "history": [], "buttons": []}


class Engine:
    """`handle(message) -> replies`; actions and conditions are registered by name."""

    def __init__(self, content: Content | None, store: StateStore, *, idle_seconds: int = 7200,
                 volunteers: frozenset[str] = frozenset(), clock: Callable[[], float] = time.time) -> None:
        self.content: Content = content  # type: ignore[assignment]  # set before the first message
        self.store = store
        self.idle_seconds = idle_seconds
        self.volunteers = volunteers
        self.clock = clock
        self.actions: dict[str, Action] = {}
        self.outcomes: dict[str, frozenset[str]] = {}
        self.conditions: dict[str, Condition] = {}
        self.commands: dict[str, Callable[[Turn], None]] = {}
        self.entry_points: set[str] = set()
        self.text_hooks: list[Callable[[Turn, str], bool]] = []

    def register_action(self, name: str, fn: Action, outcomes: set[str] | frozenset[str]) -> None:
        self.actions[name] = fn
        self.outcomes[name] = frozenset(outcomes)

    def register_condition(self, name: str, fn: Condition) -> None:
        self.conditions[name] = fn

    # ---- one message ---------------------------------------------------------
    def handle(self, msg: Incoming) -> list[Reply]:
        """Handle one message and persist the new state (one user's turns never interleave)."""
        lock = getattr(self.store, "lock", None)
        if lock is None:
            return self._handle(msg)
        with lock(msg.channel, msg.user):
            return self._handle(msg)

    def _handle(self, msg: Incoming) -> list[Reply]:
        turn = Turn(self, msg, self._load(msg))
        self._dispatch(turn)
        self._save(msg, turn)
        return turn.replies

    def _load(self, msg: Incoming) -> dict[str, Any]:
        state = self.store.get(msg.channel, msg.user) or {}
        ctx = state if state else new_context()
        case = ctx.get("case")
        if case:
            shared = self.store.get("case", case)
            if shared is not None:
                ctx = {**shared, "case": case, "cases": ctx.get("cases", [])}
        if state and self.clock() - float(ctx.get("updated", 0)) > self.idle_seconds:
            keep = {k: ctx[k] for k in ("cases",) if k in ctx}
            ctx = {**new_context(), **keep, "expired": True}
        return ctx

    def _save(self, msg: Incoming, turn: Turn) -> None:
        ctx = turn.ctx
        ctx["updated"] = self.clock()
        ctx["buttons"] = [[b.label, b.payload] for rep in turn.replies for b in rep.buttons]
        case = ctx.get("case")
        if case:
            self.store.put("case", case, {k: v for k, v in ctx.items() if k not in ("case", "cases")})
            self.store.put(msg.channel, msg.user, {"case": case, "cases": ctx.get("cases", []),
                                                   "updated": ctx["updated"], "buttons": ctx["buttons"]})
        else:
            self.store.put(msg.channel, msg.user, ctx)

    def _dispatch(self, turn: Turn) -> None:
        ctx = turn.ctx
        if ctx.pop("expired", False):
            turn.say(turn.r.t("expired"))
        payload = turn.msg.button.strip()
        text = turn.msg.text.strip()[:2000]
        if not payload and text:
            payload = self._button_from_text(ctx, text)
        if payload.startswith(COMMAND_PREFIX):
            return self.command(turn, payload[len(COMMAND_PREFIX):])
        if not payload:
            command = self._command_from_text(text)
            if command:
                return self.command(turn, command)
            if text.startswith("/") and text.split()[0][1:] in self.commands:
                return self.commands[text.split()[0][1:]](turn)
            if any(hook(turn, text) for hook in self.text_hooks):
                return None
            if text.lower().startswith("/start"):  # a deep link nobody claimed: just start
                return self.command(turn, "restart")
        if payload:
            return self._press(turn, payload)
        turn.text = text
        step = self._step(ctx.get("step", ""))
        if not ctx.get("step") or step is None:
            if not text:
                return self.run(turn, self.content.flows.starts["main"])
            return self.run(turn, DEFAULT_ON_TEXT)
        if "answer" in step.on and ctx.get("pending") and self._answer_from_text(turn, text):
            return self.run(turn, step.on["answer"])
        return self.run(turn, step.on_text or DEFAULT_ON_TEXT)

    def _step(self, name: str) -> Step | None:
        return self.content.flows.steps.get(name)

    def _button_from_text(self, ctx: dict[str, Any], text: str) -> str:
        buttons = ctx.get("buttons") or []
        if text.isdecimal() and len(text) <= 3 and 1 <= int(text) <= len(buttons):
            return str(buttons[int(text) - 1][1])
        folded = fold(text)
        for label, payload in buttons:
            if folded and fold(label) == folded:
                return str(payload)
        return ""

    def _command_from_text(self, text: str) -> str:
        folded = fold(text)
        if text.strip().lower().startswith("/start"):
            return ""
        for name, phrases in self.content.flows.commands.items():
            if folded in phrases:
                return name
        return ""

    def _answer_from_text(self, turn: Turn, text: str) -> bool:
        """A typed 'có'/'không' (or an option label) answers the pending question."""
        r = turn.r
        folded = fold(text)
        yes = {fold(w) for w in r.vi("yes_words").split("|")}
        no = {fold(w) for w in r.vi("no_words").split("|")}
        value = "yes" if folded in yes else "no" if folded in no else ""
        if not value:
            return False
        turn.ctx["answers"][turn.ctx["pending"]] = value
        turn.ctx["pending"] = None
        return True

    def _press(self, turn: Turn, payload: str) -> None:
        ctx = turn.ctx
        if payload not in {str(b[1]) for b in ctx.get("buttons") or []}:  # forged or stale
            turn.say(turn.r.t("unknown_button"))
            return self._rerender(turn)
        verb, _, arg = payload.partition(":")
        if verb == "go":
            return self.run(turn, arg)
        step = self._step(ctx.get("step", ""))
        target = step.on.get(verb) if step else None
        if target is None:
            turn.say(turn.r.t("unknown_button"))
            return self._rerender(turn)
        turn.text = arg
        if verb == "answer" and ctx.get("pending"):
            ctx["answers"][ctx["pending"]] = arg
            ctx["pending"] = None
        elif verb == "pick":
            if self.content.catalog.get(arg) is None:
                turn.say(turn.r.t("unknown_button"))
                return self._rerender(turn)
            self._set_proc(ctx, arg)
        elif verb == "have":
            have = set(ctx.get("have", []))
            have.symmetric_difference_update({arg})
            ctx["have"] = sorted(have)
        return self.run(turn, target)

    @staticmethod
    def _set_proc(ctx: dict[str, Any], pid: str) -> None:
        if ctx.get("proc") != pid:
            ctx.update(proc=pid, answers={}, have=[], pending=None)

    # ---- commands ------------------------------------------------------------
    def command(self, turn: Turn, name: str) -> None:
        flows = self.content.flows
        if name == "restart":
            keep = {k: turn.ctx[k] for k in ("lang", "cases") if k in turn.ctx}
            turn.ctx.clear()
            turn.ctx.update({**new_context(), **keep})
            return self.run(turn, flows.starts["main"])
        if name == "back":
            return self._back(turn)
        if name in ("help", "human"):
            return self.run(turn, f"main.{name}")
        head = name.split()[0] if name.split() else name
        if head in self.commands:
            return self.commands[head](turn)
        turn.say(turn.r.t("unknown_button"))
        return None

    def _back(self, turn: Turn) -> None:
        history = turn.ctx.get("history", [])
        if len(history) < 2:
            turn.say(turn.r.t("nothing_back"))
            return self._rerender(turn)
        history.pop()
        snap = history.pop()
        turn.ctx.update(copy.deepcopy(snap["ctx"]))
        return self.run(turn, snap["entry"])

    def _rerender(self, turn: Turn) -> None:
        history = turn.ctx.get("history", [])
        if history:
            snap = history.pop()
            turn.ctx.update(copy.deepcopy(snap["ctx"]))
            return self.run(turn, snap["entry"])
        return self.run(turn, self.content.flows.starts["main"])

    # ---- the interpreter -----------------------------------------------------
    def run(self, turn: Turn, name: str) -> None:
        """Walk steps from `name` until one waits."""
        flows = self.content.flows
        entry = name
        before = {k: copy.deepcopy(turn.ctx.get(k)) for k in SNAPSHOT_KEYS}
        for _ in range(MAX_HOPS):
            if name.startswith(COMMAND_PREFIX):
                return self.command(turn, name[len(COMMAND_PREFIX):])
            step = flows.steps.get(name)
            if step is None:
                turn.say(turn.r.t("fallback"))
                name = flows.starts["main"]
                continue
            turn.ctx["step"] = name
            if step.say and not step.wait:
                turn.say(turn.r.t(step.say))
            if step.wait:
                self._wait(turn, step, entry, before)
                return None
            outcome = self.actions[step.action](turn) if step.action else ""
            name = step.on.get(outcome) or step.on.get("*") or step.next
            if not name:
                return None
        turn.say(turn.r.t("fallback"))
        return None

    def _wait(self, turn: Turn, step: Step, entry: str, before: dict[str, Any]) -> None:
        buttons = [Button(turn.r.t(b.label), _payload(b.goto)) for b in step.buttons
                   if not b.when or (b.when in self.conditions and self.conditions[b.when](turn))]
        if step.say:
            turn.say(turn.r.t(step.say), buttons)
        elif buttons and turn.replies:
            last = turn.replies[-1]
            turn.replies[-1] = Reply(last.text, last.buttons + tuple(buttons), last.attachment)
        elif buttons:
            turn.say(turn.r.t("ask_again"), buttons)
        history = turn.ctx.setdefault("history", [])
        history.append({"entry": entry, "ctx": before})
        del history[:-HISTORY_LIMIT]


def _payload(goto: str) -> str:
    return goto if goto.startswith(COMMAND_PREFIX) else f"go:{goto}"


