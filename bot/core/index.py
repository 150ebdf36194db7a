"""A phrase index scored with numpy: every phrase sharing a feature with the question is
scored exactly, in a few vectorised passes, so thousands of procedures cost about a millisecond."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import count

import numpy as np

UNI_SHARE = 0.5  # coverage counts words and word pairs half and half: word order varies
MIN_STRONG = 2.0  # a phrase needs this much weight from words the citizen typed as the request
SECOND_ALIAS_SHARE = 0.25  # other phrases of the same entry add a little
TOP_ENTRIES = 60
NEGLIGIBLE = 0.05  # phrase scores below this (or this share of the best) cannot change a ranking
NEGLIGIBLE_SHARE = 0.005
COMMON_SHARE = 1.0
MIN_COMMON_DF = 40
CENTROID_MIN_DF = 2  # a feature in one message only is a typo or a name, not a shared word


@dataclass(frozen=True)
class PhraseSpec:
    entry: int
    kind_weight: float
    features: frozenset[str]
    text: str


class PhraseIndex:
    """Features -> phrases, with IDF weights computed over entries."""

    def __init__(self, phrases: Sequence[PhraseSpec], n_entries: int) -> None:
        df: dict[str, int] = defaultdict(int)
        per_entry: dict[int, set[str]] = defaultdict(set)
        for ph in phrases:
            per_entry[ph.entry].update(ph.features)
        for feats in per_entry.values():
            for f in feats:
                df[f] += 1
        # Features in a large share of entries ("đăng ký", "cấp") say little and cost the most to
        # score at scale: above the cut they are dropped, like stopwords learned from the data.
        cut = max(MIN_COMMON_DF, COMMON_SHARE * n_entries)
        self.idf = {
            f: math.log(1 + n_entries / d) * (1.3 if " " in f else 1.0)
            for f, d in df.items()
            if d <= cut
        }
        phrases = [
            PhraseSpec(
                ph.entry,
                ph.kind_weight,
                frozenset(f for f in ph.features if f in self.idf),
                ph.text,
            )
            for ph in phrases
        ]
        self.texts = [ph.text for ph in phrases]
        self.entry = np.array([ph.entry for ph in phrases], dtype=np.int32)
        self.kind_weight = np.array([ph.kind_weight for ph in phrases])
        self.total = np.array([sum(self.idf[f] for f in ph.features) for ph in phrases])
        self.total[self.total == 0] = 1e-9
        self.uni_total = np.array(
            [sum(self.idf[f] for f in ph.features if " " not in f) for ph in phrases]
        )
        self.uni_total[self.uni_total == 0] = 1e-9
        posting: dict[str, list[int]] = defaultdict(list)
        for i, ph in enumerate(phrases):
            for f in ph.features:
                posting[f].append(i)
        # flat postings (see BM25Index): feature -> slot; ids[starts[slot]:starts[slot + 1]]
        self.slot = {f: k for k, f in enumerate(posting)}
        self.starts = np.cumsum([0, *(len(v) for v in posting.values())]).astype(np.int64)
        self.ids = np.array([i for v in posting.values() for i in v], dtype=np.int32)
        self.size = len(phrases)

    def vocab_words(self) -> frozenset[str]:
        """Every syllable some phrase holds."""
        return frozenset(t for f in self.idf for t in f.split())

    def score(
        self, qfeats: Mapping[str, tuple[float, bool]]
    ) -> tuple[dict[int, float], dict[int, int]]:
        """Per entry: best phrase score (+ a share of its next two); and the best phrase index."""
        st = self.starts
        parts = [
            (self.ids[st[k] : st[k + 1]], self.idf[f], boost, strong, " " not in f)
            for f, (boost, strong) in qfeats.items()
            if (k := self.slot.get(f)) is not None
        ]
        if not parts:
            return {}, {}
        ids = np.concatenate([p[0] for p in parts])
        lengths = [len(p[0]) for p in parts]
        w = np.repeat([p[1] for p in parts], lengths)
        boosted = np.bincount(
            ids, w * np.repeat([p[2] for p in parts], lengths), minlength=self.size
        )
        plain = np.bincount(ids, w, minlength=self.size)
        uni = np.bincount(ids, w * np.repeat([p[4] for p in parts], lengths), minlength=self.size)
        strong = np.bincount(
            ids, w * np.repeat([p[3] for p in parts], lengths), minlength=self.size
        )
        rows = np.flatnonzero(strong >= MIN_STRONG)
        if rows.size == 0:
            return {}, {}
        cover = (
            UNI_SHARE * uni[rows] / self.uni_total[rows]
            + (1 - UNI_SHARE) * plain[rows] / self.total[rows]
        )
        scores = boosted[rows] * cover * cover * self.kind_weight[rows]
        keep = scores >= max(NEGLIGIBLE, NEGLIGIBLE_SHARE * float(scores.max()))
        if not keep.any():
            return {}, {}
        return self._per_entry(rows[keep], scores[keep])

    def _per_entry(
        self, rows: np.ndarray, scores: np.ndarray
    ) -> tuple[dict[int, float], dict[int, int]]:
        entries = self.entry[rows]
        order = np.lexsort((-scores, entries))
        e_sorted, s_sorted, r_sorted = entries[order], scores[order], rows[order]
        starts = np.flatnonzero(np.r_[True, e_sorted[1:] != e_sorted[:-1]])
        total = s_sorted[starts].copy()
        n = len(e_sorted)
        for k in (1, 2):
            nxt = starts + k
            ok = nxt < n
            same = np.zeros_like(ok)
            same[ok] = e_sorted[nxt[ok]] == e_sorted[starts[ok]]
            total[same] += SECOND_ALIAS_SHARE * s_sorted[nxt[same]]
        keep = np.argsort(-total)[:TOP_ENTRIES]
        out = {int(e_sorted[starts[k]]): float(total[k]) for k in keep}
        best = {int(e_sorted[starts[k]]): int(r_sorted[starts[k]]) for k in keep}
        return out, best


def _key(feature: str) -> int:
    """A feature's stable 64-bit key (BLAKE2b): the same in every process and on every machine.
    Between 200k features a collision has odds of about 1e-9, and building refuses one."""
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")


@lru_cache(maxsize=4096)  # a question's features are looked up in several indexes
def feature_key(feature: str) -> int:
    """_key, remembered: building reads each feature once and calls _key itself."""
    return _key(feature)


class FlatPostings:
    """Postings stored flat (one id array, one weight array, offsets per feature): a handful of
    arrays load from the cache in milliseconds where thousands of small ones took seconds.
    Features are found by their sorted 64-bit keys, not in a dict: 200k strings, their dict and
    its int values cost a worker ~30 MB, the key array 2 MB."""

    size: int
    keys: np.ndarray  # uint64, sorted: feature_key of each slot's feature
    starts: np.ndarray
    ids: np.ndarray
    weights: np.ndarray

    def _store(
        self, feats: Sequence[str], starts: np.ndarray, ids: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Store postings given grouped by feature (feature k's at starts[k]:starts[k + 1] of ids
        and weights) flat in key order; return the features' indexes in slot order."""
        starts = np.asarray(starts, dtype=np.int64)
        keys = np.fromiter((_key(f) for f in feats), dtype=np.uint64, count=len(feats))
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        if (same := np.flatnonzero(self.keys[1:] == self.keys[:-1])).size:
            k = int(same[0])
            raise ValueError(f"feature keys collide: {feats[order[k]]!r}, {feats[order[k + 1]]!r}")
        lengths = np.diff(starts)[order]
        self.starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        # where each stored posting comes from: its feature's old start, then one by one
        source = np.repeat(starts[:-1][order] - self.starts[:-1], lengths) + np.arange(
            int(self.starts[-1])
        )
        self.ids = ids[source].astype(np.int32)
        self.weights = weights[source].astype(np.float32)
        return order

    def slots(self, feats: Sequence[str]) -> np.ndarray:
        """Each feature's slot, or -1 when the index does not hold it."""
        if not len(self.keys) or not feats:
            return np.full(len(feats), -1, dtype=np.int64)
        q = np.fromiter((feature_key(f) for f in feats), dtype=np.uint64, count=len(feats))
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return np.where(self.keys[pos] == q, pos, -1)

    def _parts(self, v: Mapping[str, float]) -> list[tuple[int, int, float]]:
        """The postings (start, end) of the features with a positive factor in v, and the factor."""
        feats = [f for f, w in v.items() if w > 0]
        st = self.starts
        return [
            (int(st[k]), int(st[k + 1]), v[f])
            for f, k in zip(feats, self.slots(feats).tolist(), strict=True)
            if k >= 0
        ]

    def holding(self, v: Mapping[str, float]) -> np.ndarray:
        """Per entry, the sum of v[f] over the features f it holds (whatever their weights)."""
        parts = self._parts(v)
        if not parts:
            return np.zeros(self.size)
        ids = np.concatenate([self.ids[a:b] for a, b, _ in parts])
        w = np.repeat([q for _, _, q in parts], [b - a for a, b, _ in parts])
        return np.bincount(ids, w, minlength=self.size)

    def _dots(self, v: Mapping[str, float]) -> np.ndarray:
        """Per entry, the sum of its posting weights times the features' factors in v."""
        parts = self._parts(v)
        if not parts:
            return np.zeros(self.size)
        ids = np.concatenate([self.ids[a:b] for a, b, _ in parts])
        w = np.concatenate([self.weights[a:b] * q for a, b, q in parts])
        return np.bincount(ids, w, minlength=self.size)


