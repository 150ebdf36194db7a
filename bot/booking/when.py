"""Typed days and times in Vietnamese, as people write them: pure (no clock, no I/O).

"mai", "sáng mai", "ngày kia", "thứ 4 tuần sau", "chiều thứ sáu", "15/12", "ngày 15",
"17h45", "6h tối" — with or without accents. `parse_when(text, today)` returns what was said
(a day, a part of the day, a time), or None when the text says no day or time at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.core.normalize import nfc, strip_marks

MORNING, NOON, AFTERNOON, EVENING = "sang", "trua", "chieu", "toi"
PARTS = {  # part of the day → [from, to) hours
    MORNING: (0, 11),
    NOON: (11, 13),
    AFTERNOON: (12, 18),
    EVENING: (17, 24),
}
WEEKDAY_WORDS = {  # folded word after "thứ" → date.weekday()
    "hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
    "sau": 4, "6": 4, "bay": 5, "7": 5,
}  # fmt: skip
RELATIVE = (  # folded phrase → days from today (longest first)
    ("ngay kia", 2), ("ngay mot", 2), ("mot", 2), ("ngay mai", 1), ("mai", 1),
    ("hom nay", 0), ("bay gio", 0), ("nay", 0),
)  # fmt: skip
NEXT_WEEK = re.compile(r"\btuan (?:sau|toi)\b")
THIS_WEEK = re.compile(r"\btuan nay\b")
WEEKDAY = re.compile(r"\b(?:thu|t)\s*(hai|ba|tu|nam|sau|bay|[2-7])\b|\b(chu nhat|cn)\b")
DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b")
DAY_MONTH = re.compile(r"\b(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})\b")
DAY_ONLY = re.compile(r"\bngay\s+(\d{1,2})\b")
TIME = re.compile(r"\b(\d{1,2})\s*(?:h|g|gio|:)\s*(\d{1,2})?(?:\s*(?:p|phut))?\b")
PART = re.compile(r"\b(sang|trua|chieu|toi)\b")
PRONOUN = re.compile(r"(?<!\w)tôi(?!\w)")
ENGLISH = (  # English → the Vietnamese (folded) the parser reads, longest first
    ("day after tomorrow", "ngay kia"), ("tomorrow", "mai"), ("today", "hom nay"),
    ("next week", "tuan sau"), ("this week", "tuan nay"), ("tonight", "toi nay"),
    ("monday", "thu hai"), ("tuesday", "thu ba"), ("wednesday", "thu tu"),
    ("thursday", "thu nam"), ("friday", "thu sau"), ("saturday", "thu bay"),
    ("sunday", "chu nhat"), ("morning", "sang"), ("noon", "trua"),
    ("afternoon", "chieu"), ("evening", "toi"),
)  # fmt: skip
NEXT_DAY = re.compile(r"\bnext (thu \w+|chu nhat)\b")  # "next wednesday": next week's
AM_PM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b")


# every word a typed day is made of: the tables above, and the words around them
DAY_WORDS = frozenset(
    w
    for phrase in (
        *PARTS, *WEEKDAY_WORDS, *(p for p, _ in RELATIVE), *(w for pair in ENGLISH for w in pair),
        "thu t tuan sau toi nay truoc chu nhat cn ngay thang dem luc gio h g phut ruoi kem vao buoi",
        "next this at on the am pm",
    )
    for w in phrase.split()
)  # fmt: skip


@dataclass(frozen=True)
class When:
    """What a typed text said: a day, a part of the day, a time (each may be missing)."""

    day: dt.date | None = None
    part: str | None = None
    time: dt.time | None = None

    def fits(self, start: dt.time) -> bool:
        """True when a slot starting at `start` matches the part of day and time said."""
        if self.time is not None:
            return start == self.time
        if self.part is not None:
            low, high = PARTS[self.part]
            return low <= start.hour < high
        return True


def parse_when(text: str, today: dt.date) -> When | None:
    """The day, part of day and time in `text`, relative to `today`; None if none is said."""
    # "tôi" (I) folds to "toi" like "tối" (evening): typed with its marks, it is the pronoun
    folded = " ".join(strip_marks(PRONOUN.sub(" ", nfc(text).lower())).replace("đ", "d").split())
    folded = _from_english(folded)
    part_m = PART.search(NEXT_WEEK.sub(" ", folded))
    part = part_m.group(1) if part_m else None
    day = _day(folded, today)
    time = _time(folded, part)
    if day is None and part is None and time is None:
        return None
    return When(day, part, time)


def only_day_words(folded: str) -> bool:
    """Nothing but a day ("thu nam tuan sau", "15/12 9h"), not a sentence with one in it ("hom
    nay troi mua"; "nho mot ca nhan": "một" folds like "mốt")."""
    toks = folded.replace(",", " ").split()
    return bool(toks) and all(t in DAY_WORDS or any(c.isdigit() for c in t) for t in toks)


def _from_english(folded: str) -> str:
    """ "next wednesday at 9 am" → "thu tu tuan sau 9h sang": English days and times in the words
    the Vietnamese parser reads."""
    text = f" {folded} "
    for en, vi in ENGLISH:
        text = text.replace(f" {en} ", f" {vi} ")
    text = NEXT_DAY.sub(r"\1 tuan sau", text)
    text = AM_PM.sub(
        lambda m: f"{m.group(1)}h{m.group(2) or ''} {'sang' if m.group(3) == 'am' else 'chieu'}",
        text,
    )
    return " ".join(text.split())


def _day(folded: str, today: dt.date) -> dt.date | None:
    return (
        _date(folded, today)
        or _weekday(folded, today)
        or _relative(folded, today)
        or _day_only(folded, today)
    )


def _date(folded: str, today: dt.date) -> dt.date | None:
    m = DATE.search(folded) or DAY_MONTH.search(folded)
    if not m:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    year_text = m.group(3) if m.re is DATE else None
    year = int(year_text) if year_text else today.year
    year = year + 2000 if year < 100 else year
    found = _safe(year, month, day)
    if found and not year_text and found < today:  # "15/1" said in December: next January
        found = _safe(year + 1, month, day)
    return found


def _day_only(folded: str, today: dt.date) -> dt.date | None:
    m = DAY_ONLY.search(folded)
    if not m:
        return None
    found = _safe(today.year, today.month, int(m.group(1)))
    if found and found < today:
        month = today.month % 12 + 1
        found = _safe(today.year + (today.month == 12), month, int(m.group(1)))
    return found


def _weekday(folded: str, today: dt.date) -> dt.date | None:
    m = WEEKDAY.search(folded)
    if not m:
        return None
    target = 6 if m.group(2) else WEEKDAY_WORDS[m.group(1)]
    monday = today - dt.timedelta(days=today.weekday())
    if NEXT_WEEK.search(folded):
        return monday + dt.timedelta(days=7 + target)
    if THIS_WEEK.search(folded):
        return monday + dt.timedelta(days=target)
    return today + dt.timedelta(days=(target - today.weekday()) % 7)


def _relative(folded: str, today: dt.date) -> dt.date | None:
    words = f" {folded} "
    for phrase, days in RELATIVE:
        if f" {phrase} " in words:
            return today + dt.timedelta(days=days)
    return None


def _time(folded: str, part: str | None) -> dt.time | None:
    m = TIME.search(DATE.sub(" ", folded))
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if part in (AFTERNOON, EVENING) and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
