"""Dialogue flows as data, and the graph checks `tthc-bot check` runs on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.understand import Words

DEFAULT_ON_TEXT = "main.understand"
COMMAND_PREFIX = "cmd:"


@dataclass(frozen=True)
class StaticButton:
    label: str  # text key
    goto: str  # step ("flow.step" or "step" in the same flow) or "cmd:<name>"
    when: str = ""  # optional condition name, e.g. has_bundle


@dataclass(frozen=True)
class Step:
    """One step: say something, run an action, show buttons, move on or wait."""

    name: str  # qualified: flow.step
    say: str = ""
    action: str = ""
    buttons: tuple[StaticButton, ...] = ()
    on: Mapping[str, str] = field(default_factory=dict)
    next: str = ""
    wait: bool = False
    on_text: str = ""
    line: int = 0
    file: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)  # reference or text key -> its line

    def line_of(self, ref: str) -> int:
        return self.lines.get(ref, self.line)


@dataclass(frozen=True)
class Flows:
    steps: Mapping[str, Step]
    starts: Mapping[str, str]  # flow id -> qualified start step
    texts: Mapping[str, Mapping[str, str]]  # lang -> key -> text
    commands: Mapping[str, tuple[str, ...]]  # command -> phrases (folded)
    words: Words = field(default_factory=Words)  # flows/understand.yaml

    def text(self, key: str, lang: str = "vi") -> str:
        table = self.texts.get(lang) or {}
        return table.get(key) or self.texts.get("vi", {}).get(key, key)


@dataclass(frozen=True)
class FlowIssue:
    file: str
    line: int
    message: str


def qualify(flow: str, ref: str) -> str:
    """'ask' in flow 'guide' -> 'guide.ask'; refs already qualified or commands stay as they are."""
    if not ref or ref.startswith(COMMAND_PREFIX) or "." in ref:
        return ref
    return f"{flow}.{ref}"


def check_flows(
    flows: Flows,
    actions: Mapping[str, frozenset[str]],
    conditions: frozenset[str],
    commands: frozenset[str],
    entry_points: frozenset[str],
) -> list[FlowIssue]:
    """Unknown or unreachable steps, missing texts, dead ends and loops without exit."""
    issues: list[FlowIssue] = []
    steps = flows.steps

    def bad(step: Step, message: str, ref: str = "") -> None:
        issues.append(FlowIssue(step.file, step.line_of(ref), message))

    for step in steps.values():
        refs = [step.next, step.on_text, *step.on.values(), *(b.goto for b in step.buttons)]
        for ref in refs:
            if not ref:
                continue
            if ref.startswith(COMMAND_PREFIX):
                if ref[len(COMMAND_PREFIX) :] not in commands:
                    bad(step, f"step '{step.name}': unknown command '{ref}'", ref)
            elif ref not in steps:
                bad(step, f"step '{step.name}' goes to unknown step '{ref}'", ref)
        for key in [step.say, *(b.label for b in step.buttons)]:
            for lang, table in flows.texts.items():
                if key and key not in table:
                    bad(
                        step, f"step '{step.name}': missing text key '{key}' in texts ({lang})", key
                    )
        for b in step.buttons:
            if b.when and b.when not in conditions:
                bad(step, f"step '{step.name}': unknown button condition '{b.when}'")
        if step.action:
            if step.action not in actions:
                bad(step, f"step '{step.name}': unknown action '{step.action}'")
            else:
                missing = actions[step.action] - set(step.on) - ({"*"} if step.next else set())
                if missing and not step.next:
                    bad(
                        step,
                        f"step '{step.name}': no way on for outcome(s) {sorted(missing)} of '{step.action}'",
                    )
        if not (step.wait or step.next or (step.action and step.on)):
            bad(step, f"step '{step.name}' is a dead end: it neither waits nor goes on")
    issues.extend(_unreachable(flows, entry_points))
    issues.extend(_silent_loops(flows))
    return issues


def _targets(step: Step) -> list[str]:
    out = [step.next, *step.on.values(), *(b.goto for b in step.buttons)]
    if step.wait:
        out.append(step.on_text or DEFAULT_ON_TEXT)
    return [t for t in out if t and not t.startswith(COMMAND_PREFIX)]


def _unreachable(flows: Flows, entry_points: frozenset[str]) -> list[FlowIssue]:
    seen: set[str] = set()
    todo = [s for s in [*flows.starts.values(), *entry_points] if s in flows.steps]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(t for t in _targets(flows.steps[name]) if t in flows.steps)
    return [
        FlowIssue(s.file, s.line, f"step '{s.name}' is unreachable")
        for s in flows.steps.values()
        if s.name not in seen
    ]


def _silent_loops(flows: Flows) -> list[FlowIssue]:
    """A cycle of steps none of which waits would spin forever."""
    graph = {
        name: [t for t in _auto_targets(step) if t in flows.steps]
        for name, step in flows.steps.items()
        if not step.wait
    }
    issues: list[FlowIssue] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1 and nxt in graph:
                cycle = path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt]
                step = flows.steps[nxt]
                issues.append(
                    FlowIssue(
                        step.file, step.line, f"loop without a waiting step: {' -> '.join(cycle)}"
                    )
                )
            elif nxt not in state and nxt in graph:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    return issues


def _auto_targets(step: Step) -> list[str]:
    return [t for t in [step.next, *step.on.values()] if t and not t.startswith(COMMAND_PREFIX)]
