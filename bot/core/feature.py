"""One way for a feature (guide, volunteers, booking, feedback) to plug into the engine.

A feature is data: its actions with the outcomes each may return, conditions for buttons,
commands (`/name` or `cmd:name`), text hooks (deep links, codes), flow entry points that are
reached from outside the flow graph, intents (command phrases the understanding step knows),
and content checks run by `tthc-bot check` and hot reload. `Engine.include(feature)` registers
all of it; nothing else adds to the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.engine import Engine, Turn


class Outcome(StrEnum):
    """Outcomes shared by many actions; a feature may declare its own strings too."""

    SHOWN = "shown"
    OK = "ok"
    NONE = "none"
    ONE = "one"
    MANY = "many"
    ASKED = "asked"
    DONE = "done"
    GONE = "gone"


Action = Callable[["Turn"], str]
Condition = Callable[["Turn"], bool]
Command = Callable[["Turn"], None]
TextHook = Callable[["Turn", str], bool]
ContentCheck = Callable[[Any, Any], list[Any]]  # (paths, catalog) -> problems; typed in bot.app


@dataclass(frozen=True)
class ActionSpec:
    fn: Action
    outcomes: frozenset[str]


def action(fn: Action, *outcomes: str) -> ActionSpec:
    return ActionSpec(fn, frozenset(str(o) for o in outcomes))


@dataclass(frozen=True)
class Feature:
    name: str
    actions: Mapping[str, ActionSpec] = field(default_factory=dict)
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    commands: Mapping[str, Command] = field(default_factory=dict)
    text_hooks: Sequence[TextHook] = ()
    entry_points: Sequence[str] = ()
    content_checks: Sequence[ContentCheck] = ()
    intents: Mapping[str, Sequence[str]] = field(
        default_factory=dict
    )  # command -> phrases typed for it
    texts: Sequence[
        str
    ] = ()  # text keys the feature's code uses (checked to exist in every language)
    on_include: Callable[[Engine], None] | None = None


class UndeclaredOutcome(RuntimeError):
    """An action returned an outcome it did not declare: a programming error, said loudly."""
