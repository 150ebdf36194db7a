"""The centroid index (a Rocchio classifier over the messages written about each entry)."""

from __future__ import annotations

import math

import numpy as np

from bot.core.index import BM25Index, CentroidIndex

DOCS = [
    ["ho chieu", "cap", "moi"],
    ["ho chieu", "lam", "lan dau"],
    ["ho chieu", "mat", "cap lai"],
    ["cap lai", "mat", "bi mat"],
    ["khai sinh", "con", "lam"],
    ["khai sinh", "con", "dang ky"],
]
OWNER = [0, 0, 1, 1, 2, 2]


def _idf(docs: list[list[str]]) -> dict[str, float]:
    """log(messages / messages with the feature), for features in two messages or more."""
    df: dict[str, int] = {}
    for doc in docs:
        for f in set(doc):
            df[f] = df.get(f, 0) + 1
    return {f: math.log(len(docs) / c) for f, c in df.items() if c >= 2}


def _cosines(
    docs: list[list[str]], owner: list[int], idf: dict[str, float], q: dict[str, float]
) -> list[float]:
    """The same cosines, written out by hand: unit TF-IDF per message, summed per entry."""

    def unit(v: dict[str, float]) -> dict[str, float]:
        n = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {f: x / n for f, x in v.items()}

    sums: list[dict[str, float]] = [{} for _ in range(max(owner) + 1)]
    for doc, e in zip(docs, owner, strict=True):
        for f, x in unit({f: idf[f] for f in set(doc) if f in idf}).items():
            sums[e][f] = sums[e].get(f, 0.0) + x
    qv = unit({f: idf[f] * w for f, w in q.items() if f in idf})
    return [
        sum(s.get(f, 0.0) * x for f, x in qv.items())
        / (math.sqrt(sum(x * x for x in s.values())) or 1.0)
        for s in sums
    ]


def test_cosine_with_each_entrys_centroid() -> None:
    index = CentroidIndex(DOCS, OWNER, 3)
    q = {"ho chieu": 1.0, "mat": 1.0, "cap lai": 0.5}
    got = index.score(q)
    assert np.allclose(got, _cosines(DOCS, OWNER, _idf(DOCS), q))
    assert int(np.argmax(got)) == 1  # a lost passport: the re-issue entry


def test_a_word_in_one_message_only_is_left_out() -> None:
    index = CentroidIndex(DOCS, OWNER, 3)
    assert index.slots(["bi mat", "ho chieu", "never seen"]).tolist()[::2] == [-1, -1]
    assert index.slots(["ho chieu"])[0] >= 0
    assert not index.score({"bi mat": 1.0}).any()


def test_a_left_out_message_is_scored_as_if_never_written() -> None:
    index = CentroidIndex(DOCS, OWNER, 3)
    q = dict.fromkeys(DOCS[2], 1.0)
    alone = index.score(q, [(1, DOCS[2])])
    # the same idf, the message not summed into its entry
    rest = [d for k, d in enumerate(DOCS) if k != 2]
    owners = [e for k, e in enumerate(OWNER) if k != 2]
    assert np.allclose(alone, _cosines(rest, owners, _idf(DOCS), q))
    assert alone[1] < index.score(q)[1]


def test_bm25_finds_features_by_key_and_ignores_unknown_ones() -> None:
    index = BM25Index(DOCS)
    assert (index.keys[1:] > index.keys[:-1]).all()  # sorted, no two features alike
    assert index.score({"never seen": 1.0, "bi mat": 0.0}).tolist() == [0.0] * len(DOCS)
    got = index.score({"bi mat": 1.0, "unknown": 1.0})
    assert int(np.argmax(got)) == 3 and np.count_nonzero(got) == 1


def test_holding_sums_what_each_entry_holds_whatever_its_weight() -> None:
    index = BM25Index(DOCS)
    got = index.holding({"ho chieu": 2.0, "cap lai": 0.5, "unknown": 9.0})
    want = [sum(w for f, w in {"ho chieu": 2.0, "cap lai": 0.5}.items() if f in d) for d in DOCS]
    assert got.tolist() == want
    assert index.holding({}).tolist() == [0.0] * len(DOCS)


def test_bm25_sums_each_features_weight_times_its_factor() -> None:
    """Several features of different factors, some in several documents, one unknown: each
    document's score is Okapi BM25 written out by hand (k1 1.2, b 0.75)."""
    index = BM25Index(DOCS)
    q = {"ho chieu": 1.0, "mat": 0.5, "cap lai": 2.0, "khai sinh": 0.1, "unknown": 3.0}
    avg = sum(len(d) for d in DOCS) / len(DOCS)

    def bm25(doc: list[str]) -> float:
        total = 0.0
        for f, factor in q.items():
            df = sum(f in d for d in DOCS)
            if not df or f not in doc:
                continue
            idf = math.log(1 + (len(DOCS) - df + 0.5) / (df + 0.5))
            tf = doc.count(f)
            total += factor * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(doc) / avg))
        return total

    assert np.allclose(index.score(q), [bm25(d) for d in DOCS], rtol=1e-6)
