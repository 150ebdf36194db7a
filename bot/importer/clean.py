"""Text hygiene for imported records: NFC, no invisible marks, no form file names, no glued words.

Shared by the importer (which cleans) and the audit (which checks that nothing slipped through).
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and direction marks, soft hyphen, BOM, word joiners: never meaningful in content.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]"
)
# Unusual spaces (NBSP, narrow NBSP, ideographic…) become a plain space.
ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A form's file name ("Mẫu số 01.docx", "TK1-TS.pdf") left in a document name.
FILE_NAME = re.compile(r"[\w().\-]*[\w)]\.(?:docx?|pdf|xlsx?|rtf|odt|rar|zip)\b", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf|odt|rar|zip)\b", re.IGNORECASE)
_STEM = re.compile(r"\S*_\S*")
# A lowercase letter glued to a capitalised word the crawl stuck on ("quy địnhMẫu", "CPMẫu").
GLUED = re.compile(r"[a-zà-ỹđ]{2,}(?:Mẫu|Mau|Phu|Phụ|Mã:)|[A-ZĐ]{2}-?CP(?:Mẫu|Mau)")
# A law number no issuer reaches: the crawl glued digits onto it ("Luật Cư trú 2068/2020/QH14"
# for 68/2020/QH14). The National Assembly passes well under 300 laws/resolutions a year, the
# Government under 1,000 decrees.
_LAW = re.compile(r"(?<![\d.])(\d+)/((?:19|20)\d\d)/(QH\d*|NĐ-CP)")
_LIMIT = {"QH": 300, "NĐ": 1000}


_SPACE_PUNCT = re.compile(r" +([,;.:])(?=\s|$)")


def clean(text: str | None) -> str:
    """NFC, invisible marks removed, odd spaces normalised, runs of blanks squashed per line."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = INVISIBLE.sub("", text)
    text = ODD_SPACE.sub(" ", text)
    text = CONTROL.sub(" ", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACE_PUNCT.sub(r"\1", " ".join(line.split())) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def one_line(text: str | None) -> str:
    """clean() with line breaks turned into spaces."""
    return " ".join(clean(text).split())


def strip_file_names(text: str) -> str:
    """Form file names in a document name lose their extension ('Mẫu số 01.docx' -> 'Mẫu số 01');
    file stems ('Phu_luc_III') are dropped; '' when nothing else is left."""
    out = _EXTENSION.sub("", text)
    out = _STEM.sub("", out)
    out = re.sub(r"\(\s*\)", "", out)
    return " ".join(out.split()).strip(" ,;-")


def glued_law_number(text: str) -> str:
    """The first law number too large for its issuer ('2068/2020/QH14'), or ''."""
    for m in _LAW.finditer(text):
        if int(m.group(1)) >= _LIMIT[m.group(3)[:2]]:
            return m.group(0)
    return ""


_GLUED_FORM = re.compile(r"(?<=[a-zà-ỹđ])(?:Mau|Mẫu)(?=.*(?:Phu\s*luc|_|\.docx?))")
_GLUED_CODE = re.compile(r"(?<=[a-zà-ỹđ.)])Mã:.*$")
_LEAD = re.compile(r"^[^\w(\"“]+")


def tidy_item(text: str) -> str:
    """An item's name without a glued form file name ('sảnMau 09-Phu luc II_37.2025'), a glued
    'Mã: …' cell, leading bullet junk, or wrapping/unbalanced parentheses."""
    m = _GLUED_FORM.search(text)
    if m:
        text = text[: m.start()]
    text = _GLUED_CODE.sub("", text)
    text = _LEAD.sub("", text).strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].lstrip()
    elif text.startswith("(") and text.rstrip(".").endswith(")") and text.count("(") == 1:
        text = text.rstrip(".")[1:-1].strip()
    return text


def text_problems(text: str) -> list[str]:
    """Mechanical defects of a citizen-facing text (empty list when clean)."""
    problems = []
    if unicodedata.normalize("NFC", text) != text:
        problems.append("not NFC")
    if INVISIBLE.search(text) or ODD_SPACE.search(text):
        problems.append("invisible mark")
    if GLUED.search(text):
        problems.append("merged words")
    return problems
