"""Which national codes a catalogue already carries, and in which files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.catalog import catalog_files
from bot.content.yamlio import load_yaml


@dataclass(frozen=True)
class Holder:
    """A catalogue file carrying a code."""

    path: Path
    imported: bool
    keys: frozenset[str]


CodeIndex = dict[str, list[Holder]]


def scan_codes(roots: Iterable[Path]) -> tuple[CodeIndex, list[str]]:
    """Map every ma_thu_tuc under the roots to its files; warn about unreadable files."""
    index: CodeIndex = {}
    warnings: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for path in catalog_files(root):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            data, _ = load_yaml(path)
            if not isinstance(data, dict):
                warnings.append(f"{path}: not readable as a catalogue entry; its codes are unknown")
                continue
            holder = Holder(resolved, data.get("imported") is True, frozenset(data))
            for code in codes_of(data.get("ma_thu_tuc")):
                index.setdefault(code, []).append(holder)
    return index, warnings


def codes_of(value: Any) -> list[str]:
    """ma_thu_tuc as a list of strings (a string, a list, or an unquoted YAML number)."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, float):
            out.append(f"{item:.6f}")
        elif item is not None and str(item).strip():
            out.append(str(item).strip())
    return out
