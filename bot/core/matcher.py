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

import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from bot.core import qualifiers
from bot.core.index import BM25Index, CentroidIndex, PhraseIndex, PhraseSpec
from bot.core.lexicon import Lexicon, Speller
from bot.core.model import Catalog, Procedure
from bot.core.normalize import clean, clean_words, fold, fold_word, strip_marks
from bot.core.ranker import Models, sigmoid
from bot.core.translation import Names

KIND_WEIGHT = {"name": 1.0, "alias": 1.0, "english": 1.0, "keyword": 0.55}
MIN_SCORE = 2.2  # below this the question is about no procedure
ANSWER = 0.5  # gate P from which the matcher answers
UNSURE = 0.25  # gate P from which an unanswered message still counts as administrative
# ...or from this P when the first gate would answer and the second refuses (the two disagree: the
# conversation offers the likely procedures). Of such messages across four folds of the 56
# training sets (session 20), 23 labelled and 195 `none`: at any P 23 / 195 kept a choice list,
# from 0.05 18 / 79, from 0.1 15 / 45; "chào bạn", "hihi" score 0.01
DISAGREE = 0.05
# the conversation answers with the first match only when it is this many times as likely as the
# next (bot/core/actions.py): otherwise it offers both, as a clerk asks "which of these?"
CLEAR_LEAD = 1.8
# ...and when the second ranker's own probability of its first is under this many times its
# second's. Measured on the four sets blind to the session-16 model (sealed35-38, 2,400 labelled
# questions), by that ratio: under 1.8 top-1 0.66, the second right 0.62; 1.8-3 top-1 0.80, the
# second right 0.46 (5.6 % of the questions); 3-5 0.82 / 0.33; above 5 0.98 / 0.09. Where the second
# is right nearly half the time, a clerk asks
CLOSE_RATIO = 3.0
IMPORTED_FACTOR = 0.8  # curated entries win ties against imported national records
BUNDLE_MEMBER_SHARE = 0.3  # a member counts as asked for at this share of the best member's score
BUNDLE_NAMED = 6.0  # ...or this score: a member named plainly, next to one named at length
BUNDLE_BONUS = 1.25
BUNDLE_FOLLOW = 0.55  # a top member's bundle is offered next at this share of its score
POSITION_BONUS = 0.15  # what a citizen names first weighs a little more
REQUEST_BONUS = 1.5  # "... giờ xin tiền mai táng ở đâu": what follows 'giờ', 'muốn', 'cần'
WEAK_FACTOR = 0.5  # objects ("cần mang cccd") and what is already done count half
NEGATED_FACTOR = 0.1  # "không phải X": X is what the citizen does not want
# Candidates the learned ranker sees: the phrase index's best, BM25 over names, BM25 over the
# records' text (field, documents). Widths measured: wider adds cost, not recall (README).
CAND_PHRASE, CAND_NAME, CAND_TEXT, CAND_EXAMPLE, CAND_CENTROID = 12, 12, 5, 8, 8
CTX_DOCS = 6  # document names per entry in the text field
VOCAB_MIN_ENTRIES = 2  # a word of documents only is known to the speller from this many entries
RANK_FEATURES = (
    "ph_log",
    "ph_rel",
    "ph_rr",
    "bm_log",
    "bm_rel",
    "bm_rr",
    "cx_rel",
    "cx_rr",
    "ncov",
    "qcov",
    "curated",
    "bundle",
    "name_len",
    "topic_rel",
    "english_curated",
    "ex_log",
    "ex_rel",
    "ex_rr",
    "ex_has",
    "ex_cnt",
    "ex_sum_rel",
    "al_rel",
    "al_rr",
    "ce_cos",
    "ce_rel",
    "ce_rr",
    "province",
    "legacy_first",
    "legacy_listed",
    "legacy_curated",
)
GATE_FEATURES = (
    "top",
    "margin",
    "ph_max",
    "bm_max",
    "topic_none",
    "topic_other",
    "about",
    "ntok",
    "english",
    "top_ncov",
    "top_qcov",
    "known",
    "top_curated",
    "legacy_any",
    "legacy_none_topic",
    "ex_max",
    "neg_max",
    "ce_max",
    "ex_minus_neg",
)
# The second gate (ranker.Models.regate) reads the gate's features and its log-odds, the first
# ranker's confidence in its best, and the second ranker's: its probability for its first and
# how far its second falls behind (1 - second / first). Boosted trees learnt from the strangers'
# questions, it decides alone: it answers requests the first gate, taught by generated messages,
# found unusual ("… lên ở cùng mình ở trọ 6 tháng") and refuses messages about no procedure it
# answered ("Ăn gì để mau hồi sức sau khi bị sốt xuất huyết?", "chào bạn", "hihi").
REGATE_FEATURES = (*GATE_FEATURES, "gate", "first_p", "rerank_p", "rerank_margin")
# Until session 19 it read messages of 8 words or more only, the first gate deciding shorter ones
# alone. Across four folds of the 56 training sets (session 20), of messages under 8 words the
# first gate alone refused 6 the second ranker answers right and answered 35 `none`; the second
# gate deciding them too, 3 and 7 (from 2, 3, 5 words on: 4 / 18, 5 / 25, 5 / 27); on longer
# messages 52 and 190 (56 and 191 when it learnt from those alone)
# ...and it refuses what the first gate answers only below this P. Leave-one-set-out over the 48
# training sets (session 19): the first gate alone refused 198 of 29,698 questions the second
# ranker answers right and answered 318 of 2,500 `none`; adding answers only (a linear second
# gate, until session 18) 69 and 328; deciding alone, linear 94 and 211, boosted trees 85 and
# 164; the trees refusing what the first gate answers only below P 0.35: 70 and 183, **0.25: 58
# and 201** (README). Plain requests the strangers' sets hold few of stay answered ("Người thân
# vừa qua đời thì gia đình cần làm những thủ tục hành chính gì?": 0.33)
REGATE_REFUSE = 0.25
# Features the second ranker (ranker.Rerank) also reads × the message's length and × English: how
# much a long story or an English question may trust the centroid, the examples, the names
RERANK_INTERACT = ("ce_cos", "ce_rel", "ex_rel", "ph_rel", "bm_rel", "curated", "al_rel")
# ...and what tells siblings apart: the act the message asks for against the one a name states
# (bot/core/qualifiers.py: +0.003 to +0.011 leave-one-set-out top-1 on each of the six sets), and
# the record's level, which a citizen rarely names (the strangers' questions tell how often each
# level is meant). In the first ranker as well (retrained), they cost the older sets 0.003 on
# average and the holdout fixture 0.018 (README, session 10).
LEVELS = ("xa", "tinh", "bo")
# ...and, for a message of several sentences, how well each candidate answers its request sentence
# alone (the last one asking something: "… Xin giấy đó ở đâu?"): a story's context names other
# procedures' words (leave-one-set-out, session 11: stories +0.007 top-1, all +0.003)
REQUEST_COLUMNS = ("rq_has", "rq_bm_rel", "rq_al_rel", "rq_ce_cos", "rq_ce_rel", "rq_ncov")
# ...and how well each candidate's names explain the message's words through the word translation
# model (bot/core/translation.py), relative to the best of them: "bị cháy" for a name that says
# "bị cháy, bị mất", "embassy" for "cơ quan đại diện" (leave-one-set-out over sixteen sets,
# session 12: top-1 0.882 -> 0.896, English questions 0.781 -> 0.819; session 13, learnt from
# the training sets' questions as well and with every name a record goes by: 0.900 -> 0.912)
# ...and the same for a Vietnamese message's syllable pairs through a second model ("bị cháy" as
# one word: +0.006 leave-one-set-out over sixteen sets, session 13)
TRANSLATION_COLUMNS = ("tm_rel", "tm_pair_rel")
RERANK_FEATURES = (
    "s1",
    "s1_gap",
    "s1_rr",
    *RANK_FEATURES,
    *(f"{f}_x_len" for f in RERANK_INTERACT),
    *(f"{f}_x_en" for f in RERANK_INTERACT),
    *qualifiers.COLUMNS,
    *(f"level_{lv}" for lv in LEVELS),
    *REQUEST_COLUMNS,
    *TRANSLATION_COLUMNS,
)
_INTERACT_COLUMNS = [RANK_FEATURES.index(f) for f in RERANK_INTERACT]
LEGACY_COLUMNS = [
    RANK_FEATURES.index(f) for f in ("legacy_first", "legacy_listed", "legacy_curated")
]


