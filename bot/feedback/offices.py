"""Office ids and names for feedback, read from the catalogue's `offices/` YAML when present.

The booking feature owns and validates those files; feedback only needs `id` and `name`, so it
accepts one office per file, a list of offices, or an `offices:` list, and skips anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PAYLOAD_PREFIX = "fb-"  # deep-link payloads: fb-<office>[-<counter>]
OFFICE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


@dataclass(frozen=True)
class Offices:
    """Known offices (id -> name); when none are known, any well-formed id is accepted."""

    names: Mapping[str, str]

    def valid(self, office: str) -> bool:
        """A known office, or (with no office files) any id made of a-z, 0-9 and '-'."""
        return office in self.names if self.names else bool(OFFICE_ID.match(office))

    def name(self, office: str) -> str:
        """The office's display name, or its id."""
        return self.names.get(office, office)

    def split(self, code: str) -> tuple[str, str] | None:
        """'phuong-a-quay-3' -> ('phuong-a', 'quay-3'): the longest known office id first."""
        if not self.names:
            return (code, "") if OFFICE_ID.match(code) else None
        for office in sorted(self.names, key=len, reverse=True):
            if code == office:
                return office, ""
            if code.startswith(office + "-") and OFFICE_ID.match(code[len(office) + 1 :]):
                return office, code[len(office) + 1 :]
        return None


def load_offices(catalog_dir: Path | str) -> Offices:
    """Read `<catalog_dir>/offices/*.yaml`; unreadable files are skipped (booking checks them)."""
    names: dict[str, str] = {}
    folder = Path(catalog_dir) / "offices"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        for item in _records(data):
            office = str(item.get("id", ""))
            if OFFICE_ID.match(office):
                names[office] = str(item.get("name") or office)
    return Offices(names)


def _records(data: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(data, Mapping) and isinstance(data.get("offices"), list):
        data = data["offices"]
    items = data if isinstance(data, list) else [data]
    yield from (item for item in items if isinstance(item, Mapping) and "id" in item)
