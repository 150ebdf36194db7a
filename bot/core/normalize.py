"""Vietnamese text normalisation: an accented view and an accent-folded view."""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 2000  # citizens' questions are short; longer input is cut, never slow

_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGITS_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")


def nfc(text: str) -> str:
    """Compose to NFC (phones sometimes send NFD)."""
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """Drop every combining mark and map đ/Đ to d/D."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean(text: str) -> str:
    """Lowercase NFC text with punctuation, emoji and control characters turned into spaces."""
    text = nfc(text[:MAX_INPUT_CHARS]).lower()
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = _DIGITS_LETTERS.sub(" ", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    """Accent-folded, cleaned view: 'Đăng ký Khai sinh!' -> 'dang ky khai sinh'."""
    return strip_marks(clean(text))


def tokens(text: str) -> list[str]:
    """Folded syllables of a text."""
    return fold(text).split()