@dataclass(frozen=True)
class Topic:
    """A 'not a procedure' topic: kind 'none' (chit-chat) or 'other' (uncovered procedure).
    `courtesy`: words said around a request (a greeting, thanks): the topic of a message that
    says nothing else, weightless in one that does (`Matcher.courtesy_positions`)."""

    id: str
    kind: str
    phrases: tuple[str, ...]
    courtesy: bool = False


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    score: float
    code: str = ""  # the national ma_thu_tuc (the first one for multi-code entries)


@dataclass(frozen=True)
class Analysis:
    """What the matcher saw: rewritten tokens, the ranking, and the language guess."""

    tokens: tuple[str, ...]
    matches: tuple[Match, ...]
    english: bool
    topic: str = ""  # id of a winning not-a-procedure topic
    administrative: bool = (
        False  # the message asks for an administrative thing (even with no match)
    )
    confidence: float = 0.0  # P(answer with a procedure), from the gate model
    # the gate judged the message administrative (P >= UNSURE) but not clearly about one of
    # these: the conversation may ask which one, it must not answer as if it were sure
    unsure: tuple[Match, ...] = ()
    # the learned ranker put a national record first where the curated entries' hand-written
    # aliases chose a curated one (kept second): two readings, the conversation asks which
    contested: bool = False
    # the second ranker's first two, when it holds them nearly equally likely (the first less
    # than CLOSE_RATIO times the second): the conversation asks which, whatever the scores shown
    close: tuple[str, ...] = ()


QueryFeatures = dict[str, tuple[float, bool]]  # feature -> (weight, typed as the request)


def _features(toks: Sequence[str], stops: Sequence[bool]) -> dict[str, int]:
    """Syllables (not stopwords) and syllable pairs (not two stopwords), with first positions."""
    feats: dict[str, int] = {}
    add = feats.setdefault
    prev, prev_stop = "", True
    for i, (t, stop) in enumerate(zip(toks, stops, strict=True)):
        if not stop and len(t) > 1:
            add(t, i)
        if i and not (prev_stop and stop):
            add(f"{prev} {t}", i - 1)
        prev, prev_stop = t, stop
    return feats


@dataclass(frozen=True)
class Prepared:
    """A question ready to score: folded tokens, which are stopwords, which were implied."""

    tokens: list[str]
    stops: list[bool]
    added: set[int]
    english: bool
    text: str = ""  # as typed
    typed: tuple[str | None, ...] = ()  # each token as typed with accents (None when unknown)
    quiet: frozenset[int] = frozenset()  # greetings and thanks around a request (weigh nothing)

    @cached_property
    def request(self) -> str:
        """The request sentence of a message of several sentences (else ""); read only when
        the second ranker reorders, never for the messages indexed at start-up."""
        return request_sentence(self.text)


PhraseMemo = dict[tuple[str, bool], Prepared]  # (phrase, read as English) -> prepared


@dataclass(frozen=True)
class Candidates:
    """What the retrievers found for one question: entry indexes, feature rows, the best topic."""

    ids: list[int]
    x: np.ndarray
    topic: tuple[str, str, float]  # (kind, id, score) of the best not-a-procedure topic
    about: float  # the aboutness model's logit
    bm_max: float
    ph_max: float
    ex_max: float
    neg_max: float
    legacy_any: bool = False  # the hand-weighted phrase ranking alone would answer
    legacy_none: bool = False  # ...or it saw a not-a-procedure topic win
    legacy: Analysis | None = None  # the hand-weighted phrase ranking's own answer
    # an uncovered-procedure topic (lexicon/not_procedures.yaml) beat every curated entry
    other_topic: bool = False
    ce_max: float = 0.0  # the best cosine with an entry's centroid

    @property
    def topic_id(self) -> str:
        return self.topic[1] if self.topic[0] == "none" else ""


def _ranks(scores: np.ndarray, of: np.ndarray) -> np.ndarray:
    """How many entries score strictly above each value of `of` (0 for the best). Counted
    against the few distinct values of `of`, not by sorting every entry's score (a third of
    the cost: 0.05 ms against 0.13 for 5,700 entries)."""
    values = np.unique(of)
    scores = scores[scores > values[0]]  # the rest are above none of them (most are 0)
    below = np.searchsorted(values, scores, side="left")  # per entry: how many values it beats
    at_least = np.bincount(below, minlength=values.size + 1)[::-1].cumsum()[::-1]
    out: np.ndarray = at_least[1:][np.searchsorted(values, of)]
    return out


def _best(scores: np.ndarray, k: int) -> list[int]:
    """The k entries that score highest above 0, best first; of equal scores, the first entries.
    Selected among the entries above 0 (a few hundred of 5,700)."""
    hit = np.flatnonzero(scores > 0)
    vals = scores[hit]
    if hit.size > k:
        kth = np.partition(vals, hit.size - k)[hit.size - k]  # the k-th highest score
        above = hit[vals > kth]
        hit = np.concatenate([above, hit[vals == kth][: k - above.size]])
        vals = scores[hit]
    out: list[int] = hit[np.argsort(-vals, kind="stable")].tolist()
    return out


def _without(doc_scores: np.ndarray, skip: Sequence[int]) -> np.ndarray:
    """Document scores with the `skip` documents set to 0 (a training message left out)."""
    if skip:
        doc_scores[list(skip)] = 0.0
    return doc_scores


