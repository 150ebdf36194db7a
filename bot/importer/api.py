"""Turn one portal detail-API record (dvcqg-api/<body>/<code>.json) into a catalogue entry.

Fields are mapped, never scraped from prose: documents from executionCases[].profileComponents,
fees from executionMethods[].fees (amount + description), time with its unit, online filing
from submissionMethod, level from isWard/isProvince/isMinistry (vertical agencies such as customs
or tax are not commune offices), legal basis as the record numbers it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.content.catalog import CODE_RE
from bot.importer.clean import clean, one_line, strip_file_names, tidy_item
from bot.importer.documents import document_key
from bot.importer.parse import slugify
from bot.importer.texts import texts

PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{id}"
METHODS = ("ONLINE", "DIRECT", "POSTAL")
_PREFIX = re.compile(r"^thủ tục\s+", re.IGNORECASE)
# District-era bodies (no district level since 1/7/2025).
DISTRICT = re.compile(
    r"cấp huyện|\bhuyện\b|\bquận\b|thị xã|Phòng (?:Tư pháp|Tài chính|Văn hóa|Văn hoá|"
    r"Tài nguyên|Lao động|Nội vụ|Kinh tế|Quản lý đô thị|Giáo dục|Y tế|Nông nghiệp)|Chi cục Thuế\b(?! doanh)",
    re.IGNORECASE,
)
# Sector offices (customs, tax, courts, social insurance, treasury, border guard): never a commune
# office, even where the portal flags the record isWard.
SECTOR = re.compile(
    r"hải quan|thuế|tòa án|toà án|bảo hiểm xã hội|kho bạc|biên phòng", re.IGNORECASE
)
COMMUNE_BODY = re.compile(r"cấp xã|\bxã\b|phường|đặc khu", re.IGNORECASE)


def api_problem(data: Any) -> str | None:
    """Why an API record cannot be imported, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("detail"), dict):
        return "not a portal API record ({id, code, name, detail})"
    code = str(data.get("code") or data["detail"].get("code") or "").strip()
    if not code:
        return "missing 'code'"
    if not CODE_RE.match(code):
        return f"code '{code}' is not a national code like 1.001193"
    if not one_line(data.get("name") or data["detail"].get("name")):
        return "missing 'name'"
    return None


def api_code(data: dict[str, Any]) -> str:
    return str(data.get("code") or data["detail"].get("code")).strip()


def agencies(det: dict[str, Any]) -> list[str]:
    """Executing agencies named by the record, in order, each once."""
    names = [one_line(p) for p in re.split(r"[,;]", det.get("executingAgencies") or "")]
    for key in ("departmentsExecuting", "unitGroupsExecuting"):
        names += [one_line(d.get("name")) for d in det.get(key) or [] if isinstance(d, dict)]
    out: list[str] = []
    for name in names:
        if name and name.casefold() not in {o.casefold() for o in out}:
            out.append(name)
    return out


def api_level(det: dict[str, Any]) -> str:
    """xa | tinh | bo | nganh-doc | khac — nearest to the citizen first.

    A vertical or sector agency's office (customs, tax, social insurance, treasury…) may carry
    isWard on the portal but is not a commune office: commune level only when a commune body
    executes it.
    """
    names = " ".join(agencies(det))
    commune_body = bool(COMMUNE_BODY.search(names))
    vertical = bool(det.get("isVertical")) and bool(names) and not commune_body
    sector = bool(SECTOR.search(names)) and not commune_body
    if det.get("isWard") and not vertical and not sector:
        return "xa"
    if det.get("isProvince"):
        return "tinh"
    if det.get("isMinistry"):
        return "bo"
    if det.get("isWard") or det.get("isVertical"):
        return "nganh-doc"
    return "khac"


def body_dir(det: dict[str, Any], fallback: str) -> str:
    """Folder of the entry: slug of the promulgating body."""
    return slugify(one_line(det.get("departmentPromulgateName")), words=10) or fallback


