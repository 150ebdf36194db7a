"""Mechanical audit of imported entries against their portal API records.

Every imported entry (`imported: true`) is read as YAML text and as data, and checked against the
record of its code in the reference folder (dvcqg-api/<body>/<code>.json):
NFC, invisible marks, merged words, glued law numbers, form file names or fragments as document
names, a district-era body in `where`, an empty checklist where the record lists papers, a fee
shown as free (or an amount left out) where the record states one, commune level where the record
is not a commune procedure, an official link that is not the record's page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.importer.api import COMMUNE_BODY, DISTRICT, PAGE, agencies, fee_amounts
from bot.importer.clean import FILE_NAME, glued_law_number, text_problems
from bot.importer.texts import texts

CHECKS = (
    "not NFC",
    "invisible mark",
    "merged words",
    "glued law number",
    "file name as document",
    "fragment as document",
    "district office in where",
    "empty checklist",
    "fee shown as free",
    "fee amount missing",
    "fee below 1,000 đồng",
    "commune level but record is not",
    "wrong official link",
)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FREE = re.compile(r"miễn phí|không thu|không mất phí|không ghi phí|free", re.IGNORECASE)
# "Lệ phí 135 đồng": the portal's amount in thousands or in dollars shown as đồng
_TINY_DONG = re.compile(r"(?<![\d.,])\d{1,3} đồng")


@dataclass
class AuditReport:
    """Counts per check, and which entries failed which check."""

    entries: int = 0
    with_record: int = 0
    defects: dict[str, list[str]] = field(default_factory=dict)

    def add(self, entry: str, check: str) -> None:
        self.defects.setdefault(entry, [])
        if check not in self.defects[entry]:
            self.defects[entry].append(check)

    @property
    def defective(self) -> int:
        return len(self.defects)

    @property
    def rate(self) -> float:
        return 100.0 * self.defective / self.entries if self.entries else 0.0

    def per_check(self) -> dict[str, int]:
        counts = Counter(c for checks in self.defects.values() for c in checks)
        return {c: counts.get(c, 0) for c in CHECKS}

    def format(self, limit: int = 30) -> str:
        lines = [
            f"audit: {self.entries} imported entries, {self.with_record} checked against an API "
            f"record, {self.entries - self.with_record} text-only (no API record)",
            f"  entries with a defect: {self.defective} ({self.rate:.2f} %)",
        ]
        lines += [f"  {check}: {n}" for check, n in self.per_check().items()]
        for entry, checks in sorted(self.defects.items())[:limit]:
            lines.append(f"  - {entry}: {', '.join(checks)}")
        if self.defective > limit:
            lines.append(f"  … and {self.defective - limit} more")
        return "\n".join(lines)


def reference_records(reference: Path) -> dict[str, dict[str, Any]]:
    """code -> API record, for every dvcqg-api record under `reference` (first of a code wins)."""
    root = reference / "dvcqg-api" if (reference / "dvcqg-api").is_dir() else reference
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("detail"), dict):
            code = str(data.get("code") or "").strip()
            out.setdefault(code, data)
    return out


def imported_files(catalog: Path) -> list[Path]:
    root = catalog / "imported" if (catalog / "imported").is_dir() else catalog
    return sorted(root.rglob("*.yaml"))


def audit(catalog: Path, reference: Path) -> AuditReport:
    """Check every imported entry under `catalog` against the API records under `reference`."""
    records = reference_records(reference)
    report = AuditReport()
    for path in imported_files(catalog):
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
        if not isinstance(data, dict) or data.get("imported") is not True:
            continue
        report.entries += 1
        name = str(data.get("id") or path.stem)
        for problem in text_problems(text):
            report.add(name, problem)
        for check in entry_problems(data, records.get(str(data.get("ma_thu_tuc", "")).strip())):
            report.add(name, check)
        if str(data.get("ma_thu_tuc", "")).strip() in records:
            report.with_record += 1
    return report


def entry_problems(entry: dict[str, Any], record: dict[str, Any] | None) -> list[str]:
    """Defects of one entry; the record-based checks run only when the record is known."""
    found: list[str] = []
    laws = " ".join(str(x) for x in entry.get("legal_basis") or [])
    if glued_law_number(laws):
        found.append("glued law number")
    for doc in entry.get("documents") or []:
        name = str(doc.get("name", ""))
        if FILE_NAME.search(name):
            found.append("file name as document")
        if (
            len(name) < 3
            or name.rstrip().endswith(":")
            or not (name[:1].isalnum() or name[:1] in '"“')
        ):
            found.append("fragment as document")
    where = _without_remarks(str((entry.get("where") or {}).get("text", "")))
    if DISTRICT.search(where):
        found.append("district office in where")
    if record is None:
        return list(dict.fromkeys(found))
    det = record["detail"]
    docs = entry.get("documents") or []
    if _record_has_papers(det) and all(d.get("key") == "thanh-phan-ho-so" for d in docs):
        found.append("empty checklist")
    amounts = fee_amounts(det)
    fee = entry.get("fee") or {}
    fee_text = f"{fee.get('text', '')}"
    if amounts and _FREE.search(fee_text):
        found.append("fee shown as free")
    if amounts and not all(_amount_shown(a, fee_text) for a in amounts):
        found.append("fee amount missing")
    if _TINY_DONG.search(fee_text):
        found.append("fee below 1,000 đồng")
    if entry.get("level") == "xa" and not _commune_record(det):
        found.append("commune level but record is not")
    page = PAGE.format(id=record.get("id") or det.get("id"))
    if (entry.get("online") or {}).get("url") != page:
        found.append("wrong official link")
    return list(dict.fromkeys(found))


# Sector offices that are never a commune office, whatever flags the portal sets.
_SECTOR = re.compile(
    r"hải quan|thuế|tòa án|toà án|bảo hiểm xã hội|kho bạc|biên phòng", re.IGNORECASE
)


def _commune_record(det: dict[str, Any]) -> bool:
    """Independent of the importer's rule: the record is flagged isWard and is not executed by a
    sector office (customs, tax, court, social insurance, treasury, border guard) alone."""
    if not det.get("isWard"):
        return False
    names = " ".join(agencies(det))
    return not _SECTOR.search(names) or bool(COMMUNE_BODY.search(names))


def _without_remarks(text: str) -> str:
    for remark in texts()["api"]["where_district_short"].values():
        text = text.replace(remark, "")
    return text


def _record_has_papers(det: dict[str, Any]) -> bool:
    return any(
        str(comp.get("name") or "").strip()
        for case in det.get("executionCases") or []
        for comp in case.get("profileComponents") or []
        if not comp.get("isProcessingResult")
    )


def _amount_shown(value: float, text: str) -> bool:
    plain = f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:,.2f}"
    return plain in text
