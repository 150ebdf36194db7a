"""Satisfaction figures from survey rows: a pure function, no database, no files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
GROUP_COUNT = 5
SATISFIED = (4, 5)  # "hài lòng" and "rất hài lòng"


@dataclass(frozen=True)
class ResponseRow:
    """One stored response, as reports see it."""

    created_at: datetime
    office: str | None
    procedure: str | None
    overall: int | None
    groups: tuple[int | None, ...] = (None,) * GROUP_COUNT  # SIPAS groups 1-5, in order
    comment: str | None = None
    counter: str | None = None
    booking: str | None = None
    source: str = "qr"
    contact: str | None = None


@dataclass(frozen=True)
class Stat:
    """Answers to one 1-5 question: how many, their sum, how many were 4 or 5."""

    count: int = 0
    total: int = 0
    satisfied: int = 0

    @property
    def mean(self) -> float | None:
        """Mean rating, or None without answers."""
        return self.total / self.count if self.count else None

    @property
    def share(self) -> float | None:
        """Share of 4-5 answers (0..1), or None without answers."""
        return self.satisfied / self.count if self.count else None


@dataclass(frozen=True)
class Summary:
    """Responses, overall satisfaction and the five SIPAS groups for one slice."""

    responses: int = 0
    overall: Stat = Stat()
    groups: tuple[Stat, ...] = (Stat(),) * GROUP_COUNT


@dataclass(frozen=True)
class Comment:
    """A (masked) comment with its context."""

    day: date
    office: str
    procedure: str
    text: str


@dataclass(frozen=True)
class Report:
    """Totals and slices; an unknown office or procedure is the key ''."""

    total: Summary
    by_office: dict[str, Summary] = field(default_factory=dict)
    by_procedure: dict[str, Summary] = field(default_factory=dict)
    by_month: dict[str, Summary] = field(default_factory=dict)
    by_office_month: dict[str, dict[str, Summary]] = field(default_factory=dict)
    comments: tuple[Comment, ...] = ()


class _Acc:
    """Mutable counters for one slice."""

    def __init__(self) -> None:
        self.responses = 0
        self.stats = [[0, 0, 0] for _ in range(1 + GROUP_COUNT)]

    def add(self, row: ResponseRow) -> None:
        self.responses += 1
        for stat, value in zip(self.stats, (row.overall, *row.groups), strict=True):
            if value is not None:
                stat[0] += 1
                stat[1] += value
                stat[2] += value in SATISFIED

    def freeze(self) -> Summary:
        overall, *groups = (Stat(*s) for s in self.stats)
        return Summary(self.responses, overall, tuple(groups))


def month_of(moment: datetime, tz: tzinfo = LOCAL) -> str:
    """'YYYY-MM' of a moment in local (Việt Nam) time."""
    return moment.astimezone(tz).strftime("%Y-%m")


def compute(rows: Iterable[ResponseRow], tz: tzinfo = LOCAL) -> Report:
    """Responses, mean and share satisfied, overall and per group, office, procedure and month."""
    total = _Acc()
    slices: dict[str, defaultdict[str, _Acc]] = {
        k: defaultdict(_Acc) for k in ("office", "proc", "month")
    }
    office_month: defaultdict[str, defaultdict[str, _Acc]] = defaultdict(lambda: defaultdict(_Acc))
    comments = []
    for row in rows:
        office, proc, month = row.office or "", row.procedure or "", month_of(row.created_at, tz)
        for acc in (
            total,
            slices["office"][office],
            slices["proc"][proc],
            slices["month"][month],
            office_month[office][month],
        ):
            acc.add(row)
        if row.comment:
            comments.append(
                Comment(row.created_at.astimezone(tz).date(), office, proc, row.comment)
            )
    return Report(
        total=total.freeze(),
        by_office=_frozen(slices["office"]),
        by_procedure=_frozen(slices["proc"]),
        by_month=_frozen(slices["month"]),
        by_office_month={o: _frozen(m) for o, m in sorted(office_month.items())},
        comments=tuple(comments),
    )


def _frozen(accs: dict[str, _Acc]) -> dict[str, Summary]:
    return {k: accs[k].freeze() for k in sorted(accs)}
