"""A problem collector for one YAML file: the shared checks every content loader needs."""

from __future__ import annotations

from typing import Any

from bot.content.yamlio import LineDict, LineList, Problem


class Checker:
    """Collects FILE:LINE problems for one file while its records are built."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def mapping(self, value: Any, line: int, what: str, keys: dict[str, bool]) -> LineDict | None:
        """The value as a mapping with only known keys and every required one, else None."""
        if not isinstance(value, LineDict):
            self.add(line, f"{what} must be a mapping")
            return None
        for key in value:
            if key not in keys:
                self.add(value.line_of(key), f"unknown key '{key}' in {what}")
        for key, required in keys.items():
            if required and key not in value:
                self.add(value.line, f"{what} is missing required key '{key}'")
        return value

    def items(self, value: Any, line: int, what: str) -> list[tuple[Any, int]]:
        """(item, line) pairs of a list; a missing list is empty, anything else a problem."""
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.add(line, f"{what} must be a list")
            return []
        return [(item, value.line_of(i)) for i, item in enumerate(value)]
