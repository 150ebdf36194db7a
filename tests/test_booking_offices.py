"""Office YAML: the samples load clean; every mistake is reported as FILE:LINE."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from booking_helpers import CATALOG, FLOWS, SAMPLE_OFFICES, write_office

from bot.booking.office_yaml import load_offices
from bot.content.catalog import check_catalog

GOOD = """\
id: phuong-thu
sample: true
name: Trung tâm Phục vụ hành chính công phường Thử
address: Hà Nội
hours:
  t2: "08:00-12:00"
sessions:
  - id: toi
    name: Buổi tối
    weekdays: [t2]
    start: "17:30"
    end: "18:30"
    slot_minutes: 15
    capacity: 4
    procedures: [khai-sinh]
"""


@pytest.fixture(scope="module")
def procedure_ids() -> set[str]:
    catalog, problems = check_catalog(CATALOG)
    assert problems == []
    return set(catalog.procedures)


def problems_of(tmp_path: Path, text: str, ids: set[str] | None = None) -> list[str]:
    path = tmp_path / "phuong-thu.yaml"
    path.write_text(text, encoding="utf-8")
    offices, problems = load_offices(tmp_path, ids)
    assert (offices is None) == bool(problems)
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems]


def test_sample_offices_load_against_the_real_catalogue(procedure_ids: set[str]) -> None:
    offices, problems = load_offices(SAMPLE_OFFICES, procedure_ids)
    assert problems == []
    assert offices is not None
    ids = [o.id for o in offices.all()]
    assert ids == [
        "cong-an-phuong-viet-hung",
        "phuong-hai-ba-trung",
        "phuong-viet-hung",
        "xa-hoai-duc",
        "xa-me-linh",
    ]
    assert all(o.sample and not o.hotline.number and o.hotline.verify for o in offices.all())


def test_sample_offices_use_two_level_names() -> None:
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in SAMPLE_OFFICES.glob("*.yaml"))
    assert ("quận" in text, "huyện" in text.replace("cấp huyện", "")) == (False, False)


def test_good_file_has_no_problem(tmp_path: Path) -> None:
    assert problems_of(tmp_path, GOOD) == []


def test_unknown_procedure_id_is_reported_at_its_line(
    tmp_path: Path, procedure_ids: set[str]
) -> None:
    text = GOOD.replace(
        "procedures: [khai-sinh]", "procedures:\n      - khai-sinh\n      - khai-sinh-sao-hoa"
    )
    assert problems_of(tmp_path, text, procedure_ids) == [
        "phuong-thu.yaml:17: session 'toi': unknown procedure id 'khai-sinh-sao-hoa'"
        " (not in the catalogue)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'start: "17:30"',
            'start: "25:30"',
            "phuong-thu.yaml:11: session 'toi' start must be a time like \"08:00\" (in quotes),"
            " got '25:30'",
        ),
        (
            "weekdays: [t2]",
            "weekdays: [t9]",
            "phuong-thu.yaml:10: session 'toi' weekdays: unknown weekday 't9'"
            " (use t2, t3, t4, t5, t6, t7, cn)",
        ),
        (
            "slot_minutes: 15",
            "slot_minutes: 25",
            "phuong-thu.yaml:13: session 'toi': 25-minute slots do not fill 17:30-18:30 exactly",
        ),
        (
            "capacity: 4",
            "capacity: 0",
            "phuong-thu.yaml:14: session 'toi' 'capacity' must be a whole number from 1 to 1000",
        ),
        ('end: "18:30"', 'end: "17:00"', "phuong-thu.yaml:12: session 'toi' ends before it starts"),
        (
            "    name: Buổi tối\n",
            "    name: Buổi tối\n    room: 3\n",
            "phuong-thu.yaml:10: unknown key 'room' in a session",
        ),
        (
            '  t2: "08:00-12:00"',
            '  t2: "12:00-08:00"',
            "phuong-thu.yaml:6: hours 't2': '12:00-08:00' ends before it starts",
        ),
        (
            "sample: true\n",
            "",
            "phuong-thu.yaml:1: an office file is missing required key 'sample'",
        ),
    ],
)
def test_mistakes_are_reported_with_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    assert problems_of(tmp_path, GOOD.replace(old, new, 1)) == [expected]


def test_unquoted_times_are_read_as_times(tmp_path: Path) -> None:
    text = GOOD.replace('start: "17:30"', "start: 17:30").replace('end: "18:30"', "end: 18:30")
    offices, problems = load_offices(_write(tmp_path, text))
    assert problems == [] and offices is not None
    session = offices.offices["phuong-thu"].sessions[0]
    assert (f"{session.start:%H:%M}", f"{session.end:%H:%M}") == ("17:30", "18:30")


def test_closure_and_make_up_day_mistakes(tmp_path: Path) -> None:
    text = GOOD + (
        "closures:\n  - {from: 2026-12-05, to: 2026-12-01, reason: Sửa trụ sở}\n"
        "make_up_days:\n  - {date: 2026-12-02, like: t2, reason: Làm bù}\n"
    )
    assert problems_of(tmp_path, text) == [
        "phuong-thu.yaml:17: closure 'to' must be on or after 'from', within 366 days",
        "phuong-thu.yaml:19: make-up day 2026-12-02 is a weekday already; list weekend days only",
    ]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    _, problems = load_offices(tmp_path)
    assert [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems] == [
        "b.yaml:1: duplicate office id 'phuong-thu'"
    ]


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, GOOD.replace("capacity: 4", "capacity: [4"))
    assert problem.startswith("phuong-thu.yaml:15: YAML syntax error: ")


def _write(folder: Path, text: str) -> Path:
    (folder / "phuong-thu.yaml").write_text(text, encoding="utf-8")
    return folder


def test_tthc_bot_check_reports_office_problems(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    # offices are checked against curated ids: the ~5,700 imported entries only slow the copy
    shutil.copytree(CATALOG, catalog, ignore=shutil.ignore_patterns("imported"))
    write_office(catalog / "offices", "phuong-loi")
    bad = catalog / "offices" / "phuong-loi.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("ket-hon]", "ket-hon-gia]"), encoding="utf-8"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"catalog:\n  dir: {catalog}\nflows:\n  dir: {FLOWS}\n"
        f"database:\n  url: sqlite:///{tmp_path / 'db.sqlite'}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr.strip()) == (
        1,
        f"{bad}:19: session 'sang': unknown procedure id 'ket-hon-gia' (not in the catalogue)",
    )
