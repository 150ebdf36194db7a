"""Keep curated facts true to their sources.

Each curated fact (where, processing_time, fee, deadline, online, result, each document) may name
its source: a portal record's detail field(s) with a hash of their text at review time, or a law.
`tthc-bot catalog drift --reference DIR` compares that with the records in DIR (the dvcqg-api
layout, `<body>/<code>.json`):

- *changed*: the record's field text no longer hashes to what the reviewer saw;
- *number*: a fee, time or deadline number in the fact that appears nowhere in the cited field(s);
- *missing*: the cited record or field is not in the reference;
- *unstamped*: the fact cites a record but no hash of what the reviewer read;
- *mode*: an online block citing `isFullProcess` claims "toàn trình" where the record is not (or the reverse).

`--stamp` writes the current hash into facts that cite a record but carry no hash yet (an editor
runs it right after checking the fact against the record), never over an existing one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.model import Catalog, Fact, FactSource, Online, Procedure

FACT_BLOCKS = ("where", "processing_time", "fee", "deadline", "online", "result", "proxy")
NUMBER_BLOCKS = {"processing_time", "fee", "deadline"}
# a number a citizen acts on: an amount of money or a count of days/hours/months
_NUM_RE = re.compile(
    r"(?<![\d/.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:\s*(?:\(\w+\)\s*)?)(?=\s*(đồng|ngày|giờ|tháng|năm|%|vnđ|đ\b))",
    re.IGNORECASE,
)
_ANY_NUM_RE = re.compile(r"\d{1,3}(?:[.,]\d{3})+|\d+")


@dataclass(frozen=True)
class Cited:
    """One fact of one entry and where it says it comes from."""

    proc: Procedure
    block: str  # where | processing_time | … | document:<key>
    text: str
    source: FactSource


@dataclass(frozen=True)
class Drift:
    file: str
    line: int
    entry: str
    block: str
    kind: str  # changed | number | missing | unstamped | mode
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.entry} {self.block}: {self.kind}: {self.message}"


def cited_facts(catalog: Catalog) -> Iterator[Cited]:
    """Every curated fact that names a source, in catalogue order."""
    for proc in catalog:
        if proc.imported:
            continue
        for block in FACT_BLOCKS:
            fact: Fact | Online | None = getattr(proc, block)
            if fact is not None and fact.source is not None:
                text = fact.text + (
                    f" {fact.exemptions}" if isinstance(fact, Fact) and fact.exemptions else ""
                )
                yield Cited(proc, block, text, fact.source)
        for doc in proc.documents:
            if doc.source is not None:
                yield Cited(proc, f"document:{doc.key}", doc.name, doc.source)


def fact_counts(catalog: Catalog) -> tuple[int, int, int]:
    """(facts, facts marked verify, facts naming a source) over curated entries."""
    total = flagged = sourced = 0
    for proc in catalog:
        if proc.imported:
            continue
        facts: list[Any] = [getattr(proc, b) for b in FACT_BLOCKS] + list(proc.documents)
        for f in facts:
            if f is None:
                continue
            total += 1
            flagged += bool(f.verify)
            sourced += f.source is not None
    return total, flagged, sourced


class Reference:
    """Records of the dvcqg-api folder, read on demand by code."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Path] | None = None
        self._cache: dict[str, dict[str, Any] | None] = {}

    def _index(self) -> dict[str, Path]:
        if self._files is None:
            self._files = {}
            for p in sorted(self.root.glob("*/*.json")):
                self._files.setdefault(p.stem.strip(), p)
        return self._files

    def detail(self, code: str) -> dict[str, Any] | None:
        if code not in self._cache:
            path = self._index().get(code)
            try:
                self._cache[code] = json.loads(path.read_text("utf-8"))["detail"] if path else None
            except (OSError, ValueError, KeyError):
                self._cache[code] = None
        return self._cache[code]

    def updated(self, code: str) -> str:
        """The record's own updatedAt as YYYY-MM-DD, or ''."""
        d = self.detail(code) or {}
        ms = d.get("updatedAt")
        return (
            dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date().isoformat()
            if isinstance(ms, int)
            else ""
        )


