"""Rank catalogue procedures for a citizen's free-text question.

Method: every procedure (and every "not a procedure" topic) is a set of phrases — name,
aliases, keywords, English. A question and a phrase are compared as sets of accent-folded
syllables and syllable pairs, weighted by rarity (IDF over entries). A phrase scores by the
weight it shares with the question times its coverage squared, so a long alias matched whole
beats a short one matched in part. The question's words are weighted first: what follows
"giờ", "muốn", "cần" is the request; what was "đã" done, or an object being "mang"/"photo",
counts half; concepts the lexicon implies (a Korean husband -> foreign element) help but never
make a match alone. See bot/core/index.py for the scoring itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.index import PhraseIndex, PhraseSpec
from bot.core.lexicon import Lexicon, Speller
from bot.core.model import Catalog, Procedure
from bot.core.normalize import clean, fold, strip_marks

KIND_WEIGHT = {"name": 1.0, "alias": 1.0, "english": 1.0, "keyword": 0.55}
MIN_SCORE = 2.2  # below this the question is about no procedure
IMPORTED_FACTOR = 0.8  # curated entries win ties against imported national records
BUNDLE_MEMBER_SHARE = 0.3  # a member counts as asked for at this share of the best member's score
BUNDLE_NAMED = 6.0  # ...or this score: a member named plainly, next to one named at length
BUNDLE_BONUS = 1.25
BUNDLE_FOLLOW = 0.55  # a top member's bundle is offered next at this share of its score
POSITION_BONUS = 0.15  # what a citizen names first weighs a little more
REQUEST_BONUS = 1.5  # "... giờ xin tiền mai táng ở đâu": what follows 'giờ', 'muốn', 'cần'
WEAK_FACTOR = 0.5  # objects ("cần mang cccd") and what is already done count half


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


QueryFeatures = dict[str, tuple[float, bool]]  # feature -> (weight, typed as the request)


def _features(toks: Sequence[str], stops: Sequence[bool]) -> dict[str, int]:
    """Syllables (not stopwords) and syllable pairs (not two stopwords), with first positions."""
    feats: dict[str, int] = {}
    for i, t in enumerate(toks):
        if not stops[i] and len(t) > 1:
            feats.setdefault(t, i)
        if i and not (stops[i - 1] and stops[i]):
            feats.setdefault(f"{toks[i - 1]} {t}", i - 1)
    return feats


@dataclass(frozen=True)
class Prepared:
    """A question ready to score: folded tokens, which are stopwords, which were implied."""

    tokens: list[str]
    stops: list[bool]
    added: set[int]
    english: bool


def _split(text: str) -> tuple[list[str], list[str], bool]:
    """(folded tokens, accented tokens, whether the text had accents at all)."""
    pairs = [(a, strip_marks(a)) for a in clean(text).split()]
    pairs = [(a, f) for a, f in pairs if f]
    return [f for _, f in pairs], [a for a, _ in pairs], any(a != f for a, f in pairs)


class Matcher:
    """Index over a catalogue; `match(text)` returns the best procedures, best first."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon, topics: Iterable[Topic] = ()) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.procs: list[Procedure] = list(catalog)
        self.topics: list[Topic] = list(topics)
        self._english_words: set[str] = set()
        self.bundles = [p for p in self.procs if p.is_bundle]
        self.folded_stop = self._unambiguous_stops()
        specs = self._phrases()
        self.speller = Speller(self._vocabulary(specs))
        self.index = PhraseIndex(specs, len(self.procs) + len(self.topics))

    # ---- index -------------------------------------------------------------
    def _unambiguous_stops(self) -> frozenset[str]:
        """Stopwords for text typed without accents: a folded stopword that is also the folded form
        of a catalogue word ('bạn'/'bản', 'đâu'/'đầu', 'sơ'/'sổ', 'thế'/'thẻ') does not count."""
        content: set[str] = set()
        for p in self.procs:
            for phrase in (p.name, p.official_name, *p.aliases, *p.keywords):
                content.update(
                    a for a in clean(phrase).split() if a not in self.lexicon.stop_accented
                )
        clashes = {strip_marks(a) for a in content}
        return frozenset(w for w in self.lexicon.stopwords if w not in clashes)

    def _stop_flags(
        self, toks: list[str], origin: list[int], acc: list[str | None], accented: bool
    ) -> list[bool]:
        """Decide stopwords on the accented word when known, else on the folded one."""
        flags = []
        for t, o in zip(toks, origin, strict=True):
            a = acc[o] if accented and o >= 0 else None
            flags.append(
                a in self.lexicon.stop_accented if a is not None else t in self.folded_stop
            )
        return flags

    def _phrases(self) -> list[PhraseSpec]:
        specs: list[PhraseSpec] = []
        for i, p in enumerate(self.procs):
            seen: set[tuple[str, ...]] = set()
            for kind, phrases in (
                ("name", (p.name, p.official_name)),
                ("alias", p.aliases),
                ("keyword", p.keywords),
                ("english", p.english),
            ):
                for phrase in phrases:
                    prep = self._phrase(phrase, kind)
                    if tuple(prep.tokens) not in seen:
                        seen.add(tuple(prep.tokens))
                        specs.extend(self._spec(i, kind, prep))
        base = len(self.procs)
        for j, topic in enumerate(self.topics):
            for phrase in topic.phrases:
                specs.extend(self._spec(base + j, "alias", self._phrase(phrase, "alias")))
        return specs

    def _phrase(self, phrase: str, kind: str) -> Prepared:
        if kind == "english":
            toks = fold(phrase).split()
            self._english_words.update(toks)
            toks = [
                t for t in self.lexicon.rewrite_english(toks) if t not in self.lexicon.en_stopwords
            ]
            return Prepared(toks, [False] * len(toks), set(), True)
        folded, acc, accented = _split(phrase)
        toks, origin = self.lexicon.rewrite_tracked(folded)
        return Prepared(toks, self._stop_flags(toks, origin, list(acc), accented), set(), False)

    def _spec(self, entry: int, kind: str, prep: Prepared) -> list[PhraseSpec]:
        feats = frozenset(_features(prep.tokens, prep.stops))
        return [PhraseSpec(entry, KIND_WEIGHT[kind], feats, " ".join(prep.tokens))] if feats else []

    def _vocabulary(self, specs: list[PhraseSpec]) -> set[str]:
        vocab = {t for s in specs for t in s.text.split()} | set(self.lexicon.stopwords)
        for key, val in self.lexicon.expand.items():
            vocab.update(key)
            vocab.update(val)
        vocab.update(self.lexicon.ambiguous)
        for p in self.procs:
            for doc in p.documents:
                vocab.update(fold(doc.name).split())
        return vocab

    # ---- query -------------------------------------------------------------
    def prepare(self, text: str) -> Prepared:
        """Fold, repair typos, expand abbreviations, add concepts, mark stopwords."""
        folded, acc, accented = _split(text)
        if self._looks_english(
            folded
        ):  # English words are neither Vietnamese typos nor abbreviations
            toks, added = self.lexicon.add_concepts(self.lexicon.rewrite_english(folded), "en")
            keep = [i for i, t in enumerate(toks) if t not in self.lexicon.en_stopwords]
            return Prepared(
                [toks[i] for i in keep],
                [False] * len(keep),
                {n for n, i in enumerate(keep) if i in added},
                True,
            )
        fixed = [self.speller.correct(t) for t in folded]
        known: list[str | None] = [
            a if f == c else None for a, f, c in zip(acc, folded, fixed, strict=True)
        ]
        toks, origin = self.lexicon.rewrite_tracked(fixed)
        toks, added, origin = self.lexicon.add_concepts_tracked(toks, origin, "vi")
        return Prepared(toks, self._stop_flags(toks, origin, known, accented), added, False)

    def query_features(self, prep: Prepared, done_is_weak: bool = True) -> QueryFeatures:
        """(weight, typed) per feature: position, request markers, objects and done things."""
        toks = prep.tokens
        n = max(1, len(toks))
        weak = self.lexicon.object_positions(toks)
        if done_is_weak:
            weak |= self.lexicon.done_positions(toks)
        asked = self.lexicon.request_positions(toks)
        return {
            f: (
                (1.0 + POSITION_BONUS * (1.0 - pos / n))
                * (WEAK_FACTOR if pos in weak else 1.0)
                * (REQUEST_BONUS if pos in asked else 1.0),
                pos not in prep.added and pos not in weak,
            )
            for f, pos in _features(toks, prep.stops).items()
        }

    def analyse(self, text: str, top: int = 3) -> Analysis:
        """Rank procedures for a question; empty matches when it is about none."""
        prep = self.prepare(text)
        qfeats = self.query_features(prep)
        scores, _ = self.index.score(qfeats)
        analysis = self._decide(tuple(prep.tokens), scores, top, prep.english, qfeats)
        if analysis.matches or analysis.topic:
            return analysis
        # Everything named is "already done" ("nộp hồ sơ kết hôn rồi, có phải lên UBND không"):
        # the question is still about that procedure.
        qfeats = self.query_features(prep, done_is_weak=False)
        scores, _ = self.index.score(qfeats)
        return self._decide(tuple(prep.tokens), scores, top, prep.english, qfeats)

    def match(self, text: str, top: int = 3) -> list[Match]:
        return list(self.analyse(text, top).matches)

    def explain(self, text: str, top: int = 5) -> list[str]:
        """Why the matcher ranks as it does: each entry's best phrase (for admins tuning aliases)."""
        prep = self.prepare(text)
        scores, best = self.index.score(self.query_features(prep))
        lines = [f"tokens: {' '.join(prep.tokens)}"]
        n = len(self.procs)
        for entry, s in sorted(scores.items(), key=lambda kv: -kv[1])[:top]:
            name = self.procs[entry].id if entry < n else f"(topic) {self.topics[entry - n].id}"
            lines.append(f"{name}: {s:.2f} [{self.index.texts[best[entry]]}]")
        return lines

    # ---- decision ----------------------------------------------------------
    def _decide(
        self,
        toks: tuple[str, ...],
        scores: dict[int, float],
        top: int,
        english: bool,
        qfeats: QueryFeatures,
    ) -> Analysis:
        n = len(self.procs)
        ranked: dict[str, float] = {}
        topic_best, topic_id, topic_kind = 0.0, "", ""
        for entry, s in scores.items():
            if entry < n:
                p = self.procs[entry]
                ranked[p.id] = s * (IMPORTED_FACTOR if p.imported else 1.0)
            elif s > topic_best:
                topic = self.topics[entry - n]
                topic_best, topic_id, topic_kind = s, topic.id, topic.kind
        self._apply_bundles(ranked, qfeats)
        order = sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))
        best = order[0][1] if order else 0.0
        if topic_best >= max(best, MIN_SCORE * 0.8):
            if topic_kind == "none":
                return Analysis(toks, (), english, topic_id)
            order = [
                (pid, s)
                for pid, s in order
                if self.catalog.procedures[pid].imported and s >= 0.8 * topic_best
            ]
        order = self._follow_bundles([(pid, s) for pid, s in order if s >= MIN_SCORE])
        matches = tuple(
            Match(pid, self.catalog.procedures[pid].name, round(s / (s + 6.0), 4))
            for pid, s in order[:top]
        )
        return Analysis(toks, matches, english, topic_id if not matches else "")

    def _apply_bundles(self, ranked: dict[str, float], qfeats: QueryFeatures) -> None:
        """A question that asks for two or more members of a bundle is about the whole bundle.
        Members count only on what the citizen asks for, not on what is already done."""
        bundles = [
            b for b in self.bundles if sum(ranked.get(m, 0.0) >= MIN_SCORE for m in b.members) >= 2
        ]
        if not bundles:
            return
        typed, _ = self.index.score({f: v for f, v in qfeats.items() if v[1]})
        strong = {self.procs[e].id: s for e, s in typed.items() if e < len(self.procs)}
        for bundle in bundles:
            member = [strong.get(m, 0.0) for m in bundle.members]
            bar = max(MIN_SCORE, min(BUNDLE_MEMBER_SHARE * max(member), BUNDLE_NAMED))
            named = [s for s in member if s >= bar]
            if len(named) >= 2:
                boosted = max(ranked.get(m, 0.0) for m in bundle.members) * BUNDLE_BONUS
                ranked[bundle.id] = max(ranked.get(bundle.id, 0.0), boosted)

    def _follow_bundles(self, order: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Offer a top procedure's bundle right after it."""
        if not order:
            return order
        present = {pid for pid, _ in order}
        first = self.catalog.procedures[order[0][0]]
        extra = [(b, order[0][1] * BUNDLE_FOLLOW) for b in first.bundles if b not in present]
        return order[:1] + extra + order[1:]

    def _looks_english(self, toks: Sequence[str]) -> bool:
        if not toks:
            return False
        eng = sum(1 for t in toks if t in self._english_words or t in _EN_MARKERS)
        return eng >= max(2, 0.5 * len(toks))


_EN_MARKERS = frozenset(
    [
        "the",
        "a",
        "an",
        "i",
        "my",
        "we",
        "our",
        "you",
        "your",
        "is",
        "are",
        "how",
        "what",
        "where",
        "when",
        "do",
        "does",
        "can",
        "need",
        "to",
        "of",
        "in",
        "for",
        "with",
        "and",
        "get",
        "have",
        "has",
        "please",
        "hello",
        "hi",
        "thanks",
        "want",
        "register",
        "certificate",
    ]
)
