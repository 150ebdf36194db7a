"""Train the second ranker and the second gate on questions written by strangers; add them to
bot/models/matcher.json.

Usage: python scripts/train_rerank.py [--sets A.jsonl B.jsonl ...] [--cv] [--curve] [--dry-run]
                                      [--drop PREFIX ...] [--no-trees]

The first ranker (scripts/train_matcher.py) learns from questions generated from the catalogue and
from the writers' messages, each scored against the other messages of the same entry — often
paraphrases by the same writer, so it learns to trust the nearest example more than it deserves
for a stranger's question. This one learns, from questions written by people who saw neither the
matcher nor its training messages (the labelled sets of bench/eval named in TRAIN_SETS), how much
each kind of evidence is worth: boosted trees over RERANK_FEATURES of bot/core/matcher.py, learnt
with a ranking loss over each question's candidates (LambdaMART), read by a conditional logit
(softmax over the first ranker's best `TOP` candidates, fitted with L-BFGS) over their scores and
two more columns (`SOFTMAX_COLUMNS`, `stacked`; `--no-trees`: over all the features instead).
The second gate (`regate`, boosted trees over REGATE_FEATURES) then learns from the same
questions, read through that second ranker, whether to answer (it decides alone): every labelled question is one to answer (a question
about a procedure outside the curated ones too), every `none` one to refuse.

`--cv` prints top-1 with each training set left out in turn (the others train) and what the
second gate changes there (right answers refused, `none` questions answered), `--curve` the
learning curve (1, 2, ... sets), `--drop` the same without the features named with these
prefixes (an ablation: nothing is written); the held-out sets (HELD_OUT) and the development set
are never read here. Rerun after every `scripts/train_matcher.py` and
`scripts/train_translation.py`: the features include the first ranker's scores and the
translation models' (each training set read through two learnt without its fold, eight more
fits: about six minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from question_sets import FOLDS, HELD_OUT, TRAIN_SETS, fold_of  # noqa: E402
from train_translation import trained  # noqa: E402

from bot.content.bundle import load_catalog_dir  # noqa: E402
from bot.content.catalog import CODE_RE  # noqa: E402
from bot.core.matcher import (  # noqa: E402
    REGATE_FEATURES,
    RERANK_FEATURES,
    Matcher,
    decided_gate,
    regate_row,
)
from bot.core.ranker import Rerank, Trees, listwise, sigmoid  # noqa: E402

MODEL_PATH = ROOT / "bot" / "models" / "matcher.json"
TOP = 10  # candidates reordered: the first ranker's best 10 hold the answer for ~97 % of questions
C = 0.1  # L2 strength (1 / C): chosen by leave-one-set-out top-1 (README, session 9)
CURATED_SHARE = 0.7  # the curated questions' share of the loss, as in train_matcher.py
# ...and the share of the questions about a look-alike outside the curated ones (labelled "other")
# (leave-one-set-out, session 9: 0.05 / 0.15 / 0.25 moved the left-out sets' top-1 by +0.002 to
# +0.018 / +0.002 to +0.014 / -0.007 to +0.015 and their "other" right by -0.047 to +0.059 /
# +0.028 to +0.089 / +0.030 to +0.118: 0.15 is the first that costs neither)
OTHER_SHARE = 0.15
# The second gate: boosted trees (LightGBM, logistic loss) over REGATE_FEATURES, a `none`
# question's weight against a labelled one's. It decides alone (bot/core/matcher.py; until
# session 19 for messages of 8 words or more only). Leave-one-set-out over the 48 training sets,
# session 19:
# questions the second ranker answers right that are refused / `none` answered, against the first
# gate alone 198 / 318 and the linear second gate that only added answers (until session 18, NONE
# weight 3) 69 / 328; a linear one deciding alone, weight 0.7 / 1 / 1.5 / 3: 71 / 238, 94 / 211,
# 121 / 184, 196 / 148 (from 12 words: 74 / 240); trees, weight 1: 300 rounds of 15 leaves 85 /
# 164, 7 leaves 83 / 174, 600 rounds 84 / 163, weight 0.7 84 / 175, 1.5 99 / 159; from 6 words
# 85 / 154, from 12 words 83 / 208; refusing what the first gate answers only below P 0.35 / 0.25
# (REGATE_REFUSE): 70 / 183, 58 / 201. Session 20, four folds of 56 sets, messages under 8 words
# decided by the second gate too: 300 trees 55 / 197 in all; 500 trees 57 / 184, depth 4 56 / 209,
# depth 5 58 / 207, 20 a leaf 61 / 196
GATE_TREES, GATE_LEAVES, GATE_RATE, GATE_MIN_LEAF = 300, 15, 0.05, 40
NONE_WEIGHT = 1.0
# Boosted trees over the candidates' listwise features (bot/core/ranker.py), learnt with a ranking
# loss (LambdaMART, LightGBM's "lambdarank": the gradient of NDCG over each question's candidates,
# truncated at TOP), whose scores are the conditional logit's last column. On the twenty-four sets
# of session 14, each fold left out in turn (its trees learnt without it), top-1: the conditional
# logit alone 0.9213; trees a candidate at a time (scikit-learn's histogram booster, session 14)
# 0.9288, 0.9294 at any depth, weighted as the conditional logit 0.9157; LightGBM's pointwise
# booster 0.9294; its ranking losses: "rank_xendcg" 0.9290, **"lambdarank" 0.9368** (curated
# 0.9654, national 0.9200, "other" 0.9516; the conditional logit alone 0.9673 / 0.8990 / 0.8890).
# Around it: 600 trees 0.9360, 15 leaves 0.9352, truncation at 3 0.9361, each column's rank among
# the candidates added 0.9364, half the columns per tree 0.9362, 50 candidates a leaf (not 20)
# 0.9352, L2 5 0.9359, rate 0.1 0.9356, 80 % of the rows per tree 0.9368. Depth 6 keeps the walk
# at ~0.1 ms a question (README, sessions 14-15)
TREES, LEAVES, DEPTH, MIN_LEAF, RATE = 300, 31, 6, 20, 0.05
# ...their features: ranker.listwise's columns
TREE_FEATURES = (*RERANK_FEATURES, *(f"{f}-best" for f in RERANK_FEATURES))
# ...and the conditional logit reads three columns only: the trees' scores (one weight: how sure a
# difference of them makes it; a calibrated softmax for the second gate and the shown scores),
# whether a candidate is curated (with the curated questions' share of the loss, CURATED_SHARE:
# the traffic is mostly about them), and the province a message names, which tells the copies of
# a land procedure apart (the sets' labels list every copy, so the trees hardly learn it). Cross-
# fitted over the folds, the same protocol, top-1 (curated / national / "other"): beside all the
# other columns (L2 C 0.1) 0.9321, C 0.01 0.9298 (0.9720 / 0.9082 / 0.9126); the trees alone
# 0.9368 (0.9654 / 0.9200 / 0.9516), with the province 0.9370; **with the curated column and the
# province 0.9356 (0.9747 / 0.9153 / 0.9244)**: the same top-1 on sets of one curated question in
# three (0.9351 against 0.9353), better where 85 % of the questions are about curated procedures
# (0.966 against 0.959); with s1, ce_rel, tm_rel and tm_pair_rel as well 0.9351
SOFTMAX_COLUMNS = ("trees", "curated", "province")


@dataclass
class Group:
    """One question: its candidates' features, which are right, whether it is about a curated id,
    and what the second gate reads before the second ranker (the gate's features, its log-odds,
    the first ranker's confidence in its best)."""

    x: np.ndarray
    y: np.ndarray
    curated: bool
    source: str
    other: bool = False  # labelled "other": right = any national record, never a curated one
    none: bool = False  # labelled "none": about no procedure (the gate's; never ranked)
    gate: tuple[np.ndarray, float, float] | None = None  # features, log-odds, first ranker's P

    @property
    def kind(self) -> str:
        return "curated" if self.curated else "other" if self.other else "national"

    @property
    def ranked(self) -> bool:
        """The second ranker learns from it: a right and a wrong candidate in its top."""
        return not self.none and bool(self.y.any()) and not bool(self.y.all())


def groups(m: Matcher, path: Path, everything: bool = False) -> list[Group]:
    """Labelled questions whose first-ranker top holds a right and a wrong candidate (with
    `everything`: also every other question, `none` ones too, for the second gate)."""
    out = []
    procs = m.procs
    assert m.models is not None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        expect = set(row["expect"])
        none = "none" in expect
        other = expect == {"other"}  # a procedure outside the curated ones: any national record
        prep = m.prepare(row["q"])
        cs = m.candidates(prep)
        if not cs.ids or (none and not everything):
            continue
        logits = m.models.ranker.logit(cs.x)
        order = np.argsort(-logits, kind="stable")
        head = order[:TOP]
        y = np.array(
            [
                procs[cs.ids[k]].imported
                if other
                else bool({procs[cs.ids[k]].id, *procs[cs.ids[k]].codes} & expect)
                for k in head
            ]
        )
        curated = not (other or none) and any(not CODE_RE.match(e) for e in expect)
        g = Group(m.rerank_input(prep, cs, logits, head), y, curated, path.name, other, none)
        if everything:  # the second gate's
            gate_x = m.gate_features(prep, cs, logits, order)
            first_p = sigmoid(float(logits[order[0]]))
            g.gate = (gate_x, float(m.models.gate.logit(gate_x)), first_p)
        if g.gate is not None or g.ranked:
            out.append(g)
    return out


def read_sets(m: Matcher, sets: list[Path]) -> dict[str, list[Group]]:
    """Every set's groups (`groups(everything=True)`), a training set's read through the word
    translation models learnt without its fold (question_sets.FOLDS): the shipped one has seen
    its questions, and would teach the second ranker to trust it more than a stranger's
    question deserves."""
    assert m.models is not None
    shipped = m.models
    folds = {fold_of(p) for p in sets} - {None}
    models = {k: trained(m, [p for p in TRAIN_SETS if fold_of(p) != k]) for k in sorted(folds)}
    out = {}
    for path in sets:
        k = fold_of(path)
        m.models = (
            shipped
            if k is None
            else replace(shipped, translation=models[k][0], pair_translation=models[k][1])
        )
        out[path.name] = groups(m, path, everything=True)
    m.models = shipped
    return out


def fit_trees(gs: list[Group]) -> Any:
    """The trees: each candidate's score from its `listwise` row, learnt a question at a time
    (LambdaMART: every tree follows the gradient of the ranking's NDCG over the question's
    candidates), not a candidate at a time."""
    from lightgbm import LGBMRanker

    ranker = LGBMRanker(
        objective="lambdarank", n_estimators=TREES, num_leaves=LEAVES, max_depth=DEPTH,
        min_child_samples=MIN_LEAF, learning_rate=RATE, reg_lambda=1.0,
        lambdarank_truncation_level=TOP, deterministic=True, force_row_wise=True,
        random_state=0, verbose=-1,
    )  # fmt: skip
    x = np.vstack([listwise(g.x) for g in gs])
    return ranker.fit(
        x, np.concatenate([g.y for g in gs]).astype(int), group=[len(g.y) for g in gs]
    )


def export_trees(ranker: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A fitted LightGBM model as bot.core.ranker.Trees reads it (nodes numbered depth-first; a
    node goes left when its feature is at most its threshold, as LightGBM's numerical splits)."""
    trees, depth = [], 1
    for info in ranker.booster_.dump_model()["tree_info"]:
        tree: dict[str, list[Any]] = {
            k: [] for k in ("feature", "threshold", "left", "right", "value")
        }
        stack: list[tuple[dict[str, Any], int, int]] = [(info["tree_structure"], 0, -1)]
        while stack:  # (node, its depth, where its parent keeps its number)
            node, level, parent = stack.pop()
            k = len(tree["value"])
            if parent >= 0:
                tree["right" if parent % 2 else "left"][parent // 2] = k
            leaf = "leaf_value" in node
            if not leaf and node["decision_type"] != "<=":
                raise ValueError(f"unexpected split {node['decision_type']!r}")
            tree["feature"].append(-2 if leaf else int(node["split_feature"]))
            tree["threshold"].append(-2.0 if leaf else float(node["threshold"]))
            tree["left"].append(-1)
            tree["right"].append(-1)
            tree["value"].append(round(float(node["leaf_value"]), 6) if leaf else 0.0)
            depth = max(depth, level)
            if not leaf:
                stack += [
                    (node["right_child"], level + 1, 2 * k + 1),
                    (node["left_child"], level + 1, 2 * k),
                ]
        trees.append(tree)
    return {
        "kind": "trees", "features": list(names), "trees": trees, "rate": 1.0, "init": 0.0,
        "depth": depth,
    }  # fmt: skip


def stacked(everything: dict[str, list[Group]]) -> dict[str, list[Group]]:
    """Every group with the trees' scores as its last column, each set's from trees learnt
    without its fold (set k of `everything` in fold k % FOLDS, as question_sets.fold_of): trees
    that had seen a question would teach the conditional logit to trust them too much."""
    fold = {name: k % FOLDS for k, name in enumerate(everything)}
    out: dict[str, list[Group]] = {}
    for k in sorted(set(fold.values())):
        rest = [g for n, gs in everything.items() if fold[n] != k for g in gs if g.ranked]
        trees = fit_trees(rest) if rest else None
        for name in (n for n in everything if fold[n] == k):
            out[name] = [
                replace(g, x=np.column_stack([g.x, _tree_scores(trees, g.x)]))
                for g in everything[name]
            ]
    return {name: out[name] for name in everything}


def _tree_scores(trees: Any, x: np.ndarray) -> np.ndarray:
    return np.zeros(len(x)) if trees is None else trees.predict(listwise(x), raw_score=True)


def regate_rows(model: dict[str, Any], gs: list[Group]) -> tuple[np.ndarray, np.ndarray]:
    """The second gate's rows (REGATE_FEATURES) read through the second ranker `model`, and
    whether each question is to be answered."""
    rerank = Rerank.from_dict(model)
    read = [(g, g.gate) for g in gs if g.gate is not None]
    rows = [regate_row(*gate, rerank.probabilities(g.x)) for g, gate in read]
    return np.array(rows), np.array([not g.none for g, _ in read])


def fit_gate(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Boosted trees (logistic loss), `none` questions weighted NONE_WEIGHT."""
    from lightgbm import LGBMClassifier

    clf = LGBMClassifier(
        n_estimators=GATE_TREES, num_leaves=GATE_LEAVES, learning_rate=GATE_RATE,
        min_child_samples=GATE_MIN_LEAF, class_weight={True: 1.0, False: NONE_WEIGHT},
        deterministic=True, force_row_wise=True, random_state=0, verbose=-1,
    )  # fmt: skip
    clf.fit(x, y)
    return export_trees(clf, REGATE_FEATURES)


def gate_effect(rerank: dict[str, Any], gate: dict[str, Any], gs: list[Group]) -> str:
    """On questions the second ranker answers right: how many the first gate and the second
    refuse; on `none` questions: how many each answers."""
    gs = [g for g in gs if g.gate is not None]  # in regate_rows' order
    x, y = regate_rows(rerank, gs)
    first = x[:, REGATE_FEATURES.index("gate")] >= 0.0
    logit = Trees.from_dict(gate).logit(x)
    gates = x[:, REGATE_FEATURES.index("gate")]
    second = np.array([decided_gate(f, s) >= 0.0 for f, s in zip(gates, logit, strict=True)])
    right = np.array([not g.none and bool(g.y[int(np.argmax(_scores(rerank, g.x)))]) for g in gs])
    none = ~y
    return (
        f"right refused {int((right & ~first).sum())} -> {int((right & ~second).sum())}, "
        f"none answered {int((none & first).sum())} -> {int((none & second).sum())}"
    )


def fit(gs: list[Group], c: float = C, keep: np.ndarray | None = None) -> dict[str, Any]:
    """Conditional logit: maximise the weighted log-probability of the right candidates.
    `keep`: a mask of the features used (an ablation); the others get weight 0."""
    allx = np.vstack([g.x for g in gs])
    mean, scale = allx.mean(0), allx.std(0) + 1e-9
    share = {"curated": CURATED_SHARE, "other": OTHER_SHARE}
    share["national"] = 1.0 - share["curated"] - share["other"]
    count = Counter(g.kind for g in gs)
    data = [((g.x - mean) / scale, g.y, share[g.kind] / count[g.kind] * len(gs)) for g in gs]

    mask = np.ones(allx.shape[1]) if keep is None else keep.astype(float)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        w = w * mask
        total, grad = 0.5 / c * float(w @ w), w / c
        for x, y, wt in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            right = float(p[y].sum()) + 1e-12
            total -= wt * np.log(right)
            grad = grad - wt * (x.T @ (p * y / right - p))
        return total, grad * mask

    w0 = np.zeros(allx.shape[1])
    w0[0] = scale[0]  # start from the first ranker's order
    res = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return {
        "features": [*RERANK_FEATURES, "trees"][: allx.shape[1]],
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": (res.x * mask).tolist(),
        "intercept": 0.0,
        "top": TOP,
    }


def top1(model: dict[str, Any] | None, gs: list[Group]) -> str:
    """Share of the groups whose best-scored candidate is right (None: the first ranker's),
    for the labelled questions and for those about a procedure outside the curated ones."""
    out = []
    for kind in (False, True):
        hits = [
            g.y[0 if model is None else int(np.argmax(_scores(model, g.x)))]
            for g in gs
            if g.other == kind
        ]
        out.append(f"{np.mean(hits):.3f}" if hits else "-")
    return f"top-1 {out[0]}, other right {out[1]}"


def _scores(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    mean, scale, coef = (np.asarray(model[k]) for k in ("mean", "scale", "coef"))
    out: np.ndarray = ((x - mean) / scale) @ coef
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", type=Path, default=TRAIN_SETS)
    ap.add_argument("--cv", action="store_true", help="leave each set out in turn")
    ap.add_argument("--curve", action="store_true", help="learning curve over the sets")
    ap.add_argument("--dry-run", action="store_true", help="do not write the model")
    ap.add_argument(
        "--drop",
        nargs="*",
        default=(),
        help="ablation: leave out features named with these prefixes",
    )
    ap.add_argument("--no-trees", action="store_true", help="the conditional logit alone")
    args = ap.parse_args()
    columns = RERANK_FEATURES if args.no_trees else (*RERANK_FEATURES, "trees")
    keep = np.array([not f.startswith(tuple(args.drop)) for f in columns]) if args.drop else None
    if keep is None and not args.no_trees:
        keep = np.array([f in SOFTMAX_COLUMNS for f in columns])
    if set(args.sets) & set(HELD_OUT):
        sys.exit("the held-out sets never train")
    bundle = load_catalog_dir(ROOT / "procedures_catalog")
    m = bundle.matcher
    if m.models is None:
        sys.exit("no first ranker: run scripts/train_matcher.py first")
    read = read_sets(m, args.sets)
    everything = read if args.no_trees else stacked(read)
    by_set = {name: [g for g in gs if g.ranked] for name, gs in everything.items()}
    for name, gs in by_set.items():
        print(f"{name}: {len(gs)} questions with a right and a wrong candidate in the top {TOP}")
    if args.cv:
        for name, gs in by_set.items():
            rest = [g for n, other in by_set.items() if n != name for g in other]
            model = fit(rest, keep=keep)
            gate = fit_gate(
                *regate_rows(model, [g for n, o in everything.items() if n != name for g in o])
            )
            print(
                f"left out {name}: first ranker {top1(None, gs)}; with the second {top1(model, gs)}"
                f"; second gate: {gate_effect(model, gate, everything[name])}"
            )
    if args.curve:
        names = list(by_set)
        for k in range(1, len(names)):
            test = names[-1]
            model = fit([g for n in names[:k] for g in by_set[n]], keep=keep)
            gs = by_set[test]
            print(f"trained on {k} set(s), {test}: {top1(model, gs)}")
    model = fit([g for gs in by_set.values() for g in gs], keep=keep)
    gate = fit_gate(*regate_rows(model, [g for gs in everything.values() for g in gs]))
    if args.dry_run or args.drop:
        return 0
    models = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    sets = [p.name for p in args.sets]
    model["meta"] = {"sets": sets, "C": C, "curated_share": CURATED_SHARE}
    if not args.no_trees:
        trees = fit_trees([g for gs in read.values() for g in gs if g.ranked])
        model["trees"] = export_trees(trees, TREE_FEATURES)
    gate["meta"] = {"sets": sets, "trees": GATE_TREES, "none_weight": NONE_WEIGHT}
    models["rerank"] = model
    models["regate"] = gate
    MODEL_PATH.write_text(
        json.dumps(models, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(
        f"wrote {MODEL_PATH.relative_to(ROOT)} (rerank: {len(model['coef'])} weights, "
        f"regate: {len(gate['trees'])} trees)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
