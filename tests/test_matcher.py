"""The matcher: behaviour on typical messages, and quality on question sets (dev + held-out)."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.content.bundle import load_catalog_dir
from bot.core.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from eval_matcher import COVERAGE, DEFAULT_SET, covered_ids, evaluate  # noqa: E402

HOLDOUT = ROOT / "tests" / "fixtures" / "questions.holdout.jsonl"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_catalog_dir(ROOT / "procedures_catalog").matcher


def first(matcher: Matcher, text: str) -> str | None:
    matches = matcher.match(text, 3)
    return matches[0].id if matches else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đăng ký khai sinh cho con", "khai-sinh"),
        ("dang ky khai sinh cho con", "khai-sinh"),
        (unicodedata.normalize("NFD", "Đăng ký khai sinh cho con"), "khai-sinh"),
        ("ddang kys khai sinhh cho be", "khai-sinh"),
        ("đk tạm trú cho người thuê trọ", "dang-ky-tam-tru"),
        ("làm cccd lần đầu cho con 14 tuổi", "cap-the-can-cuoc"),
        ("photo công chứng giấy khai sinh", "chung-thuc-ban-sao"),
        ("đi làm giấy hôn thú", "ket-hon"),
        ("khai sanh cho đứa nhỏ", "khai-sinh"),
        ("xin giấy xác nhận độc thân để mua nhà", "xac-nhan-tinh-trang-hon-nhan"),
        ("mất bản sao giấy khai sinh, xin thêm bản sao", "trich-luc-ho-tich"),
    ],
)
def test_typical_messages(matcher: Matcher, text: str, expected: str) -> None:
    assert first(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "xin chào",
        "cảm ơn ad nhiều",
        "hôm nay trời mưa không",
        "😀😀😀",
        "asdfgh",
        "",
        "giá vàng hôm nay bao nhiêu",
        "tối nay đá bóng mấy giờ",
    ],
)
def test_chit_chat_matches_nothing(matcher: Matcher, text: str) -> None:
    assert matcher.match(text) == []


def test_life_event_ranks_bundle_first(matcher: Matcher) -> None:
    assert (
        first(matcher, "bố tôi vừa qua đời, gia đình cần làm những thủ tục gì")
        == "lien-thong-khai-tu"
    )
    assert (
        first(matcher, "làm khai sinh, nhập hộ khẩu và thẻ bhyt cho bé một lần")
        == "lien-thong-khai-sinh"
    )


def test_plain_procedure_is_followed_by_its_bundle(matcher: Matcher) -> None:
    ids = [m.id for m in matcher.match("đăng ký khai tử", 3)]
    assert ids[:2] == ["khai-tu", "lien-thong-khai-tu"]


def test_ambiguous_abbreviation_is_not_expanded_blindly(matcher: Matcher) -> None:
    assert "khau" not in matcher.prepare("hk này em học tốt không").tokens
    assert "thuong" in matcher.prepare("nhập hk cho con").tokens
    assert "chieu" in matcher.prepare("lm hc cho con 5 tuổi").tokens
    assert "chieu" not in matcher.prepare("thủ tục hc công").tokens


def test_administrative_abbreviations_expand(matcher: Matcher) -> None:
    tokens = matcher.prepare("đk sd hđđt của cqt, cty đổi đkdn, đk nvqs").tokens
    for word in ("hoa", "don", "dien", "tu", "thue", "cong", "ty", "doanh", "nghia", "vu"):
        assert word in tokens
    code = "1.013133"  # đăng ký nghĩa vụ quân sự lần đầu
    assert code in matcher.catalog.procedures[first(matcher, "đk nvqs lần đầu") or ""].codes


def test_a_typo_in_one_records_documents_does_not_stop_the_repair(matcher: Matcher) -> None:
    """One portal record's document list spells 'thuơn…': a word only one entry's documents use
    is no word, and 'thườn' is repaired to 'thường' ('thuon' was known, so left alone)."""
    tokens = matcher.prepare("đăng ký thườn trú cho con").tokens
    assert tokens[:4] == ["dang", "ky", "thuong", "tru"]
    assert matcher.analyse("đăng ký thườn trú cho con khi đổi chổ ở qua phường khác").matches


def test_stopwords_are_decided_on_accents_when_typed() -> None:
    m = load_catalog_dir(ROOT / "procedures_catalog").matcher
    prep = m.prepare("bạn ơi xin bản sao sổ hồng")
    flags = dict(zip(prep.tokens, prep.stops, strict=True))
    assert flags["ban"] is False  # 'bản' (copy) — the first 'bạn' is a stopword, seen by position
    assert prep.stops[0] is True and flags["hong"] is False


def test_uncovered_procedure_does_not_claim_a_covered_one(matcher: Matcher) -> None:
    ids = [m.id for m in matcher.match("làm hộ chiếu ở đâu", 3)]
    assert not ids or ids[0] not in curated_ids(matcher)


def test_scores_are_between_zero_and_one_and_sorted(matcher: Matcher) -> None:
    scores = [m.score for m in matcher.match("đăng ký kết hôn với người nước ngoài", 3)]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s < 1 for s in scores)


def _quality(matcher: Matcher, path: Path) -> tuple[float, float, float, list[str]]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    s = evaluate(matcher, rows, covered_ids())
    return s.top1 / s.n, s.top3 / s.n, s.reject_ok / s.n_reject, s.misses


@pytest.mark.skipif(
    not DEFAULT_SET.exists() or not COVERAGE.exists(), reason="shared/eval not beside the repo"
)
def test_dev_set_quality(matcher: Matcher) -> None:
    top1, top3, reject, misses = _quality(matcher, DEFAULT_SET)
    report = "\n".join(misses)
    assert top1 >= 0.95, report
    assert top3 >= 0.99, report
    assert reject >= 0.90, report


@pytest.mark.skipif(not COVERAGE.exists(), reason="shared/catalogue not beside the repo")
def test_held_out_set_quality(matcher: Matcher) -> None:
    """Written independently of the matcher; guards against tuning to the dev set. (Measured
    0.924 / 0.965 / 0.967 in session 3; the gate still refuses a few implicit stories, which the
    conversation offers as a choice list. See README, matcher figures.)"""
    top1, top3, reject, misses = _quality(matcher, HOLDOUT)
    report = "\n".join(misses)
    assert top1 >= 0.92, report
    assert top3 >= 0.95, report
    assert reject >= 0.90, report


def test_cli_match_json_lines(tmp_path: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "match", "--top", "2"],
        input='đăng ký tạm trú\nxin chào\n{"q": "làm khai tử cho ông", "expect": ["khai-tu"]}\n',
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["query"] for o in lines] == ["đăng ký tạm trú", "xin chào", "làm khai tử cho ông"]
    assert lines[2]["matches"][0]["id"] == "khai-tu"
    assert lines[0]["matches"][0]["id"] == "dang-ky-tam-tru" and len(lines[0]["matches"]) <= 2
    assert lines[1]["matches"] == []
    one = subprocess.run(
        [sys.executable, "-m", "bot.cli", "match", "--json", "khai", "tử"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(one.stdout)["matches"][0]["id"] == "khai-tu"
    assert lines[0]["matches"][0]["code"] == "1.004194" and lines[0]["administrative"] is True
    assert lines[1]["administrative"] is False


def test_match_carries_the_national_code(matcher: Matcher) -> None:
    m = matcher.match("đăng ký khai sinh cho con", 3)[0]
    assert (m.id, m.code) == ("khai-sinh", "1.001193")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "không phải đăng ký kết hôn, tôi cần giấy xác nhận độc thân",
            "xac-nhan-tinh-trang-hon-nhan",
        ),
        ("không phải tạm trú đâu, em muốn đăng ký thường trú cho vợ", "dang-ky-thuong-tru"),
        ("ko phải khai sinh, mình cần làm khai tử cho ông", "khai-tu"),
    ],
)
def test_negation_picks_what_is_asked(matcher: Matcher, text: str, expected: str) -> None:
    assert first(matcher, text) == expected


def test_negated_words_weigh_little(matcher: Matcher) -> None:
    toks = matcher.prepare("không phải đăng ký kết hôn mà là xác nhận độc thân").tokens
    denied = matcher.lexicon.negated_positions(toks)
    assert {toks[i] for i in denied} == {"dang", "ky", "ket", "hon"}


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        # typed with accents: "chi nhánh" is a branch, not "chỉ" (only), and stays denied
        ("không phải chi nhánh, mà là công ty", {"chi", "nhanh"}),
        ("không phải cấp mới, chỉ cấp lại thôi", {"cap", "moi"}),
        # typed without accents, "chi" may be "chỉ": the denial ends there
        ("khong phai cap moi chi cap lai", {"cap", "moi"}),
    ],
)
def test_a_denial_ends_where_its_end_is_typed(
    matcher: Matcher, text: str, denied: set[str]
) -> None:
    prep = matcher.prepare(text)
    at = matcher.lexicon.negated_positions(prep.tokens, prep.typed)
    assert {prep.tokens[i] for i in at} == denied


@pytest.mark.parametrize(
    "text",
    [
        "đặt bánh kem thôi nôi cho bé ở đâu đẹp",
        "mặc gì đi đám cưới bạn thân",
        "tối qua việt nam đá với thái lan mấy bàn",
        "anh thương em, em là nơi anh muốn thường trú cả đời",
        "công thức làm bánh flan",
    ],
)
def test_topic_words_without_a_need_match_nothing(matcher: Matcher, text: str) -> None:
    analysis = matcher.analyse(text)
    assert analysis.matches == () and analysis.administrative is False


def test_a_match_is_administrative(matcher: Matcher) -> None:
    analysis = matcher.analyse("làm hộ chiếu cho con ở đâu")
    assert analysis.administrative is True


def test_model_ships_as_json() -> None:
    from bot.content.lexicon import MODEL_FILE, load_models

    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert {"ranker", "gate", "about"} <= set(data)
    models = load_models()
    assert models is not None and models.ranker.names == tuple(data["ranker"]["features"])


@pytest.mark.parametrize("kind", ["trees", "hist"])
def test_exported_trees_reproduce_scikit_learn(kind: str) -> None:
    """Both boosters' nodes (the histogram one's unsigned child indices and exact thresholds)
    walk to the same leaves as scikit-learn's own prediction."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_matcher

    from bot.core.ranker import Trees

    export = {"trees": train_matcher._trees, "hist": train_matcher._hist_trees}[kind]
    model = train_matcher.booster(kind)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 4))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(float)
    exported = Trees.from_dict(export(x, y, ["a", "b", "c", "d"]))
    assert np.allclose(exported.logit(x), model.fit(x, y).decision_function(x), atol=1e-4)


