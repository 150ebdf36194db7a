"""Import national-portal records as catalogue YAML entries.

Two source formats: the portal's detail API (`dvcqg-api/<body>/<code>.json`, `{id, code, name,
detail}`), written to out/<body>/<id>.yaml and refreshed on every run (the record is the
authority); and the older flattened crawl (`dvcqg/<ministry>/<code>.json`, `ma_thu_tuc`, …),
written to out/<field>/<id>.yaml, used only for codes no earlier source had. Sources are read in
the order given: the first record of a code wins.

Duplicates: a code already carried by a catalogue entry is never written again. A curated entry
always wins: an imported file under `out` whose code a curated entry now carries is removed.
With `enrich`, imported files are refreshed in place; curated files are never rewritten (their
comments and layout are hand-made): the summary only names the fields the record could fill.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from bot.importer import summary as why
from bot.importer.api import DISTRICT, api_code, api_level, api_problem, build_api_entry, clean_tree
from bot.importer.clean import glued_law_number, strip_file_names, tidy_item
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
    src: Path | Sequence[Path],
    out: Path,
    level: str = "xa",
    enrich: bool = False,
    existing: Path | None = None,
    progress: bool = True,
    today: date | None = None,
) -> ImportSummary:
    """Write one YAML entry per record at `level`; API records are refreshed when they changed."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    sources = [src] if isinstance(src, Path) else list(src)
    files: list[tuple[Path, Path]] = []
    for root in sources:
        if not root.is_dir():
            raise SourceError(f"{root}: not a folder")
        found = sorted(root.rglob("*.json"))
        if not found:
            raise SourceError(f"{root}: no *.json records found")
        files += [(root, f) for f in found]
    index, warnings = scan_codes([existing or out.parent, out])
    run = _Run(out, level, enrich, index, (today or date.today()).isoformat())
    run.summary.read = len(files)
    run.summary.warnings.extend(warnings)
    run.remove_superseded()
    bar = tqdm(
        files,
        desc="dvcqg",
        unit="record",
        file=sys.stderr,
        disable=not progress,
        mininterval=0.5,
    )
    for root, path in bar:
        run.one(root, path)
    if level == "all":
        run.prune()
    return run.summary


class _Run:
    """State of one import run."""

    def __init__(self, out: Path, level: str, enrich: bool, index: CodeIndex, today: str) -> None:
        self.out, self.level, self.enrich = out, level, enrich
        self.index, self.today = index, today
        self.summary = ImportSummary(level=level)
        self.seen: dict[str, str] = {}
        self.produced: set[Path] = set()

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

    def prune(self) -> None:
        """A full run (level all): imported files under `out` no source produced any more go."""
        out = self.out.resolve()
        for holders in self.index.values():
            for h in list(holders):
                if h.imported and h.path.is_relative_to(out) and h.path not in self.produced:
                    h.path.unlink(missing_ok=True)
                    holders.remove(h)
                    self.summary.pruned_files.append(h.path)

    def one(self, root: Path, path: Path) -> None:
        """Import one record file, or record why not."""
        name = f"{root.name}/{path.relative_to(root).as_posix()}"
        data, reason, detail = read_record(path)
        if data is None:
            self.summary.skip(name, "", reason, detail)
            return
        if "detail" in data:
            self.one_api(name, path, data)
        else:
            self.one_flat(name, data)

    def _first(self, name: str, code: str) -> bool:
        if code in OBSOLETE:
            self.summary.skip(name, code, why.OBSOLETE, f"replaced by {OBSOLETE[code]}")
            return False
        if code in self.seen:
            self.summary.skip(name, code, why.SOURCE_DUPLICATE, f"{self.seen[code]} has this code")
            return False
        self.seen[code] = name
        return True

    def _curated(self, name: str, code: str, entry: dict[str, Any]) -> bool:
        curated = [h for h in self.index.get(code, []) if not h.imported]
        if curated:
            self.summary.skip(name, code, why.CURATED, self._curated_detail(curated[0], entry))
        return bool(curated)

    def one_api(self, name: str, path: Path, data: dict[str, Any]) -> None:
        """A portal API record: always mapped afresh; written when new or changed."""
        if self.level != "all" and api_level(data["detail"]) != self.level:
            self.summary.other_level += 1
            return
        code = api_code(data)
        if not self._first(name, code):
            return
        entry = clean_tree(build_api_entry(data, self.today))
        if self._curated(name, code, entry):
            return
        target = (self.out / path.parent.name / f"{entry['id']}.yaml").resolve()
        self.produced.add(target)
        for h in list(self.index.get(code, [])):
            if h.imported and h.path != target and h.path.is_relative_to(self.out.resolve()):
                h.path.unlink(
                    missing_ok=True
                )  # an earlier layout or body: the new file replaces it
                self.index[code].remove(h)
                self.summary.removed_files.append(h.path)
        state = write_if_changed(target, entry, api=True)
        if state == "new":
            self.summary.written_files.append(target)
        elif state == "changed":
            self.summary.refreshed_files.append(target)
        else:
            self.summary.unchanged += 1
        self.index[code] = [Holder(target, True, frozenset(entry))]

    def one_flat(self, name: str, data: dict[str, Any]) -> None:
        """A record of the older flattened crawl, for codes no earlier source carried."""
        problem = record_problem(data)
        if problem:
            self.summary.skip(name, "", why.MALFORMED, problem)
            return
        if not at_level(data, self.level):
            self.summary.other_level += 1
            return
        code = data["ma_thu_tuc"].strip()
        if not self._first(name, code):
            return
        holders = self.index.get(code, [])
        entry = fix_flat_entry(clean_tree(build_entry(data, self.today)))
        if self._curated(name, code, entry):
            return
        if holders:
            # refreshed when the mapping changed (or with --enrich); an unchanged entry is kept
            self.produced.add(holders[0].path)
            if self.enrich:
                write_entry(holders[0].path, entry)
                state = "changed"
            else:
                state = write_if_changed(holders[0].path, entry)
            if state == "same":
                self.summary.skip(name, code, why.IMPORTED, shown(holders[0].path))
            else:
                self.summary.refreshed_files.append(holders[0].path)
        else:
            target = self.out / field_dir(data) / f"{entry['id']}.yaml"
            write_entry(target, entry)
            self.produced.add(target.resolve())
            self.index[code] = [Holder(target.resolve(), True, frozenset(entry))]
            self.summary.written_files.append(target)

    def _curated_detail(self, holder: Holder, entry: dict[str, Any]) -> str:
        detail = f"carried by {shown(holder.path)}"
        if not self.enrich:
            return detail
        missing = [k for k in entry if k not in holder.keys and k not in BOOKKEEPING]
        fill = ", ".join(missing) if missing else "nothing"
        return f"{detail}; curated files are not rewritten, the record could fill: {fill}"