def field_text(detail: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """The cited fields as canonical JSON text, or None when one is absent."""
    if any(f not in detail for f in fields):
        return None
    return "\n".join(json.dumps(detail[f], ensure_ascii=False, sort_keys=True) for f in fields)


def cited_text(
    ref: Reference, records: tuple[str, ...], fields: tuple[str, ...]
) -> tuple[str | None, str]:
    """The cited fields of every cited record, joined; or (None, what is missing)."""
    parts = []
    for code in records:
        detail = ref.detail(code)
        if detail is None:
            return None, f"record {code} not in the reference"
        text = field_text(detail, fields)
        if text is None:
            return None, f"field {'+'.join(fields)} not in record {code}"
        parts.append(text)
    return "\n".join(parts), ""


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _numbers(text: str) -> set[int]:
    return {int(m.replace(".", "").replace(",", "")) for m in _ANY_NUM_RE.findall(text)}


def fact_numbers(text: str) -> set[int]:
    """Amounts and durations stated in a fact (money, days, hours, months, years, percent)."""
    return {int(m.group(1).replace(".", "")) for m in _NUM_RE.finditer(text)}


def check(catalog: Catalog, ref: Reference) -> list[Drift]:
    """Every cited fact whose record changed or disagrees with it in a number."""
    out: list[Drift] = []
    for c in cited_facts(catalog):
        src = c.source
        if not src.record:
            continue  # a law: no text at hand to compare
        line = src.line or c.proc.line("documents" if c.block.startswith("document:") else c.block)
        base = (c.proc.source_file, line, c.proc.id, c.block)
        text, missing = cited_text(ref, src.records, src.fields)
        if text is None:
            out.append(Drift(*base, "missing", missing))
            continue
        now = source_hash(text)
        if not src.hash:
            out.append(
                Drift(
                    *base,
                    "unstamped",
                    f"no hash of record {src.record} {src.field}: check the fact "
                    "against it, then run `tthc-bot catalog drift --stamp`",
                )
            )
        elif src.hash != now:
            out.append(
                Drift(
                    *base,
                    "changed",
                    f"record {src.record} {src.field} changed since review "
                    f"{c.proc.last_reviewed} (hash {src.hash} → {now}, record updated "
                    f"{', '.join(ref.updated(r) or '?' for r in src.records)}): re-read it and review the fact",
                )
            )
        if c.block == "online" and "isFullProcess" in src.fields:
            out.extend(
                Drift(*base, "mode", m)
                for m in _mode_problems(c.proc.online.mode, ref, src.records)
            )
        if c.block in NUMBER_BLOCKS:
            known = _numbers(text)
            for n in sorted(fact_numbers(c.text) - known):
                out.append(Drift(*base, "number", f"{n} is not in record {src.record} {src.field}"))
    return out


def _mode_problems(mode: str, ref: Reference, records: tuple[str, ...]) -> list[str]:
    """'toan-trinh' only when every cited record is a full online service; 'mot-phan' only when one is not."""
    full = [bool((ref.detail(r) or {}).get("isFullProcess")) for r in records]
    if mode == "toan-trinh" and not all(full):
        return [
            f"online mode toan-trinh but record(s) {', '.join(r for r, f in zip(records, full, strict=True) if not f)} "
            "are not full online services (isFullProcess false)"
        ]
    if mode == "mot-phan" and all(full):
        return [
            f"online mode mot-phan but every cited record ({', '.join(records)}) is a full online service"
        ]
    return []


_SOURCE_LINE = re.compile(r"^(?P<head>\s*(?:-\s+)?source:\s*\{)(?P<body>[^}]*)\}\s*$")


def stamp_file(path: Path, ref: Reference) -> int:
    """Add `hash: …` to one-line `source: {record, field}` mappings that lack one; return how many."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    count = 0
    for i, line in enumerate(lines):
        m = _SOURCE_LINE.match(line.rstrip("\n"))
        if not m or "hash:" in m.group("body") or "record:" not in m.group("body"):
            continue
        rec = re.search(r'record:\s*"?([\d.+]+)"?', m.group("body"))
        fld = re.search(r"field:\s*\"?([A-Za-z+]+)\"?", m.group("body"))
        if not rec or not fld:
            continue
        text, _ = cited_text(ref, tuple(rec.group(1).split("+")), tuple(fld.group(1).split("+")))
        if text is None:
            continue
        lines[i] = f'{m.group("head")}{m.group("body").rstrip()}, hash: "{source_hash(text)}"}}\n'
        count += 1
    if count:
        path.write_text("".join(lines), "utf-8")
    return count
