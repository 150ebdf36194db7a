"""Importer of national-portal records (issue 4): parsing, duplicates, re-runs, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.content.catalog import check_catalog, load_procedure_file
from bot.importer import ImportSummary, SourceError, import_dvcqg
from bot.importer.documents import Paper, parse_documents
from bot.importer.existing import codes_of
from bot.importer.facts import fee_fact, time_fact
from bot.importer.parse import Channel, parse_channels, parse_legal_basis, parse_result
from bot.importer.record import build_entry, record_problem, short_name
from bot.importer.summary import Skip

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "dvcqg"
CURATED = ROOT / "procedures_catalog" / "ho-tich" / "khai-sinh.yaml"
DAY = date(2026, 6, 30)
XA_FILES = {
    "ho-tich/tthc-1-001193.yaml",
    "chi-tra-cac-che-do-bhxh/tthc-2-000717.yaml",
    "quan-ly-xuat-nhap-canh/tthc-1-010385.yaml",
}
WIDER_FILES = {"ly-lich-tu-phap/tthc-3-000333.yaml", "quan-ly-xuat-nhap-canh/tthc-1-000811.yaml"}
GENERIC_XA = (
    "UBND cấp xã/phường/đặc khu có thẩm quyền; nộp hồ sơ tại Trung tâm Phục vụ hành chính công "
    "của xã/phường."
)


def run(out: Path, level: str = "xa", enrich: bool = False) -> ImportSummary:
    return import_dvcqg(FIXTURES, out, level=level, enrich=enrich, progress=False, today=DAY)


def written(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.yaml")}


def record(rel: str) -> dict[str, object]:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


def catalogue_codes(root: Path) -> list[str]:
    codes: list[str] = []
    for path in root.rglob("*.yaml"):
        codes += codes_of(yaml.safe_load(path.read_text(encoding="utf-8"))["ma_thu_tuc"])
    return codes


# --- flattened tables ---------------------------------------------------------------------


def test_channels_with_bare_day_counts() -> None:
    text = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíDịch vụ bưu chính1Miễn phí"
        "Trực tiếp1Miễn phí"
    )
    expected = [
        Channel(name, "1 ngày", "Miễn phí", bare_time=True)
        for name in ("Trực tuyến", "Dịch vụ bưu chính", "Trực tiếp")
    ]
    assert parse_channels(text) == expected


def test_channels_with_amount_detail_and_description() -> None:
    text = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việc70,000 VNĐ"
        "(70.000 đồng/Giấy chứng nhận)- Trực tuyến: nộp qua Cổng.Trực tiếp7 NgàyMiễn phí"
    )
    assert parse_channels(text) == [
        Channel(
            "Trực tuyến",
            "5 ngày làm việc",
            "70.000 đồng",
            "70.000 đồng/Giấy chứng nhận",
            "- Trực tuyến: nộp qua Cổng.",
        ),
        Channel("Trực tiếp", "7 ngày", "Miễn phí"),
    ]


def test_channel_whose_day_count_ran_into_the_fee_states_no_amount() -> None:
    text = "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1100 VNĐ(Phí công bố: 100.000 đồng/lần)"
    channels = parse_channels(text)
    assert channels == [
        Channel("Trực tuyến", "", "", "Phí công bố: 100.000 đồng/lần", ambiguous=True)
    ]
    assert fee_fact(channels) == {
        "text": "Có thu phí, lệ phí; mức cụ thể xem bản ghi gốc trên Cổng DVC quốc gia.",
        "verify": True,
        "note": "Phí công bố: 100.000 đồng/lần",
    }


def test_time_and_fee_per_channel_when_channels_differ() -> None:
    channels = parse_channels(str(record("bo-cong-an/1.000811.json")["cach_thuc_thuc_hien"]))
    assert time_fact(channels) == {
        "text": "Trực tuyến: 21 ngày; Dịch vụ bưu chính: 21 ngày làm việc; Trực tiếp: 21 ngày",
        "verify": True,
    }
    assert fee_fact(channels) == {
        "text": "Trực tuyến: 1.200.000 đồng; Dịch vụ bưu chính: Miễn phí; Trực tiếp: 1.200.000 đồng",
        "verify": True,
        "note": "1.200.000đ/thẻ ABTC. 1.200.000 đồng/thẻ ABTC.",
    }


def test_documents_split_into_items_and_notes() -> None:
    text = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Tờ khai theo mẫu;Mẫu 01.docx"
        "1 bản chính- Giấy chứng sinh.0 bản chính,1 bản saoKhông cần nộp sổ hộ khẩu.0 bản chính"
        "* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngGiấy tờ tùy thân01 bản chính"
    )
    papers, notes, groups = parse_documents(text)
    assert papers == [
        Paper("Tờ khai theo mẫu", 1, 0, 1, "Giấy tờ phải nộp", template=True),
        Paper("Giấy chứng sinh.", 0, 1, 1, "Giấy tờ phải nộp", template=False),
        Paper("Giấy tờ tùy thân", 1, 0, 2, "Giấy tờ phải xuất trình", template=False),
    ]
    assert (notes, groups) == (["Không cần nộp sổ hộ khẩu."], 2)


def test_documents_of_a_real_record_get_keys_and_counts() -> None:
    entry = build_entry(record("bo-tu-phap/1.001193.json"), "2026-06-30")
    docs = entry["documents"]
    assert [d["key"] for d in docs[:2]] == [
        "truong-hop-tre-em-bi-bo",
        "van-ban-uy-quyen-duoc-chung",
    ]
    assert docs[0]["note"] == "Số lượng: 1 bản chính. Giấy tờ phải nộp."
    assert len({d["key"] for d in docs}) == len(docs) == 8


def test_legal_basis_codes_from_the_flattened_table() -> None:
    text = (
        "Tên văn bản pháp lýMã văn bảnNghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ"
        "123/2015/NĐ-CPThông tư số 08/2025/TT-BTP ngày 12/6/2025 của Bộ Tư pháp08/2025/TT-BTP"
        "Luật Hộ tịch60/2014/QH13Nghị quyết số 66.7/2025/NQ-CP66.7/2025/NQ-CP"
        "Quyết định 09/2023/QĐ-TTg09/2023/QĐ-TTg"
    )
    assert parse_legal_basis(text) == [
        "Nghị định 123/2015/NĐ-CP",
        "Thông tư 08/2025/TT-BTP",
        "Luật Hộ tịch 60/2014/QH13",
        "Nghị quyết 66.7/2025/NQ-CP",
        "Quyết định 09/2023/QĐ-TTg",
    ]


def test_legal_basis_falls_back_to_raw_text() -> None:
    assert parse_legal_basis("Tên văn bản pháp lýMã văn bảnNghị định số 85/2026") == [
        "Nghị định số 85/2026"
    ]
    assert parse_legal_basis("Không có thông tin") == []


def test_result_stops_at_codes_and_page_furniture() -> None:
    text = (
        "Giấy khai sinhMã: KQ.G15.000031Trích lục khai sinhMã: 000.00.00.G04-KQ2350"
        "Từ khóaKhông có thông tinMô tảKhông có thông tin"
    )
    assert parse_result(text) == "Giấy khai sinh; Trích lục khai sinh"


def test_short_name_drops_prefix_and_district() -> None:
    assert short_name("Thủ tục đăng ký khai sinh") == "Đăng ký khai sinh"
    assert short_name("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp huyện)") == (
        "Trình báo mất hộ chiếu phổ thông"
    )


def test_whole_entry_of_a_commune_record() -> None:
    url = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfc-d9cd-716e-885e-aa4f91772c53"
    name = "Truy lĩnh lương hưu, trợ cấp bảo hiểm xã hội của người hưởng đã chết nhưng còn chế độ chưa nhận"
    expected = {
        "id": "tthc-2-000717",
        "kind": "procedure",
        "ma_thu_tuc": "2.000717",
        "name": name,
        "official_name": name,
        "field": "chi trả các chế độ BHXH",
        "level": "xa",
        "aliases": [name.lower()],
        "who": "Công dân Việt Nam",
        "where": {
            "text": "Cơ quan thực hiện: Bảo hiểm xã hội cấp Tỉnh.",
            "verify": True,
            "note": GENERIC_XA,
        },
        "processing_time": {"text": "2 ngày làm việc", "verify": True},
        "fee": {"text": "Miễn phí", "verify": True},
        "online": {
            "mode": "khong",
            "text": "Theo Cổng DVC quốc gia, nộp hồ sơ trực tiếp.",
            "url": url,
            "verify": True,
        },
        "result": {
            "text": "Thân nhân của người hưởng các chế độ BHXH được nhận tiền chế độ của "
            "người hưởng đã chết nhưng còn chế độ chưa nhận",
            "verify": True,
        },
        "documents": [
            {
                "key": "buoc-2-co-quan-bhxh-tiep",
                "name": "Bước 2. Cơ quan BHXH tiếp nhận hồ sơ và giải quyết theo quy định. Bước 3. "
                "Nhận kết quả giải quyết Thân nhân của người hưởng nhận tiền lương hưu, trợ "
                "cấp BHXH.",
            }
        ],
        "legal_basis": ["Luật Bảo hiểm xã hội 58/2014/QH13"],
        "sources": [{"url": url, "note": "Cổng DVC quốc gia, bản crawl 06/2026 (QĐ 1474/QĐ-BTC)"}],
        "last_reviewed": "2026-06-30",
        "verify": True,
        "verify_note": "Nhập tự động từ Cổng Dịch vụ công quốc gia (bản crawl 06/2026), chưa được "
        "người biên tập rà soát. Đối chiếu bản ghi gốc trước khi khẳng định với "
        "người dân; mức độ dịch vụ công trực tuyến không có trong bản ghi.",
        "imported": True,
        "imported_on": "2026-06-30",
    }
    assert build_entry(record("bo-tai-chinh/2.000717.json"), "2026-06-30") == expected


def test_where_never_names_a_district() -> None:
    entry = build_entry(record("bo-cong-an/1.010385.json"), "2026-06-30")  # agency: Công an huyện
    assert entry["where"] == {"text": GENERIC_XA, "verify": True}


def test_record_problems() -> None:
    assert record_problem([]) == "record must be a JSON object, not list"
    assert record_problem({"ten_thu_tuc": "x"}) == "missing 'ma_thu_tuc'"
    assert record_problem({"ma_thu_tuc": "1.000001", "ten_thu_tuc": ["x"]}) == (
        "'ten_thu_tuc' must be text, not list"
    )
    assert record_problem({"ma_thu_tuc": "abc", "ten_thu_tuc": "x"}) == (
        "ma_thu_tuc 'abc' is not a national code like 1.001193"
    )


# --- import runs --------------------------------------------------------------------------


def test_commune_import_writes_valid_files_and_reports_skips(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    summary = run(out)
    assert written(out) == XA_FILES
    assert (summary.read, summary.other_level, summary.written) == (8, 2, 3)
    assert summary.reasons == {"invalid-json": 1, "malformed": 1, "obsolete": 1}
    assert [s for s in summary.skipped if s.reason != "invalid-json"] == [
        Skip("dvcqg/bo-tu-phap/2.000986.json", "2.000986", "obsolete", "replaced by 3.000722"),
        Skip("dvcqg/hand-made/9.999999.json", "", "malformed", "missing 'ma_thu_tuc'"),
    ]
    bad = next(s for s in summary.skipped if s.reason == "invalid-json")
    assert (bad.file, bad.detail.split(":")[0]) == (
        "dvcqg/hand-made/9.999998.json",
        "invalid JSON at line 3 column 1",
    )
    for path in out.rglob("*.yaml"):
        proc, problems = load_procedure_file(path, str(path))
        assert (problems, proc is not None and proc.imported) == ([], True)
    assert check_catalog(out.parent)[1] == []


def test_generated_file_is_marked_and_keeps_codes_as_text(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    run(out)
    text = (out / "ho-tich" / "tthc-1-001193.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Sinh tự động ngày 2026-06-30 bởi `tthc-bot catalog import-dvcqg`")
    assert "ma_thu_tuc: '1.001193'" in text
    assert "name: Đăng ký khai sinh\n" in text


def test_curated_code_is_not_imported_again(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    (root / "ho-tich").mkdir(parents=True)
    shutil.copy(CURATED, root / "ho-tich" / "khai-sinh.yaml")
    summary = run(root / "imported")
    assert written(root / "imported") == XA_FILES - {"ho-tich/tthc-1-001193.yaml"}
    skip = next(s for s in summary.skipped if s.code == "1.001193")
    assert (skip.reason, skip.detail) == (
        "duplicate-curated",
        f"carried by {(root / 'ho-tich' / 'khai-sinh.yaml').resolve()}",
    )


def test_enrich_never_rewrites_a_curated_file(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    (root / "ho-tich").mkdir(parents=True)
    curated = root / "ho-tich" / "khai-sinh.yaml"
    shutil.copy(CURATED, curated)
    summary = run(root / "imported", enrich=True)
    skip = next(s for s in summary.skipped if s.code == "1.001193")
    assert skip.detail.endswith("curated files are not rewritten, the record could fill: nothing")
    assert curated.read_bytes() == CURATED.read_bytes()


def test_enrich_names_fields_a_curated_entry_lacks(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    (root / "ho-tich").mkdir(parents=True)
    lean = [
        line
        for line in CURATED.read_text(encoding="utf-8").splitlines()
        if not line.startswith("who:")
    ]
    (root / "ho-tich" / "khai-sinh.yaml").write_text("\n".join(lean) + "\n", encoding="utf-8")
    summary = run(root / "imported", enrich=True)
    skip = next(s for s in summary.skipped if s.code == "1.001193")
    assert skip.detail.endswith("the record could fill: who")


def test_rerun_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    run(out)
    before = {p: p.read_bytes() for p in out.rglob("*.yaml")}
    again = run(out)
    assert (again.written, again.refreshed, again.reasons.get("already-imported")) == (0, 0, 3)
    assert {p: p.read_bytes() for p in out.rglob("*.yaml")} == before


def test_wider_level_adds_only_new_records(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    run(out, level="xa")
    wider = run(out, level="all")
    assert {p.relative_to(out).as_posix() for p in wider.written_files} == WIDER_FILES
    assert written(out) == XA_FILES | WIDER_FILES
    codes = catalogue_codes(out.parent)
    assert sorted(codes) == sorted(set(codes))


def test_enrich_refreshes_imported_files_in_place(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    run(out)
    summary = import_dvcqg(FIXTURES, out, enrich=True, progress=False, today=date(2026, 7, 1))
    assert (summary.written, summary.refreshed) == (0, 3)
    assert written(out) == XA_FILES
    entry = yaml.safe_load((out / "ho-tich" / "tthc-1-001193.yaml").read_text(encoding="utf-8"))
    assert entry["imported_on"] == "2026-07-01"


def test_imported_file_gives_way_to_a_new_curated_entry(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    run(root / "imported")
    (root / "ho-tich").mkdir()
    shutil.copy(CURATED, root / "ho-tich" / "khai-sinh.yaml")
    summary = run(root / "imported")
    assert summary.removed_files == [
        (root / "imported" / "ho-tich" / "tthc-1-001193.yaml").resolve()
    ]
    assert sorted(catalogue_codes(root)) == ["1.001193", "1.010385", "2.000717"]


def test_bad_source_and_level(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        import_dvcqg(tmp_path / "missing", tmp_path / "imported", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError):
        import_dvcqg(tmp_path / "empty", tmp_path / "imported", progress=False)
    with pytest.raises(ValueError):
        run(tmp_path / "imported", level="huyen")


def test_summary_format_lists_reasons(tmp_path: Path) -> None:
    text = run(tmp_path / "catalog" / "imported").format()
    assert text.splitlines()[:3] == [
        "dvcqg import (level xa): 8 records read, 6 at this level",
        "  written: 3 new, refreshed: 0, unchanged: 0, removed (now curated or moved): 0, "
        "pruned (no longer in the source): 0",
        "  skipped: 3 (invalid-json 1, malformed 1, obsolete 1)",
    ]
    assert "  - dvcqg/bo-tu-phap/2.000986.json [2.000986]: obsolete (replaced by 3.000722)" in text


# --- CLI ----------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_cli_imports_and_prints_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "catalog" / "imported"
    done = cli("catalog", "import-dvcqg", str(FIXTURES), "--out", str(out), "--level", "all")
    assert done.returncode == 0, done.stderr
    assert (
        "  written: 5 new, refreshed: 0, unchanged: 0, removed (now curated or moved): 0, "
        "pruned (no longer in the source): 0"
    ) in done.stdout.splitlines()
    assert written(out) == XA_FILES | WIDER_FILES
    again = cli("catalog", "import-dvcqg", str(FIXTURES), "--out", str(out), "--enrich")
    assert (again.returncode, "refreshed: 3" in again.stdout) == (0, True)


def test_cli_bad_source_exits_2(tmp_path: Path) -> None:
    done = cli("catalog", "import-dvcqg", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert (done.returncode, done.stderr.strip()) == (2, f"{tmp_path / 'nope'}: not a folder")
