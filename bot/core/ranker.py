"""The matcher's learned parts, applied with numpy from plain JSON coefficients (no pickle).

Three logistic models, trained by `scripts/train_matcher.py` on generated questions:
- `ranker`: P(this candidate is what the question asks for), from retrieval features;
- `about`: P(the message expresses an administrative need), from its words (bag of folded
  syllables and pairs) — learns need verbs, question words and off-topic words from data;
- `gate`: P(answer with a procedure), from the ranker's top scores, `about`, the not-a-procedure
  topics and a few shape features. Below 0.5 the matcher returns nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


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
    """Gradient-boosted regression trees (log-odds). All trees are padded to one node count and
    walked together: a handful of numpy gathers per question, whatever the number of trees."""

    names: tuple[str, ...]
    feature: np.ndarray  # (trees, nodes); leaves point to themselves
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    rate: float
    init: float
    depth: int

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Trees:
        trees: list[dict[str, Any]] = d["trees"]
        width = max(len(t["feature"]) for t in trees)
        shape = (len(trees), width)
        feature, left, right = (np.zeros(shape, dtype=np.int32) for _ in range(3))
        threshold, value = np.zeros(shape), np.zeros(shape)
        for k, t in enumerate(trees):
            n = len(t["feature"])
            own = np.arange(n)
            lo, hi = np.asarray(t["left"]), np.asarray(t["right"])
            leaf = lo < 0
            feature[k, :n] = np.where(leaf, 0, t["feature"])
            threshold[k, :n] = np.where(leaf, np.inf, t["threshold"])
            left[k, :n] = np.where(leaf, own, lo)
            right[k, :n] = np.where(leaf, own, hi)
            value[k, :n] = t["value"]
        return cls(
            tuple(d["features"]),
            feature,
            threshold,
            left,
            right,
            value,
            float(d["rate"]),
            float(d["init"]),
            int(d["depth"]),
        )

    def logit(self, x: np.ndarray) -> np.ndarray:
        n_trees = self.feature.shape[0]
        tree = np.arange(n_trees)[None, :]
        rows = np.arange(x.shape[0])[:, None]
        node = np.zeros((x.shape[0], n_trees), dtype=np.int32)
        for _ in range(self.depth):
            go_left = x[rows, self.feature[tree, node]] <= self.threshold[tree, node]
            node = np.where(go_left, self.left[tree, node], self.right[tree, node])
        out: np.ndarray = self.init + self.rate * self.value[tree, node].sum(axis=1)
        return out


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


@dataclass(frozen=True)
class Models:
    ranker: Linear | Trees
    gate: Linear | Trees
    about: Bag
    meta: Mapping[str, Any]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Models:
        return cls(
            model_from_dict(d["ranker"]),
            model_from_dict(d["gate"]),
            Bag.from_dict(d["about"]),
            dict(d.get("meta") or {}),
        )


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))
