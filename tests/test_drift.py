"""Curated facts stay true to the records they cite: `tthc-bot catalog drift`.

CI runs the drift check against the real reference (../shared/reference/dvcqg-api) on the shipped
content; the detection itself is checked on a small reference written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.catalog import check_catalog, load_catalog
from bot.content.drift import Reference, check, fact_counts, fact_numbers, stamp_file

ROOT = Path(__file__).resolve().parent.parent
# ../shared/reference beside the checkout (a worktree may sit one level deeper)
REFERENCE = next(
    (p / "shared" / "reference" for p in ROOT.parents if (p / "shared" / "reference").is_dir()),
    ROOT.parent / "shared" / "reference",
)


@pytest.mark.skipif(
    not (REFERENCE / "dvcqg-api").is_dir(), reason="../shared/reference not beside the repo"
)
def test_shipped_content_has_no_drift_against_the_reference() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "catalog",
            "drift",
            str(ROOT / "procedures_catalog"),
            "--reference",
            str(REFERENCE),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("0 drift(s)")


def test_shipped_content_cites_sources_and_marks_few_facts() -> None:
    catalog = load_catalog(ROOT / "procedures_catalog")
    total, flagged, sourced = fact_counts(catalog)
    assert sourced >= 0.85 * total  # every fact the records settle names its source
    assert (
        flagged / total < 0.25
    )  # was 35.3 % (126/357) before the December review was worked through


def _record(root: Path, code: str, minutes: int, fee: int) -> None:
    body = root / "bo-test"
    body.mkdir(parents=True, exist_ok=True)
    detail = {
        "executionMethods": [
            {
                "submissionMethod": "DIRECT",
                "processingTime": minutes,
                "processingTimeUnit": "WORKING_DAY",
                "description": f"{minutes:02d} ngày làm việc",
                "fees": [{"value": fee, "description": ""}],
            }
        ],
        "isFullProcess": False,
        "updatedAt": 1780000000000,
    }
    (body / f"{code}.json").write_text(json.dumps({"code": code, "detail": detail}), "utf-8")


ENTRY = """\
id: thu
kind: procedure
ma_thu_tuc: "1.000001"
name: thu
official_name: thu
field: test
level: xa
aliases: [thu tuc thu]
where: {{text: UBND xã}}
processing_time:
  text: {time}
  source: {{record: "1.000001", field: executionMethods}}
fee:
  text: 20.000 đồng
  source: {{record: "1.000001", field: executionMethods}}
online: {{mode: khong, text: x}}
result: {{text: x, source: {{law: "Luật X, Điều 1"}}}}
documents:
  - {{key: a, name: a, verify: true}}
legal_basis: [x]
sources: [{{url: "https://example.org"}}]
last_reviewed: 2026-12-01
"""


def _catalog(tmp_path: Path, time: str = "05 ngày làm việc") -> Path:
    cat = tmp_path / "cat"
    cat.mkdir(exist_ok=True)
    (cat / "thu.yaml").write_text(ENTRY.format(time=time), "utf-8")
    return cat


def test_stamp_then_no_drift_then_record_change_is_reported(tmp_path: Path) -> None:
    ref_dir = tmp_path / "ref"
    _record(ref_dir, "1.000001", 5, 20000)
    cat = _catalog(tmp_path)
    unstamped = check(load_catalog(cat), Reference(ref_dir))
    assert sorted((d.block, d.kind) for d in unstamped) == [
        ("fee", "unstamped"),
        ("processing_time", "unstamped"),
    ]
    assert stamp_file(cat / "thu.yaml", Reference(ref_dir)) == 2
    assert stamp_file(cat / "thu.yaml", Reference(ref_dir)) == 0  # never over an existing hash
    assert check(load_catalog(cat), Reference(ref_dir)) == []
    _record(ref_dir, "1.000001", 7, 20000)  # the portal changed the time
    drifts = check(load_catalog(cat), Reference(ref_dir))
    kinds = sorted((d.block, d.kind) for d in drifts)
    assert kinds == [
        ("fee", "changed"),
        ("processing_time", "changed"),
        ("processing_time", "number"),
    ]
    number = next(d for d in drifts if d.kind == "number")
    assert "5 is not in record 1.000001" in str(number)
    assert str(number).startswith(f"{load_catalog(cat).get('thu').source_file}:12:")  # type: ignore[union-attr]


def test_missing_record_and_cli_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref_dir = tmp_path / "ref"
    _record(ref_dir, "1.000002", 5, 0)
    cat = _catalog(tmp_path)
    assert main(["catalog", "drift", str(cat), "--reference", str(ref_dir)]) == 1
    out = capsys.readouterr().out
    assert "missing: record 1.000001 not in the reference" in out
    assert "1/6 (16.7 %) marked (*)" in out


def test_bad_source_is_a_file_line_problem(tmp_path: Path) -> None:
    cat = _catalog(tmp_path)
    text = (
        (cat / "thu.yaml")
        .read_text("utf-8")
        .replace("field: executionMethods}", "field: nonsense}", 1)
    )
    (cat / "thu.yaml").write_text(
        text.replace(
            'result: {text: x, source: {law: "Luật X, Điều 1"}}', "result: {text: x, source: {}}"
        ),
        "utf-8",
    )
    _, problems = check_catalog(cat)
    msgs = [str(p) for p in problems]
    assert any(
        ":12: processing_time.source field 'nonsense' is not a record field" in m for m in msgs
    )
    assert any("result.source needs a 'record'" in m for m in msgs)


def test_fact_numbers_reads_amounts_and_durations() -> None:
    assert fact_numbers("20.000 đồng/lần; 07 ngày làm việc; sau 15 giờ; 50% mức thu") == {
        20000,
        7,
        15,
        50,
    }
    assert fact_numbers("Thông tư 75/2022/TT-BTC, mẫu CT01") == set()


def test_online_mode_must_agree_with_the_record(tmp_path: Path) -> None:
    ref_dir = tmp_path / "ref"
    _record(ref_dir, "1.000001", 5, 20000)  # not a full online service
    cat = _catalog(tmp_path)
    text = (
        (cat / "thu.yaml")
        .read_text("utf-8")
        .replace(
            "online: {mode: khong, text: x}",
            'online:\n  mode: toan-trinh\n  text: x\n  source: {record: "1.000001", field: "isFullProcess+executionMethods"}',
        )
    )
    (cat / "thu.yaml").write_text(text, "utf-8")
    _, problems = check_catalog(cat)
    assert problems == []
    stamp_file(cat / "thu.yaml", Reference(ref_dir))
    drifts = check(load_catalog(cat), Reference(ref_dir))
    assert [(d.block, d.kind) for d in drifts] == [("online", "mode")]
    assert "isFullProcess false" in drifts[0].message