def test_the_trees_linear_term_adds_to_their_log_odds() -> None:
    np = pytest.importorskip("numpy")
    from bot.core.ranker import Trees

    one_leaf = {"feature": [-2], "threshold": [-2.0], "left": [-1], "right": [-1], "value": [0.5]}
    spec = {"features": ["a", "b"], "trees": [one_leaf], "rate": 1.0, "init": -1.0, "depth": 1}
    x = np.array([[2.0, 3.0], [0.0, 1.0]])
    assert np.allclose(Trees.from_dict(spec).logit(x), [-0.5, -0.5])
    blended = Trees.from_dict({**spec, "linear": {"b": 2.0}})
    assert np.allclose(blended.logit(x), [5.5, 1.5])
    calibrated = Trees.from_dict({**spec, "linear": {"b": 2.0}, "slope": 0.5, "offset": 1.0})
    assert np.allclose(calibrated.logit(x), [3.75, 1.75])


def test_a_candidates_rank_counts_the_entries_strictly_above_it() -> None:
    """Ranks are counted, not sorted: ties share a rank, the best is 0, and the count is the
    same as sorting every score would give (zeros and repeated scores included)."""
    np = pytest.importorskip("numpy")
    from bot.core.matcher import _ranks

    scores = np.array([0.0, 3.0, 1.5, 3.0, 0.0, 7.0, 1.5, 0.2])
    of = np.array([7.0, 3.0, 1.5, 0.0, 0.2, 3.0])
    assert _ranks(scores, of).tolist() == [0, 1, 3, 6, 5, 1]
    rng = np.random.default_rng(7)
    many = np.round(rng.random(500) * 20) / 4  # many ties
    picked = many[rng.integers(0, 500, 40)]
    by_sorting = many.size - np.searchsorted(np.sort(many), picked, side="right")
    assert _ranks(many, picked).tolist() == by_sorting.tolist()