def build_api_entry(data: dict[str, Any], today: str) -> dict[str, Any]:
    """The catalogue entry for a checked API record, keys in README order."""
    t = texts()["api"]
    det = data["detail"]
    code = api_code(data)
    official = one_line(data.get("name") or det.get("name"))
    name = _short_name(official)
    level = api_level(det)
    url = PAGE.format(id=data.get("id") or det.get("id"))
    entry: dict[str, Any] = {
        "id": "tthc-" + code.replace(".", "-"),
        "kind": "procedure",
        "ma_thu_tuc": code,
        "name": name,
        "official_name": official,
        "field": _field(det),
        "level": level,
        "aliases": [name.lower()],
    }
    who = ", ".join(
        n for n in (one_line(s.get("name")) for s in det.get("subjectTypesDetails") or []) if n
    )
    if who:
        entry["who"] = who
    entry["where"] = where_fact(det, level)
    entry["processing_time"] = time_fact(det)
    entry["fee"] = fee_fact(det)
    entry["online"] = online_block(det, url)
    results = [one_line(r.get("name")) for r in det.get("resultsDetails") or []]
    results = [r for r in dict.fromkeys(results) if r]
    result: dict[str, Any] = {"text": "; ".join(results) or t["unknown"]}
    if not results or any(DISTRICT.search(r) for r in results):
        result["verify"] = True
        if results:
            result["note"] = t["district_result"]
    entry["result"] = result
    questions, documents = documents_block(det)
    if questions:
        entry["questions"] = questions
    entry["documents"] = documents
    notes = _notes(det)
    if notes:
        entry["notes"] = notes
    entry["legal_basis"] = legal_basis(det) or [t["legal_unknown"]]
    entry["sources"] = [{"url": url, "note": _source_note(det)}]
    entry["last_reviewed"] = _date(det.get("updatedAt")) or today
    entry.update(imported=True, imported_on=today)
    return entry


def _short_name(official: str) -> str:
    name = _PREFIX.sub("", official).strip() or official
    return name[:1].upper() + name[1:]


def _field(det: dict[str, Any]) -> str:
    cats = [one_line(c.get("name")) for c in det.get("categoriesDetails") or []]
    text = next((c for c in cats if c), "") or "khác"
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _date(ms: Any) -> str:
    if not isinstance(ms, (int, float)) or ms <= 0:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def _source_note(det: dict[str, Any]) -> str:
    t = texts()["api"]
    updated = _date(det.get("updatedAt"))
    proposal = det.get("procedureProposal") or {}
    decision = one_line(det.get("decisionNo")) or one_line(proposal.get("proposalNumber"))
    note = str(t["source_note"]).format(updated=updated or "?")
    return note + (str(t["source_decision"]).format(decision=decision) if decision else "")


# --- where ------------------------------------------------------------------------------


def where_fact(det: dict[str, Any], level: str) -> dict[str, Any]:
    """The record's executing agencies; a district-era body is replaced by what two-level
    government means for it (commune or province, per the level) and marked unverified."""
    t = texts()["api"]
    names = agencies(det)
    kept = [n for n in names if not DISTRICT.search(n)]
    dropped = len(kept) < len(names)
    label = t["level_label"][level]
    if kept:
        text = t["where_agencies"].format(agencies=", ".join(kept), level=label)
    else:
        text = t["where_level"][level]
    if dropped:
        text = f"{text}; {t['where_district_short'][level if level in ('xa', 'tinh') else 'other']}"
    fact: dict[str, Any] = {"text": text}
    if dropped:
        fact["verify"] = True
        fact["note"] = t["where_district"][level if level in ("xa", "tinh") else "other"]
    elif not names:
        fact["verify"] = True
        fact["note"] = t["where_no_agency"]
    return fact


# --- time -------------------------------------------------------------------------------


