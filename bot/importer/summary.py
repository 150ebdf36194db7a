"""What an import run did: counts for the CLI and per-file reasons for skipped records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

INVALID_JSON = "invalid-json"
MALFORMED = "malformed"
OBSOLETE = "obsolete"
CURATED = "duplicate-curated"
IMPORTED = "already-imported"
SOURCE_DUPLICATE = "duplicate-in-source"
QUIET_REASONS = {IMPORTED}  # expected on every re-run: counted, not listed


@dataclass(frozen=True)
class Skip:
    """One record not written, and why."""

    file: str
    code: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.file}{code}: {self.reason}{detail}"


@dataclass
class ImportSummary:
    """Counts and reasons of one import run."""

    level: str
    read: int = 0
    other_level: int = 0
    written_files: list[Path] = field(default_factory=list)
    refreshed_files: list[Path] = field(default_factory=list)
    removed_files: list[Path] = field(default_factory=list)
    pruned_files: list[Path] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        """New files written."""
        return len(self.written_files)

    @property
    def refreshed(self) -> int:
        """Imported files rewritten with --enrich."""
        return len(self.refreshed_files)

    @property
    def reasons(self) -> dict[str, int]:
        """Skipped records per reason."""
        counts = Counter(s.reason for s in self.skipped)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def skip(self, file: str, code: str, reason: str, detail: str = "") -> None:
        """Record a skipped record."""
        self.skipped.append(Skip(file, code, reason, detail))

    def format(self) -> str:
        """Text report for the CLI."""
        reasons = ", ".join(f"{r} {n}" for r, n in self.reasons.items())
        lines = [
            f"dvcqg import (level {self.level}): {self.read} records read, "
            f"{self.read - self.other_level} at this level",
            f"  written: {self.written} new, refreshed: {self.refreshed}, "
            f"unchanged: {self.unchanged}, removed (now curated or moved): "
            f"{len(self.removed_files)}, pruned (no longer in the source): {len(self.pruned_files)}",
            f"  skipped: {len(self.skipped)}" + (f" ({reasons})" if reasons else ""),
        ]
        lines += [f"  - {s}" for s in self.skipped if s.reason not in QUIET_REASONS]
        lines += [f"  removed {p}" for p in self.removed_files[:50]]
        if len(self.removed_files) > 50:
            lines.append(f"  … and {len(self.removed_files) - 50} more removed")
        lines += [f"  pruned {p}" for p in self.pruned_files[:50]]
        if len(self.pruned_files) > 50:
            lines.append(f"  … and {len(self.pruned_files) - 50} more pruned")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)
