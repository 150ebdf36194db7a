"""Parse the flattened tables of a dichvucong.gov.vn record (the crawl glued cells together)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.normalize import fold

NO_INFO = "Không có thông tin"
CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"

_WS = re.compile(r"\s+")
_ROW = re.compile(r"(Trực tuyến|Dịch vụ bưu chính|Trực tiếp)")
_TIME = re.compile(r"(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút)?")
_CURRENCY = r"(?:Việt Nam Đồng|VNĐ|Đồng|đồng|USD)"
_AMOUNT = re.compile(rf"\s*(\d[\d.,]*)\s*({_CURRENCY})")
_FEE_WORDS = re.compile(rf"\s*(Miễn phí|{NO_INFO}|Phí\s*:\s*Đồng|{_CURRENCY})")
_RESULT_END = re.compile(r"Từ khóa|Mô tả|Chọn cơ quan thực hiện")
_RESULT_CODE = re.compile(r"Mã:\s*[A-Z0-9][A-Z0-9.\-]*\d")
_LAW_CODE = re.compile(
    r"\d{1,4}(?:\.\d{1,2})?[a-z]?/\d{4}/(?:QH\d{2}|[A-ZĐ]+(?:-(?:TTg|UBTVQH\d{2}|[A-ZĐ]+))*)"
)
_LAW_TITLE = re.compile(r"^(Bộ luật|Luật|Nghị quyết|Pháp lệnh|Hiến pháp)\b\s*(.*)$", re.IGNORECASE)
_LAW_NAME_END = re.compile(r"\s+số\b|\s+ngày\b|\d|[(,;:]")
ISSUERS = (
    "CP",
    "TTg",
    "BTC",
    "BTP",
    "BCA",
    "BNNMT",
    "BNNPTNT",
    "NHNN",
    "BGTVT",
    "BXD",
    "BTNMT",
    "BLĐTBXH",
    "BYT",
    "BNV",
    "BCT",
    "BKHĐT",
    "BQP",
    "BNG",
    "BVHTTDL",
    "BTTTT",
    "BGDĐT",
    "BKHCN",
    "TANDTC",
    "VKSNDTC",
    "HĐTP",
    "UBDT",
    "VPCP",
    "KTNN",
)
KINDS = {
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "VBHN": "Văn bản hợp nhất",
    "CT": "Chỉ thị",
    "NQLT": "Nghị quyết liên tịch",
}


@dataclass(frozen=True)
class Channel:
    """One row of the 'Cách thức thực hiện' table."""

    name: str  # Trực tuyến | Dịch vụ bưu chính | Trực tiếp
    time: str  # "5 ngày làm việc", "1 ngày", "" when unknown
    fee: str  # "Miễn phí", "70.000 đồng", "" when unknown
    fee_detail: str = ""
    description: str = ""
    bare_time: bool = False  # the record gave a number without a unit
    ambiguous: bool = False  # time and fee digits ran together


def squash(text: str) -> str:
    """Collapse whitespace (incl. no-break spaces) to single spaces."""
    return _WS.sub(" ", text.replace("\xa0", " ")).strip()


def get(data: dict[str, Any], key: str) -> str:
    """A text field of a checked record ('' when absent)."""
    return str(data.get(key) or "")


def informative(text: str) -> bool:
    """False for empty text and the portal's 'Không có thông tin' placeholder."""
    t = squash(text)
    return bool(t) and not t.startswith(NO_INFO) and t.strip("-* ") != ""


def slugify(text: str, words: int = 6, max_len: int = 60) -> str:
    """Accent-folded, hyphenated slug of the first words of text."""
    slug = "-".join(fold(text).split()[:words])
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug


# --- channels, time and fee -------------------------------------------------------------


def parse_channels(text: str) -> list[Channel]:
    """Rows of the flattened 'Hình thức nộp | Thời gian | Phí, lệ phí | Mô tả' table."""
    body = text[len(CHANNEL_HEADER) :] if text.startswith(CHANNEL_HEADER) else text
    starts = [m for m in _ROW.finditer(body) if m.start() == 0 or _row_start(body, m.end())]
    rows = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        rows.append(_channel(m.group(1), body[m.end() : end]))
    return rows


def _row_start(body: str, pos: int) -> bool:
    """A channel name starts a row when a time cell follows without a space."""
    return pos < len(body) and (body[pos].isdigit() or body.startswith("Không", pos))


def _channel(name: str, cells: str) -> Channel:
    time, bare, rest = _time_cell(cells)
    ambiguous = bare and bool(re.match(rf"\s*{_CURRENCY}", rest))
    if ambiguous:
        rest = re.sub(rf"^\s*{_CURRENCY}", "", rest)
        fee, detail, desc = "", *_split_paren(rest)
        return Channel(name, "", fee, detail, desc, ambiguous=True)
    fee, rest = _fee_cell(rest)
    detail, desc = _split_paren(rest)
    return Channel(name, time, fee, detail, desc, bare_time=bare)