def test_walks_that_go_deeper_than_the_others_reach_their_own_leaf() -> None:
    """A caterpillar tree (each right child splits again) ten levels deep beside a stump: the walk
    drops the finished walks after a few levels, and every row still ends in its own leaf."""
    np = pytest.importorskip("numpy")
    from bot.core.ranker import FULL_STEPS, Trees

    depth = FULL_STEPS + 6
    # node 2k splits "a" at k (left: leaf 2k + 1 worth k); the last node is a leaf worth depth
    feature = [0 if k % 2 == 0 else -2 for k in range(2 * depth)] + [-2]
    threshold = [k / 2 if k % 2 == 0 else -2.0 for k in range(2 * depth)] + [-2.0]
    left = [k + 1 if k % 2 == 0 else -1 for k in range(2 * depth)] + [-1]
    right = [k + 2 if k % 2 == 0 else -1 for k in range(2 * depth)] + [-1]
    value = [0.0 if k % 2 == 0 else (k - 1) / 2 for k in range(2 * depth)] + [float(depth)]
    caterpillar = {"feature": feature, "threshold": threshold, "left": left, "right": right}
    stump = {
        "feature": [1, -2, -2],
        "threshold": [0.0, -2.0, -2.0],
        "left": [1, -1, -1],
        "right": [2, -1, -1],
        "value": [0.0, 100.0, 200.0],
    }
    spec = {
        "features": ["a", "b"],
        "trees": [caterpillar | {"value": value}, stump],
        "rate": 1.0,
        "init": 0.0,
        "depth": depth + 1,
    }
    a = np.array([-1.0, 0.5, 3.0, float(depth) - 0.5, 50.0])
    x = np.column_stack([a, [-1.0, 1.0, -1.0, 1.0, -1.0]])
    expected = np.minimum(np.ceil(np.maximum(a, 0)), depth) + np.where(x[:, 1] > 0, 200, 100)
    assert Trees.from_dict(spec).logit(x).tolist() == expected.tolist()