def rerank_rows(
    x: np.ndarray, logits: np.ndarray, ntok: int, english: bool, siblings: np.ndarray
) -> np.ndarray:
    """The second ranker's features (RERANK_FEATURES) for candidates in the first ranker's order:
    its log-odds, the gap to its first, 1 / (1 + rank), the candidate's own features, some
    of them × log(1 + tokens) and × English, and what tells siblings apart (`siblings`: the
    qualifier columns and the record's level, one-hot)."""
    inter = x[:, _INTERACT_COLUMNS]
    return np.column_stack(
        [
            logits,
            logits - logits[0],
            1.0 / (1.0 + np.arange(len(logits))),
            x,
            inter * math.log1p(ntok),
            inter * float(english),
            siblings,
        ]
    )


def decided_gate(first: float, second: float) -> float:
    """The log-odds a long message is answered on: the second gate's, unless the first answers
    and the second doubts it only mildly (REGATE_REFUSE <= P < ANSWER), then the first's."""
    keep_first = first >= 0.0 and REGATE_REFUSE <= sigmoid(second) < ANSWER
    return first if keep_first else second


def regate_row(gate_x: np.ndarray, gate_logit: float, first_p: float, p2: np.ndarray) -> np.ndarray:
    """The second gate's features (REGATE_FEATURES); `p2`: the second ranker's probabilities."""
    top2 = np.sort(p2)[::-1][:2]
    margin = 1.0 - float(top2[1]) / float(top2[0]) if len(top2) > 1 else 1.0
    return np.concatenate([gate_x, [gate_logit, first_p, float(top2[0]), margin]])


def _log1p(values: np.ndarray) -> np.ndarray:
    """math.log1p per value: numpy's differs in the last bit, and the trees were fitted on these."""
    return np.fromiter(map(math.log1p, values), float, len(values))


def raw_odds(score: float) -> float:
    """A shown probability as odds: two matches' scores compare by their odds (CLEAR_LEAD)."""
    return score / max(1e-9, 1 - score)


def _shown(p: float) -> float:
    """A probability as shown: 4 decimals, never 0 or 1."""
    return min(max(round(p, 4), 0.0001), 0.9999)


# An imported record of one province lives in imported/<body>/ where the body's folder names the
# province: ubnd-tinh-dong-thap, ubnd-thanh-pho-ha-noi, so-xay-dung-tinh-quang-ngai.
PROVINCE_MARKERS = ("-tinh-", "-thanh-pho-")
# how citizens name a province other than by its name
PROVINCE_ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh"}


def _refines(name: str, other: str) -> bool:
    """`name` is `other` with a qualifier: 'Đăng ký kết hôn có yếu tố nước ngoài'."""
    a, b = name.lower(), other.lower()
    return len(a) > len(b) and a.startswith(b)


def province_of(p: Procedure) -> str:
    """The province (folded words) an imported record belongs to; '' for a nationwide one."""
    parts = p.source_file.replace("\\", "/").split("/")
    folder = "-" + parts[-2] if len(parts) > 1 else ""
    for marker in PROVINCE_MARKERS:
        if marker in folder:
            return folder.rsplit(marker, 1)[1].replace("-", " ")
    return ""


def _named_in(toks: Sequence[str], names: Iterable[str]) -> set[str]:
    """Which of `names` (folded words) the tokens contain as a run."""
    text = f" {' '.join(toks)} "
    return {n for n in names if f" {n} " in text}


_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\s*\n\s*")


