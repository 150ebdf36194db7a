"""Load `flows/*.yaml` (steps), `flows/texts.yaml` and `flows/commands.yaml`."""

from __future__ import annotations

import string
from pathlib import Path

from bot.content.yamlio import LineDict, Problem, load_yaml
from bot.core.flows import Flows, StaticButton, Step, qualify
from bot.core.normalize import fold
from bot.core.understand import Words

STEP_KEYS = {"say", "action", "buttons", "on", "next", "wait", "on_text"}
SPECIAL = {"texts.yaml", "commands.yaml", "understand.yaml"}


def load_flows(folder: Path) -> tuple[Flows | None, list[Problem]]:
    """Parse every flow file; structural problems are returned, graph checks come later."""
    problems: list[Problem] = []
    if not folder.is_dir():
        return None, [Problem(str(folder), 0, "flows folder not found")]
    texts = _texts(folder / "texts.yaml", problems)
    commands = _commands(folder / "commands.yaml", problems)
    words = _words(folder / "understand.yaml", problems)
    steps: dict[str, Step] = {}
    starts: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in SPECIAL:
            continue
        _flow_file(path, steps, starts, problems)
    if "main" not in starts:
        problems.append(Problem(str(folder), 0, "no flow with id 'main'"))
    if problems:
        return None, problems
    return Flows(steps, starts, texts, commands, words), []


def _flow_file(
    path: Path, steps: dict[str, Step], starts: dict[str, str], problems: list[Problem]
) -> None:
    data, probs = load_yaml(path)
    problems.extend(probs)
    if not isinstance(data, LineDict):
        if data is not None:
            problems.append(Problem(str(path), 1, "a flow file must be a mapping"))
        return
    for key in data:
        if key not in ("id", "start", "steps"):
            problems.append(Problem(str(path), data.line_of(key), f"unknown key '{key}'"))
    flow = str(data.get("id", ""))
    raw_steps = data.get("steps")
    if not flow or not isinstance(raw_steps, LineDict):
        problems.append(Problem(str(path), data.line, "a flow needs 'id' and a mapping of 'steps'"))
        return
    if flow in starts:
        problems.append(Problem(str(path), data.line_of("id"), f"duplicate flow id '{flow}'"))
        return
    start = qualify(flow, str(data.get("start", "")))
    if start not in {f"{flow}.{s}" for s in raw_steps}:
        problems.append(
            Problem(
                str(path), data.line_of("start"), f"start step '{start}' is not a step of this flow"
            )
        )
    starts[flow] = start
    for name, spec in raw_steps.items():
        step = _step(path, flow, name, spec, raw_steps.line_of(name), problems)
        if step is not None:
            steps[step.name] = step


def _step(
    path: Path, flow: str, name: str, spec: object, line: int, problems: list[Problem]
) -> Step | None:
    file = str(path)
    if not isinstance(spec, LineDict):
        problems.append(Problem(file, line, f"step '{name}' must be a mapping"))
        return None
    for key in spec:
        if key not in STEP_KEYS:
            problems.append(Problem(file, spec.line_of(key), f"step '{name}': unknown key '{key}'"))
    buttons = []
    raw_buttons = spec.get("buttons") or []
    if not isinstance(raw_buttons, list):
        problems.append(
            Problem(file, spec.line_of("buttons"), f"step '{name}': buttons must be a list")
        )
        raw_buttons = []
    lines: dict[str, int] = {}
    for i, b in enumerate(raw_buttons):
        if not isinstance(b, dict) or "label" not in b or "goto" not in b:
            problems.append(
                Problem(
                    file, spec.line_of("buttons"), f"step '{name}': a button needs label and goto"
                )
            )
            continue
        button = StaticButton(
            str(b["label"]), qualify(flow, str(b["goto"])), str(b.get("when", ""))
        )
        buttons.append(button)
        line = (
            raw_buttons.line_of(i) if hasattr(raw_buttons, "line_of") else spec.line_of("buttons")
        )
        lines.setdefault(button.goto, line)
        lines.setdefault(button.label, line)
    on = spec.get("on") or {}
    if not isinstance(on, dict):
        problems.append(
            Problem(file, spec.line_of("on"), f"step '{name}': 'on' must map outcomes to steps")
        )
        on = {}
    for key, target in on.items():
        lines.setdefault(
            qualify(flow, str(target)),
            on.line_of(key) if hasattr(on, "line_of") else spec.line_of("on"),
        )
    for key in ("next", "on_text"):
        if spec.get(key):
            lines.setdefault(qualify(flow, str(spec[key])), spec.line_of(key))
    if spec.get("say"):
        lines.setdefault(str(spec["say"]), spec.line_of("say"))
    wait = spec.get("wait", False)
    if not isinstance(wait, bool):
        problems.append(
            Problem(file, spec.line_of("wait"), f"step '{name}': wait must be true or false")
        )
    return Step(
        name=f"{flow}.{name}",
        say=str(spec.get("say", "") or ""),
        action=str(spec.get("action", "") or ""),
        buttons=tuple(buttons),
        on={str(k): qualify(flow, str(v)) for k, v in on.items()},
        next=qualify(flow, str(spec.get("next", "") or "")),
        wait=bool(wait),
        on_text=qualify(flow, str(spec.get("on_text", "") or "")),
        line=line,
        file=file,
        lines=lines,
    )


