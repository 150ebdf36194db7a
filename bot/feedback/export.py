"""A report as text for the terminal, and responses as CSV for spreadsheets (admin-facing)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo
from pathlib import Path

from bot.feedback.report import LOCAL, Report, ResponseRow, Stat, Summary

GROUP_LABELS = (
    "1. Tiếp cận dịch vụ",
    "2. Thủ tục hành chính",
    "3. Công chức giải quyết",
    "4. Kết quả giải quyết",
    "5. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
)
UNKNOWN = "(không rõ)"
CSV_COLUMNS = (
    "created_at",
    "office",
    "counter",
    "procedure",
    "booking",
    "source",
    "overall",
    "g_access",
    "g_procedure",
    "g_staff",
    "g_result",
    "g_handling",
    "comment",
    "contact",
)


def stat_text(stat: Stat) -> str:
    """'TB 4.25/5 · hài lòng 75.0% (3/4)', or '—' without answers."""
    if not stat.count or stat.mean is None or stat.share is None:
        return "—"
    return f"TB {stat.mean:.2f}/5 · hài lòng {stat.share:.1%} ({stat.satisfied}/{stat.count})"


def _slice(title: str, items: Mapping[str, Summary], label: Callable[[str], str]) -> list[str]:
    lines = [title]
    for key, summary in items.items():
        lines.append(f"  {label(key)}: {summary.responses} phản hồi · {stat_text(summary.overall)}")
    return lines


def render_text(report: Report, office_names: Mapping[str, str] | None = None) -> str:
    """The whole report as plain text."""
    names = office_names or {}

    def office(key: str) -> str:
        return f"{names[key]} [{key}]" if key in names else key or UNKNOWN

    total = report.total
    lines = [
        "BÁO CÁO MỨC ĐỘ HÀI LÒNG (nhóm câu hỏi theo SIPAS)",
        f"Số phản hồi: {total.responses}",
        f"Hài lòng chung: {stat_text(total.overall)}",
        "Theo nhóm:",
    ]
    lines += [
        f"  {label}: {stat_text(stat)}"
        for label, stat in zip(GROUP_LABELS, total.groups, strict=True)
    ]
    lines += _slice("Theo cơ quan:", report.by_office, office)
    lines += _slice("Theo thủ tục:", report.by_procedure, lambda k: k or UNKNOWN)
    lines += _slice("Theo tháng:", report.by_month, str)
    lines.append(f"Góp ý, phản ánh ({len(report.comments)}):")
    lines += [
        f"  {c.day.isoformat()} · {office(c.office)} · {c.procedure or UNKNOWN}: {c.text}"
        for c in report.comments
    ]
    return "\n".join(lines) + "\n"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading = + - @ (or a tab or CR, which
    some programs skip before one) gets a ' in front (OWASP CSV injection guidance)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(rows: Iterable[ResponseRow], path: Path, tz: tzinfo = LOCAL) -> int:
    """One line per response (UTF-8 with BOM so spreadsheet programs read the accents)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            cells = [
                r.created_at.astimezone(tz).isoformat(timespec="seconds"),
                r.office or "",
                r.counter or "",
                r.procedure or "",
                r.booking or "",
                r.source,
                _cell(r.overall),
                *(_cell(g) for g in r.groups),
                r.comment or "",
                r.contact or "",
            ]
            writer.writerow([spreadsheet_safe(c) for c in cells])
            count += 1
    return count


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)
