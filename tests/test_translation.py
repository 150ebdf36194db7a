"""The word translation model: how it scores names, how it is learnt, how it is read."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.content.bundle import load_catalog_dir
from bot.content.lexicon import load_models, load_translation
from bot.core.index import feature_key
from bot.core.matcher import Matcher
from bot.core.translation import EMPTY, FLOOR, Names, Translation

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import train_translation  # noqa: E402


def _table(rows: dict[str, dict[str, float]]) -> Translation:
    units = [EMPTY, *sorted({u for row in rows.values() for u in row} - {EMPTY})]
    col = {u: k for k, u in enumerate(units)}
    indptr, indices, probs = [0], [], []
    for w in rows:
        for u, p in sorted(rows[w].items(), key=lambda kv: col[kv[0]]):
            indices.append(col[u])
            probs.append(p)
        indptr.append(len(indices))
    return Translation.from_arrays(
        list(rows),
        units,
        np.array(indptr),
        np.array(indices),
        np.array(probs),
    )


def _expected(t: float, units: int) -> float:
    return float(np.log(t / (units + 1) + FLOOR))


def test_a_name_that_explains_the_words_scores_higher() -> None:
    t = _table({"chay": {"bi chay": 0.5, EMPTY: 0.01}, "embassy": {"dai dien": 0.4}})
    burnt = ["bi chay", "giay phep"]
    expired = ["het han", "giay phep"]
    s = t.scores(["chay", "unknown"], [burnt, expired])
    assert s[0] > s[1]
    # the mean over known words of log(t / (units + 1)); the empty unit counts for every name; a
    # word the model does not know is left out
    assert s[0] == pytest.approx(_expected(0.5 + 0.01, 2), rel=1e-6)
    assert s[1] == pytest.approx(_expected(0.01, 2), rel=1e-6)
    # a longer name spreads its probability thinner
    assert t.scores(["chay"], [burnt, [*burnt, "cap lai"]])[1] < s[0]


def test_names_read_once_score_as_names_read_for_each_question() -> None:
    """The matcher reads every entry's names once (Names); the scores are the same."""
    t = _table({"chay": {"bi chay": 0.5, EMPTY: 0.01}, "han": {"het han": 0.3, "gia han": 0.2}})
    entries = [("bi chay", "giay phep", "bi chay"), ("het han",), (), ("gia han", "het han", "x y")]
    read = Names.of(t, entries)
    for words in (["chay"], ["han", "chay", "unknown"], ["unknown"]):
        picked = [3, 0, 2, 1]
        assert np.allclose(
            t.scores_of(words, [read[k] for k in picked]),
            t.scores(words, [list(entries[k]) for k in picked]),
        )
    assert read[2][1] == 1 and not len(read[2][0])  # no name: the empty unit alone


def test_words_the_model_does_not_know_score_nothing() -> None:
    t = _table({"chay": {"bi chay": 0.5}})
    assert list(t.scores(["xin", "chao"], [["bi chay"], ["het han"]])) == [0.0, 0.0]
    assert t.scores(["chay"], []).shape == (0,)


def test_a_known_word_no_unit_of_the_name_explains_costs_the_floor() -> None:
    t = _table({"chay": {"bi chay": 0.5}, "wife": {"chung sinh": 0.2}})
    s = t.scores(["wife", "chay"], [["dang ky", "khai sinh"], ["chung sinh"]])
    assert s[0] == pytest.approx(np.log(FLOOR), rel=1e-6)
    assert s[1] == pytest.approx((_expected(0.2, 1) + np.log(FLOOR)) / 2, rel=1e-6)


def test_the_first_unit_must_be_the_empty_one() -> None:
    with pytest.raises(ValueError, match="first unit"):
        Translation.from_arrays(["a"], ["bi chay"], np.array([0, 0]), np.array([]), np.array([]))


def test_expectation_maximisation_aligns_a_word_with_the_name_unit_it_stands_for() -> None:
    """'burnt' is written only about records whose names say 'bi chay'; 'licence' about every
    record: EM gives 'burnt' to 'bi chay' and not to the units the names share."""
    names = [["bi chay", "giay phep"], ["het han", "giay phep"], ["bi chay", "chung chi"]]
    data = [
        (0, ["burnt", "licence"]),
        (0, ["burnt", "licence", "shop"]),
        (1, ["expired", "licence"]),
        (1, ["expired", "licence", "shop"]),
        (2, ["burnt", "certificate"]),
    ]
    words, units, indptr, indices, probs = train_translation.fit(data, names)
    t = Translation.from_arrays(words, units, indptr, indices, probs)
    (row,) = t.rows(["burnt"])
    got = dict(
        zip(
            (units[c] for c in t.indices[t.indptr[row] : t.indptr[row + 1]]),
            t.probs[t.indptr[row] : t.indptr[row + 1]],
            strict=True,
        )
    )
    assert got["bi chay"] > max(got.get("giay phep", 0.0), got.get("chung chi", 0.0))
    s = t.scores(["burnt"], [names[0], names[1]])
    assert s[0] > s[1]