class BM25Index(FlatPostings):
    """Okapi BM25 over one text field per entry (features with repeats), scored densely with numpy:
    a question costs one bincount over the postings of its features, whatever the catalogue size."""

    def __init__(
        self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75, keep_idf: bool = True
    ) -> None:
        self.size = len(docs)
        lengths = np.array([max(1, len(d)) for d in docs], dtype=float)
        avg = float(lengths.mean()) if len(docs) else 1.0
        feats, fid = _numbered(docs)
        doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
        n = max(1, self.size)
        # (feature, document) pairs with their counts, by feature, documents in order
        pair, cnt = np.unique(fid * n + doc, return_counts=True)
        fid, ids, tf = pair // n, pair % n, cnt.astype(float)
        df = np.bincount(fid, minlength=len(feats))
        idf = _logs(1 + (n - df + 0.5) / (df + 0.5))
        self.idf: dict[str, float] = dict(zip(feats, idf.tolist(), strict=True)) if keep_idf else {}
        weights = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[ids] / avg)) * idf[fid]
        self._store(feats, np.concatenate([[0], np.cumsum(df)]), ids, weights)

    def score(self, qfeats: Mapping[str, float]) -> np.ndarray:
        """Dense scores, one per entry (query features weighted by the given factors)."""
        return self._dots(qfeats)


