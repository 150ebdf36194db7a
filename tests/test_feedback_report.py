"""Report figures on a fixed data set, its text and CSV forms, and the chart files."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

from feedback_support import ROWS

from bot.feedback.charts import write_charts
from bot.feedback.export import render_text, write_csv
from bot.feedback.report import Comment, Stat, Summary, compute

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_totals_and_groups() -> None:
    report = compute(ROWS)
    assert report.total == Summary(
        responses=8,
        overall=Stat(count=7, total=24, satisfied=4),
        groups=(Stat(5, 18, 3), Stat(5, 18, 3), Stat(4, 17, 3), Stat(4, 16, 2), Stat(3, 10, 1)),
    )
    assert (
        round(report.total.overall.mean or 0, 4),
        round(report.total.overall.share or 0, 4),
    ) == (3.4286, 0.5714)


def test_slices_by_office_procedure_and_local_month() -> None:
    report = compute(ROWS)
    assert {k: (s.responses, s.overall) for k, s in report.by_office.items()} == {
        "": (1, Stat()),
        "phuong-a": (4, Stat(4, 18, 4)),
        "phuong-b": (3, Stat(3, 6, 0)),
    }
    assert {k: (s.responses, s.overall) for k, s in report.by_procedure.items()} == {
        "": (3, Stat(2, 7, 1)),
        "ket-hon": (2, Stat(2, 7, 1)),
        "khai-sinh": (3, Stat(3, 10, 2)),
    }
    assert {k: (s.responses, s.overall) for k, s in report.by_month.items()} == {
        "2025-01": (3, Stat(3, 11, 2)),
        "2025-02": (5, Stat(4, 13, 2)),
    }
    assert {
        o: {m: s.overall for m, s in months.items()} for o, months in report.by_office_month.items()
    } == {
        "": {"2025-02": Stat()},
        "phuong-a": {"2025-01": Stat(2, 9, 2), "2025-02": Stat(2, 9, 2)},
        "phuong-b": {"2025-01": Stat(1, 2, 0), "2025-02": Stat(2, 4, 0)},
    }
    assert report.by_office["phuong-a"].groups[2] == Stat(3, 14, 3)


def test_comments_keep_their_local_day_and_context() -> None:
    assert [(c.day.isoformat(), c.office, c.procedure) for c in compute(ROWS).comments] == [
        ("2025-01-10", "phuong-a", "khai-sinh"),
        ("2025-01-20", "phuong-b", "ket-hon"),
        ("2025-02-14", "", ""),
    ]
    assert isinstance(compute(ROWS).comments[0], Comment)


def test_empty_report() -> None:
    report = compute([])
    assert (report.total, report.by_office, report.comments) == (Summary(), {}, ())
    assert (report.total.overall.mean, report.total.overall.share) == (None, None)


def test_text_form() -> None:
    text = render_text(compute(ROWS), {"phuong-a": "Phường A"})
    assert "Số phản hồi: 8" in text
    assert "Hài lòng chung: TB 3.43/5 · hài lòng 57.1% (4/7)" in text
    assert (
        "  5. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị: TB 3.33/5 · hài lòng 33.3% (1/3)" in text
    )
    assert "  Phường A [phuong-a]: 4 phản hồi · TB 4.50/5 · hài lòng 100.0% (4/4)" in text
    assert "  2025-02-14 · (không rõ) · (không rõ): Nên có thêm ghế chờ" in text


def test_csv_has_one_line_per_response(tmp_path: Path) -> None:
    path = tmp_path / "out" / "feedback.csv"
    assert write_csv(ROWS, path) == 8
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert len(lines) == 8
    assert lines[3]["created_at"] == "2025-02-01T01:00:00+07:00"
    assert (
        lines[1]["overall"],
        lines[1]["g_staff"],
        lines[1]["g_handling"],
        lines[1]["comment"],
    ) == ("4", "", "2", "Chờ hơi lâu")


def test_chart_files(tmp_path: Path) -> None:
    paths = write_charts(compute(ROWS), tmp_path / "charts", {"phuong-a": "Phường A"})
    assert sorted(p.name for p in paths) == [
        "groups.png",
        "groups.svg",
        "monthly-index.png",
        "monthly-index.svg",
    ]
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 2000
        if path.suffix == ".png":
            assert data.startswith(PNG_SIGNATURE)
        else:
            assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"


def test_charts_without_data_are_still_written(tmp_path: Path) -> None:
    paths = write_charts(compute([]), tmp_path)
    assert all(p.stat().st_size > 0 for p in paths) and len(paths) == 4