def request_sentence(text: str) -> str:
    """The sentence of a longer message that asks (the last one with '?', else the last one);
    '' for a message of one sentence."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    if len(sentences) < 2:
        return ""
    asking = [s for s in sentences if "?" in s]
    return (asking or sentences)[-1]


def _split(text: str) -> tuple[list[str], list[str], bool]:
    """(folded tokens, accented tokens, whether the text had accents at all)."""
    typed = clean_words(text)
    folded = list(map(fold_word, typed))
    if not all(folded):  # a word of marks only
        typed = [a for a, f in zip(typed, folded, strict=True) if f]
        folded = [f for f in folded if f]
    return folded, typed, folded != typed


class Matcher:
    """Index over a catalogue; `match(text)` returns the best procedures, best first."""

    def __init__(
        self,
        catalog: Catalog,
        lexicon: Lexicon,
        topics: Iterable[Topic] = (),
        models: Models | None = None,
    ) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.procs: list[Procedure] = list(catalog)
        self.topics: list[Topic] = list(topics)
        self._english_words: set[str] = set()
        self.bundles = [p for p in self.procs if p.is_bundle]
        self.folded_stop = self._unambiguous_stops()
        memo: PhraseMemo = {}  # each phrase prepared once while indexing, then let go
        specs = self._phrases(memo)
        self.speller = Speller(self._vocabulary(specs))
        self.index = PhraseIndex(specs, len(self.procs) + len(self.topics))
        self.models = models
        self._build_retrieval(memo)
        # the last answer: the conversation layer and the action it hands a message to ask
        # about the same text in one turn, and pay for it once
        self._last: tuple[str, int, Models | None, Analysis] | None = None

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
        folded, accented_stops = self.folded_stop, self.lexicon.stop_accented
        if not accented:
            return [t in folded for t in toks]
        return [
            a in accented_stops if o >= 0 and (a := acc[o]) is not None else t in folded
            for t, o in zip(toks, origin, strict=True)
        ]

    def _phrases(self, memo: PhraseMemo) -> list[PhraseSpec]:
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
                    prep = self._phrase(phrase, kind, memo)
                    if tuple(prep.tokens) not in seen:
                        seen.add(tuple(prep.tokens))
                        specs.extend(self._spec(i, kind, prep))
        base = len(self.procs)
        for j, topic in enumerate(self.topics):
            for phrase in topic.phrases:
                specs.extend(self._spec(base + j, "alias", self._phrase(phrase, "alias", memo)))
        return specs

    def _phrase(self, phrase: str, kind: str, memo: PhraseMemo) -> Prepared:
        """A catalogue phrase prepared to index (an English name as English), or as `memo`
        holds it: names, aliases and document names are read by several indexes."""
        key = (phrase, kind == "english")
        if (prep := memo.get(key)) is None:
            prep = memo[key] = self._prepare_phrase(phrase, kind == "english")
        return prep

    def _prepare_phrase(self, phrase: str, english: bool) -> Prepared:
        """Fold a phrase and expand its abbreviations (no typo repair: catalogue text is right)."""
        if english:
            toks = fold(phrase).split()
            # not the Vietnamese words an English name quotes: "birth certificate (giấy chứng sinh)"
            folded, typed, _ = _split(phrase)
            self._english_words.update(f for f, a in zip(folded, typed, strict=True) if f == a)
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
        # a word only documents use counts when two entries' documents use it: the portal's
        # document lists hold typos ("chính sách như thuơn…"), and a typo in the vocabulary is
        # never repaired ("đăng ký thườn trú" stayed 'thuon')
        words = {n: fold(n).split() for n in {d.name for p in self.procs for d in p.documents}}
        in_docs = Counter(
            w for p in self.procs for w in {w for d in p.documents for w in words[d.name]}
        )
        vocab.update(w for w, n in in_docs.items() if n >= VOCAB_MIN_ENTRIES)
        return vocab

    # ---- query -------------------------------------------------------------
    def rarity(self, word: str) -> float:
        """How rare a folded word is among the procedures' names (its idf; a word no name uses
        is rarest): "adn" 7.7, "tuổi" 5.7, "nhận" 1.1."""
        return self.names_bm25.idf.get(word, math.inf)

    def prepare(self, text: str) -> Prepared:
        """Fold, repair typos, expand abbreviations, add concepts, mark stopwords and the
        courtesy around a request."""
        prep = self._prepare(text)
        quiet = self.courtesy_positions(prep)
        return replace(prep, quiet=frozenset(quiet)) if quiet else prep

    def _prepare(self, text: str) -> Prepared:
        folded, acc, accented = _split(text)
        if self._looks_english(folded, acc):  # English words are neither typos nor abbreviations
            toks, added = self.lexicon.add_concepts(self.lexicon.rewrite_english(folded), "en")
            keep = [i for i, t in enumerate(toks) if t not in self.lexicon.en_stopwords]
            return Prepared(
                [toks[i] for i in keep],
                [False] * len(keep),
                {n for n, i in enumerate(keep) if i in added},
                True,
                text,
            )
        vocab, correct = self.speller.vocab, self.speller.correct
        fixed = [t if t in vocab else correct(t) for t in folded]  # most words are known
        known: list[str | None] = [
            a if f == c else None for a, f, c in zip(acc, folded, fixed, strict=True)
        ]
        toks, origin = self.lexicon.rewrite_tracked(fixed)
        toks, added, origin = self.lexicon.add_concepts_tracked(toks, origin, "vi", known)
        stops = self._stop_flags(toks, origin, known, accented)
        typed = tuple([known[o] if accented and o >= 0 else None for o in origin])
        return Prepared(toks, stops, added, False, text, typed)

    def query_features(self, prep: Prepared, done_is_weak: bool = True) -> QueryFeatures:
        """(weight, typed) per feature: position, request markers, objects and done things."""
        toks = prep.tokens
        n = max(1, len(toks))
        weak = self.lexicon.object_positions(toks)
        if done_is_weak:
            weak |= self.lexicon.done_positions(toks)
        asked = self.lexicon.request_positions(toks)
        denied = self.lexicon.negated_positions(toks, prep.typed)
        return {
            f: (
                (1.0 + POSITION_BONUS * (1.0 - pos / n))
                * (WEAK_FACTOR if pos in weak else 1.0)
                * (REQUEST_BONUS if pos in asked else 1.0)
                * (NEGATED_FACTOR if pos in denied else 1.0),
                pos not in prep.added and pos not in weak and pos not in denied,
            )
            for f, pos in _features(toks, prep.stops).items()
            if pos not in prep.quiet
        }

    @cached_property
    def _courtesy(self) -> list[tuple[tuple[str, ...], tuple[str | None, ...]]]:
        """Each courtesy phrase as tokens (read as Vietnamese and as English) with their accents."""
        out = []
        for topic in self.topics:
            for phrase in topic.phrases if topic.courtesy else ():
                folded, acc, accented = _split(phrase)
                toks, origin = self.lexicon.rewrite_tracked(folded)
                out.append((tuple(toks), tuple(acc[o] if o >= 0 else None for o in origin)))
                if not accented:  # "thank you" in an English message, read as English
                    en = self.lexicon.rewrite_english(folded)
                    en = [t for t in en if t not in self.lexicon.en_stopwords]
                    out.append((tuple(en), (None,) * len(en)))
        return [c for c in out if c[0]]

    @cached_property
    def _courtesy_starts(self) -> frozenset[str]:
        return frozenset(words[0] for words, _ in self._courtesy)

    def courtesy_positions(self, prep: Prepared) -> set[int]:
        """Where a message greets or thanks ("chào ad,", "cảm ơn"), when it also says at least two
        more words that are not stopwords: those words weigh nothing ("chào ad, e muốn đăng ký
        tạm trú" is about residence, not a greeting). Typed with accents, they must be the
        courtesy's own ("chào bán" offers shares)."""
        toks, typed = prep.tokens, prep.typed
        if self._courtesy_starts.isdisjoint(toks):  # most messages: no greeting, no thanks
            return set()
        starts = [i for i, t in enumerate(toks) if t in self._courtesy_starts]
        found: set[int] = set()
        for words, accents in self._courtesy:
            k = len(words)
            for i in starts:
                if tuple(toks[i : i + k]) == words and all(
                    a is None or i + j >= len(typed) or typed[i + j] in (None, a)
                    for j, a in enumerate(accents)
                ):
                    found.update(range(i, i + k))
        said = sum(1 for i, st in enumerate(prep.stops) if not st and i not in found)
        return found if said >= 2 else set()

    def analyse(self, text: str, top: int = 3) -> Analysis:
        """Rank procedures for a question; empty matches when it is about none."""
        last = self._last
        if last is not None and last[:2] == (text, top) and last[2] is self.models:
            return last[3]
        analysis = self._analyse(text, top)
        self._last = (text, top, self.models, analysis)
        return analysis

    def _analyse(self, text: str, top: int) -> Analysis:
        prep = self.prepare(text)
        if self.models is None:
            return self._legacy(prep, top)
        cs = self.candidates(prep)
        if not cs.ids:
            about = sigmoid(self.models.about.logit(self.bag(prep)))
            return Analysis(tuple(prep.tokens), (), prep.english, cs.topic_id, about >= 0.5, 0.0)
        logits = self.models.ranker.logit(cs.x)
        order = np.argsort(-logits, kind="stable")
        gate_x = self.gate_features(prep, cs, logits, order)
        gate_logit = float(self.models.gate.logit(gate_x))
        best = sigmoid(float(logits[order[0]]))  # the first ranker's confidence in its best
        order, probs, p2 = self.reranked(prep, cs, logits, order)
        regate = self.models.regate
        # the first gate would answer: if the second refuses, but not surely (DISAGREE), the
        # conversation still offers the likely procedures (a clerk asks), `match` answers nothing
        first_answers = gate_logit >= 0.0
        if regate is not None:
            second = float(regate.logit(regate_row(gate_x, gate_logit, best, p2)))
            gate_logit = decided_gate(gate_logit, second)
        gate = sigmoid(gate_logit)
        about = sigmoid(cs.about)
        aliases = cs.legacy.matches if cs.legacy is not None else ()
        lead = (
            aliases[0]
            if aliases and not self.procs[self.entry_of[aliases[0].id]].imported
            else None
        )
        # Cascade: the ranker's first is the aliases' curated choice, or the aliases chose the
        # same procedure with a qualifier ("... có yếu tố nước ngoài": the lexicon's concepts, a
        # Korean husband, weigh in the aliases). Keep the aliases' ranking and the scores the
        # conversation's choice list was built on. Otherwise the ranker wins: where the two
        # disagreed on the older blind and sealed sets, the aliases were right 49 times and
        # the ranker 100 times (README, session 9).
        first = self.procs[cs.ids[order[0]]]
        cascade = lead is not None and (first.id == lead.id or _refines(lead.name, first.name))
        # The gates alone decide (README, session 21: a floor on the first ranker's own
        # probability, set before there was a second gate, left right answers unanswered)
        if gate < ANSWER:
            unsure = gate >= UNSURE or (first_answers and gate >= DISAGREE)
            return Analysis(
                tuple(prep.tokens),
                (),
                prep.english,
                cs.topic_id,
                about >= 0.5 or unsure,
                gate,
                self._top_matches(cs, probs, order, top) if unsure else (),
            )
        close = self._close_pair(prep, cs, order, p2)
        if cascade:
            return Analysis(
                tuple(prep.tokens), aliases[:top], prep.english, "", True, gate, close=close
            )
        matches = self._top_matches(cs, probs, order, top + 1)
        if lead is not None:
            # The ranker, which sees the aliases' choice as a feature, put another procedure
            # first: it overruled them on evidence they lack (written examples, the names of the
            # whole catalogue). The aliases' curated choice stays second, with the ranker's own
            # score (one scale in one list: CLEAR_LEAD compares them), so a choice list offers
            # it; a national record first makes the two readings contested (the citizen picks).
            k = self.entry_of[lead.id]
            score = float(probs[cs.ids.index(k)]) if k in cs.ids else lead.score
            rest = [m for m in matches[1:] if m.id != lead.id]
            matches = (*matches[:1], replace(lead, score=_shown(score)), *rest)
        return Analysis(
            tuple(prep.tokens),
            matches[:top],
            prep.english,
            "",
            True,
            gate,
            contested=lead is not None and top > 1 and first.imported,
            close=close,
        )

    def _close_pair(
        self, prep: Prepared, cs: Candidates, order: np.ndarray, p2: np.ndarray
    ) -> tuple[str, ...]:
        """Two candidates the conversation should ask between: the first two when the second
        ranker's probabilities (of one of them being right) are within CLOSE_RATIO of each other,
        else the first and its plain sibling (`_unstated_property`); else ()."""
        if p2.size < 2:
            return ()
        second, first = np.sort(p2)[-2:]
        if first < CLOSE_RATIO * second:
            return tuple(self.procs[cs.ids[k]].id for k in order[:2])
        return self._unstated_property(prep, cs, order[: p2.size])

    def _unstated_property(
        self, prep: Prepared, cs: Candidates, head: np.ndarray
    ) -> tuple[str, ...]:
        """The first candidate and its plain sibling among the `head` when the first states a
        property the message does not: a foreign element nobody mentioned is asked about, not
        assumed; else ()."""
        top = cs.ids[head[0]]
        plain = self.plain_of.get(top)
        if plain is None:
            return ()
        if not (self.stated[top] & self.lexicon.qualifiers.properties) - self._asked(prep):
            return ()
        sibling = next((cs.ids[k] for k in head[1:] if self.copy_of[cs.ids[k]] == plain), None)
        return () if sibling is None else (self.procs[top].id, self.procs[sibling].id)

    def adds_unstated(self, text: str, plain_id: str, other_id: str) -> bool:
        """Whether `other_id` is `plain_id`'s sibling that states a property (a foreign element,
        abroad) the message does not ask about: "khai sinh cho con" says nothing foreign."""
        e, k = self.entry_of.get(other_id), self.entry_of.get(plain_id)
        if e is None or k is None or self.plain_of.get(e) != self.copy_of[k]:
            return False
        props = self.stated[e] & self.lexicon.qualifiers.properties
        return bool(props - self._asked(self.prepare(text)))

    def act_settles(self, text: str, first_id: str, other_id: str) -> bool:
        """Whether the act the message asks for ("ghi sai … muốn sửa lại": a change) is one that
        `first_id`'s name states and `other_id`'s does not ("Đăng ký thay đổi, cải chính …"
        against "Đăng ký khai sinh"): the two are then no choice to offer."""
        e, k = self.entry_of.get(first_id), self.entry_of.get(other_id)
        if e is None or k is None:
            return False
        props = self.lexicon.qualifiers.properties
        asked = self._asked(self.prepare(text)) - props
        first, other = self.stated[e] - props, self.stated[k] - props
        return bool(asked & first) and not asked & (other or {qualifiers.IMPLIED})

    def reranked(
        self, prep: Prepared, cs: Candidates, logits: np.ndarray, order: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidates' order and shown probabilities: the first ranker's, or, with a second
        ranker, its order over the first ranker's best (the rest follow). The second ranker's
        probabilities are relative (one of these is right): shown, they keep its ratios and the
        first ranker's confidence in its best, so a message about nothing in particular does not
        look certain of the least bad candidate. Third: the second ranker's own probabilities
        (one candidate, certain, without one)."""
        probs = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
        rerank = self.models.rerank if self.models else None
        if rerank is None or len(order) < 2:
            return order, probs, np.ones(1)
        head = order[: rerank.top]
        p2 = rerank.probabilities(self.rerank_input(prep, cs, logits, head))
        probs[head] = probs[order[0]] * p2 / p2.max()
        new_order = np.concatenate([head[np.argsort(-p2, kind="stable")], order[rerank.top :]])
        return self._named_copy_first(prep, cs, new_order, probs), probs, p2

    def _named_copy_first(
        self, prep: Prepared, cs: Candidates, order: np.ndarray, probs: np.ndarray
    ) -> np.ndarray:
        """When the first candidate is one copy of a procedure copied per province and the message
        names a province whose copy is among the candidates, that copy comes first (the two swap
        their shown scores). The second ranker barely learns this: the strangers' sets accept
        every copy of a land procedure."""
        named = {self.province_names[a] for a in _named_in(prep.tokens, self.province_names)}
        first = cs.ids[order[0]]
        if not named or self.province[first] in named:
            return order
        key = self.copy_of[first]
        for pos, k in enumerate(order[1:], start=1):
            e = cs.ids[k]
            if self.copy_of[e] == key and self.province[e] in named:
                probs[k], probs[order[0]] = probs[order[0]], probs[k]
                return np.concatenate([order[pos : pos + 1], order[:pos], order[pos + 1 :]])
        return order

    def rerank_input(
        self, prep: Prepared, cs: Candidates, logits: np.ndarray, head: np.ndarray
    ) -> np.ndarray:
        """The second ranker's rows for the candidates `head` (indexes into `cs`), in order."""
        entries = [cs.ids[k] for k in head]
        siblings = np.column_stack(
            [
                self._qualifier_columns(prep, entries),
                self.levels[entries],
                self._request_columns(prep.request, entries),
                self._translation_columns(prep, entries),
            ]
        )
        return rerank_rows(cs.x[head], logits[head], len(prep.tokens), prep.english, siblings)

    def _translation_columns(self, prep: Prepared, entries: list[int]) -> np.ndarray:
        """TRANSLATION_COLUMNS: each translation model's score of each candidate's names for the
        message's syllables, then for its syllable pairs, minus the best; zeros without one. The
        pairs of an English message are English word pairs, learnt mostly from foreigners'
        messages: they tied "register my baby's birth" to the foreign-element records."""
        m = self.models
        cols = []
        for model, pairs in (
            (m.translation if m else None, False),
            (m.pair_translation if m else None, True),
        ):
            if model is None or (pairs and prep.english):
                cols.append(np.zeros(len(entries)))
                continue
            read = self.translation_names[pairs]
            names = (
                [read[e] for e in entries]
                if read is not None and read.model is model
                else [model.name(self.name_units(e)) for e in entries]  # a model swapped in
            )
            scores = model.scores_of(self.translation_words(prep, pairs), names)
            cols.append(scores - scores.max())
        return np.column_stack(cols)

    def translation_words(self, prep: Prepared, pairs: bool = False) -> list[str]:
        """What a word translation model reads of a message: its syllables (not stopwords), or
        (`pairs`) its syllable pairs."""
        return [f for f in _features(prep.tokens, prep.stops) if (" " in f) == pairs]

    def name_units(self, entry: int) -> list[str]:
        """...and of an entry: the syllable pairs of every name it goes by (official, aliases,
        keywords, English names)."""
        return list(self.alias_units[entry])

    def _request_columns(self, request: str, entries: list[int]) -> np.ndarray:
        """REQUEST_COLUMNS: the request sentence alone against each candidate's names, aliases and
        messages (relative to the best entry of the catalogue) and the share of its name's weight
        the sentence names; zeros for a message of one sentence."""
        out = np.zeros((len(entries), len(REQUEST_COLUMNS)))
        if not request:
            return out
        qfeats = self.query_features(self.prepare(request))
        bmq = {f: w for f, (w, _) in qfeats.items()}
        idx = np.array(entries)
        strong = {f for f, (w, _) in qfeats.items() if w > NEGATED_FACTOR * 2}
        idf = self.names_bm25.idf
        out[:, 0] = 1.0
        for col, scores in (
            (1, self.names_bm25.score(bmq)),
            (2, self.al_bm25.score(bmq)),
            (4, self.centroids.score(bmq)),
        ):
            best = float(scores.max())
            out[:, col] = scores[idx] / best if best > 0 else 0.0
            if col == 4:
                out[:, 3] = scores[idx]
        out[:, 5] = [
            sum(idf.get(f, 0.0) for f in self.name_feats[e] if f in strong) / self.name_idf[e]
            for e in entries
        ]
        return out

    def _top_matches(
        self, cs: Candidates, probs: np.ndarray, order: np.ndarray, top: int
    ) -> tuple[Match, ...]:
        # An uncovered-procedure topic won: the bot must not claim a curated entry (the admins' rule
        # in not_procedures.yaml); a national record may still answer.
        ranked = [
            (self.procs[cs.ids[k]].id, float(probs[k]))
            for k in order
            if not (cs.other_topic and not self.procs[cs.ids[k]].imported)
        ]
        return tuple(
            Match(
                pid,
                self.catalog.procedures[pid].name,
                _shown(sc),
                self.catalog.procedures[pid].code,
            )
            for pid, sc in self._follow_bundles(ranked)[:top]
        )

    def _legacy(self, prep: Prepared, top: int) -> Analysis:
        """The hand-weighted phrase ranking alone (no learned model loaded)."""
        qfeats = self.query_features(prep)
        scores, _ = self.index.score(qfeats)
        analysis = self._decide(
            tuple(prep.tokens), self._phrase_ranking(scores, qfeats), top, prep.english
        )
        if analysis.matches or analysis.topic:
            return analysis
        # Everything named is "already done" ("nộp hồ sơ kết hôn rồi, có phải lên UBND không"):
        # the question is still about that procedure.
        qfeats = self.query_features(prep, done_is_weak=False)
        scores, _ = self.index.score(qfeats)
        return self._decide(
            tuple(prep.tokens), self._phrase_ranking(scores, qfeats), top, prep.english
        )

    # ---- retrieval and features (the learned ranker's inputs) ----------------
    def _build_retrieval(self, memo: PhraseMemo) -> None:
        """BM25 over each entry's names, and over its field and document names; name feature sets."""
        names: list[list[str]] = []
        texts: list[list[str]] = []
        for p in self.procs:
            doc: list[str] = []
            for phrase in dict.fromkeys((p.name, p.official_name)):
                prep = self._phrase(phrase, "name", memo)
                doc.extend(_features(prep.tokens, prep.stops))
            names.append(doc)
            ctx: list[str] = []
            for phrase in (p.field, *(d.name for d in p.documents[:CTX_DOCS])):
                prep = self._phrase(phrase, "name", memo)
                ctx.extend(
                    f for f in _features(prep.tokens, prep.stops) if " " not in f
                )  # words: pairs add size, not rank
            texts.append(ctx)
        self.names_bm25 = BM25Index(names)
        self.text_bm25 = BM25Index(texts, keep_idf=False)
        self._build_written(names, memo)
        # tuples, not frozensets: only iterated, and 5,700 frozensets held ~12 MB per worker
        self.name_feats = [tuple(dict.fromkeys(d)) for d in names]
        self.name_idf = [
            sum(self.names_bm25.idf.get(f, 0.0) for f in nf) or 1.0 for nf in self.name_feats
        ]
        self.name_len = np.array(
            [math.log1p(len([f for f in d if " " not in f])) for d in self.name_feats]
        )
        self.curated = np.array([0.0 if p.imported else 1.0 for p in self.procs])
        self.stated = [self.lexicon.qualifiers.of_name(p.name, p.official_name) for p in self.procs]
        self.levels = np.array([[float(p.level == lv) for lv in LEVELS] for p in self.procs])
        self.is_bundle = np.array([1.0 if p.is_bundle else 0.0 for p in self.procs])
        self.entry_of = {p.id: i for i, p in enumerate(self.procs)}
        self.province = [province_of(p) for p in self.procs]
        # copies of one procedure (a land procedure per province, beside the ministry's): one key
        self.copy_of = [fold(p.name).strip(" .") for p in self.procs]
        # a record that states a property (a foreign element, abroad): its plain sibling's name
        self.plain_of = {
            i: self.lexicon.qualifiers.plain(p.name)
            for i, p in enumerate(self.procs)
            if self.stated[i] & self.lexicon.qualifiers.properties
        }
        self.province_names = {n: n for n in self.province if n} | {
            a: n for a, n in PROVINCE_ALIASES.items() if n in self.province
        }
        self.vocab = (
            frozenset(t for d in self.name_feats for f in d for t in f.split())
            | self.index.vocab_words()
        )

    def _build_written(self, names: list[list[str]], memo: PhraseMemo) -> None:
        """BM25 over the messages people wrote: every example question and every non-request
        (one document each, prepared as a question is); and over every entry's names with its
        aliases, keywords and English names (one document per entry). The centroid of each
        entry's messages and names."""
        examples = [q for p in self.procs for q in p.examples]
        # a message written for several entries (4 % of them) is prepared once
        written = {q: self._message_doc(q) for q in dict.fromkeys(examples)}
        docs = [written[q] for q in examples]
        self.ex_bm25 = BM25Index(docs, keep_idf=False)
        # documents are in entry order: each entry's examples are one contiguous block
        counts = np.array([len(p.examples) for p in self.procs])
        owner = np.repeat(np.arange(len(self.procs)), counts)
        self.centroids = CentroidIndex(
            docs + names, [*owner.tolist(), *range(len(self.procs))], len(self.procs)
        )
        self.ex_has = (counts > 0).astype(float)
        self.ex_cnt = np.log1p(counts)
        self.ex_with = np.flatnonzero(counts)
        self.ex_starts = (np.cumsum(counts) - counts)[self.ex_with]
        self.neg_bm25 = BM25Index(
            [self._message_doc(q) for q in self.lexicon.non_requests], keep_idf=False
        )
        alias_docs = [self._alias_doc(p, memo) for p in self.procs]
        self.al_bm25 = BM25Index(alias_docs, keep_idf=False)
        # the translation model's units: the syllable pairs of every name an entry goes by
        # (interned: the same pair in many entries is one string)
        self.alias_units = [
            tuple(dict.fromkeys(sys.intern(f) for f in d if " " in f)) for d in alias_docs
        ]
        m = self.models
        self.translation_names = tuple(
            Names.of(t, self.alias_units) if t is not None else None
            for t in ((m.translation, m.pair_translation) if m else (None, None))
        )

    def _own_messages(self, skip: Sequence[int]) -> list[tuple[int, list[str]]]:
        """(entry, features) of the example documents `skip` (a training message left out)."""
        out = []
        for k in skip:
            j = int(np.searchsorted(self.ex_starts, k, side="right")) - 1
            e = int(self.ex_with[j])
            out.append((e, self._message_doc(self.procs[e].examples[k - int(self.ex_starts[j])])))
        return out

    def _message_doc(self, text: str) -> list[str]:
        prep = self.prepare(text)
        return list(_features(prep.tokens, prep.stops))

    def _alias_doc(self, p: Procedure, memo: PhraseMemo) -> list[str]:
        doc: list[str] = []
        for kind, phrases in (("name", (p.name, *p.aliases, *p.keywords)), ("english", p.english)):
            for phrase in dict.fromkeys(phrases):
                prep = self._phrase(phrase, kind, memo)
                doc.extend(_features(prep.tokens, prep.stops))
        return doc

    def example_scores(
        self, bmq: dict[str, float], skip: Sequence[int] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per entry, the best BM25 score of one of its example questions, and the sum over all
        of them (evidence from several paraphrases, not one lucky neighbour). `skip`: documents
        left out, so a training question is not scored against itself."""
        best, total = np.zeros(len(self.procs)), np.zeros(len(self.procs))
        if self.ex_bm25.size:
            doc = _without(self.ex_bm25.score(bmq), skip)
            best[self.ex_with] = np.maximum.reduceat(doc, self.ex_starts)
            total[self.ex_with] = np.add.reduceat(doc, self.ex_starts)
        return best, total

    def non_request_score(self, bmq: dict[str, float], skip: Sequence[int] = ()) -> float:
        """The best BM25 score of a known message that asks for no procedure."""
        if not self.neg_bm25.size:
            return 0.0
        return float(_without(self.neg_bm25.score(bmq), skip).max())

    def bag(self, prep: Prepared) -> list[str]:
        """The words of a message for the aboutness model: syllables and syllable pairs, without
        the courtesy around a request."""
        toks = [t for i, t in enumerate(prep.tokens) if i not in prep.quiet]
        return [*toks, *(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))]

    def candidates(
        self, prep: Prepared, skip_example: Sequence[int] = (), skip_non: Sequence[int] = ()
    ) -> Candidates:
        """Candidates from the five retrievers, with one feature row each."""
        qfeats = self.query_features(prep)
        scores, _ = self.index.score(qfeats)
        ranked, topic = aliases_own = self._phrase_ranking(scores, qfeats)
        if not ranked or max(ranked.values()) < MIN_SCORE:  # everything named was "already done"
            qfeats2 = self.query_features(prep, done_is_weak=False)
            scores2, _ = self.index.score(qfeats2)
            ranked2, topic2 = self._phrase_ranking(scores2, qfeats2)
            if ranked2 and max(ranked2.values()) > max(ranked.values(), default=0.0):
                ranked, topic, qfeats = ranked2, topic2, qfeats2
                # the aliases' own decision reads the first scores, with bundles by these features
                aliases_own = self._phrase_ranking(scores, qfeats)
        legacy = self._decide(tuple(prep.tokens), aliases_own, 3, prep.english)
        about = self.models.about.logit(self.bag(prep)) if self.models else 0.0
        bmq = {f: w for f, (w, _) in qfeats.items()}
        bm = self.names_bm25.score(bmq)
        cx = self.text_bm25.score(bmq)
        ex, ex_sum = self.example_scores(bmq, skip_example)
        al = self.al_bm25.score(bmq)
        ce = self.centroids.score(bmq, self._own_messages(skip_example))
        ph_order = sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))
        ids: list[int] = [self.entry_of[pid] for pid, _ in ph_order[:CAND_PHRASE]]
        for arr, k in (
            (bm, CAND_NAME),
            (cx, CAND_TEXT),
            (ex, CAND_EXAMPLE),
            (al, CAND_NAME),
            (ce, CAND_CENTROID),
        ):
            ids.extend(_best(arr, k))
        ids = list(dict.fromkeys(ids))
        listed = [self.entry_of[x.id] for x in legacy.matches]
        x = self._rows(prep, ids, ph_order, (bm, cx, ex, al, ex_sum, ce), qfeats, topic)
        if ids:
            first, listed_col, cur = LEGACY_COLUMNS
            x[:, first] = [float(bool(listed) and e == listed[0]) for e in ids]
            x[:, listed_col] = [float(e in listed) for e in ids]
            x[:, cur] = x[:, first] * self.curated[np.array(ids)]
        best = max(ranked.values(), default=0.0)
        other = topic[0] == "other" and topic[2] >= max(best, MIN_SCORE * 0.8)
        return Candidates(
            ids,
            x,
            topic,
            about,
            float(bm.max()) if bm.size else 0.0,
            best,
            float(ex.max()) if ex.size else 0.0,
            self.non_request_score(bmq, skip_non),
            bool(legacy.matches),
            bool(legacy.topic),
            legacy,
            other,
            float(ce.max()) if ce.size else 0.0,
        )

    def _rows(
        self,
        prep: Prepared,
        ids: list[int],
        ph_order: list[tuple[str, float]],
        scores: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        qfeats: QueryFeatures,
        topic: tuple[str, str, float],
    ) -> np.ndarray:
        if not ids:
            return np.zeros((0, len(RANK_FEATURES)))
        ph_rank = {self.entry_of[pid]: (r, sc) for r, (pid, sc) in enumerate(ph_order)}
        ph_max = ph_order[0][1] if ph_order else 0.0
        bm, cx, ex, al, ex_sum, ce = scores
        idx = np.array(ids)
        bm_c, cx_c, ex_c, al_c, ce_c = bm[idx], cx[idx], ex[idx], al[idx], ce[idx]
        ce_max, ce_rank = float(ce.max()) or 1.0, _ranks(ce, ce_c)
        sum_c = ex_sum[idx] / (float(ex_sum.max()) or 1.0)
        ex_max, al_max = float(ex.max()) or 1.0, float(al.max()) or 1.0
        ex_rank, al_rank = _ranks(ex, ex_c), _ranks(al, al_c)
        bm_max, cx_max = float(bm.max()) or 1.0, float(cx.max()) or 1.0
        bm_rank, cx_rank = _ranks(bm, bm_c), _ranks(cx, cx_c)
        strong = {f: w for f, (w, _) in qfeats.items() if w > NEGATED_FACTOR * 2}
        idf = self.names_bm25.idf
        q_total = sum(idf.get(f, 0.0) for f in strong) or 1.0
        topic_log = math.log1p(topic[2])
        named = {self.province_names[a] for a in _named_in(prep.tokens, self.province_names)}
        missing = (10_000, 0.0)
        rank_ph = np.array([ph_rank.get(e, missing) for e in ids], dtype=float)
        r, ph = rank_ph[:, 0], rank_ph[:, 1]
        log_ph = _log1p(ph)
        shared = self.names_bm25.holding({f: idf.get(f, 0.0) for f in strong})[idx]
        cur = self.curated[idx]
        zero = np.zeros(len(ids))
        return np.column_stack(
            [
                log_ph,
                ph / ph_max if ph_max else zero,
                1.0 / (1 + r),
                _log1p(bm_c),
                bm_c / bm_max,
                1.0 / (1 + bm_rank),
                cx_c / cx_max,
                1.0 / (1 + cx_rank),
                shared / np.array([self.name_idf[e] for e in ids]),
                shared / q_total,
                cur,
                self.is_bundle[idx],
                self.name_len[idx],
                topic_log - log_ph,
                cur * prep.english,
                _log1p(ex_c),
                ex_c / ex_max,
                1.0 / (1 + ex_rank),
                self.ex_has[idx],
                self.ex_cnt[idx],
                sum_c,
                al_c / al_max,
                1.0 / (1 + al_rank),
                ce_c,
                ce_c / ce_max,
                1.0 / (1 + ce_rank),
                [self._province_match(e, named) for e in ids],
                zero,
                zero,
                zero,
            ]
        )

    def _qualifier_columns(self, prep: Prepared, ids: list[int]) -> np.ndarray:
        """What tells siblings apart: the act the message asks for against each name's
        (bot/core/qualifiers.py)."""
        return self.lexicon.qualifiers.columns(self._asked(prep), [self.stated[e] for e in ids])

    def _asked(self, prep: Prepared) -> frozenset[str]:
        """The qualifiers a message asks for, outside what it denies."""
        denied = self.lexicon.negated_positions(prep.tokens, prep.typed)
        return self.lexicon.qualifiers.asked(prep.tokens, prep.english, denied)

    def _province_match(self, entry: int, named: set[str]) -> float:
        """1 when the message names the record's province, -1 another one, 0 when either is
        silent (no province named, or a record for the whole country)."""
        own = self.province[entry]
        return 0.0 if not (named and own) else 1.0 if own in named else -1.0

    def gate_features(
        self, prep: Prepared, cs: Candidates, logits: np.ndarray, order: np.ndarray
    ) -> np.ndarray:
        top = float(logits[order[0]])
        second = float(logits[order[1]]) if len(order) > 1 else top - 10.0
        row = cs.x[order[0]]
        names = RANK_FEATURES
        content = [t for t, st in zip(prep.tokens, prep.stops, strict=True) if not st]
        known = sum(t in self.vocab for t in content) / max(1, len(content))
        kind, _, tscore = cs.topic
        ph_log = math.log1p(cs.ph_max)
        return np.array(
            [
                top,
                top - second,
                ph_log,
                math.log1p(cs.bm_max),
                (math.log1p(tscore) - ph_log) if kind == "none" else -3.0,
                (math.log1p(tscore) - ph_log) if kind == "other" else -3.0,
                sigmoid(cs.about),  # a probability: an overconfident bag cannot dominate
                math.log1p(len(prep.tokens)),
                float(prep.english),
                row[names.index("ncov")],
                row[names.index("qcov")],
                known,
                row[names.index("curated")],
                float(cs.legacy_any),
                float(cs.legacy_none),
                math.log1p(cs.ex_max),
                math.log1p(cs.neg_max),
                cs.ce_max,
                math.log1p(cs.ex_max) - math.log1p(cs.neg_max),
            ]
        )

    def _phrase_ranking(
        self, scores: dict[int, float], qfeats: QueryFeatures
    ) -> tuple[dict[str, float], tuple[str, str, float]]:
        """Phrase scores per procedure id (imported discounted, bundles applied) and the best topic."""
        n = len(self.procs)
        ranked: dict[str, float] = {}
        topic: tuple[str, str, float] = ("", "", 0.0)
        for entry, sc in scores.items():
            if entry < n:
                p = self.procs[entry]
                ranked[p.id] = sc * (IMPORTED_FACTOR if p.imported else 1.0)
            elif sc > topic[2]:
                t = self.topics[entry - n]
                topic = (t.kind, t.id, sc)
        self._apply_bundles(ranked, qfeats)
        return ranked, topic

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
        ranking: tuple[dict[str, float], tuple[str, str, float]],
        top: int,
        english: bool,
    ) -> Analysis:
        """The aliases' own decision from a `_phrase_ranking`."""
        ranked, (topic_kind, topic_id, topic_best) = ranking
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
            Match(
                pid,
                self.catalog.procedures[pid].name,
                round(s / (s + 6.0), 4),
                self.catalog.procedures[pid].code,
            )
            for pid, s in order[:top]
        )
        return Analysis(toks, matches, english, topic_id if not matches else "", bool(matches))

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
        """Offer a top procedure's bundle right after it (moved up when ranked lower)."""
        if not order:
            return order
        first = self.catalog.procedures[order[0][0]]
        if not first.bundles:
            return order
        rest = [(pid, sc) for pid, sc in order[1:] if pid not in first.bundles]
        nxt = rest[0][1] if rest else 0.0
        if self.models:
            follow = max(order[0][1] * BUNDLE_FOLLOW, (order[0][1] + nxt) / 2)
        else:
            present = {pid for pid, _ in order}
            if any(b in present for b in first.bundles):
                return order
            follow = order[0][1] * BUNDLE_FOLLOW
        return order[:1] + [(b, follow) for b in first.bundles] + rest

    def _looks_english(self, folded: Sequence[str], typed: Sequence[str]) -> bool:
        """More than half the words English (at least two). A word typed with Vietnamese marks is not
        English: folded, "thẻ", "bé", "tờ" and "cần" read "the", "be", "to" and "can"."""
        plain = [f for f, a in zip(folded, typed, strict=True) if f == a]
        if len(plain) < 2 or len(plain) <= 0.5 * len(folded):  # too few to be English
            return False
        eng = sum(1 for f in plain if f in self._english_words or f in _EN_MARKERS)
        return eng >= 2 and eng > 0.5 * len(folded)


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
