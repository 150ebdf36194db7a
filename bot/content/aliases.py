"""Everyday names of national procedures (`<catalog>/lexicon/national_aliases.yaml`).

Imported entries carry the portal's official names only; citizens say "làm hộ chiếu", "sang tên
xe". This file, written from the records by a reviewer (see its header), adds those names and
English ones to the imported entries that hold each national code. Curated entries keep their
own aliases. A code no entry holds is reported with its FILE:LINE.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.content.yamlio import LineDict, Problem, load_yaml
from bot.core.model import Procedure

FILE = Path("lexicon") / "national_aliases.yaml"
Names = tuple[tuple[str, ...], tuple[str, ...], int]  # (vi, en, line in the file)


def load_aliases(catalog_dir: Path) -> tuple[dict[str, Names], list[Problem]]:
    """{code: (vi names, en names)}; a missing file means no names."""
    path = catalog_dir / FILE
    if not path.exists():
        return {}, []
    data, problems = load_yaml(path)
    if problems:
        return {}, problems
    if not isinstance(data, LineDict):
        return {}, [Problem(str(path), 1, "expected a mapping of national codes")]
    out: dict[str, Names] = {}
    for code, value in data.items():
        names = _names(value, data.line_of(code))
        if names is None:
            problems.append(
                Problem(str(path), data.line_of(code), f"'{code}': expected vi/en lists")
            )
        else:
            out[str(code)] = names
    return out, problems


def _names(value: object, line: int) -> Names | None:
    if not isinstance(value, dict) or set(value) - {"vi", "en"}:
        return None
    vi, en = value.get("vi") or [], value.get("en") or []
    if not isinstance(vi, list) or not isinstance(en, list):
        return None
    return tuple(str(v) for v in vi), tuple(str(v) for v in en), line


def apply_aliases(
    procs: dict[str, Procedure], names: dict[str, Names], display: str
) -> list[Problem]:
    """Add the names to the imported entries holding each code; report codes nobody holds."""
    holders: dict[str, list[str]] = {}
    for proc in procs.values():
        for code in proc.codes:
            holders.setdefault(code, []).append(proc.id)
    problems: list[Problem] = []
    has_imported = any(p.imported for p in procs.values())  # a catalogue without imported/ is fine
    for code, (vi, en, line) in names.items():
        ids = holders.get(code)
        if not ids:
            if has_imported:
                problems.append(Problem(display, line, f"national code {code} is in no entry"))
            continue
        for pid in ids:
            proc = procs[pid]
            if proc.imported:
                procs[pid] = dataclasses.replace(
                    proc,
                    keywords=_merge(proc.keywords, vi),
                    english=_merge(proc.english, en),
                )
    return problems


def _merge(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return old + tuple(n for n in new if n not in old)
