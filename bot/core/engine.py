"""The conversation engine: walks the YAML flows for one message and returns replies.

It sends nothing and knows no channel: channels turn their updates into `Incoming` and
deliver the `Reply` list. State is a `ConversationState` per (channel, user) kept in a store
as JSON. Features plug in with `include(feature)` (bot.core.feature).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.feature import (
    Action,
    ActionSpec,
    Command,
    Condition,
    ContentCheck,
    Feature,
    TextHook,
    UndeclaredOutcome,
)
from bot.core.flows import COMMAND_PREFIX, DEFAULT_ON_TEXT, Flows, Step
from bot.core.matcher import Matcher
from bot.core.messages import Button, Incoming, Reply
from bot.core.model import Catalog, Procedure
from bot.core.normalize import MAX_INPUT_CHARS, fold
from bot.core.render import Renderer
from bot.core.state import ConversationState

MAX_HOPS = 40
BUILTIN_COMMANDS = frozenset({"restart", "back", "help", "human"})


class StateStore(Protocol):
    """Where conversation states live, as JSON-able dicts. `lock` serialises one user's turns."""

    def get(self, channel: str, user: str) -> dict[str, Any] | None: ...
    def put(self, channel: str, user: str, state: dict[str, Any]) -> None: ...
    def lock(self, channel: str, user: str) -> AbstractContextManager[None]: ...


class MemoryStore:
    """A store in a dict (unit tests only: nothing survives the process); returns copies."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.RLock()

    def get(self, channel: str, user: str) -> dict[str, Any] | None:
        value = self.data.get((channel, user))
        return copy.deepcopy(value) if value is not None else None

    def put(self, channel: str, user: str, state: dict[str, Any]) -> None:
        self.data[(channel, user)] = copy.deepcopy(state)

    @contextmanager
    def lock(self, channel: str, user: str) -> Iterator[None]:
        with self._lock:
            yield


@dataclass(frozen=True)
class Content:
    """What the engine serves; swapped whole on hot reload."""

    catalog: Catalog
    matcher: Matcher
    flows: Flows


@dataclass
class Turn:
    """One message being handled: the conversation state and the replies so far."""

    engine: Engine
    msg: Incoming
    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    text: str = ""
    earlier: str = ""  # the citizen's typed message before this one (a story, then its request)

    @property
    def content(self) -> Content:
        return self.engine.content

    @property
    def r(self) -> Renderer:
        """Texts in the conversation's language (falls back to Vietnamese per key)."""
        return Renderer(self.content.flows, self.state.lang)

    @property
    def proc(self) -> Procedure | None:
        pid = self.state.proc
        return self.content.catalog.get(pid) if pid else None

    def say(self, text: str, buttons: list[Button] | None = None, **kw: Any) -> None:
        self.replies.append(Reply(text, tuple(buttons or ()), **kw))

    def data(self, name: str) -> dict[str, Any]:
        """A scratch area for one feature's own data (booking, feedback)."""
        return self.state.scratch(name)


TypedHandler = Callable[[Turn, str], bool]


