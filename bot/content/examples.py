"""Example questions per procedure (`<catalog>/lexicon/examples/*.yaml`).

Official names rarely say what people type: "sổ hồng bị chuột gặm", "đổi bằng lái giấy sang thẻ".
These files hold messages written the way citizens write them, by writers who saw neither the
matcher nor its test sets (see each file's header), keyed by national code or curated id. The
matcher indexes them as one more text of the entry (BM25 over each question), so a new message
close to any of them finds its entry. A key no entry holds is reported with its FILE:LINE.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.content.yamlio import LineDict, Problem, load_yaml
from bot.core.model import Procedure

FOLDER = Path("lexicon") / "examples"


Examples = dict[str, tuple[tuple[str, ...], str, int]]


def load_examples(catalog_dir: Path) -> tuple[Examples, list[Problem]]:
    """{key: (questions, file, line)}; a key is an id or national codes separated by spaces
    (the same procedure at several levels); no folder means no examples."""
    out: Examples = {}
    problems: list[Problem] = []
    for path in sorted((catalog_dir / FOLDER).glob("*.yaml")):
        data, probs = load_yaml(path)
        problems.extend(probs)
        if probs:
            continue
        if not isinstance(data, LineDict):
            problems.append(Problem(str(path), 1, "expected a mapping of national codes or ids"))
            continue
        for key, value in data.items():
            line = data.line_of(key)
            if not isinstance(value, list) or not all(
                isinstance(v, str) and v.strip() for v in value
            ):
                problems.append(Problem(str(path), line, f"'{key}': expected a list of questions"))
                continue
            out[str(key)] = (tuple(v.strip() for v in value), str(path), line)
    return out, problems


def apply_examples(procs: dict[str, Procedure], examples: Examples) -> list[Problem]:
    """Give each entry the questions keyed by its id or one of its national codes."""
    holders: dict[str, list[str]] = {}
    for proc in procs.values():
        holders.setdefault(proc.id, []).append(proc.id)
        for code in proc.codes:
            holders.setdefault(code, []).append(proc.id)
    problems: list[Problem] = []
    has_imported = any(p.imported for p in procs.values())
    for key, (questions, path, line) in examples.items():
        ids = [i for k in key.split() for i in holders.get(k, [])]  # "1.001456 1.001471"
        if not ids:
            if has_imported:  # a catalogue without imported/ (a trimmed copy) may lack it
                problems.append(Problem(path, line, f"'{key}' is in no entry"))
            continue
        for pid in dict.fromkeys(ids):
            proc = procs[pid]
            new = tuple(q for q in questions if q not in proc.examples)
            procs[pid] = dataclasses.replace(proc, examples=proc.examples + new)
    return problems
