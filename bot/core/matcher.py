"""Rank catalogue procedures for a citizen's free-text question.

Method: every procedure (and every "not a procedure" topic) is a set of phrases — name,
aliases, keywords, English. A question and a phrase are compared as sets of accent-folded
syllables and syllable bigrams, weighted by rarity (IDF over entries). A phrase scores by
the weight it shares with the question times its coverage squared, so a long alias matched
whole beats a short one matched in part, and a stray shared word counts for little. An
inverted index yields the candidate phrases, so only a few hundred are scored even with
thousands of procedures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.lexicon import Lexicon, Speller
from bot.core.model import Catalog, Procedure
from bot.core.normalize import fold

ALIAS_WEIGHT = {"name": 1.0, "alias": 1.0, "english": 1.0, "keyword": 0.55}
MIN_SCORE = 2.2  # below this the question is about no procedure
CANDIDATE_BUDGET = 4000  # phrase postings read per question before common words only re-score
MIN_OPENERS = 2  # the rarest features always open candidates
IMPORTED_FACTOR = 0.8  # curated entries win ties against imported national records
BUNDLE_MEMBER_SHARE = 0.3  # a member counts as asked for at this share of the best member's score
BUNDLE_BONUS = 1.25
BUNDLE_FOLLOW = 0.55  # a top member's bundle is offered next at this share of its score
SECOND_ALIAS_SHARE = 0.1
POSITION_BONUS = 0.15
REQUEST_BONUS = 1.5  # "... giờ xin tiền mai táng ở đâu": what follows 'giờ', 'muốn', 'cần' is the request
WEAK_FACTOR = 0.5  # objects ("cần mang cccd") and implied concepts count half
UNI_SHARE = 0.5
MIN_STRONG = 3.0  # a phrase needs this much weight from words the citizen typed as the request  # coverage counts words and word pairs half and half: word order varies  # what a citizen names first is usually what they want done


@dataclass(frozen=True)
class Topic:
    """A 'not a procedure' topic: kind 'none' (chit-chat) or 'other' (uncovered procedure)."""

    id: str
    kind: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    score: float


@dataclass(frozen=True)
class Analysis:
    """What the matcher saw: rewritten tokens, the ranking, and the language guess."""

    tokens: tuple[str, ...]
    matches: tuple[Match, ...]
    english: bool
    topic: str = ""  # id of a winning not-a-procedure topic


@dataclass
class _Phrase:
    entry: int
    features: dict[str, float]
    total: float
    kind: str
    uni_total: float = 0.0
    text: str = ""


def _features(toks: Sequence[str], stop: frozenset[str]) -> dict[str, int]:
    """Syllables and syllable bigrams, each with the position where it first appears."""
    feats: dict[str, int] = {}
    for i, t in enumerate(toks):
        if t not in stop and len(t) > 1:
            feats.setdefault(t, i)
        if i and not (toks[i - 1] in stop and t in stop):
            feats.setdefault(f"{toks[i - 1]} {t}", i - 1)
    return feats


class Matcher:
    """Index over a catalogue; `match(text)` returns the best procedures, best first."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon, topics: Iterable[Topic] = ()) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.procs: list[Procedure] = list(catalog)
        self.topics: list[Topic] = list(topics)
        self._english_words: set[str] = set()
        raw = self._collect_phrases()
        self.speller = Speller(self._vocabulary(raw))
        self._build_index(raw)

    # ---- index -------------------------------------------------------------
    def _collect_phrases(self) -> list[tuple[int, str, list[str]]]:
        raw: list[tuple[int, str, list[str]]] = []
        for i, p in enumerate(self.procs):
            for kind, phrases in (("name", (p.name, p.official_name)), ("alias", p.aliases),
                                  ("keyword", p.keywords), ("english", p.english)):
                for phrase in phrases:
                    toks = fold(phrase).split()
                    if kind == "english":
                        self._english_words.update(toks)
                        toks = self.lexicon.rewrite_english(toks)
                    else:
                        toks = self.lexicon.rewrite(toks)
                    raw.append((i, kind, toks))
        base = len(self.procs)
        for j, topic in enumerate(self.topics):
            for phrase in topic.phrases:
                raw.append((base + j, "alias", self.lexicon.rewrite(fold(phrase).split())))
        return raw

    def _vocabulary(self, raw: list[tuple[int, str, list[str]]]) -> set[str]:
        vocab = {t for _, _, toks in raw for t in toks} | set(self.lexicon.stopwords)
        for key, val in self.lexicon.expand.items():
            vocab.update(key)
            vocab.update(val)
        vocab.update(self.lexicon.ambiguous)
        for p in self.procs:
            for doc in p.documents:
                vocab.update(fold(doc.name).split())
        return vocab

    def _build_index(self, raw: list[tuple[int, str, list[str]]]) -> None:
        stop = self.lexicon.stopwords
        n_entries = len(self.procs) + len(self.topics)
        per_entry: dict[int, set[str]] = defaultdict(set)
        feats_of = []
        for entry, kind, toks in raw:
            feats = set(_features(toks, self.lexicon.en_stopwords if kind == "english" else stop))
            feats_of.append(feats)
            per_entry[entry].update(feats)
        df: dict[str, int] = defaultdict(int)
        for feats in per_entry.values():
            for f in feats:
                df[f] += 1
        self.idf = {f: math.log(1 + n_entries / d) * (1.3 if " " in f else 1.0) for f, d in df.items()}
        self.phrases: list[_Phrase] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for (entry, kind, toks), feats in zip(raw, feats_of, strict=True):
            if not feats:
                continue
            weights = {f: self.idf[f] for f in feats}
            idx = len(self.phrases)
            uni = sum(w for f, w in weights.items() if " " not in f)
            self.phrases.append(_Phrase(entry, weights, sum(weights.values()), kind, uni, " ".join(toks)))
            for f in feats:
                self.postings[f].append(idx)

    # ---- query -------------------------------------------------------------
    def prepare(self, text: str) -> tuple[list[str], set[int], bool]:
        """Fold, repair typos, expand abbreviations, add concepts: (tokens, added positions, english)."""
        toks = fold(text).split()
        english = self._looks_english(toks)
        if english:  # English words are neither Vietnamese typos nor abbreviations
            toks, added = self.lexicon.add_concepts(toks, "en")
            return self.lexicon.rewrite_english(toks), added, True
        toks = self.lexicon.rewrite([self.speller.correct(t) for t in toks])
        toks, added = self.lexicon.add_concepts(toks, "vi")
        return toks, added, english

    def analyse(self, text: str, top: int = 3) -> Analysis:
        """Rank procedures for a question; empty matches when it is about none."""
        toks, added, english = self.prepare(text)
        qfeats = self._query_features(toks, added, english)
        scores = self._score(qfeats)
        return self._decide(tuple(toks), scores, top, english, qfeats)

    def _query_features(self, toks: list[str], added: set[int], english: bool) -> dict[str, tuple[float, bool]]:
        """(weight, strong) per query feature: earlier words weigh more; objects and things
        already done count half; implied concepts count but are never enough alone."""
        stop = self.lexicon.en_stopwords if english else self.lexicon.stopwords
        n = max(1, len(toks))
        weak = self.lexicon.object_positions(toks) | self.lexicon.done_positions(toks)
        asked = self.lexicon.request_positions(toks)
        return {f: ((1.0 + POSITION_BONUS * (1.0 - pos / n)) * (WEAK_FACTOR if pos in weak else 1.0)
                    * (REQUEST_BONUS if pos in asked else 1.0),
                    pos not in added and pos not in weak)
                for f, pos in _features(toks, stop).items()}

    def match(self, text: str, top: int = 3) -> list[Match]:
        return list(self.analyse(text, top).matches)

    def _score(self, qfeats: dict[str, tuple[float, bool]]) -> dict[int, float]:
        """Best phrase score per entry: shared weight x coverage^2 (+ a share of the next two)."""
        out: dict[int, float] = {}
        for entry, vals in self._phrase_scores(qfeats).items():
            vals.sort(reverse=True)
            out[entry] = vals[0][0] + SECOND_ALIAS_SHARE * sum(v for v, _ in vals[1:3])
        return out

    def _phrase_scores(self, qfeats: dict[str, tuple[float, bool]]) -> dict[int, list[tuple[float, int]]]:
        acc: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # boosted, plain, unigrams, strong
        # Rare features open candidates; once the budget is spent, common ones only add to them.
        order = sorted(qfeats, key=lambda f: -self.idf.get(f, 0.0))
        touched = 0
        for rank, f in enumerate(order):
            postings = self.postings.get(f, ())
            boost, strong = qfeats[f]
            uni = " " not in f
            if rank < MIN_OPENERS or touched + len(postings) <= CANDIDATE_BUDGET:
                touched += len(postings)
                for idx in postings:
                    self._add(acc[idx], self.phrases[idx].features[f], boost, uni, strong)
            else:
                for idx, sums in acc.items():
                    w = self.phrases[idx].features.get(f)
                    if w is not None:
                        self._add(sums, w, boost, uni, strong)
        best: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for idx, (boosted, plain, uni, strong) in acc.items():
            if strong < MIN_STRONG:  # implied concepts or objects alone never make a match
                continue
            ph = self.phrases[idx]
            cover = UNI_SHARE * uni / max(ph.uni_total, 1e-9) + (1 - UNI_SHARE) * plain / ph.total
            best[ph.entry].append((boosted * cover * cover * ALIAS_WEIGHT[ph.kind], idx))
        return best

    def explain(self, text: str, top: int = 5) -> list[str]:
        """Why the matcher ranks as it does: each entry's best phrases (for admins tuning aliases)."""
        toks, added, english = self.prepare(text)
        qfeats = self._query_features(toks, added, english)
        lines = [f"tokens: {' '.join(toks)}"]
        ranked = sorted(self._phrase_scores(qfeats).items(), key=lambda kv: -max(kv[1])[0])[:top]
        n = len(self.procs)
        for entry, vals in ranked:
            vals.sort(reverse=True)
            name = self.procs[entry].id if entry < n else f"(topic) {self.topics[entry - n].id}"
            lines.append(f"{name}: " + "; ".join(f"{v:.2f} [{self.phrases[i].text}]" for v, i in vals[:2]))
        return lines

    @staticmethod
    def _add(sums: list[float], w: float, boost: float, uni: bool, strong: bool) -> None:
        sums[0] += w * boost
        sums[1] += w
        if uni:
            sums[2] += w
        if strong:
            sums[3] += w

    def _decide(self, toks: tuple[str, ...], scores: dict[int, float], top: int, english: bool,
                qfeats: dict[str, tuple[float, bool]]) -> Analysis:
        n = len(self.procs)
        ranked: dict[str, float] = {}
        topic_best, topic_id, topic_kind = 0.0, "", ""
        for entry, s in scores.items():
            if entry >= n:
                if s > topic_best:
                    topic = self.topics[entry - n]
                    topic_best, topic_id, topic_kind = s, topic.id, topic.kind
                continue
            p = self.procs[entry]
            ranked[p.id] = s * (IMPORTED_FACTOR if p.imported else 1.0)
        self._apply_bundles(ranked, qfeats)
        order = sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))
        best = order[0][1] if order else 0.0
        if topic_best >= max(best, MIN_SCORE * 0.8):
            if topic_kind == "none":
                return Analysis(toks, (), english, topic_id)
            order = [(pid, s) for pid, s in order if self.catalog.procedures[pid].imported and s >= 0.8 * topic_best]
        order = [(pid, s) for pid, s in order if s >= MIN_SCORE]
        order = self._follow_bundles(order)
        matches = tuple(Match(pid, self.catalog.procedures[pid].name, round(s / (s + 6.0), 4)) for pid, s in order[:top])
        return Analysis(toks, matches, english, topic_id if not matches else "")

    def _apply_bundles(self, ranked: dict[str, float], qfeats: dict[str, tuple[float, bool]]) -> None:
        """A question that asks for two or more members of a bundle is about the whole bundle.
        Members count only on what the citizen asks for, not on what is already done."""
        candidates = [b for b in self.procs if b.is_bundle and sum(ranked.get(m, 0.0) >= MIN_SCORE for m in b.members) >= 2]
        if not candidates:
            return
        strong_scores = self._score({f: v for f, v in qfeats.items() if v[1]})
        strong = {self.procs[e].id: s for e, s in strong_scores.items() if e < len(self.procs)}
        for bundle in candidates:
            member = [strong.get(m, 0.0) for m in bundle.members]
            best = max(member)
            named = [s for s in member if s >= max(MIN_SCORE, BUNDLE_MEMBER_SHARE * best)]
            if len(named) >= 2:
                ranked[bundle.id] = max(ranked.get(bundle.id, 0.0), max(ranked.get(m, 0.0) for m in bundle.members)
                                        * BUNDLE_BONUS)

    def _follow_bundles(self, order: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Offer a top procedure's bundle right after it."""
        if not order:
            return order
        first = self.catalog.procedures[order[0][0]]
        present = {pid for pid, _ in order}
        extra = [(b, order[0][1] * BUNDLE_FOLLOW) for b in first.bundles if b not in present]
        if not extra:
            return order
        merged = order[:1] + extra + order[1:]
        return merged

    def _looks_english(self, toks: Sequence[str]) -> bool:
        if not toks:
            return False
        eng = sum(1 for t in toks if t in self._english_words or t in _EN_MARKERS)
        return eng >= max(2, 0.5 * len(toks))


_EN_MARKERS = frozenset(
    "the a an i my we our you your is are how what where when do does can need to of in for with and "
    "get have has please hello hi thanks want register certificate".split()
)
