"""The second ranker: how it learns (conditional logit), how it is applied, and who decides
between two curated procedures when the ranker and the hand-written aliases disagree."""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.content.bundle import load_catalog_dir
from bot.content.lexicon import load_models
from bot.core.matcher import (
    DISAGREE,
    GATE_FEATURES,
    REGATE_FEATURES,
    REGATE_REFUSE,
    REQUEST_COLUMNS,
    RERANK_FEATURES,
    Matcher,
    _refines,
    regate_row,
    request_sentence,
)
from bot.core.ranker import Linear, Models, Rerank, Trees, listwise

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import train_rerank  # noqa: E402


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_catalog_dir(ROOT / "procedures_catalog").matcher


def _synthetic(n: int, seed: int) -> list[train_rerank.Group]:
    """Questions of 10 candidates where the first ranker's score (column 0) is noise and one other
    column marks the right candidate, noisily: what a stranger's question looks like when the
    first ranker over-trusts one kind of evidence."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(size=(10, len(RERANK_FEATURES)))
        right = int(rng.integers(10))
        x[right, 5] += 2.5
        y = np.zeros(10, dtype=bool)
        y[right] = True
        out.append(train_rerank.Group(x, y, curated=bool(rng.integers(2)), source="synthetic"))
    return out


def test_the_conditional_logit_learns_which_evidence_to_trust() -> None:
    model = train_rerank.fit(_synthetic(300, 1))
    test = _synthetic(200, 2)
    first = np.mean([g.y[int(np.argmax(g.x[:, 0]))] for g in test])
    learnt = np.mean([g.y[int(np.argmax(train_rerank._scores(model, g.x)))] for g in test])
    assert first < 0.2  # the first ranker's order is chance here
    assert learnt > 0.7
    assert model["features"] == list(RERANK_FEATURES) and model["top"] == train_rerank.TOP


def test_probabilities_are_a_softmax_over_the_candidates() -> None:
    names = ["a", "b"]
    rerank = Rerank.from_dict(
        {"features": names, "mean": [0, 0], "scale": [1, 1], "coef": [2.0, 0.0], "intercept": 0}
        | {"top": 3}
    )
    p = rerank.probabilities(np.array([[0.0, 5.0], [1.0, 0.0], [3.0, -1.0]]))
    assert p.sum() == pytest.approx(1.0)
    assert list(np.argsort(-p)) == [2, 1, 0]
    assert p[2] / p[1] == pytest.approx(np.exp(4.0))


def test_a_model_file_without_a_second_ranker_still_loads() -> None:
    models = load_models()
    assert models is not None and models.rerank is not None  # shipped and trained
    assert models.rerank.model.names == (*RERANK_FEATURES, "trees")  # today's features
    assert models.rerank.trees is not None and len(models.rerank.trees.names) == 2 * len(
        RERANK_FEATURES
    )
    assert models.regate is not None and models.regate.names == REGATE_FEATURES
    plain = {"ranker": _linear(["x"]), "gate": _linear(["y"]), "about": _bag()}
    assert Models.from_dict(plain).rerank is None and Models.from_dict(plain).regate is None


def test_the_second_gate_reads_how_far_the_second_ranker_s_second_falls_behind() -> None:
    gate_x = np.arange(len(GATE_FEATURES), dtype=float)
    row = regate_row(gate_x, 1.5, 0.9, np.array([0.2, 0.6, 0.2]))
    assert len(row) == len(REGATE_FEATURES)
    named = dict(zip(REGATE_FEATURES, row, strict=True))
    assert (named["gate"], named["first_p"], named["rerank_p"]) == (1.5, 0.9, 0.6)
    assert named["rerank_margin"] == pytest.approx(1 - 0.2 / 0.6)
    assert regate_row(gate_x, 0.0, 0.5, np.ones(1))[-1] == 1.0  # one candidate: nothing behind


def test_the_request_sentence_is_the_last_that_asks() -> None:
    story = "Mẹ tôi 80 tuổi, không có lương hưu. Nghe nói có trợ cấp. Làm hồ sơ ở đâu? Cảm ơn."
    assert request_sentence(story) == "Làm hồ sơ ở đâu?"
    assert request_sentence("Con tôi mới sinh.\nlàm khai sinh thế nào") == "làm khai sinh thế nào"
    assert request_sentence("đăng ký tạm trú cho vợ con") == ""  # one sentence: no second view


def test_a_story_s_request_sentence_is_read_on_its_own(matcher: Matcher) -> None:
    """The context names one procedure, the question another: the request columns favour the
    one asked for; a message of one sentence has none."""
    story = "Tôi đã làm giấy khai sinh cho con rồi. Giờ tôi muốn đăng ký thường trú cho cháu."
    prep = matcher.prepare(story)
    ids = [matcher.entry_of["khai-sinh"], matcher.entry_of["dang-ky-thuong-tru"]]
    cols = dict(zip(REQUEST_COLUMNS, matcher._request_columns(prep.request, ids).T, strict=True))
    assert list(cols["rq_has"]) == [1.0, 1.0]
    assert cols["rq_bm_rel"][1] > cols["rq_bm_rel"][0]
    assert cols["rq_ncov"][1] > cols["rq_ncov"][0]
    single = matcher.prepare("đăng ký thường trú cho con")
    assert not matcher._request_columns(single.request, ids).any()


def _linear(names: list[str]) -> dict:
    n = len(names)
    return {"features": names, "mean": [0] * n, "scale": [1] * n, "coef": [0] * n, "intercept": 0}


def _bag() -> dict:
    return {"weights": {}, "intercept": 0.0}


def test_a_qualified_name_refines_the_plain_one() -> None:
    assert _refines("Đăng ký kết hôn có yếu tố nước ngoài", "Đăng ký kết hôn")
    assert not _refines("Đăng ký kết hôn", "Đăng ký kết hôn có yếu tố nước ngoài")
    assert not _refines("Đăng ký khai tử", "Đăng ký kết hôn")


@pytest.mark.parametrize(
    ("text", "asked", "context"),
    [
        # a paper asked about inside another procedure: the aliases read "hợp đồng … công chứng"
        (
            "làm tạm trú có bắt hợp đồng thuê nhà phải công chứng không",
            "dang-ky-tam-tru",
            "chung-thuc-hop-dong",
        ),
        # a benefit the deceased received is context; the funeral allowance is asked
        (
            "ông nhà tôi hưởng trợ cấp xã hội hằng tháng, mới mất, xin tiền mai táng ở đâu",
            "tro-cap-mai-tang",
            "tro-cap-xa-hoi-hang-thang",
        ),
    ],
)
def test_the_ranker_decides_between_two_curated_procedures(
    matcher: Matcher, text: str, asked: str, context: str
) -> None:
    ids = [m.id for m in matcher.match(text, 3)]
    assert ids[0] == asked
    assert context in ids  # the aliases' reading stays in the list the citizen may pick from


def test_the_aliases_keep_a_qualified_reading(matcher: Matcher) -> None:
    """A Korean husband implies a foreign element; the plain marriage stays second."""
    ids = [m.id for m in matcher.match("chồng tôi người Hàn, muốn đăng ký kết hôn ở Việt Nam", 3)]
    assert ids[:2] == ["ket-hon-yeu-to-nuoc-ngoai", "ket-hon"]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _with_regate(matcher: Matcher, intercept: float) -> Matcher:
    """The real matcher and models with a second gate that says `intercept` of every message."""
    n = len(REGATE_FEATURES)
    regate = Linear(REGATE_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), intercept)
    out = copy.copy(matcher)
    assert matcher.models is not None
    out.models = replace(matcher.models, regate=regate)
    return out


def test_the_second_gate_decides_alone() -> None:
    """The second gate's word is final, for a long message and a short one: it answers what the
    first gate refuses and refuses what it answers."""
    m = load_catalog_dir(ROOT / "procedures_catalog").matcher
    answered = "làm giấy khai sinh cho con mới sinh tuần trước ở xã"
    unusual = "anh ơi đăng ký tạm trú cho vợ với hai đứa con lên ở cùng mình ở trọ"
    short = "tạm trú cho vợ"
    never = _with_regate(m, -30.0)
    refused = never.analyse(answered)
    assert not refused.matches and not refused.unsure  # refused by the second, and surely
    doubted = _with_regate(m, _logit((DISAGREE + REGATE_REFUSE) / 2)).analyse(answered)
    # ...not surely, and the first would answer: the conversation offers the likely ones
    assert not doubted.matches
    assert doubted.unsure[0].id == "khai-sinh" and doubted.administrative
    assert not never.analyse(unusual).matches and not never.analyse(unusual).unsure
    doubtful = _with_regate(m, _logit(REGATE_REFUSE) + 0.1)
    assert doubtful.analyse(answered).matches[0].id == "khai-sinh"  # refuses below REGATE_REFUSE
    assert not doubtful.analyse(unusual).matches  # ...and answers at 0.5 only
    always = _with_regate(m, 30.0)
    assert always.analyse(answered).matches[0].id == "khai-sinh"
    assert always.analyse(unusual).matches[0].id == "dang-ky-tam-tru"  # answered by the second
    assert always.analyse(short).matches[0].id == "dang-ky-tam-tru"
    assert not never.analyse(short).matches  # a short message too


def test_the_shipped_second_gate_is_trees_that_refuse_advice_and_answer_a_request() -> None:
    """The shipped second gate (boosted trees learnt from the strangers' sets) refuses a long
    question about health that the first gate, taught by generated messages, would answer."""
    m = load_catalog_dir(ROOT / "procedures_catalog").matcher
    assert m.models is not None and isinstance(m.models.regate, Trees)
    advice = "cho mình hỏi ăn uống thế nào để mau lại sức sau khi bị sốt xuất huyết vậy mọi người"
    assert not m.analyse(advice).matches
    request = "con tôi mới sinh được một tuần, giờ đi làm giấy khai sinh cho cháu ở xã thì cần gì"
    assert m.analyse(request).matches[0].id == "khai-sinh"
    for chat in ("chào bạn", "chao ban", "hihi"):  # the first gate answered these (Chào bán…)
        assert not m.analyse(chat).matches, chat
    assert m.analyse("làm hộ chiếu").matches  # a short request is still answered


def test_the_exported_gate_trees_score_as_lightgbm_does() -> None:
    """The second gate leaves LightGBM's classifier as the JSON nodes bot.core.ranker walks."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, len(REGATE_FEATURES)))
    y = x[:, 0] * x[:, 1] > 0  # an interaction: no weighted sum tells it
    walked = Trees.from_dict(train_rerank.fit_gate(x, y))
    assert walked.names == REGATE_FEATURES
    assert np.mean((walked.logit(x) >= 0) == y) > 0.9


def test_every_training_set_has_a_fold_and_the_held_out_sets_none() -> None:
    """The word translation model that reads a training set for the second ranker is learnt
    without that set's fold; a held-out set is read by no fold model and trains nothing."""
    import question_sets

    assert not set(question_sets.TRAIN_SETS) & set(question_sets.HELD_OUT)
    assert all(p.exists() for p in [*question_sets.TRAIN_SETS, *question_sets.HELD_OUT])
    folds = [question_sets.fold_of(p) for p in question_sets.TRAIN_SETS]
    assert sorted(set(folds)) == list(range(question_sets.FOLDS))
    assert all(question_sets.fold_of(p) is None for p in question_sets.HELD_OUT)
    assert question_sets.fold_of(ROOT / "tests" / "fixtures" / "questions.holdout.jsonl") is None


def _interaction(n: int, seed: int) -> list[train_rerank.Group]:
    """Questions where the right candidate is the one whose columns 3 and 4 agree in sign and are
    both large, a thing no weighted sum of the columns tells (a feature matters only with another)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(size=(10, len(RERANK_FEATURES)))
        right = int(rng.integers(10))
        sign = rng.choice([-1.0, 1.0])
        x[:, 3] = rng.normal(size=10) * 0.5
        x[:, 4] = -np.sign(x[:, 3]) * np.abs(rng.normal(size=10)) * 2
        x[right, 3:5] = sign * 2.0
        y = np.zeros(10, dtype=bool)
        y[right] = True
        out.append(train_rerank.Group(x, y, curated=False, source=f"set{seed}"))
    return out


def test_the_stacked_trees_learn_what_a_weighted_sum_cannot() -> None:
    """The trees' scores, cross-fitted over the folds, are one more column of the conditional
    logit, and the second ranker applies them as trained (train_rerank.stacked, Rerank.trees)."""
    sets = {f"s{k}": _interaction(200, k) for k in range(4)}
    test = _interaction(300, 9)
    alone = train_rerank.fit([g for gs in sets.values() for g in gs])
    stacked = train_rerank.stacked(sets)
    assert all(g.x.shape[1] == len(RERANK_FEATURES) + 1 for gs in stacked.values() for g in gs)
    model = train_rerank.fit([g for gs in stacked.values() for g in gs])
    assert model["features"][-1] == "trees"
    trees = train_rerank.fit_trees([g for gs in sets.values() for g in gs])
    exported = train_rerank.export_trees(trees, train_rerank.TREE_FEATURES)
    rerank = Rerank.from_dict(model | {"trees": exported})
    first = np.mean([g.y[int(np.argmax(train_rerank._scores(alone, g.x)))] for g in test])
    second = np.mean([g.y[int(np.argmax(rerank.probabilities(g.x)))] for g in test])
    assert first < 0.5 < 0.8 < second


def test_the_exported_trees_score_as_lightgbm_does() -> None:
    """The second ranker's trees leave LightGBM as JSON nodes that bot.core.ranker walks."""
    gs = _synthetic(200, 5)
    trees = train_rerank.fit_trees(gs)
    walked = Trees.from_dict(train_rerank.export_trees(trees, train_rerank.TREE_FEATURES))
    x = np.vstack([listwise(g.x) for g in gs])
    assert np.abs(walked.logit(x) - trees.predict(x, raw_score=True)).max() < 1e-3
    assert len(set(np.round(walked.logit(x), 3))) > 50  # not one leaf for all


def test_listwise_rows_say_how_far_each_candidate_is_from_the_best() -> None:
    x = np.array([[1.0, 5.0], [3.0, 2.0]])
    assert listwise(x).tolist() == [[1.0, 5.0, -2.0, 0.0], [3.0, 2.0, 0.0, -3.0]]
    assert isinstance(load_models().rerank.trees, Trees)  # type: ignore[union-attr]