def test_the_province_a_question_names_picks_that_provinces_record(matcher: Matcher) -> None:
    """Land procedures are copied per province: the province named tells them apart."""
    from bot.core.matcher import province_of

    by_name: dict[str, list[str]] = {}
    for p in matcher.procs:
        if province_of(p):
            by_name.setdefault(p.name, []).append(p.id)
    name, ids = max(by_name.items(), key=lambda kv: len(kv[1]))
    assert len(ids) >= 2
    for pid in ids[:3]:
        place = province_of(matcher.catalog.procedures[pid])
        got = matcher.match(f"{name} ở {place}", 3)
        assert got and got[0].id == pid, (name, place, [m.id for m in got])


def test_national_code_labels_are_scored(matcher: Matcher) -> None:
    rows = [
        {"q": "đăng ký khai sinh cho con", "expect": ["1.001193"], "style": "diacritics"},
        {"q": "đăng ký khai sinh cho con", "expect": ["1.999999"], "style": "diacritics"},
    ]
    s = evaluate(matcher, rows, curated_ids(matcher))
    assert (s.n_code, s.code_top1, s.top1) == (2, 1, 1)


def curated_ids(matcher: Matcher) -> set[str]:
    """The curated entries (what coverage.yaml lists), read from the catalogue itself."""
    return {p.id for p in matcher.catalog if not p.imported}


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("chồng tôi đang ở Hàn, muốn đăng ký kết hôn", True),  # in Korea
        ("chong toi dang o han, muon dang ky ket hon", True),  # no accents: either reading
        ("vợ về ở hẳn nhà tôi, muốn nhập hộ khẩu cho vợ", False),  # "for good", not Korea
    ],
)
def test_a_concept_typed_with_accents_must_be_the_word_meant(
    matcher: Matcher, text: str, foreign: bool
) -> None:
    """Folding merges "ở Hàn" (in Korea) and "ở hẳn" (for good): the accents decide."""
    prep = matcher.prepare(text)
    added = {prep.tokens[i] for i in prep.added}
    assert ("ngoai" in added) is foreign


def test_a_greeting_around_a_request_weighs_nothing(matcher: Matcher) -> None:
    """'chào ad,' before a request is not what the message is about; alone it is its topic.
    Typed with accents, 'chào bán' (offering shares) is no greeting."""
    request = matcher.prepare("chào ad, e muốn đăng ký tạm trú cho vợ mới lên ở cùng phòng trọ")
    assert matcher.courtesy_positions(request) == {0, 1}
    assert "chao" not in matcher.query_features(request)
    assert matcher.candidates(request).topic_id != "chao-hoi"
    assert first(matcher, request.text) == "dang-ky-tam-tru"
    alone = matcher.prepare("chào bạn")
    assert not matcher.courtesy_positions(alone)
    assert matcher.candidates(alone).topic_id == "chao-hoi"
    thanks = matcher.prepare("làm căn cước ở đâu vậy, cảm ơn ad nhiều")
    assert first(matcher, thanks.text) == "cap-the-can-cuoc"
    shares = matcher.prepare("Chào bán cổ phiếu ra công chúng cần hồ sơ gì")
    assert not matcher.courtesy_positions(shares)


def test_a_courtesy_flag_that_is_not_true_or_false_is_a_file_line_error(tmp_path: Path) -> None:
    from bot.content.lexicon import load_lexicon

    folder = tmp_path / "lexicon"
    folder.mkdir()
    (folder / "not_procedures.yaml").write_text(
        "topics:\n  - id: chao\n    kind: none\n    phrases: [xin chào]\n"
        "  - id: bad\n    kind: none\n    courtesy: có\n    phrases: [hello]\n",
        encoding="utf-8",
    )
    _, topics, problems = load_lexicon(tmp_path)
    assert [t.id for t in topics] == ["chao"] and not topics[0].courtesy
    assert [(p.line, p.message) for p in problems] == [(5, "courtesy is true or false")]


def test_the_best_candidates_of_a_retriever_are_the_highest_above_zero_first_entries_on_ties() -> (
    None
):
    np = pytest.importorskip("numpy")
    from bot.core.matcher import _best

    scores = np.array([0.0, 2.0, 5.0, 2.0, 0.0, 2.0, 1.0])
    assert _best(scores, 3) == [2, 1, 3]  # of the three at 2.0, the first two
    assert _best(scores, 10) == [2, 1, 3, 5, 6]  # never an entry at 0
    assert _best(np.zeros(4), 2) == []