def test_a_message_weighted_twice_counts_as_two_copies() -> None:
    """A stranger's question weighs QUESTION_WEIGHT catalogue messages: weighting is the same as
    repeating it."""
    names = [["bi chay", "giay phep"], ["het han", "giay phep"]]
    data = [(0, ["burnt", "licence"]), (1, ["expired", "licence"]), (0, ["licence", "shop"])]
    weighted = train_translation.fit(data, names, np.array([1.0, 1.0, 2.0]))
    repeated = train_translation.fit([*data, data[2]], names)
    assert weighted[:2] == repeated[:2]
    for a, b in zip(weighted[2:], repeated[2:], strict=True):
        np.testing.assert_allclose(a, b)

    # ...and it moves the model away from one copy of each
    def lead(arrays: tuple) -> float:
        s = Translation.from_arrays(*arrays).scores(["shop"], names)
        return float(s[0] - s[1])

    assert lead(weighted) != pytest.approx(lead(train_translation.fit(data, names)))


def test_the_model_file_is_read_without_pickles(tmp_path: Path) -> None:
    path = tmp_path / "translation.npz"
    np.savez(
        path,
        keys=np.array([feature_key("chay")], dtype=np.uint64),
        units=np.array([EMPTY, "bi chay"]),
        indptr=np.array([0, 1]),
        indices=np.array([1]),
        probs=np.array([0.5], dtype=np.float16),
    )
    t = load_translation(path)
    assert t.scores(["chay"], [["bi chay"], ["het han"]])[0] > t.scores(["chay"], [["het han"]])[0]
    planted = tmp_path / "planted.npz"
    np.savez(planted, keys=np.array([object()], dtype=object), units=np.array([EMPTY]))
    with pytest.raises(ValueError, match="planted.npz"):
        load_translation(planted)
    stale = tmp_path / "stale.npz"
    np.savez(stale, keys=np.array([feature_key("chay")], dtype=np.uint64), units=np.array([EMPTY]))
    with pytest.raises(ValueError, match=r"stale\.npz: .*indptr.*train_translation"):
        load_translation(stale)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_catalog_dir(ROOT / "procedures_catalog").matcher


def test_the_shipped_model_tells_siblings_apart_by_their_words(matcher: Matcher) -> None:
    """Two re-issues of one licence differ by why: burnt or lost, against expired. An English
    question about an embassy prefers the record done at one."""
    models = load_models()
    assert models is not None and models.translation is not None
    burnt, expired = matcher.entry_of["tthc-1-012907"], matcher.entry_of["tthc-1-012910"]
    prep = matcher.prepare("chứng chỉ môi giới nhà đất bị cháy trong vụ hỏa hoạn, xin lại")
    col = matcher._translation_columns(prep, [burnt, expired])[:, 0]
    assert col[0] == 0.0 and col[1] < 0.0
    abroad, home = matcher.entry_of["tthc-1-005141"], matcher.entry_of["tthc-2-002036"]
    prep = matcher.prepare("how do I renounce Vietnamese citizenship at the embassy in Paris")
    col = matcher._translation_columns(prep, [abroad, home])[:, 0]
    assert col[0] == 0.0 and col[1] < 0.0


def test_questions_count_with_their_first_label_and_none_or_other_not_at_all(
    matcher: Matcher, tmp_path: Path
) -> None:
    path = tmp_path / "questions.jsonl"
    lines = [
        '{"q": "xin cấp lại chứng chỉ bị cháy", "expect": ["1.012907", "khai-sinh"]}',
        '{"q": "đăng ký khai sinh cho con", "expect": ["khai-sinh"]}',
        '{"q": "bánh thôi nôi", "expect": ["none"]}',
        '{"q": "làm hộ chiếu", "expect": ["other"]}',
        '{"q": "mã không có", "expect": ["9.999999"]}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = len(train_translation.messages(matcher, []))
    got = train_translation.messages(matcher, [path])[catalogue:]
    assert [e for e, _, _ in got] == [
        matcher.entry_of["tthc-1-012907"],
        matcher.entry_of["khai-sinh"],
    ]
    assert {w for _, w, _ in got} == {train_translation.QUESTION_WEIGHT}
    assert "chay" in matcher.translation_words(got[0][2])
    assert "khai sinh" in matcher.translation_words(got[1][2], pairs=True)


def test_without_the_model_the_column_is_zero(matcher: Matcher) -> None:
    assert matcher.models is not None
    plain = Matcher.__new__(Matcher)
    plain.__dict__.update(matcher.__dict__)
    plain.models = replace(matcher.models, translation=None, pair_translation=None)
    prep = matcher.prepare("chứng chỉ môi giới bị cháy")
    ids = [matcher.entry_of["tthc-1-012907"], matcher.entry_of["tthc-1-012910"]]
    assert not plain._translation_columns(prep, ids).any()


def test_the_pair_model_reads_vietnamese_messages_only(matcher: Matcher) -> None:
    """Both models score a Vietnamese message; an English one only through its words: its word
    pairs, learnt mostly from foreigners' messages, pulled plain requests to the foreign-element
    records."""
    models = load_models()
    assert models is not None and models.pair_translation is not None
    ids = [matcher.entry_of["tthc-1-012907"], matcher.entry_of["tthc-1-012910"]]
    vi = matcher._translation_columns(matcher.prepare("chứng chỉ môi giới bị cháy, xin lại"), ids)
    assert vi.shape == (2, 2) and vi[:, 1].max() == 0.0 and vi[:, 1].min() < 0.0
    en = matcher._translation_columns(matcher.prepare("my broker certificate got burnt"), ids)
    assert not en[:, 1].any() and en[:, 0].min() < 0.0
