"""Import of the portal's detail-API records (issue 12 §1) and the mechanical audit."""

from __future__ import annotations

import json
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.content.catalog import load_procedure_file
from bot.importer import import_dvcqg
from bot.importer.api import fee_fact
from bot.importer.audit import audit

ROOT = Path(__file__).resolve().parent.parent
API = Path(__file__).parent / "fixtures" / "dvcqg-api"
FLAT = Path(__file__).parent / "fixtures" / "dvcqg"
REFERENCE = next(
    (
        p / "shared" / "reference"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared").is_dir()
    ),
    ROOT.parent / "shared" / "reference",
)
DAY = date(2026, 12, 4)


@pytest.fixture()
def imported(tmp_path: Path) -> Path:
    out = tmp_path / "catalog" / "imported"
    import_dvcqg([API, FLAT], out, level="all", progress=False, today=DAY)
    return out


def entry(out: Path, rel: str) -> dict[str, object]:
    path = out / rel
    proc, problems = load_procedure_file(path, rel)
    assert proc is not None and not problems, problems
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def record(rel: str) -> dict[str, object]:
    return json.loads((API / rel).read_text(encoding="utf-8"))


def test_fields_are_mapped_from_the_record(imported: Path) -> None:
    e = entry(imported, "bo-cong-an/tthc-1-004222.yaml")
    assert e["level"] == "xa"
    assert e["fee"]["text"] == "Trực tuyến: Lệ phí 10.000 đồng; Trực tiếp: Lệ phí 20.000 đồng"
    assert e["processing_time"]["text"] == "7 ngày làm việc"
    assert e["online"] == {
        "mode": "mot-phan",
        "text": "Theo Cổng DVC quốc gia, nộp hồ sơ trực tuyến hoặc trực tiếp.",
        "url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-7704-7449-9e95-fe7ebb959aa2",
    }
    assert e["last_reviewed"] == "2026-04-27"
    laws = " ".join(e["legal_basis"])
    assert "68/2020/QH14" in laws and "2068/2020" not in laws
    codes = [
        law["code"] for law in record("bo-cong-an/1.004222.json")["detail"]["legalBasisesDetails"]
    ]
    assert all(code in laws for code in codes)


def test_cases_become_conditional_documents_with_counts(imported: Path) -> None:
    e = entry(imported, "bo-cong-an/tthc-1-004222.yaml")
    (question,) = [q for q in e["questions"] if q["id"] == "truong-hop"]
    labels = [o["label"] for o in question["options"]]
    assert labels[0] == "Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình"
    assert labels[-1] == "Không thuộc các trường hợp trên"
    first = [d for d in e["documents"] if d.get("when") == {"truong-hop": "th1"}]
    assert first and all(d["note"].startswith("Số lượng: 1 bản chính") for d in first)


def test_sections_apply_always_and_advice_is_not_a_document(imported: Path) -> None:
    e = entry(imported, "bo-tu-phap/tthc-1-001669.yaml")
    assert "questions" not in e
    names = [d["name"] for d in e["documents"]]
    assert any(n.startswith("Văn bản cử người giám hộ") for n in names)
    assert not any(n.startswith("Trường hợp") and " thì " in n for n in names)
    assert any(n.startswith("Trường hợp gửi hồ sơ qua hệ thống bưu chính") for n in e["notes"])
    assert e["fee"]["text"].startswith("Theo mô tả") and "Hội đồng nhân dân" in e["fee"]["note"]


def test_customs_office_is_not_commune_level(imported: Path) -> None:
    assert record("bo-tai-chinh/1.000005.json")["detail"]["isWard"] is True
    e = entry(imported, "bo-tai-chinh/tthc-1-000005.yaml")
    assert e["level"] == "nganh-doc"
    assert e["where"]["text"] == "Cơ quan ngành dọc: Chi cục Hải quan khu vực"
    assert "20.000 đồng" in e["fee"]["text"]


def test_district_body_is_replaced_by_the_two_level_office_and_marked(imported: Path) -> None:
    assert "Công an huyện" in record("bo-cong-an/1.011727.json")["detail"]["executingAgencies"]
    where = entry(imported, "bo-cong-an/tthc-1-011727.yaml")["where"]
    assert where["verify"] is True
    assert "Công an huyện" not in where["text"] and "cấp xã" in where["text"]


def test_time_with_unit_other_is_read_from_the_cases(imported: Path) -> None:
    det = record("bo-cong-thuong/1.006622.json")["detail"]
    assert {m["processingTimeUnit"] for m in det["executionMethods"]} == {"OTHER"}
    text = entry(imported, "bo-cong-thuong/tthc-1-006622.yaml")["processing_time"]["text"]
    assert "30 ngày" in text


