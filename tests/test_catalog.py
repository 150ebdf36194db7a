"""The shipped catalogue validates; broken files give FILE:LINE messages, never a traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.bundle import check_catalog_dir
from bot.content.catalog import check_catalog
from bot.content.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "procedures_catalog"
COVERAGE = ROOT.parent / "shared" / "catalogue" / "coverage.yaml"
EXEMPLAR = CATALOG / "ho-tich" / "khai-sinh.yaml"


def test_shipped_catalogue_validates() -> None:
    bundle, problems = check_catalog_dir(CATALOG)
    assert [str(p) for p in problems] == []
    assert bundle is not None


@pytest.mark.skipif(not COVERAGE.exists(), reason="shared/ coverage list not beside the repo")
def test_every_coverage_id_is_present() -> None:
    catalog, _ = check_catalog(CATALOG)
    wanted = set(re.findall(r"id:\s*([a-z0-9-]+)", COVERAGE.read_text(encoding="utf-8")))
    assert wanted - set(catalog.procedures) == set()


def test_curated_entries_cite_sources_and_review_date() -> None:
    catalog, _ = check_catalog(CATALOG)
    for proc in catalog:
        if proc.imported:
            continue
        assert proc.sources and proc.sources[0].url.startswith("https://"), proc.id
        assert re.match(r"\d{4}-\d{2}-\d{2}$", proc.last_reviewed), proc.id
        assert proc.codes or proc.verify, proc.id


def test_no_entry_sends_citizens_to_a_district() -> None:
    catalog, _ = check_catalog(CATALOG)
    for proc in catalog:
        text = " ".join([proc.where.text, *(d.name for d in proc.documents)]).lower()
        assert (
            "ubnd quận" not in text
            and "ubnd huyện" not in text
            and "cấp huyện" not in proc.where.text.lower()
        ), proc.id


def test_bundles_name_their_members() -> None:
    catalog, _ = check_catalog(CATALOG)
    ks = catalog.get("lien-thong-khai-sinh")
    kt = catalog.get("lien-thong-khai-tu")
    assert ks is not None and kt is not None
    assert {"khai-sinh", "dang-ky-thuong-tru", "bhyt-tre-duoi-6-tuoi"} <= set(ks.members)
    assert {"khai-tu", "xoa-dang-ky-thuong-tru", "tro-cap-mai-tang"} <= set(kt.members)
    assert ks.codes[0] == "3.000722" and kt.codes[0] == "2.002913"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "cat" / "ho-tich"
    root.mkdir(parents=True)
    text = EXEMPLAR.read_text(encoding="utf-8").replace("bundles: [lien-thong-khai-sinh]\n", "")
    (root / "khai-sinh.yaml").write_text(text, encoding="utf-8")
    return root


def _problems(root: Path) -> list[str]:
    _, problems = check_catalog(root)
    return [str(p) for p in problems]


def test_syntax_error_reports_file_and_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "bad.yaml").write_text(
        "id: bad\nname: [unclosed\nkind: procedure\n", encoding="utf-8"
    )
    problems = _problems(folder.parent)
    assert len(problems) == 1
    assert re.match(r".*bad\.yaml:\d+: YAML syntax error", problems[0])


def test_unknown_key_missing_field_wrong_type(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "khai-sinh.yaml").read_text(encoding="utf-8")
    text = text.replace("field: hộ tịch\n", "field: hộ tịch\ncolour: red\n")
    text = re.sub(r"^last_reviewed: .*\n", "", text, flags=re.M)
    text = text.replace("aliases:\n", "aliases: 5\nkeywords_unused: 1\nx_aliases:\n")
    (folder / "khai-sinh.yaml").write_text(text, encoding="utf-8")
    problems = _problems(folder.parent)
    line_colour = text.splitlines().index("colour: red") + 1
    assert any(p.endswith(f"khai-sinh.yaml:{line_colour}: unknown key 'colour'") for p in problems)
    assert any(p.endswith("missing required field 'last_reviewed'") for p in problems)
    assert any(p.endswith("aliases must be a list") for p in problems)


def test_duplicate_id_and_alias_claimed_twice(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder.parent / "khac").mkdir()
    shutil.copy(folder / "khai-sinh.yaml", folder.parent / "khac" / "khai-sinh.yaml")
    other = (
        (folder / "khai-sinh.yaml")
        .read_text(encoding="utf-8")
        .replace("id: khai-sinh", "id: khai-sinh-3")
    )
    (folder / "khai-sinh-3.yaml").write_text(other, encoding="utf-8")
    problems = _problems(folder.parent)
    assert any("duplicate id 'khai-sinh'" in p for p in problems)
    alias_line = other.splitlines().index("  - đăng ký khai sinh") + 1
    claimed = [p for p in problems if "alias 'đăng ký khai sinh' is also claimed by" in p]
    assert len(claimed) == 1
    assert (
        f"khai-sinh-3.yaml:{alias_line}:" in claimed[0]
        or f"khai-sinh.yaml:{alias_line}:" in claimed[0]
    )


def test_bundle_naming_missing_procedure(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "khai-sinh.yaml").read_text(encoding="utf-8")
    text = text.replace("id: khai-sinh", "id: goi-thu").replace(
        "kind: procedure", "kind: bundle\nmembers: [khai-sinh, khong-co]"
    )
    text = "\n".join(line for line in text.splitlines()) + "\n"
    (folder / "goi-thu.yaml").write_text(
        text.replace("  - đăng ký khai sinh\n", ""), encoding="utf-8"
    )
    problems = _problems(folder.parent)
    assert any("members: 'khong-co' is not in the catalogue" in p for p in problems)


def test_duplicate_keys_and_billion_laughs_are_clear_errors() -> None:
    _, dup = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [str(p) for p in dup] == ["f.yaml:3: duplicate key 'a'"]
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    data, problems = parse_yaml(bomb, "bomb.yaml")
    assert data is None
    assert "too many YAML aliases" in str(problems[0])


def test_cli_validate_exit_status_and_messages(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    ok = subprocess.run(
        [sys.executable, "-m", "bot.cli", "catalog", "validate", str(folder.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    (folder / "bad.yaml").write_text("id: [\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "catalog", "validate", str(folder.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert re.search(r"bad\.yaml:\d+: YAML syntax error", bad.stderr)
