"""Import national-portal records (dvcqg/<ministry>/<code>.json) as catalogue YAML entries.

Duplicates: a code already carried by a catalogue entry is never written again. A curated entry
always wins: an imported file under `out` whose code a curated entry now carries is removed.
With `enrich`, imported files are refreshed in place; curated files are never rewritten (their
comments and layout are hand-made): the summary only names the fields the record could fill.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from bot.importer import summary as why
from bot.importer.existing import CodeIndex, Holder, scan_codes
from bot.importer.record import at_level, build_entry, field_dir, record_problem
from bot.importer.summary import ImportSummary
from bot.importer.texts import texts

LEVELS = ("xa", "tinh", "bo", "all")
# Liên thông groups re-coded by Nghị định 301/2026/NĐ-CP: old code -> new code.
OBSOLETE = {
    "2.000986": "3.000722",
    "2.001023": "3.000722",
    "2.002621": "2.002913",
    "2.002622": "2.002913",
}
BOOKKEEPING = {"id", "imported", "imported_on", "verify", "verify_note", "last_reviewed"}


class SourceError(Exception):
    """The source folder cannot be imported at all."""


def import_dvcqg(
    src: Path,
    out: Path,
    level: str = "xa",
    enrich: bool = False,
    existing: Path | None = None,
    progress: bool = True,
    today: date | None = None,
) -> ImportSummary:
    """Write one YAML entry per new record at `level` under out/<field>/<id>.yaml."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if not src.is_dir():
        raise SourceError(f"{src}: not a folder")
    files = sorted(src.rglob("*.json"))
    if not files:
        raise SourceError(f"{src}: no *.json records found")
    index, warnings = scan_codes([existing or out.parent, out])
    run = _Run(src, out, level, enrich, index, (today or date.today()).isoformat())
    run.summary.read = len(files)
    run.summary.warnings.extend(warnings)
    run.remove_superseded()
    bar = tqdm(
        files,
        desc="dvcqg",
        unit="record",
        file=sys.stderr,
        disable=not progress or not sys.stderr.isatty(),
    )
    for path in bar:
        run.one(path)
    return run.summary


class _Run:
    """State of one import run."""

    def __init__(
        self, src: Path, out: Path, level: str, enrich: bool, index: CodeIndex, today: str
    ) -> None:
        self.src, self.out, self.level, self.enrich = src, out, level, enrich
        self.index, self.today = index, today
        self.summary = ImportSummary(level=level)
        self.seen: set[str] = set()

    def remove_superseded(self) -> None:
        """Curated wins: drop imported files under `out` whose code a curated entry carries."""
        out = self.out.resolve()
        for holders in self.index.values():
            if not any(not h.imported for h in holders):
                continue
            for h in [h for h in holders if h.imported and h.path.is_relative_to(out)]:
                h.path.unlink(missing_ok=True)
                holders.remove(h)
                self.summary.removed_files.append(h.path)

    def one(self, path: Path) -> None:
        """Import one record file, or record why not."""
        name = f"{self.src.name}/{path.relative_to(self.src).as_posix()}"
        data, reason, detail = read_record(path)
        if data is None:
            self.summary.skip(name, "", reason, detail)
            return
        if not at_level(data, self.level):
            self.summary.other_level += 1
            return
        code = data["ma_thu_tuc"].strip()
        if code in OBSOLETE:
            self.summary.skip(name, code, why.OBSOLETE, f"replaced by {OBSOLETE[code]}")
            return
        if code in self.seen:
            self.summary.skip(name, code, why.SOURCE_DUPLICATE, "another file has this code")
            return
        self.seen.add(code)
        holders = self.index.get(code, [])
        curated = [h for h in holders if not h.imported]
        entry = build_entry(data, self.today)
        if curated:
            self.summary.skip(name, code, why.CURATED, self._curated_detail(curated[0], entry))
        elif holders and not self.enrich:
            self.summary.skip(name, code, why.IMPORTED, shown(holders[0].path))
        elif holders:
            write_entry(holders[0].path, entry)
            self.summary.refreshed_files.append(holders[0].path)
        else:
            target = self.out / field_dir(data) / f"{entry['id']}.yaml"
            write_entry(target, entry)
            self.index[code] = [Holder(target.resolve(), True, frozenset(entry))]
            self.summary.written_files.append(target)

    def _curated_detail(self, holder: Holder, entry: dict[str, Any]) -> str:
        detail = f"carried by {shown(holder.path)}"
        if not self.enrich:
            return detail
        missing = [k for k in entry if k not in holder.keys and k not in BOOKKEEPING]
        fill = ", ".join(missing) if missing else "nothing"
        return f"{detail}; curated files are not rewritten, the record could fill: {fill}"


def shown(path: Path) -> str:
    """Path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_record(path: Path) -> tuple[dict[str, Any] | None, str, str]:
    """(record, '', '') or (None, reason, detail)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, why.INVALID_JSON, f"cannot read: {exc}"
    except json.JSONDecodeError as exc:
        return (
            None,
            why.INVALID_JSON,
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
        )
    problem = record_problem(data)
    if problem:
        return None, why.MALFORMED, problem
    return data, "", ""


def render_entry(entry: dict[str, Any]) -> str:
    """YAML text of an entry with the 'generated' header comment."""
    header = texts()["header"].format(code=entry["ma_thu_tuc"], date=entry["imported_on"])
    comment = "\n".join("# " + line for line in textwrap.wrap(header, 96))
    body = yaml.safe_dump(
        entry, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return f"{comment}\n{body}"


def write_entry(path: Path, entry: dict[str, Any]) -> None:
    """Write atomically (temporary file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_entry(entry))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