def _qty(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _duration(qty: Any, unit: str) -> str:
    units = texts()["api"]["units"]
    if unit not in units or not isinstance(qty, (int, float)) or qty <= 0:
        return ""
    return f"{_qty(qty)} {units[unit]}"


def _case_times(det: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for case in det.get("cases") or []:
        day = case.get("processingDay") or {}
        value = _duration(day.get("qty"), str(day.get("type") or ""))
        if value:
            out.append((one_line(case.get("name")), value))
    return out


def time_fact(det: dict[str, Any]) -> dict[str, Any]:
    """Time per channel with its unit; where the unit is OTHER, the record's per-case days."""
    t = texts()["api"]
    pairs: list[tuple[str, str]] = []
    notes: list[str] = []
    other = False
    for m in det.get("executionMethods") or []:
        channel = t["channels"].get(str(m.get("submissionMethod")), "")
        value = _duration(m.get("processingTime"), str(m.get("processingTimeUnit") or ""))
        if not value:
            other = True
        else:
            pairs.append((channel, value))
        desc = one_line(m.get("description"))
        if desc and desc not in notes:
            notes.append(desc)
    text = _per_channel(pairs)
    cases = _case_times(det)
    if (other or not text) and cases:
        distinct = list(dict.fromkeys(v for _, v in cases))
        case_text = distinct[0] if len(distinct) == 1 else "; ".join(f"{n}: {v}" for n, v in cases)
        text = f"{text}; {case_text}" if text else case_text
    fact: dict[str, Any] = {"text": text or t["time_unknown"]}
    if not text:
        fact["verify"] = True
    if notes:
        fact["note"] = " ".join(notes)
    return fact


def _per_channel(pairs: list[tuple[str, str]]) -> str:
    by: dict[str, list[str]] = {}
    for channel, value in pairs:
        values = by.setdefault(channel, [])
        if value not in values:
            values.append(value)
    or_ = f" {texts()['or']} "
    rendered = {c: or_.join(v) for c, v in by.items()}
    if not rendered:
        return ""
    if len(set(rendered.values())) == 1:
        return next(iter(rendered.values()))
    return "; ".join(f"{c}: {v}" for c, v in rendered.items())


# --- fee --------------------------------------------------------------------------------


# No fee is below 1,000 đồng: the portal stores some in thousands ("135" for "135.000 đồng/lần",
# as the record's own description says) and some in dollars without a currency ("155" for
# "155 USD/thẻ"). 216 such amounts in the shipped records; 87 described ×1000, 6 in USD.
MIN_DONG = 1000


def _plain(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:,.2f}"


def _money(value: float, currency: str, desc: str = "") -> tuple[str, bool]:
    """The amount as a citizen reads it, and whether its unit is unclear (then it is shown as
    the record gives it, marked for checking). A small amount in đồng is read from the record's
    description: the same number in thousands, or in dollars."""
    t = texts()["api"]
    unit = t["currency"].get(currency, currency or "đồng")
    if unit != "đồng" or value >= MIN_DONG:
        return f"{_plain(value)} {unit}", False
    number = r"(?<![\d.,])" + re.escape(_plain(value))
    if re.search(number + r"\s*(?:USD|đô la)", desc, re.IGNORECASE):
        return f"{_plain(value)} USD", False
    thousands = value * 1000
    forms = {_plain(thousands), f"{thousands:,.0f}", f"{thousands:.0f}"}
    if float(thousands).is_integer() and any(
        re.search(r"(?<![\d.,])" + re.escape(f) + r"(?![\d])", desc) for f in forms
    ):
        return f"{_plain(thousands)} đồng", False
    return t["fee_unit_unclear"].format(value=_plain(value)), True


def fee_amounts(det: dict[str, Any]) -> list[float]:
    """Every positive fee amount the record states."""
    out = []
    for m in det.get("executionMethods") or []:
        for fee in m.get("fees") or []:
            value = fee.get("value")
            if isinstance(value, (int, float)) and value > 0:
                out.append(float(value))
    return out


def fee_fact(det: dict[str, Any]) -> dict[str, Any]:
    """Amounts per channel with the record's descriptions; 'no fee' only when the record lists
    no amount, no description and no fee law."""
    t = texts()["api"]
    pairs: list[tuple[str, str]] = []
    notes: list[str] = []
    described = doubtful = False
    for m in det.get("executionMethods") or []:
        channel = t["channels"].get(str(m.get("submissionMethod")), "")
        for fee in m.get("fees") or []:
            value = fee.get("value")
            desc = one_line(fee.get("description"))
            kind = t["fee_types"].get(str(fee.get("type")), "")
            if isinstance(value, (int, float)) and value > 0:
                amount, unclear = _money(value, str(fee.get("currencyName") or ""), desc)
                pairs.append((channel, f"{kind} {amount}".strip()))
                doubtful = doubtful or unclear
            if desc:
                described = True
                if desc not in notes:
                    notes.append(desc)
    text = _per_channel(pairs)
    fact: dict[str, Any] = {}
    if text:
        fact["text"] = text
        if doubtful:
            fact["verify"] = True
    elif described:
        fact["text"] = t["fee_see_note"]
    elif _fee_law(det):
        fact["text"] = t["fee_by_law"].format(law=_fee_law(det))
        fact["verify"] = True
    else:
        fact["text"] = t["fee_none"]
    if notes:
        fact["note"] = " ".join(notes)
    return fact


def _fee_law(det: dict[str, Any]) -> str:
    for law in det.get("legalBasisesDetails") or []:
        name = one_line(law.get("name"))
        if re.search(r"\b(?:lệ phí|phí)\b", name, re.IGNORECASE):
            return one_line(law.get("code")) or name
    return ""


# --- online -----------------------------------------------------------------------------


def methods(det: dict[str, Any]) -> list[str]:
    found = [str(m.get("submissionMethod")) for m in det.get("executionMethods") or []]
    return [m for m in METHODS if m in found]


def online_block(det: dict[str, Any], url: str) -> dict[str, Any]:
    t = texts()["api"]
    found = methods(det)
    if "ONLINE" in found:
        mode = "toan-trinh" if det.get("isFullProcess") else "mot-phan"
    else:
        mode = "khong"
    labels = [t["channel_phrase"][m] for m in found]
    if labels:
        joined = (
            ", ".join(labels[:-1]) + f" {texts()['or']} " + labels[-1]
            if len(labels) > 1
            else labels[0]
        )
        text = t["online_text"].format(channels=joined)
    else:
        text = t["online_unknown"]
    block: dict[str, Any] = {"mode": mode, "text": text, "url": url}
    if not labels:
        block["verify"] = True
    return block


# --- documents --------------------------------------------------------------------------


def _copies(comp: dict[str, Any]) -> str:
    t = texts()["api"]
    parts = []
    for key, label in (("originalQty", t["original"]), ("copyQty", t["copy"])):
        qty = comp.get(key)
        if isinstance(qty, (int, float)) and qty > 0:
            parts.append(f"{_qty(qty)} {label}")
    return f" {t['and']} ".join(parts)


_ENUM = re.compile(
    r"^(?:[-–•+*]\s*|\(\s*(?:\d{1,2}|[a-zđ]|[ivx]{1,4})\s*\)[\s.!:]*"
    r"|(?:\d{1,2}(?:\.\d{1,2})*|[a-zđ]|[ivx]{1,4})[.)][\s.!:]+)+",
    re.IGNORECASE,
)


def _doc_name(raw: Any) -> str:
    """A paper's name without list numbering, bullets or form file names."""
    name = tidy_item(_ENUM.sub("", tidy_item(strip_file_names(one_line(raw)))))
    return name[:1].upper() + name[1:] if name else ""


def _case_docs(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, note) per paper of one case; a 'hồ sơ gồm:' heading becomes the following papers' note."""
    out: list[tuple[str, str]] = []
    heading = ""
    for comp in case.get("profileComponents") or []:
        if not isinstance(comp, dict) or comp.get("isProcessingResult"):
            continue
        name = _doc_name(comp.get("name"))
        if not name:
            continue
        copies = _copies(comp)
        if name.endswith(":") and not copies:
            heading = name.rstrip(" :")
            continue
        name = name.rstrip(" :;,.")
        if len(name) < 3 or (not copies and _RULE.match(name)):
            continue  # a rule sentence with no paper count: see case_notes
        note_parts = []
        if copies:
            note_parts.append(texts()["api"]["count"].format(count=copies))
        if heading:
            note_parts.append(texts()["api"]["heading"].format(heading=heading))
        out.append((name, " ".join(note_parts)))
    return out


_SECTION = re.compile(
    r"^(?:các\s+)?(?:giấy tờ|chứng từ|tài liệu)\s+(?:phải|cần)\s+(?:nộp|xuất trình)|^hồ sơ gồm|"
    r"^thành phần(?:\s+hồ sơ)?\s*:?$|^hồ sơ\s*:?$",
    re.IGNORECASE,
)
_NOTE = re.compile(r"^(?:lưu ý|ghi chú|chú ý)\b", re.IGNORECASE)
_RULE = re.compile(r"^(?:đối với\s+)?trường hợp\b.*\sthì\s", re.IGNORECASE)
_PROXY = re.compile(
    r"^(?:đối với\s+)?trường hợp (?:\S+\s+){0,3}?ủy quyền|^người (?:được )?ủy quyền", re.IGNORECASE
)


def _label(case_name: str) -> str:
    label = _ENUM.sub("", case_name).rstrip(" :;,.")
    return label[:1].upper() + label[1:]


def documents_block(det: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(questions, documents) from the record's cases.

    A case named like a section ("Giấy tờ phải nộp", "Giấy tờ phải xuất trình") or unnamed applies
    always; a "Lưu ý" case is not a paper (see `case_notes`); a proxy case ("Trường hợp ủy
    quyền…") depends on a yes/no question; the other named cases are alternatives: one question
    "which case?" (with "none of these"). A paper every alternative needs is listed once.
    """
    t = texts()["api"]
    taken: set[str] = set()
    documents: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []

    def add(name: str, note: str, when: dict[str, str] | None = None, label: str = "") -> None:
        item: dict[str, Any] = {"key": document_key(name, taken), "name": name}
        note = " ".join(x for x in (note, t["section"].format(label=label) if label else "") if x)
        if note:
            item["note"] = note
        if when:
            item["when"] = when
        documents.append(item)

    always: list[tuple[str, list[tuple[str, str]]]] = []
    proxy: list[tuple[str, list[tuple[str, str]]]] = []
    choices: list[tuple[str, list[tuple[str, str]]]] = []
    for case in det.get("executionCases") or []:
        if not isinstance(case, dict):
            continue
        label = _label(one_line(case.get("name")))
        docs = _case_docs(case)
        if not docs or _NOTE.match(label):
            continue
        if not label or _SECTION.match(label):
            always.append((label, docs))
        elif _PROXY.match(label):
            proxy.append((label, docs))
        else:
            choices.append((label, docs))
    if len(choices) == 1 and not always:
        always, choices = choices, []
    common = set.intersection(*(set(d) for _, d in choices)) if len(choices) > 1 else set()
    for label, docs in always:
        for doc in docs:
            add(*doc, label=label if len(always) > 1 or choices else "")
    for doc in choices[0][1] if common else []:
        if doc in common:
            add(*doc)
    if len(choices) == 1:
        questions.append({"id": "truong-hop", "text": t["case_yes_no"].format(case=choices[0][0])})
        for doc in choices[0][1]:
            add(*doc, when={"truong-hop": "yes"})
    elif choices:
        options = []
        for i, (label, docs) in enumerate(choices, 1):
            value = f"th{i}"
            options.append({"value": value, "label": label})
            for doc in docs:
                if doc not in common:
                    add(*doc, when={"truong-hop": value})
        options.append({"value": "khac", "label": t["case_other"]})
        questions.append({"id": "truong-hop", "text": t["case_question"], "options": options})
    if proxy:
        questions.append(
            {"id": "uy-quyen", "text": t["proxy_question"], "default": "no", "rare": True}
        )
        for label, docs in proxy:
            for doc in docs:
                add(*doc, when={"uy-quyen": "yes"}, label=label)
    if not documents:
        documents.append(
            {"key": "thanh-phan-ho-so", "name": t["documents_unknown"], "verify": True}
        )
    return questions, documents


def case_notes(det: dict[str, Any]) -> list[str]:
    """Advice, not papers: items of a 'Lưu ý' case, and rule sentences ('Trường hợp … thì …')
    the record lists without a paper count."""
    out: list[str] = []
    for case in det.get("executionCases") or []:
        if not isinstance(case, dict):
            continue
        advice = bool(_NOTE.match(_label(one_line(case.get("name")))))
        for comp in case.get("profileComponents") or []:
            name = _doc_name(comp.get("name")).rstrip(" :;,")
            rule = advice or (not _copies(comp) and _RULE.match(name))
            if rule and name and name not in out:
                out.append(name if name.endswith(".") else name + ".")
    return out


# --- legal basis and notes --------------------------------------------------------------


def legal_basis(det: dict[str, Any]) -> list[str]:
    """Each legal document as the record names it; its number added when the name lacks it."""
    out: list[str] = []
    for law in det.get("legalBasisesDetails") or []:
        name = one_line(law.get("name"))
        number = one_line(law.get("code"))
        if number and number not in name:
            name = f"{number}: {name}" if name else number
        if name and name not in out:
            out.append(name)
    return out


def _notes(det: dict[str, Any]) -> list[str]:
    t = texts()["api"]
    out = []
    req = one_line(det.get("requirementsAndConditions"))
    if req and req.casefold().rstrip(".") not in {"không", "không có", "không quy định"}:
        long_req = len(req) > t["max_note"]
        out.append(t["requirements_long"] if long_req else t["requirements"].format(text=req))
    notes = case_notes(det)
    short = [n for n in notes if len(n) <= t["max_note"]][: t["max_notes"]]
    out += short
    if len(short) < len(notes):
        out.append(t["case_notes_long"])
    return out


def clean_tree(value: Any) -> Any:
    """clean() every string of a nested entry (keys included) — last line of defence."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    return value
