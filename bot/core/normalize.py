"""Vietnamese text normalisation: an accented view and an accent-folded view."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_INPUT_CHARS = 2000  # citizens' questions are short; longer input is cut, never slow

_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})
# a word: digits, or letters (with the other word characters but '_'): "cmnd2" is "cmnd 2"
_WORD = re.compile(r"\d+|[^\W\d_]+")


def nfc(text: str) -> str:
    """Compose to NFC (phones sometimes send NFD)."""
    return unicodedata.normalize("NFC", text)


def _strip_table() -> dict[int, str | None]:
    """Precomposed Latin letters -> base letter, combining marks -> nothing (start-up speed:
    str.translate instead of a per-character NFD walk over ~5,700 catalogue entries)."""
    table: dict[int, str | None] = {
        cp: None for cp in range(0x300, 0x370) if unicodedata.combining(chr(cp))
    }
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if base != chr(cp):
            table[cp] = base
    table.update({ord("đ"): "d", ord("Đ"): "D"})
    return table


_STRIP_TABLE = _strip_table()


def strip_marks(text: str) -> str:
    """Drop every combining mark and map đ/Đ to d/D."""
    out = text.translate(_STRIP_TABLE)
    if out.isascii():
        return out
    decomposed = unicodedata.normalize("NFD", out.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def fold_word(word: str) -> str:
    """strip_marks of one word, remembered: the catalogue's 68,000 messages use 12,000 words."""
    return strip_marks(word)


def clean_words(text: str) -> list[str]:
    """The words of lowercase NFC text: punctuation, emoji and control characters are spaces,
    and digits and letters part ("cmnd2" -> "cmnd", "2")."""
    return _WORD.findall(nfc(text[:MAX_INPUT_CHARS]).lower())


def clean(text: str) -> str:
    """Lowercase NFC text with punctuation, emoji and control characters turned into spaces."""
    return " ".join(clean_words(text))


def fold(text: str) -> str:
    """Accent-folded, cleaned view: 'Đăng ký Khai sinh!' -> 'dang ky khai sinh'. Folded word by
    word through fold_word's cache: strip_marks reads each character alone, so it is the same."""
    return " ".join(map(fold_word, clean_words(text)))


def tokens(text: str) -> list[str]:
    """Folded syllables of a text."""
    return fold(text).split()