def fix_flat_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Defects the flattened crawl leaves: glued law numbers, district-era bodies in `where`."""
    t = texts()["api"]
    laws = [law for law in entry.get("legal_basis", []) if not glued_law_number(law)]
    if len(laws) < len(entry.get("legal_basis", [])):
        entry["legal_basis"] = laws or [t["legal_unknown"]]
        entry["verify_note"] = f"{entry.get('verify_note', '')} {t['flat_glued']}".strip()
    for doc in entry.get("documents", []):
        doc["name"] = tidy_item(strip_file_names(doc["name"])).rstrip(" :;,.") or doc["name"]
    for block in ("result", "where", "processing_time", "fee"):
        if isinstance(entry.get(block), dict):
            entry[block]["text"] = tidy_item(entry[block]["text"]) or entry[block]["text"]
    where = entry.get("where", {})
    if DISTRICT.search(where.get("text", "")):
        level = entry.get("level", "khac")
        where["text"] = t["where_level"].get(level, t["where_level"]["khac"])
        where["verify"] = True
        where["note"] = t["where_district"][level if level in ("xa", "tinh") else "other"]
    return entry


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
    if isinstance(data, dict) and "detail" in data:
        problem = api_problem(data)
    else:
        problem = record_problem(data)
    if problem:
        return None, why.MALFORMED, problem
    return data, "", ""


def render_entry(entry: dict[str, Any], api: bool = False) -> str:
    """YAML text of an entry with the 'generated' header comment."""
    if api:
        header = texts()["api"]["header"].format(code=entry["ma_thu_tuc"])
    else:
        header = texts()["header"].format(code=entry["ma_thu_tuc"], date=entry["imported_on"])
    comment = "\n".join("# " + line for line in textwrap.wrap(header, 96))
    body = yaml.safe_dump(
        entry, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return f"{comment}\n{body}"


_IMPORTED_ON = re.compile(r"^imported_on: '?(\d{4}-\d{2}-\d{2})'?$", re.MULTILINE)


def write_if_changed(path: Path, entry: dict[str, Any], api: bool = False) -> str:
    """'new', 'changed' or 'same': an unchanged record keeps its file (and its imported_on)."""
    try:
        old = path.read_text(encoding="utf-8")
    except OSError:
        old = None
    if old is not None:
        m = _IMPORTED_ON.search(old)
        if m and render_entry({**entry, "imported_on": m.group(1)}, api) == old:
            return "same"
    write_entry(path, entry, api)
    return "new" if old is None else "changed"


def write_entry(path: Path, entry: dict[str, Any], api: bool = False) -> None:
    """Write atomically (temporary file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_entry(entry, api))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
