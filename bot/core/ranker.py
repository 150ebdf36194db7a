"""The matcher's learned parts, applied with numpy from plain JSON coefficients (no pickle).

Three models, trained by `scripts/train_matcher.py` on generated and written questions:
- `ranker`: P(this candidate is what the question asks for), from retrieval features;
- `about`: P(the message expresses an administrative need), from its words (bag of folded
  syllables and pairs) — learns need verbs, question words and off-topic words from data;
- `gate`: P(answer with a procedure), from the ranker's top scores, `about`, the not-a-procedure
  topics and a few shape features. Below 0.5 the matcher returns nothing.
A fourth, `rerank`, reorders the ranker's best candidates (`Rerank`), and a fifth, `regate`, decides
again whether to answer from the gate's reading and the second ranker's (both
scripts/train_rerank.py, from questions written by strangers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.core.translation import Translation

# levels every tree walk takes before the walks that reached a leaf drop out (measured on the
# first ranker: 0 steps 0.27 ms, 2: 0.20, 4: 0.18, 8: 0.21, all levels together 0.33)
FULL_STEPS = 4


@dataclass(frozen=True)
class Linear:
    """Standardised logistic model: sigmoid(((x - mean) / scale) · coef + intercept)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Linear:
        names = tuple(d["features"])
        return cls(
            names,
            np.asarray(d["mean"], dtype=float),
            np.asarray(d["scale"], dtype=float),
            np.asarray(d["coef"], dtype=float),
            float(d["intercept"]),
        )

    def logit(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return out


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted regression trees (log-odds). The nodes of all trees are numbered in one
    flat array and walked together: per level, a few `take`s over the (candidate, tree) walks
    still inside a tree, until every walk has reached its leaf (leaves point to themselves)."""

    names: tuple[str, ...]
    feature: np.ndarray  # (nodes,) feature tested at each node (0 at leaves)
    threshold: np.ndarray  # (nodes,) go left when x <= threshold (inf at leaves)
    child: np.ndarray  # (2 * nodes,) left child at 2i, right child at 2i + 1 (itself at leaves)
    value: np.ndarray  # (nodes,) leaf values
    roots: np.ndarray  # (trees,) each tree's first node
    rate: float
    init: float
    depth: int
    # a linear term added to the trees' log-odds (per feature, 0 for most): a pointwise booster
    # cuts a strong continuous score into steps and underuses it (scripts/train_matcher.py:
    # BLEND_WEIGHT)
    linear: np.ndarray | None = None
    # with the linear term the sum is no longer log-odds: an affine map fitted on the training
    # candidates' out-of-fold scores (Platt scaling) makes it one again, so shown scores and their ratio (the choice
    # list compares them) keep their meaning; the order is unchanged
    slope: float = 1.0
    offset: float = 0.0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Trees:
        trees: list[dict[str, Any]] = d["trees"]
        feature, threshold, child, value, roots = [], [], [], [], []
        start = 0
        for t in trees:
            n = len(t["feature"])
            own = np.arange(start, start + n)
            lo, hi = np.asarray(t["left"]), np.asarray(t["right"])
            leaf = lo < 0
            feature.append(np.where(leaf, 0, t["feature"]))
            threshold.append(np.where(leaf, np.inf, t["threshold"]))
            pair = np.empty((n, 2), dtype=np.int64)
            pair[:, 0] = np.where(leaf, own, lo + start)
            pair[:, 1] = np.where(leaf, own, hi + start)
            child.append(pair.ravel())
            value.append(np.asarray(t["value"], dtype=float))
            roots.append(start)
            start += n
        return cls(
            tuple(d["features"]),
            np.concatenate(feature).astype(np.intp),
            np.concatenate(threshold).astype(float),
            np.concatenate(child).astype(np.intp),
            np.concatenate(value),
            np.asarray(roots, dtype=np.intp),
            float(d["rate"]),
            float(d["init"]),
            int(d["depth"]),
            _weights(d["features"], d["linear"]) if d.get("linear") else None,
            float(d.get("slope", 1.0)),
            float(d.get("offset", 0.0)),
        )

    def logit(self, x: np.ndarray) -> np.ndarray:
        """Log-odds per row of x (one row given as a vector gives one value)."""
        if np.ndim(x) == 1:
            return self.logit(np.asarray(x)[None, :]).reshape(())
        x = np.ascontiguousarray(x, dtype=float)
        leaves = self._leaves(x.ravel(), np.arange(x.shape[0]) * x.shape[1])
        out: np.ndarray = self.init + self.rate * self.value.take(leaves).sum(axis=1)
        if self.linear is not None:
            out = self.slope * (out + x @ self.linear) + self.offset
        return out

    def _leaves(self, flat: np.ndarray, base: np.ndarray) -> np.ndarray:
        """The leaf each (row, tree) walk ends in. All walks take the first FULL_STEPS steps
        together; then only the walks still inside a tree go on (most leaves are shallow, a few
        deep: selecting the unfinished walks costs less than walking the finished ones)."""
        rows, trees = base.size, self.roots.size
        base = np.repeat(base, trees)
        node = np.tile(self.roots, rows)
        for _ in range(min(FULL_STEPS, self.depth)):
            node = self._step(flat, base, node)
        walking = np.flatnonzero(self.child.take(2 * node) != node)
        while walking.size:
            step = self._step(flat, base.take(walking), node.take(walking))
            node[walking] = step
            walking = walking[self.child.take(2 * step) != step]
        return node.reshape(rows, trees)

    def _step(self, flat: np.ndarray, base: np.ndarray, node: np.ndarray) -> np.ndarray:
        """One level down: left when the node's feature is at most its threshold."""
        right = flat.take(base + self.feature.take(node)) > self.threshold.take(node)
        out: np.ndarray = self.child.take(2 * node + right)
        return out


def _weights(names: Sequence[str], linear: Mapping[str, float]) -> np.ndarray:
    """A linear term's weights as a vector over the model's features."""
    return np.array([float(linear.get(n, 0.0)) for n in names])


def model_from_dict(d: Mapping[str, Any]) -> Linear | Trees:
    return Trees.from_dict(d) if d.get("kind") == "trees" else Linear.from_dict(d)


@dataclass(frozen=True)
class Bag:
    """Logistic model over a bag of features (weights only for features seen in training)."""

    weights: Mapping[str, float]
    intercept: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Bag:
        return cls(dict(d["weights"]), float(d["intercept"]))

    def logit(self, feats: Sequence[str]) -> float:
        w = self.weights
        return self.intercept + sum(w.get(f, 0.0) for f in set(feats))


def listwise(x: np.ndarray) -> np.ndarray:
    """A question's candidates' features, then the same less the best among its candidates: what
    a tree, which reads one candidate at a time, cannot otherwise see of the others."""
    return np.column_stack([x, x - x.max(axis=0)])


@dataclass(frozen=True)
class Rerank:
    """The second ranker: a conditional logit — a softmax over the first ranker's best `top`
    candidates — learnt from questions written by people who never saw the matcher's training
    messages (scripts/train_rerank.py). The first ranker learns from generated questions and from
    messages scored against their own writer's paraphrases; this one learns how much each kind
    of evidence is worth for a stranger's question. With `trees` (boosted trees over the
    candidates' `listwise` features, learnt from the same questions with a ranking loss) their
    scores are its last column; the shipped model reads that column, the curated one and the
    province's only (how sure a difference of the trees' scores makes it; how much more a curated
    procedure is asked for; which province's copy of a procedure the message names), the others
    weigh 0."""

    model: Linear
    top: int
    trees: Trees | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rerank:
        trees = Trees.from_dict(d["trees"]) if d.get("trees") else None
        return cls(Linear.from_dict(d), int(d["top"]), trees)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Each candidate's score (the softmax's logit), from its RERANK_FEATURES row."""
        if self.trees is not None:
            x = np.column_stack([x, self.trees.logit(listwise(x))])
        return self.model.logit(x)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(each row is the one asked for | one of them is)."""
        s = self.scores(x)
        e = np.exp(s - s.max())
        out: np.ndarray = e / e.sum()
        return out


@dataclass(frozen=True)
class Models:
    ranker: Linear | Trees
    gate: Linear | Trees
    about: Bag
    meta: Mapping[str, Any]
    rerank: Rerank | None = None
    regate: Linear | Trees | None = None
    translation: Translation | None = None  # bot/models/translation.npz, read beside the JSON
    pair_translation: Translation | None = None  # ...translation_pairs.npz: for syllable pairs

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Models:
        return cls(
            model_from_dict(d["ranker"]),
            model_from_dict(d["gate"]),
            Bag.from_dict(d["about"]),
            dict(d.get("meta") or {}),
            Rerank.from_dict(d["rerank"]) if d.get("rerank") else None,
            model_from_dict(d["regate"]) if d.get("regate") else None,
        )


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))