def _numbered(docs: Iterable[Iterable[str]]) -> tuple[list[str], np.ndarray]:
    """The distinct features of the documents in order of first use, and each use's number
    (one pass of dict look-ups: the postings themselves are then built with numpy)."""
    number: defaultdict[str, int] = defaultdict(count().__next__)  # a new feature: the next
    uses = [number[f] for d in docs for f in d]
    return list(number), np.array(uses, dtype=np.int64)


def _logs(values: np.ndarray) -> np.ndarray:
    """math.log of each value: numpy's may differ in the last bit, and the cache and the
    models were built on these."""
    return np.fromiter(map(math.log, values.tolist()), dtype=float, count=len(values))


class CentroidIndex(FlatPostings):
    """Cosine between a question and each entry's centroid (a Rocchio classifier): the sum of its
    messages' TF-IDF vectors, each of unit length, so every message written about an entry counts
    once and the words they share weigh most. BM25 over the messages rewards one close paraphrase;
    this rewards what an entry's messages have in common. Features seen in one message only are
    left out (typos, names of people and places). Postings are flat, as in BM25Index."""

    def __init__(self, docs: Sequence[Sequence[str]], owner: Sequence[int], size: int) -> None:
        self.size = size
        # each message's features in the order of its set: the order its vector is summed in
        sets = [set(doc) for doc in docs]
        feats, fid = _numbered(sets)
        doc = np.repeat(np.arange(len(sets)), [len(d) for d in sets])
        kept, fid, doc = _shared(fid, doc, len(feats))
        idf = _logs(max(1, len(docs)) / np.bincount(fid, minlength=len(kept)))
        x = _unit_weights(idf[fid], doc, len(sets))
        fid, ids, sums = _summed(fid, np.asarray(owner, dtype=np.int64)[doc], x, size)
        self.norm2 = np.bincount(ids, sums * sums, minlength=size).astype(np.float64)
        starts = np.concatenate([[0], np.cumsum(np.bincount(fid, minlength=len(kept)))])
        slots = self._store([feats[k] for k in kept], starts, ids, sums)
        # idf aligned to the slots (a second 100k-key dict cost ~6 MB per worker)
        self.idf = idf[slots]

    def unit(
        self, feats: Iterable[str], weight: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """A text's TF-IDF vector (features weighted by `weight`, default 1), of unit length."""
        feats = tuple(feats)
        idf = self.idf
        slots = self.slots(feats).tolist()
        known = {f: float(idf[k]) for f, k in zip(feats, slots, strict=True) if k >= 0}
        return self._unit(feats, known, weight)

    @staticmethod
    def _unit(
        feats: Iterable[str], idf: Mapping[str, float], weight: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        v = {f: idf[f] * (weight[f] if weight is not None else 1.0) for f in feats if f in idf}
        n = math.sqrt(sum(w * w for w in v.values())) or 1.0
        return {f: w / n for f, w in v.items()}

    def score(
        self, qfeats: Mapping[str, float], minus: Sequence[tuple[int, Sequence[str]]] = ()
    ) -> np.ndarray:
        """Cosine with every centroid. `minus`: (entry, features) of messages to take out of their
        entry's centroid first (a training message must not be scored against itself)."""
        q = self.unit((f for f, w in qfeats.items() if w > 0), qfeats)
        dots = self._dots(q)
        norm2 = self.norm2
        if minus:
            norm2 = norm2.copy()
            for e, feats in minus:
                d = self.unit(set(feats))
                dots[e] -= sum(w * q.get(f, 0.0) for f, w in d.items())
                norm2[e] += sum(w * w for w in d.values()) - 2.0 * float(self._dots(d)[e])
        return dots / np.sqrt(np.maximum(norm2, 1e-12))


def _shared(
    fid: np.ndarray, doc: np.ndarray, n_feats: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The features in CENTROID_MIN_DF messages or more, and the uses of those (numbered anew,
    in their order) with their messages."""
    kept = np.flatnonzero(np.bincount(fid, minlength=n_feats) >= CENTROID_MIN_DF)
    number = np.full(n_feats, -1, dtype=np.int64)
    number[kept] = np.arange(len(kept))
    use = number[fid] >= 0
    return kept, number[fid][use], doc[use]


def _unit_weights(w: np.ndarray, doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Each use's weight in its message's vector of unit length (`w`: its idf; each norm summed
    in the order of the message's uses, so to the last bit as a loop over them)."""
    norm = np.sqrt(np.bincount(doc, w * w, minlength=n_docs))
    norm[norm == 0] = 1.0
    out: np.ndarray = w / norm[doc]
    return out


def _summed(
    fid: np.ndarray, entry: np.ndarray, x: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sum of x per (feature, entry), in the order of the uses; as (features, entries, sums)
    by feature, each feature's entries in the order they came."""
    m = max(1, size)
    pair, first, which = np.unique(fid * m + entry, return_index=True, return_inverse=True)
    sums = np.bincount(which.ravel(), x, minlength=len(pair))
    order = np.lexsort((first, pair // m))
    return pair[order] // m, pair[order] % m, sums[order]
