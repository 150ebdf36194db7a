"""Split the flattened 'Thành phần hồ sơ' table into checklist items."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.importer.parse import informative, slugify, squash

DOCS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# "1 bản chính", "0 bản chính,1 bản sao", "1 bản sao"; a leading 0 ("01 bản chính") belongs to
# the count, other digits before the last one belong to the name ("Mẫu số 10" + "1 bản chính").
_COUNT = re.compile(
    r"(?:(?<!\d)0)?(\d) bản chính(?:\s*,\s*(?:(?<!\d)0)?(\d) bản sao)?|(?:(?<!\d)0)?(\d) bản sao"
)
UNKNOWN = -1  # the record gave no count
_TEMPLATE = re.compile(r"(?<=\S)\.(?:docx?|pdf|xlsx?|rar|zip)", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-+*•]+|[a-zđ]\)|\d{1,2}[.)]|[ivx]+\))\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Paper:
    """One item of the record's document table."""

    name: str
    originals: int
    copies: int
    group: int  # 1-based section of the table
    group_title: str
    template: bool


def parse_documents(text: str) -> tuple[list[Paper], list[str], int]:
    """(items, zero-count rows that are really notes, number of sections)."""
    parts = text.split(DOCS_HEADER)
    bodies = parts[1:] if len(parts) > 1 else parts
    title = _title(parts[0]) if len(parts) > 1 else ""
    papers: list[Paper] = []
    notes: list[str] = []
    for group, body in enumerate(bodies, start=1):
        rows, trailer = _rows(body)
        for name, originals, copies in rows:
            if (originals == 0 and copies == 0) or title.startswith("Lưu ý"):
                note = _BULLET.sub("", name).strip()
                if note and not note.endswith(":"):
                    notes.append(note)
                continue
            clean, template = _clean_name(name)
            if clean:
                papers.append(Paper(clean, originals, copies, group, title, template))
        title = _title(trailer)
    return papers, notes, len(bodies)


def _rows(body: str) -> tuple[list[tuple[str, int, int]], str]:
    """(name, originals, copies) rows of one section and the text after the last row."""
    rows = []
    pos = 0
    for m in _COUNT.finditer(body):
        name = squash(body[pos : m.start()])
        if m.group(3) is not None:
            originals, copies = 0, int(m.group(3))
        else:
            originals, copies = int(m.group(1)), int(m.group(2) or 0)
        if informative(name):
            rows.append((name, originals, copies))
        pos = m.end()
    trailer = body[pos:]
    if not rows and informative(trailer):
        return [(squash(trailer), UNKNOWN, 0)], ""
    return rows, trailer


def _title(text: str) -> str:
    return squash(text).strip("-*:. ")


def _clean_name(name: str) -> tuple[str, bool]:
    """Drop glued template file names ('…NĐ-CPMẫu số 01.docx') and list bullets."""
    m = _TEMPLATE.search(name)
    if m:
        stem = name[: m.start()]
        cut = max(stem.rfind(";"), stem.rfind("."), stem.rfind(")"))
        name = stem[: cut + 1] if cut >= 0 and len(stem) - cut <= 80 else stem
    name = _BULLET.sub("", squash(name)).strip(" ;,")
    return name, m is not None


def document_key(name: str, taken: set[str]) -> str:
    """Slug of the first words of the name, unique within one entry."""
    base = slugify(_BULLET.sub("", name)) or "giay-to"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def count_text(paper: Paper) -> str:
    """'1 bản chính', '1 bản sao', '1 bản chính, 1 bản sao'."""
    parts = []
    if paper.originals > 0:
        parts.append(f"{paper.originals} bản chính")
    if paper.copies:
        parts.append(f"{paper.copies} bản sao")
    return ", ".join(parts)
