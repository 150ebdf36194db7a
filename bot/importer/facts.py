"""Fact blocks of a generated entry: where, processing time, fee, online."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.core.normalize import strip_marks
from bot.importer.parse import Channel, get, informative, squash
from bot.importer.texts import texts

# District level no longer exists (1/7/2025): never name it in `where` or in generated notes.
DISTRICT = re.compile(r"huyện|quận|thị xã|thị trấn", re.IGNORECASE)
_STREET = re.compile(r"\bsố \d|\bđường\b|\d{3,}", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.;])\s+|\n+")
MAX_AGENCY = 300
MAX_ADDRESS = 150
MAX_NOTE = 400


def where_fact(data: dict[str, Any], level: str) -> dict[str, Any]:
    """Where to file: the record's agency and address when informative, else a line by level."""
    t = texts()
    generic = squash(t["where"][level])
    agency = _no_district(get(data, "co_quan_thuc_hien"), MAX_AGENCY)
    address = _no_district(get(data, "dia_chi_tiep_nhan"), MAX_ADDRESS)
    same = bool(agency) and address.casefold().startswith(agency.casefold())
    if address and (_STREET.search(address) or same):
        address = ""
    parts = []
    if agency:
        parts.append(t["where_agency"].format(agency=agency))
    if address:
        parts.append(t["where_address"].format(address=address))
    text = " ".join(parts)
    notes = [generic] if text else []
    places = _step_places(get(data, "trinh_tu_thuc_hien"))
    if places:
        notes.append(t["where_steps"].format(places=", ".join(places)))
    fact: dict[str, Any] = {"text": text or generic, "verify": True}
    if notes:
        fact["note"] = " ".join(notes)
    return fact


def _no_district(text: str, limit: int) -> str:
    """Comma-separated parts of text that name no district; '' when nothing useful is left."""
    if not informative(text):
        return ""
    parts = [p.strip(" .:") for p in re.split(r"[,;\n]", squash(text))]
    kept = ", ".join(p for p in parts if p and not DISTRICT.search(p))
    return kept if informative(kept) and len(kept) <= limit else ""


def _step_places(steps: str) -> list[str]:
    folded = strip_marks(squash(steps).lower())
    found: list[str] = []
    for phrase, label in texts()["step_places"].items():
        if strip_marks(phrase) in folded and label not in found:
            found.append(label)
    return found


def time_fact(channels: list[Channel]) -> dict[str, Any]:
    """Processing time per channel; the record's description column goes to the note."""
    t = texts()
    text = per_channel((c.name, c.time) for c in channels)
    notes = []
    if any(c.bare_time for c in channels):
        notes.append(t["time_bare_unit"])
    if any(c.ambiguous for c in channels):
        notes.append(t["time_ambiguous"])
    notes.extend(_clean_notes(c.description for c in channels))
    return _fact(text or t["unknown"], notes)


def fee_fact(channels: list[Channel]) -> dict[str, Any]:
    """Fee per channel as the record states it; details in the note, never an invented amount."""
    t = texts()
    pairs = [(c.name, t["fee_ambiguous"] if c.ambiguous else c.fee) for c in channels]
    text = per_channel(pairs)
    return _fact(text or t["unknown"], _clean_notes(c.fee_detail for c in channels))


def online_block(channels: list[Channel], url: str) -> dict[str, Any]:
    """Channels the record lists; the online service level is not in the record, so verify."""
    t = texts()
    names = _unique(c.name for c in channels)
    labels = [t["channels"][n] for n in names]
    if labels:
        joined = (
            ", ".join(labels[:-1]) + f" {t['or']} " + labels[-1] if len(labels) > 1 else labels[0]
        )
        text = t["online_text"].format(channels=joined)
    else:
        text = t["online_unknown"]
    mode = "mot-phan" if "Trực tuyến" in names else "khong"
    return {"mode": mode, "text": text, "url": url, "verify": True}


def per_channel(pairs: Iterable[tuple[str, str]]) -> str:
    """'5 ngày' when every channel agrees, else 'Trực tuyến: 5 ngày; Trực tiếp: 7 ngày'."""
    by_channel: dict[str, list[str]] = {}
    for name, value in pairs:
        values = by_channel.setdefault(name, [])
        if value and value not in values:
            values.append(value)
    or_ = f" {texts()['or']} "
    rendered = {name: or_.join(values) for name, values in by_channel.items() if values}
    if not rendered:
        return ""
    if len(set(rendered.values())) == 1 and len(rendered) == len(by_channel):
        return next(iter(rendered.values()))
    return "; ".join(f"{name}: {value.rstrip('.')}" for name, value in rendered.items())


def _clean_notes(items: Iterable[str]) -> list[str]:
    """Distinct informative notes without sentences naming a district, cut to MAX_NOTE."""
    out: list[str] = []
    for text in _unique(items):
        kept = " ".join(s for s in _SENTENCE.split(text) if s and not DISTRICT.search(s)).strip()
        if informative(kept) and kept not in out:
            out.append(kept if len(kept) <= MAX_NOTE else kept[:MAX_NOTE].rsplit(" ", 1)[0] + " …")
    return out


def _fact(text: str, notes: list[str]) -> dict[str, Any]:
    fact: dict[str, Any] = {"text": text, "verify": True}
    if notes:
        fact["note"] = " ".join(notes)
    return fact


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out