def test_malformed_code_is_reported_and_flat_records_fill_only_missing_codes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "catalog" / "imported"
    summary = import_dvcqg([API, FLAT], out, level="all", progress=False, today=DAY)
    reasons = {(s.file, s.reason) for s in summary.skipped}
    assert ("dvcqg-api/ubnd-tinh-dak-lak/1.0133611.json", "malformed") in reasons
    api_codes = {p.stem.replace("tthc-", "") for p in out.glob("bo-*/*.yaml")}
    flat_written = {p.relative_to(out).parts[0] for p in summary.written_files}
    assert "1-004222" in api_codes
    assert all(
        s.reason != "duplicate-in-source" or s.file.startswith("dvcqg/") for s in summary.skipped
    )
    assert flat_written  # flat-only codes land in their field folders


def test_second_run_writes_nothing(imported: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in imported.rglob("*.yaml")}
    again = import_dvcqg([API, FLAT], imported, level="all", progress=False, today=date(2027, 1, 1))
    assert (again.written, again.refreshed, len(again.pruned_files)) == (0, 0, 0)
    assert again.unchanged == 5  # the sixth API record has a malformed code
    assert {p: p.stat().st_mtime_ns for p in imported.rglob("*.yaml")} == before


def test_record_gone_from_the_source_is_pruned_on_a_full_run(
    imported: Path, tmp_path: Path
) -> None:
    src = tmp_path / "src" / "dvcqg-api"
    shutil.copytree(API, src)
    (src / "bo-cong-thuong" / "1.006622.json").unlink()
    summary = import_dvcqg([src], imported, level="all", progress=False, today=DAY)
    assert [p.name for p in summary.pruned_files if "bo-" in str(p.parent)] == [
        "tthc-1-006622.yaml"
    ]


def test_audit_of_a_fresh_import_is_clean(imported: Path) -> None:
    report = audit(imported.parent, API.parent)
    assert (report.entries, report.with_record) == (len(list(imported.rglob("*.yaml"))), 5)
    assert report.defects == {}


def test_audit_catches_each_planted_defect(imported: Path) -> None:
    def edit(rel: str, change) -> None:  # type: ignore[no-untyped-def]
        path = imported / rel
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    edit("bo-tai-chinh/tthc-1-000005.yaml", lambda d: d.update(level="xa"))
    edit("bo-cong-an/tthc-1-004222.yaml", lambda d: d["fee"].update(text="Miễn phí"))
    edit(
        "bo-tu-phap/tthc-1-001669.yaml",
        lambda d: d.update(
            documents=[{"key": "thanh-phan-ho-so", "name": "Xem bản ghi", "verify": True}],
            legal_basis=["Luật Cư trú 2068/2020/QH14"],
        ),
    )
    edit(
        "bo-cong-thuong/tthc-1-006622.yaml",
        lambda d: d.update(name=unicodedata.normalize("NFD", d["name"]) + "\u200e"),
    )
    edit(
        "bo-cong-an/tthc-1-011727.yaml", lambda d: d["where"].update(text="Phòng Tư pháp cấp huyện")
    )
    report = audit(imported.parent, API.parent)
    assert report.defects["tthc-1-000005"] == ["commune level but record is not"]
    assert report.defects["tthc-1-004222"] == ["fee shown as free", "fee amount missing"]
    assert report.defects["tthc-1-001669"] == ["glued law number", "empty checklist"]
    assert report.defects["tthc-1-006622"] == ["not NFC", "invisible mark"]
    assert report.defects["tthc-1-011727"] == ["district office in where"]
    assert "entries with a defect: 5" in report.format()


@pytest.mark.skipif(not (REFERENCE / "dvcqg-api").is_dir(), reason="national records not present")
def test_shipped_import_has_defects_in_at_most_one_percent() -> None:
    report = audit(ROOT / "procedures_catalog", REFERENCE)
    assert report.entries >= 5000
    assert report.rate <= 1.0, report.format()


def _fee_record(*fees: tuple[float, str]) -> dict[str, object]:
    method = {"submissionMethod": "DIRECT", "fees": [
        {"type": "FEE", "value": v, "description": d} for v, d in fees
    ]}  # fmt: skip
    return {"executionMethods": [method]}


def test_a_fee_below_a_thousand_dong_is_read_from_its_description() -> None:
    """The portal stores some amounts in thousands and some in dollars without a currency
    (3.000351: value 135, "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần"): no fee is 135 đồng."""
    thousands = fee_fact(_fee_record((135, "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.")))
    assert thousands["text"] == "Lệ phí 135.000 đồng" and "verify" not in thousands
    dollars = fee_fact(_fee_record((155, "Thẻ tạm trú từ trên 02 năm đến 05 năm: 155 USD/thẻ.")))
    assert dollars["text"] == "Lệ phí 155 USD"
    unclear = fee_fact(_fee_record((20, "Căn cứ Thông tư 269/2016/TT-BTC")))
    assert "20 đồng" not in unclear["text"] and "không rõ đơn vị" in unclear["text"]
    assert unclear["verify"] is True
    assert fee_fact(_fee_record((20000, "")))["text"] == "Lệ phí 20.000 đồng"