class Engine:
    """`handle(message) -> replies`; features plug in with `include`."""

    def __init__(
        self,
        content: Content | None,
        store: StateStore,
        *,
        idle_seconds: int = 7200,
        volunteers: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        transcript_channels: frozenset[str] = frozenset(),
    ) -> None:
        self._content = content
        self.transcript_channels = transcript_channels
        self.store = store
        self.idle_seconds = idle_seconds
        self.volunteers = volunteers
        self.clock = clock
        self.actions: dict[str, Action] = {}
        self.outcomes: dict[str, frozenset[str]] = {}
        self.conditions: dict[str, Condition] = {}
        self.commands: dict[str, Command] = {}
        self.entry_points: set[str] = set()
        self.text_hooks: list[TextHook] = []
        self.intents: dict[str, frozenset[str]] = {}  # feature commands typed in words
        self.text_keys: set[str] = set()  # keys features use from the texts
        self.content_checks: list[ContentCheck] = []
        self.features: dict[str, Feature] = {}
        self.typed: TypedHandler | None = None  # the understanding step (bot.core.understand)

    @property
    def content(self) -> Content:
        if self._content is None:
            raise RuntimeError("the engine has no content yet")
        return self._content

    @content.setter
    def content(self, value: Content) -> None:
        self._content = value

    # ---- plug-in -------------------------------------------------------------
    def include(self, feature: Feature, *, replace: bool = False) -> None:
        """Register everything a feature brings; a name used twice is an error.

        `replace=True` first removes an included feature of the same name (tests swap services).
        """
        if feature.name in self.features:
            if not replace:
                raise ValueError(f"feature '{feature.name}' included twice")
            self._exclude(self.features.pop(feature.name))
        for name, spec in feature.actions.items():
            self._unique(name, self.actions, "action")
            self._add_action(name, spec)
        for name, cond in feature.conditions.items():
            self.conditions[name] = cond  # a feature may refine a default condition (e.g. bookable)
        for name, cmd in feature.commands.items():
            self._unique(name, self.commands, "command")
            self.commands[name] = cmd
        self.text_hooks.extend(feature.text_hooks)
        self.entry_points.update(feature.entry_points)
        self.content_checks.extend(feature.content_checks)
        for name, phrases in feature.intents.items():
            self.intents[name] = frozenset(fold(p) for p in phrases)
        self.text_keys.update(feature.texts)
        self.features[feature.name] = feature
        if feature.on_include is not None:
            feature.on_include(self)

    def _exclude(self, feature: Feature) -> None:
        for name in feature.actions:
            self.actions.pop(name, None)
            self.outcomes.pop(name, None)
        for name in feature.commands:
            self.commands.pop(name, None)
        self.text_hooks = [h for h in self.text_hooks if h not in feature.text_hooks]
        self.content_checks = [c for c in self.content_checks if c not in feature.content_checks]

    @staticmethod
    def _unique(name: str, table: dict[str, Any], kind: str) -> None:
        if name in table:
            raise ValueError(f"{kind} '{name}' registered twice")

    def _add_action(self, name: str, spec: ActionSpec) -> None:
        self.actions[name] = spec.fn
        self.outcomes[name] = spec.outcomes

    @property
    def command_names(self) -> frozenset[str]:
        return BUILTIN_COMMANDS | frozenset(self.commands)

    # ---- one message ---------------------------------------------------------
    def handle(self, msg: Incoming) -> list[Reply]:
        """Handle one message and persist the new state (one user's turns never interleave)."""
        with self.store.lock(msg.channel, msg.user):
            turn = Turn(self, msg, self.load(msg.channel, msg.user))
            said = self._said(turn)
            self._dispatch(turn)
            if msg.channel in self.transcript_channels:
                turn.state.log([*said, *(reply_entry(r) for r in turn.replies)])
            self._save(msg, turn)
            return turn.replies

    def history(self, channel: str, user: str) -> list[dict[str, Any]]:
        """The conversation so far as stored (oldest first): {"from": "citizen"|"bot", "text", "buttons"}."""
        raw = self.store.get(channel, user)
        return ConversationState.from_dict(raw).transcript if raw else []

    @staticmethod
    def _said(turn: Turn) -> list[dict[str, Any]]:
        """What the citizen typed, or the label of the button pressed."""
        msg = turn.msg
        if msg.button:
            label = next((lab for lab, payload in turn.state.buttons if payload == msg.button), "")
            return [{"from": "citizen", "text": label}] if label else []
        return [{"from": "citizen", "text": msg.text.strip()}] if msg.text.strip() else []

    def load(self, channel: str, user: str) -> ConversationState:
        """The user's state, fresh when none or idle too long (volunteer cases are kept)."""
        raw = self.store.get(channel, user)
        state = ConversationState.from_dict(raw)
        if raw and self.clock() - state.updated > self.idle_seconds:
            state.reset("cases")
            state.expired = True
        return state

    def _save(self, msg: Incoming, turn: Turn) -> None:
        state = turn.state
        state.updated = self.clock()
        state.buttons = [[b.label, b.payload] for rep in turn.replies for b in rep.buttons]
        self.store.put(msg.channel, msg.user, state.to_dict())

    def _dispatch(self, turn: Turn) -> None:
        state = turn.state
        if state.expired:
            state.expired = False
            turn.say(turn.r.t("expired"))
        payload = turn.msg.button.strip()
        text = turn.msg.text.strip()[:MAX_INPUT_CHARS]
        if not payload and text:
            payload = self.button_from_text(state, text)
        if payload.startswith(COMMAND_PREFIX):
            return self.command(turn, payload[len(COMMAND_PREFIX) :])
        if not payload:
            command = self.command_from_text(text)
            if command:
                return self.command(turn, command)
            if text.startswith("/") and text.split()[0][1:] in self.commands:
                return self.commands[text.split()[0][1:]](turn)
            if any(hook(turn, text) for hook in self.text_hooks):
                return None
            if text.lower().startswith("/start"):  # a deep link nobody claimed: just start
                return self.command(turn, "restart")
        if payload:
            return self.press(turn, payload)
        turn.text = text
        if not text:
            return self.run(turn, self.content.flows.starts["main"])
        step = self.step(state.step)
        if (
            step is not None and step.on_text
        ):  # the step takes free text itself (a comment, an office name)
            return self.run(turn, step.on_text)
        if self.typed is not None and self.typed(turn, text):
            return None
        return self.run(turn, DEFAULT_ON_TEXT)

    def step(self, name: str) -> Step | None:
        return self.content.flows.steps.get(name)

    def button_from_text(self, state: ConversationState, text: str) -> str:
        """A typed number or a button's exact label is that button."""
        buttons = state.buttons
        if text.isdecimal() and len(text) <= 3 and 1 <= int(text) <= len(buttons):
            return str(buttons[int(text) - 1][1])
        folded = fold(text)
        for label, payload in buttons:
            if folded and fold(label) == folded:
                return str(payload)
        return ""

    def command_from_text(self, text: str) -> str:
        folded = fold(text)
        if text.strip().lower().startswith("/start"):
            return ""
        for name, phrases in self.content.flows.commands.items():
            if folded in phrases:
                return name
        for name, typed in self.intents.items():
            if folded in typed:
                return name
        return ""

    def press(self, turn: Turn, payload: str) -> None:
        """A button payload (pressed or typed): exactly one way to act on it."""
        state = turn.state
        if payload not in {str(b[1]) for b in state.buttons}:  # forged or stale: ask again
            turn.say(turn.r.t("unknown_button"))
            return self.rerender(turn)
        verb, _, arg = payload.partition(":")
        if verb == "go":
            return self.run(turn, arg)
        step = self.step(state.step)
        target = step.on.get(verb) if step else None
        if target is None:
            turn.say(turn.r.t("unknown_button"))
            return self.rerender(turn)
        turn.text = arg
        if verb == "answer" and state.pending:
            state.answers[state.pending] = arg
            state.pending = None
        elif verb == "pick":
            if self.content.catalog.get(arg) is None:
                turn.say(turn.r.t("unknown_button"))
                return self.rerender(turn)
            state.switch_procedure(arg)
        elif verb == "have":
            have = set(state.have)
            have.symmetric_difference_update({arg})
            state.have = sorted(have)
        return self.run(turn, target)

    # ---- commands ------------------------------------------------------------
    def command(self, turn: Turn, name: str) -> None:
        flows = self.content.flows
        if name == "restart":
            turn.state.reset("lang", "cases", "case", "footnote_shown", "transcript")
            return self.run(turn, flows.starts["main"])
        if name == "back":
            return self.back(turn)
        if name in ("help", "human"):
            turn.state.misses = 0
            return self.run(turn, f"main.{name}")
        head = name.split()[0] if name.split() else name
        if head in self.commands:
            return self.commands[head](turn)
        turn.say(turn.r.t("unknown_button"))
        return None

    def back(self, turn: Turn) -> None:
        history = turn.state.history
        if len(history) < 2:
            turn.say(turn.r.t("nothing_back"))
            return self.rerender(turn)
        history.pop()
        snap = history.pop()
        turn.state.restore(snap)
        turn.text = snap.text
        return self.run(turn, snap.entry)

    def rerender(self, turn: Turn) -> None:
        """Show the current step again (its question and buttons)."""
        history = turn.state.history
        if history:
            snap = history.pop()
            turn.state.restore(snap)
            turn.text = snap.text
            return self.run(turn, snap.entry)
        return self.run(turn, self.content.flows.starts["main"])

    # ---- the interpreter -----------------------------------------------------
    def run(self, turn: Turn, name: str) -> None:
        """Walk steps from `name` until one waits."""
        flows = self.content.flows
        entry = name
        before = turn.state.snapshot(entry, turn.text)
        for _ in range(MAX_HOPS):
            if name.startswith(COMMAND_PREFIX):
                return self.command(turn, name[len(COMMAND_PREFIX) :])
            step = flows.steps.get(name)
            if step is None:
                turn.say(turn.r.t("fallback"))
                name = flows.starts["main"]
                continue
            turn.state.step = name
            if step.say and not step.wait:
                turn.say(turn.r.t(step.say))
            if step.wait:
                self._wait(turn, step, before)
                return None
            outcome = self._act(turn, step) if step.action else ""
            name = step.on.get(outcome) or step.on.get("*") or step.next
            if not name:
                return None
        turn.say(turn.r.t("fallback"))
        return None

    def _act(self, turn: Turn, step: Step) -> str:
        outcome = self.actions[step.action](turn)
        if outcome not in self.outcomes[step.action]:
            raise UndeclaredOutcome(
                f"action '{step.action}' returned undeclared outcome '{outcome}'"
            )
        return str(outcome)

    def _wait(self, turn: Turn, step: Step, before: Any) -> None:
        buttons = [
            Button(turn.r.t(b.label), _payload(b.goto))
            for b in step.buttons
            if not b.when or (b.when in self.conditions and self.conditions[b.when](turn))
        ]
        if step.say:
            turn.say(turn.r.t(step.say), buttons)
        elif buttons and turn.replies:
            last = turn.replies[-1]
            turn.replies[-1] = Reply(last.text, last.buttons + tuple(buttons), last.attachment)
        elif buttons:
            turn.say(turn.r.t("ask_again"), buttons)
        turn.state.remember(before)


def reply_entry(reply: Reply) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "from": "bot",
        "text": reply.text,
        "buttons": [[b.label, b.payload] for b in reply.buttons],
    }
    if reply.attachment is not None:
        entry["file"] = reply.attachment.filename
    return entry


def _payload(goto: str) -> str:
    return goto if goto.startswith(COMMAND_PREFIX) else f"go:{goto}"