def _texts(path: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    data, probs = load_yaml(path)
    problems.extend(probs)
    if not isinstance(data, LineDict) or "vi" not in data:
        problems.append(Problem(str(path), 1, "texts.yaml must have a 'vi' table"))
        return {"vi": {}}
    out: dict[str, dict[str, str]] = {}
    for lang, table in data.items():
        if not isinstance(table, dict):
            problems.append(
                Problem(str(path), data.line_of(lang), f"'{lang}' must map keys to texts")
            )
            continue
        out[lang] = {str(k): str(v) for k, v in table.items()}
        for key, message in text_problems(out, lang):
            line = (
                table.line_of(key)
                if isinstance(table, LineDict) and key in table
                else data.line_of(lang)
            )
            problems.append(Problem(str(path), line, message))
    return out


def text_problems(texts: dict[str, dict[str, str]], lang: str) -> list[tuple[str, str]]:
    """A language other than vi must have every vi key, with the same {placeholders}."""
    if lang == "vi":
        return [
            (k, f"text '{k}' (vi): bad placeholder syntax")
            for k, v in texts["vi"].items()
            if _fields(v) is None
        ]
    out = []
    vi, table = texts.get("vi", {}), texts[lang]
    for key, text in vi.items():
        if key not in table:
            out.append((key, f"text '{key}' has no '{lang}' version"))
            continue
        mine, theirs = _fields(table[key]), _fields(text)
        if mine != theirs:
            out.append(
                (
                    key,
                    f"text '{key}' ({lang}): placeholders {sorted(mine or [])} differ from vi {sorted(theirs or [])}",
                )
            )
    out += [(k, f"text '{k}' ({lang}) is not a key of vi") for k in table if k not in vi]
    return out


def _fields(text: str) -> set[str] | None:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}
    except ValueError:
        return None


def _commands(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    if not path.exists():
        return {}
    data, probs = load_yaml(path)
    problems.extend(probs)
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(data, LineDict):
        for name, phrases in data.items():
            if not isinstance(phrases, list):
                problems.append(
                    Problem(
                        str(path), data.line_of(name), f"command '{name}' needs a list of phrases"
                    )
                )
                continue
            out[str(name)] = tuple(fold(str(p)) for p in phrases)
    return out


WORD_LISTS = (
    "yes",
    "no",
    "particles",
    "document_words",
    "marked_papers",
    "question_marks",
    "switch_markers",
    "turn_leads",
    "back_leads",
    "this_refs",
    "witness_words",
    "connectives",
    "paper_heads",
    "want_words",
    "required_words",
    "negation_split",
    "preambles",
    "corrections",
    "district_words",
    "holding_words",
    "waiting_words",
    "place_nouns",
    "need_verbs",
    "more_words",
    "english_fillers",
    "negators",
    "english_words",
    "generic_words",
    "yes_buttons",
    "need_buttons",
    "card_buttons",
    "kin",
    "stand_ins",
    "stand_in_verbs",
    "can_words",
    "place_verbs",
    "threshold_units",
    "enough_words",
    "age_units",
    "age_asks",
    "proxy_words",
    "ask_ahead",
    "ask_ahead_fillers",
    "intro_marks",
    "need_marks",
    "purpose_marks",
    "obtain_words",
    "hand_in_verbs",
)
WORD_TABLES = (
    "asks",
    "shorthand",
    "life_events",
    "life_event_offers",
    "life_event_unless",
    "life_event_with",
    "small_talk",
    "control",
    "numbers",
    "facts",
    "buttons",
    "separating",
    "english_gloss",
    "english_terms",
)


def _words(path: Path, problems: list[Problem]) -> Words:
    """flows/understand.yaml: the words the understanding step knows (optional file)."""
    if not path.exists():
        return Words()
    data, probs = load_yaml(path)
    problems.extend(probs)
    if not isinstance(data, LineDict):
        problems.append(Problem(str(path), 1, "understand.yaml must be a mapping"))
        return Words()
    for key, value in data.items():
        if key in WORD_LISTS and not isinstance(value, list):
            problems.append(
                Problem(str(path), data.line_of(key), f"'{key}' must be a list of phrases")
            )
        elif key in WORD_TABLES and not isinstance(value, dict):
            problems.append(Problem(str(path), data.line_of(key), f"'{key}' must be a mapping"))
        elif key not in WORD_LISTS and key not in WORD_TABLES:
            problems.append(Problem(str(path), data.line_of(key), f"unknown key '{key}'"))
    if any(p.file == str(path) for p in problems):
        return Words()
    return Words.from_data(data)