def _time_cell(cells: str) -> tuple[str, bool, str]:
    m = _TIME.match(cells)
    if m:
        unit = m.group(2)
        number = m.group(1)
        text = f"{number} {unit.lower()}" if unit else f"{number} ngày"
        return text, unit is None, cells[m.end() :]
    if cells.startswith("Không"):
        end = 5
        while end < len(cells) and not (cells[end].isupper() or cells[end].isdigit()):
            end += 1
        return "", False, cells[end:]
    return "", False, cells


def _fee_cell(rest: str) -> tuple[str, str]:
    m = _AMOUNT.match(rest)
    if m:
        return _amount(m.group(1), m.group(2)), rest[m.end() :]
    m = _FEE_WORDS.match(rest)
    if m:
        return ("Miễn phí" if m.group(1) == "Miễn phí" else ""), rest[m.end() :]
    return "", rest


def _amount(number: str, currency: str) -> str:
    digits = re.sub(r"[.,](?=\d{3}\b)", ".", number).rstrip(".,")
    if currency == "USD":
        return f"{digits} USD"
    return f"{digits} đồng"


def _split_paren(text: str) -> tuple[str, str]:
    """Split a leading balanced '(…)' off text: (inside, rest)."""
    stripped = text.lstrip()
    if not stripped.startswith("("):
        return "", squash(text)
    depth = 0
    for i, ch in enumerate(stripped):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return squash(stripped[1:i]).strip("() "), squash(stripped[i + 1 :])
    return squash(stripped[1:]).strip("() "), ""


# --- result and legal basis -------------------------------------------------------------


def parse_result(text: str) -> str:
    """Result documents of 'Kết quả thực hiện', joined with '; ' (codes and page UI dropped)."""
    head = _RESULT_END.split(text, maxsplit=1)[0]
    names: list[str] = []
    for part in _RESULT_CODE.split(head):
        name = squash(part)
        if informative(name) and name not in names:
            names.append(name)
    return "; ".join(names)


def parse_legal_basis(text: str) -> list[str]:
    """Legal documents named by code ('Nghị định 123/2015/NĐ-CP'); raw text when none."""
    body = text[len(LEGAL_HEADER) :] if text.startswith(LEGAL_HEADER) else text
    found = _law_codes(body)
    rows = [f for f in found if f[2]] or found
    out: list[str] = []
    seen: set[str] = set()
    for code, title, _ in rows:
        if code not in seen:
            seen.add(code)
            out.append(_law_label(code, title))
    if out or not informative(body):
        return out
    return [squash(body)]


def _law_codes(body: str) -> list[tuple[str, str, bool]]:
    """(code, title before it, looks like the table's code cell) for every code in body."""
    found = []
    prev_end = 0
    for m in _LAW_CODE.finditer(body):
        code = _trim_code(m.group(0), body[m.end() : m.end() + 1])
        end = m.start() + len(code)
        before = body[m.start() - 1] if m.start() else " "
        after = body[end] if end < len(body) else ""
        cell = not (before.isspace() or before in "(") or not (after.isspace() or after in ",.;)")
        found.append((code, squash(body[prev_end : m.start()]), cell))
        prev_end = end
    return found


def _trim_code(code: str, nxt: str) -> str:
    """Drop the start of the next glued cell ('NĐ-CPNghị định' -> 'NĐ-CP')."""
    issuer = code.rsplit("/", 1)[1]
    last = issuer.rsplit("-", 1)[1] if "-" in issuer else ""
    if code.endswith("TTg") or code[-1].isdigit() or last in ISSUERS:
        return code
    known = [i for i in ISSUERS if last.startswith(i)]
    if known:
        return code[: len(code) - len(last)] + max(known, key=len)
    if nxt.islower() and code[-1].isupper() and code[-2] != "/":
        return code[:-1].rstrip("-")
    return code


def _law_label(code: str, title: str) -> str:
    issuer = code.rsplit("/", 1)[1]
    kind = KINDS.get(issuer.split("-", 1)[0], "")
    if kind:
        return f"{kind} {code}"
    title = re.sub(r"^(Mã văn bản|Tên văn bản pháp lý)", "", title).strip()
    m = _LAW_TITLE.match(title)
    if not m:
        return f"Văn bản {code}"
    kind = m.group(1).capitalize()
    name = _LAW_NAME_END.split(m.group(2), maxsplit=1)[0].strip()
    if kind in ("Luật", "Bộ luật") and name and len(name) <= 60 and not name.isupper():
        return f"{kind} {name} {code}"
    return f"{kind} {code}"
