"""Liên thông bundles: each paper once, never one the bundle replaces or issues itself.

The shipped bundles are walked question by question through the real guide code and compared with the
hand-checked expectations in fixtures/bundle_checklists.yaml; the general rules are also checked on a
small catalogue written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.catalog import check_catalog, load_catalog
from bot.core import guide
from bot.core.model import Catalog, Procedure

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = yaml.safe_load(
    (ROOT / "tests" / "fixtures" / "bundle_checklists.yaml").read_text("utf-8")
)
CASES = [(bid, case) for bid, cases in FIXTURES.items() for case in cases]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "procedures_catalog")


def walk(
    catalog: Catalog, proc: Procedure, answers: Mapping[str, str], rare: bool
) -> tuple[list[str], dict[str, str]]:
    """Answer every question the guide asks, as a citizen would: their answer, else the default."""
    given: dict[str, str] = {}
    asked: list[str] = []
    while (q := guide.next_question(catalog, proc, given, include_rare=rare)) is not None:
        asked.append(q.id)
        given[q.id] = answers.get(q.id) or q.default or q.options[0].value
    return asked, given


@pytest.mark.parametrize(("bundle_id", "case"), CASES, ids=[f"{b}:{c['case']}" for b, c in CASES])
def test_bundle_checklist_matches_hand_checked_fixture(
    catalog: Catalog, bundle_id: str, case: dict[str, Any]
) -> None:
    proc = catalog.get(bundle_id)
    assert proc is not None and proc.is_bundle
    asked, given = walk(catalog, proc, case["answers"], bool(case.get("rare")))
    assert asked == case["asks"]
    assert guide.failed_eligibility(proc, given) == []
    keys = [item.doc.key for item in guide.checklist(catalog, proc, given)]
    assert keys == [e["key"] for e in case["expect"]]
    assert len(keys) == len(set(keys))
    assert not set(case["never"]) & set(keys)
    assert not (set(proc.produces) | set(proc.replaces)) & set(keys)


def test_fixture_never_keys_are_real_member_papers(catalog: Catalog) -> None:
    """A 'never' key that no member has would pass vacuously."""
    for bundle_id, case in CASES:
        proc = catalog.get(bundle_id)
        assert proc is not None
        keys = {d.key for p in guide.parts(catalog, proc) for d in p.documents}
        assert set(case["never"]) <= keys, (bundle_id, case["case"], set(case["never"]) - keys)


def test_members_alone_still_ask_for_what_the_bundle_settles(catalog: Catalog) -> None:
    """The rules apply inside the bundle only: the member procedures keep their own papers."""
    xoa = catalog.get("xoa-dang-ky-thuong-tru")
    ks = catalog.get("khai-sinh")
    assert xoa is not None and ks is not None
    assert "trich-luc-khai-tu" in [
        i.doc.key for i in guide.checklist(catalog, xoa, {"reason": "death"})
    ]
    assert "to-khai-khai-sinh" in [i.doc.key for i in guide.checklist(catalog, ks, {})]


def test_grandparents_need_no_authorisation_for_a_birth(catalog: Catalog) -> None:
    ks = catalog.get("khai-sinh")
    assert ks is not None
    proxy = next(q for q in guide.questions(catalog, ks) if q.id == "proxy")
    assert "ông, bà" in proxy.text.lower()
    keys = [i.doc.key for i in guide.checklist(catalog, ks, {"proxy": "no"})]
    assert "van-ban-uy-quyen" not in keys


MEMBER = """\
id: {id}
kind: procedure
ma_thu_tuc: "1.000001"
name: {id}
official_name: {id}
field: test
level: xa
aliases: [{id} alias]
where: {{text: x}}
processing_time: {{text: x}}
fee: {{text: x}}
online: {{mode: khong, text: x}}
result: {{text: x}}
questions:
  - {{id: kind_{id}, text: "?", default: "yes"}}
documents:
  - {{key: form-{id}, name: form}}
  - {{key: shared, name: shared paper}}
  - {{key: extra-{id}, name: extra, when: {{kind_{id}: "yes"}}}}
  - {{key: notice-{id}, name: notice, alternatives: [made]}}
legal_basis: [x]
sources: [{{url: "https://example.org"}}]
last_reviewed: 2026-12-01
"""

BUNDLE = """\
id: b
kind: bundle
ma_thu_tuc: "1.000003"
name: b
official_name: b
field: test
level: lien-thong
members: [m1, m2]
aliases: [bundle alias]
eligibility:
  - {{question: ok, text: "?", required: "yes", fail_text: no}}
where: {{text: x}}
processing_time: {{text: x}}
fee: {{text: x}}
online: {{mode: khong, text: x}}
result: {{text: x}}
replaces: [{replaces}]
produces: [made, form-m2]
answers:
  - {{question: kind_m1, from: ok, values: {{"yes": "no"}}}}
  - {{question: kind_m2, value: "{fixed}"}}
documents:
  - {{key: eform, name: e-form}}
legal_basis: [x]
sources: [{{url: "https://example.org"}}]
last_reviewed: 2026-12-01
"""


def _write(tmp_path: Path, replaces: str = "form-m1", fixed: str = "no") -> Path:
    for m in ("m1", "m2"):
        (tmp_path / f"{m}.yaml").write_text(MEMBER.format(id=m), "utf-8")
    (tmp_path / "b.yaml").write_text(BUNDLE.format(replaces=replaces, fixed=fixed), "utf-8")
    return tmp_path


def test_bundle_rules_on_a_small_catalogue(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path))
    b = catalog.get("b")
    assert b is not None
    assert [q.id for q in guide.asked(catalog, b)] == [
        "ok"
    ]  # both member questions are settled by the bundle
    items = guide.checklist(catalog, b, {"ok": "yes"})
    assert [(i.doc.key, i.owners) for i in items] == [("eform", ("b",)), ("shared", ("m1", "m2"))]
    m1 = catalog.get("m1")
    assert m1 is not None
    assert [i.doc.key for i in guide.checklist(catalog, m1, {})] == [
        "form-m1",
        "shared",
        "extra-m1",
        "notice-m1",
    ]


def test_bundle_rule_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    _, problems = check_catalog(_write(tmp_path, replaces="no-such-paper", fixed="maybe"))
    text = "\n".join(str(p) for p in problems)
    assert "b.yaml:" in text
    assert "replaces: no member has a document 'no-such-paper'" in text
    assert "answers: 'maybe' is not an answer of 'kind_m2'" in text
