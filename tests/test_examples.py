"""Example questions and non-requests: content an admin can read, checked with FILE:LINE, and
what makes the matcher find a procedure by the way citizens describe it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.bundle import load_catalog_dir
from bot.content.catalog import check_catalog
from bot.content.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parent.parent
STORY = (
    "ông bà nhà bên cạnh mất hết giấy tờ trong trận lũ tháng trước, ai đứng ra lo cho hai đứa nhỏ"
)


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "procedures_catalog"
    shutil.copytree(ROOT / "procedures_catalog", root, ignore=shutil.ignore_patterns("imported"))
    shutil.rmtree(root / "lexicon" / "examples")
    (root / "lexicon" / "examples").mkdir()
    return root


def test_examples_are_attached_by_id_and_by_code(catalog: Path) -> None:
    (catalog / "lexicon" / "examples" / "a.yaml").write_text(
        f'giam-ho:\n  - "{STORY}"\n"1.004837":\n  - "nhận giám hộ cho cháu mồ côi"\n',
        encoding="utf-8",
    )
    cat, problems = check_catalog(catalog)
    assert problems == []
    code_holder = next(p for p in cat if "1.004837" in p.codes)
    assert (
        code_holder.examples == ("nhận giám hộ cho cháu mồ côi",) or STORY in code_holder.examples
    )
    assert STORY in cat.procedures["giam-ho"].examples


def test_broken_examples_say_file_and_line(catalog: Path) -> None:
    path = catalog / "lexicon" / "examples" / "a.yaml"
    path.write_text('giam-ho:\n  - "ok"\nkhai-sinh: "not a list"\nkhong-co-dau: [x]\n')
    _, problems = check_catalog(catalog)
    said = [f"{p.file}:{p.line}: {p.message}" for p in problems]
    assert any(s.endswith("a.yaml:3: 'khai-sinh': expected a list of questions") for s in said)


def test_a_key_no_entry_holds_says_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "procedures_catalog"
    shutil.copytree(ROOT / "procedures_catalog", root)
    (root / "lexicon" / "examples" / "zz.yaml").write_text(
        'giam-ho:\n  - "ok"\n"9.999999":\n  - "x"\n', encoding="utf-8"
    )
    _, problems = check_catalog(root)
    said = [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems]
    assert said == ["zz.yaml:3: '9.999999' is in no entry"]


def test_non_requests_file_is_checked(catalog: Path) -> None:
    path = catalog / "lexicon" / "non_requests.yaml"
    path.write_text("messages: not a list\n", encoding="utf-8")
    _, _, problems = load_lexicon(catalog)
    assert [(Path(p.file).name, p.line) for p in problems] == [("non_requests.yaml", 1)]
    path.write_text('messages:\n  - "đặt bánh kem thôi nôi"\n', encoding="utf-8")
    lexicon, _, problems = load_lexicon(catalog)
    assert problems == [] and lexicon.non_requests == ("đặt bánh kem thôi nôi",)


def test_an_example_brings_its_entry_forward(catalog: Path, tmp_path: Path) -> None:
    """A story that names no procedure word finds the entry one of its examples resembles."""
    before = load_catalog_dir(catalog, cache_dir=tmp_path / "c1").matcher
    prep = before.prepare(STORY)
    bmq = {f: w for f, (w, _) in before.query_features(prep).items()}
    entry = before.entry_of["giam-ho"]
    assert before.example_scores(bmq)[0][entry] == 0.0
    (catalog / "lexicon" / "examples" / "a.yaml").write_text(
        f'giam-ho:\n  - "{STORY}"\n', encoding="utf-8"
    )
    after = load_catalog_dir(catalog, cache_dir=tmp_path / "c2").matcher
    scores, total = after.example_scores(bmq)
    assert int(scores.argmax()) == after.entry_of["giam-ho"] and scores.max() > 0
    assert total[entry] == scores[entry]  # one example: its sum is its best
    assert after.example_scores(bmq, skip=[0])[0][entry] == 0.0  # left out: scored without itself
    cs = after.candidates(after.prepare(STORY))
    assert entry in cs.ids
