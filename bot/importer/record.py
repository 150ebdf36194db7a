"""Check one national-portal record and turn it into a catalogue entry (a plain dict)."""

from __future__ import annotations

import re
from typing import Any

from bot.content.catalog import CODE_RE
from bot.importer.documents import count_text, document_key, parse_documents
from bot.importer.facts import fee_fact, online_block, time_fact, where_fact
from bot.importer.parse import (
    get,
    informative,
    parse_channels,
    parse_legal_basis,
    parse_result,
    slugify,
    squash,
)
from bot.importer.texts import texts

TEXT_FIELDS = (
    "ma_thu_tuc",
    "detail_url",
    "formality_id",
    "ten_thu_tuc",
    "so_quyet_dinh",
    "cap_thuc_hien",
    "loai_thu_tuc",
    "linh_vuc",
    "doi_tuong_thuc_hien",
    "co_quan_co_tham_quyen",
    "dia_chi_tiep_nhan",
    "co_quan_duoc_uy_quyen",
    "co_quan_phoi_hop",
    "thu_tuc_lien_quan",
    "trinh_tu_thuc_hien",
    "cach_thuc_thuc_hien",
    "thanh_phan_ho_so",
    "can_cu_phap_ly",
    "co_quan_thuc_hien",
    "yeu_cau_dieu_kien",
    "ket_qua_xu_ly",
    "raw_text",
)
LEVEL_TAGS = {"xa": "Cấp xã", "tinh": "Cấp tỉnh", "bo": "Cấp bộ"}
PORTAL = "https://dichvucong.gov.vn/"
_PREFIX = re.compile(r"^thủ tục\s+", re.IGNORECASE)
_DISTRICT_PAREN = re.compile(r"\s*\([^()]*(?:huyện|quận)[^()]*\)", re.IGNORECASE)


def record_problem(data: Any) -> str | None:
    """Why a parsed record cannot be imported, or None."""
    if not isinstance(data, dict):
        return f"record must be a JSON object, not {type(data).__name__}"
    for key in TEXT_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            return f"'{key}' must be text, not {type(value).__name__}"
    for key in ("ma_thu_tuc", "ten_thu_tuc"):
        if not squash(data.get(key) or ""):
            return f"missing '{key}'"
    code = data["ma_thu_tuc"].strip()
    if not CODE_RE.match(code):
        return f"ma_thu_tuc '{code}' is not a national code like 1.001193"
    return None


def record_levels(data: dict[str, Any]) -> list[str]:
    """Levels named in cap_thuc_hien, nearest to the citizen first."""
    cap = get(data, "cap_thuc_hien")
    return [level for level, tag in LEVEL_TAGS.items() if tag in cap]


def at_level(data: dict[str, Any], level: str) -> bool:
    """True when the record belongs to an import run at `level` (xa, tinh, bo, all)."""
    return level == "all" or level in record_levels(data)


def entry_id(code: str) -> str:
    """'1.001193' -> 'tthc-1-001193'."""
    return "tthc-" + code.strip().replace(".", "-")


def field_dir(data: dict[str, Any]) -> str:
    """Folder of the entry under the import root: slug of linh_vuc."""
    return slugify(get(data, "linh_vuc"), words=10) or "khac"


def build_entry(data: dict[str, Any], today: str) -> dict[str, Any]:
    """The catalogue entry for a checked record, keys in README order."""
    t = texts()
    code = data["ma_thu_tuc"].strip()
    official = squash(data["ten_thu_tuc"])
    name = short_name(official)
    levels = record_levels(data)
    level = levels[0] if levels else "khac"
    url = get(data, "detail_url").strip()
    url = url if url.startswith(("https://", "http://")) else PORTAL
    channels = parse_channels(get(data, "cach_thuc_thuc_hien"))
    entry: dict[str, Any] = {
        "id": entry_id(code),
        "kind": "procedure",
        "ma_thu_tuc": code,
        "name": name,
        "official_name": official,
        "field": field_name(get(data, "linh_vuc")),
        "level": level,
        "aliases": [name.lower()],
    }
    if informative(get(data, "doi_tuong_thuc_hien")):
        entry["who"] = squash(get(data, "doi_tuong_thuc_hien"))
    entry["where"] = where_fact(data, level)
    entry["processing_time"] = time_fact(channels)
    entry["fee"] = fee_fact(channels)
    entry["online"] = online_block(channels, url)
    entry["result"] = {
        "text": parse_result(get(data, "ket_qua_xu_ly")) or t["unknown"],
        "verify": True,
    }
    documents, notes = documents_block(get(data, "thanh_phan_ho_so"))
    entry["documents"] = documents
    if notes:
        entry["notes"] = notes
    entry["legal_basis"] = parse_legal_basis(get(data, "can_cu_phap_ly")) or [t["legal_unknown"]]
    decision = squash(get(data, "so_quyet_dinh"))
    note = t["source_note"].format(decision=decision) if decision else t["source_note_no_decision"]
    entry["sources"] = [{"url": url, "note": note}]
    entry.update(
        last_reviewed=today,
        verify=True,
        verify_note=squash(t["verify_note"]),
        imported=True,
        imported_on=today,
    )
    return entry


def short_name(official: str) -> str:
    """ten_thu_tuc without 'Thủ tục ' and '(thực hiện tại cấp huyện)', first letter capitalised."""
    name = _DISTRICT_PAREN.sub("", _PREFIX.sub("", official)).strip() or official
    return name[:1].upper() + name[1:]


def field_name(linh_vuc: str) -> str:
    """'Hộ tịch' -> 'hộ tịch' (acronyms such as 'BHXH …' keep their case)."""
    text = squash(linh_vuc) or "khác"
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def documents_block(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Checklist items and note rows from 'Thành phần hồ sơ'."""
    t = texts()
    papers, notes, groups = parse_documents(text)
    taken: set[str] = set()
    items = []
    for paper in papers:
        item: dict[str, Any] = {"key": document_key(paper.name, taken), "name": paper.name}
        parts = []
        if count_text(paper):
            parts.append(t["document_count"].format(count=count_text(paper)))
        if paper.group_title:
            parts.append(paper.group_title.rstrip(".") + ".")
        elif groups > 1:
            parts.append(t["document_group"].format(n=paper.group))
        if paper.template:
            parts.append(t["document_template"])
        if parts:
            item["note"] = " ".join(parts)
        items.append(item)
    if not items:
        items = [{"key": "thanh-phan-ho-so", "name": t["documents_unknown"], "verify": True}]
    return items, notes
