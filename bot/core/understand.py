"""What a typed message IS, given where the conversation stands. Pure: no I/O, no matcher.

`read(text, context, words)` returns a `Reading`: an answer to the pending question, a question
about the procedure in hand, a control command, small talk, facts about the case, a possible
new need (the caller asks the matcher), or nothing understood. The words come from
flows/understand.yaml (`Words.from_data`), which admins edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.normalize import clean, fold, nfc, strip_marks

DENIAL_REACH = 1  # words before the negator in a clause that denies ("sorry, not birth")
TALK_SHARE = 0.5  # a small-talk phrase covering half the message or more is the message
MAX_ANSWER_TOKENS = 8  # a longer message is a story or a question, not a bare answer
SHORT_REPLY_TOKENS = 6
MAX_CONTROL_TOKENS = 8  # a control phrase inside a longer message is part of something else
MAX_GLOSSES = 4
ENGLISH_SHARE = 0.6  # of a message's words known as English (and one of 4+ letters) to answer in English  # "có, sinh ở viện": a yes/no word leading a short clause


class Kind(StrEnum):
    ANSWER = "answer"  # value = the option value picked
    BUTTON = "button"  # value = payload of a shown button picked by its words or number
    ASK = "ask"  # value = topic (fee, time, where, online, deadline, documents, document, result, legal, who)
    CONTROL = "control"  # value = command (back, restart, help, human)
    TALK = "talk"  # value = small-talk intent (hello, thanks, who, human_check, complaint, bye, ok)
    NEED = "need"  # value = the text to match against the catalogue (a new or different need)
    FACTS = "facts"  # only facts about the case
    UNKNOWN = "unknown"


_WORD = re.compile(r"(?<![\w'’])\w+(?![\w'’])")  # a word, not a piece of "baby's"


def _short_key(word: str) -> str:
    """A shorthand key: folded, its "đ" kept apart from "d" ("hđ" is not "hd")."""
    return fold(word.lower().replace("đ", "dd")) if "đ" in word.lower() else fold(word)


def _mapping(raw: object) -> Mapping[object, object]:
    return raw if isinstance(raw, Mapping) else {}


def _items(raw: object) -> list[object]:
    return raw if isinstance(raw, list) else []


def _plain_list(raw: object) -> tuple[str, ...]:
    """Step names, kept as written (not folded)."""
    return tuple(str(x) for x in raw) if isinstance(raw, list) else ()


def _phrases(items: Iterable[object], short: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Folded phrases, longest first; with `short` (folded shorthand -> folded words) written
    out as messages are (`Words.spell_out`): "mất bn lâu" is "mất bao nhiêu lâu"."""
    out = {fold(str(x)) for x in items}
    if short:
        out = {" ".join(short.get(t, t) for t in p.split()) for p in out}
    out.discard("")
    return tuple(sorted(out, key=len, reverse=True))  # longest first


@dataclass(frozen=True)
class Words:
    """The understanding data, folded once."""

    yes: frozenset[str] = frozenset()
    no: frozenset[str] = frozenset()
    particles: frozenset[str] = frozenset()
    # as written: folded "chu" is the particle "chú" and also "chủ" (owner), "ho" is "hở" and "hộ"
    particles_accented: frozenset[str] = frozenset()
    question_marks_accented: frozenset[str] = frozenset()  # as written: "đâu" (not "đầu")
    generic_accented: frozenset[str] = frozenset()  # "lần" (time) is generic, "lăn" (roll) is not
    asks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    document_words: tuple[str, ...] = ()
    marked_papers: frozenset[str] = frozenset()  # "ảnh": a paper typed so; "anh" is a man
    question_marks: frozenset[str] = frozenset()
    small_talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    control: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    switch_markers: tuple[str, ...] = ()
    # as typed: "còn" (turning to), not "con" (a child)
    turn_leads: tuple[str, ...] = ()
    back_leads: tuple[str, ...] = ()  # "back to the criminal record, …": to one followed earlier
    this_refs: tuple[str, ...] = ()  # "giấy này …": the procedure in hand
    witness_words: tuple[str, ...] = ()  # "bà mụ làm chứng được không": witnesses, not a stand-in
    connectives: tuple[str, ...] = ()  # "thì", "các": in no word pair that names a line
    paper_heads: tuple[str, ...] = ()  # "giấy …", "that paper …": a message about a paper
    want_words: tuple[str, ...] = ()  # "i want to …": an English need
    required_words: tuple[str, ...] = ()  # "có phải … không": whether a paper is required
    negation_split: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    preambles: tuple[str, ...] = ()  # "nhầm, ý tôi là …": words before a need, not part of it
    corrections: tuple[str, ...] = ()  # "à nhầm", "ý em là": the need follows
    district_words: tuple[str, ...] = ()  # "lên huyện": a level gone since 1 July 2025
    holding_words: tuple[str, ...] = ()  # "tôi có (giấy …)": papers the citizen holds
    waiting_words: tuple[str, ...] = ()  # "vẫn chưa thấy gọi": a complaint about waiting
    place_nouns: tuple[str, ...] = ()  # "về chỗ thường trú": a place, not a procedure
    need_verbs: tuple[str, ...] = ()  # "làm căn cước": a paper named as a need, not as a paper
    more_words: tuple[str, ...] = ()  # "còn cần gì nữa": the rest of the checklist
    english_fillers: frozenset[str] = frozenset()  # "register his birth": no word of a name
    numbers: Mapping[str, int] = field(default_factory=dict)
    english: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    generic_phrases: tuple[str, ...] = ()  # as written: "yếu tố" is generic, "tờ" alone is not
    facts: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    english_facts: frozenset[str] = frozenset()  # fact phrases written in English ("no dna test")
    buttons: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # step a button goes to -> phrases
    yes_buttons: tuple[str, ...] = ()  # steps a bare "yes" picks when no yes/no question is pending
    need_buttons: tuple[str, ...] = ()  # steps a need's own words press on its card ("đặt lịch …")
    separating: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # folded words -> fact ids
    english_gloss: tuple[
        tuple[re.Pattern[str], str], ...
    ] = ()  # Vietnamese pattern -> English note
    # a life event told without a request ("ông nội em mất tối qua"): event -> phrases, the
    # people it must be about (death), and the procedures it leads to (ids, as written)
    life_events: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kin: tuple[str, ...] = ()
    life_event_unless: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    life_event_offers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    life_event_with: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # chat shorthand read as the words it stands for ("cần j" is "cần gì"): folded key -> words
    shorthand: Mapping[str, str] = field(default_factory=dict)
    proxy_words: tuple[str, ...] = ()  # a paper that lets someone else go ("văn bản ủy quyền")
    # "ông bà nội đi làm được không": someone else (stand_ins) doing it (stand_in_verbs), asked
    stand_ins: tuple[str, ...] = ()
    stand_in_verbs: tuple[str, ...] = ()
    can_words: tuple[str, ...] = ()
    place_verbs: tuple[str, ...] = ()  # "làm ở …", "nộp tại …" with a can-question: the place
    # "đóng 14 tháng thì đủ ko": a count of these units, then within a few words one of these
    threshold_units: tuple[str, ...] = ()
    enough_words: tuple[str, ...] = ()
    age_units: tuple[str, ...] = ()  # "nó mới 12 tuổi, làm được k": an age, then one of these
    age_asks: tuple[str, ...] = ()
    card_buttons: tuple[str, ...] = ()  # steps a need's words press on its card when it shows them
    # "cho em hỏi chút": the citizen will ask, and has not yet; the words such a clause may also
    # hold ("một việc", "các anh các chị"); what a clause beside it may tell ("bà 76 tuổi rồi"),
    # and what shows a need told there ("muốn")
    ask_ahead: tuple[str, ...] = ()
    ask_ahead_fillers: frozenset[str] = frozenset()
    intro_marks: tuple[str, ...] = ()
    need_marks: tuple[str, ...] = ()
    purpose_marks: tuple[str, ...] = ()  # "cần để …", "dùng để …": what a paper is for
    obtain_words: tuple[str, ...] = ()  # "làm cái đó thế nào": how to get a paper one lacks
    hand_in_verbs: tuple[str, ...] = ()  # "có phải nộp …": a paper handed in, asked about
    # English words for what a checklist names ("nationality": "quốc tịch"), folded both sides
    english_terms: Mapping[str, str] = field(default_factory=dict)

    def spell_out(self, text: str) -> str:
        """The message with its chat shorthand written out ("cần j" -> "cần gì"), for every
        later step alike: the understanding's phrase lists and the matcher. A word typed with
        accents is never shorthand ("cần" is not "can")."""
        if not self.shorthand:
            return text
        table = self.shorthand

        def word(m: re.Match[str]) -> str:
            w = m.group(0)
            key = fold(w)  # "t7" folds to "t 7", as the table's keys do
            plain = w.lower().replace("đ", "d") == key.replace(" ", "")
            if not plain:
                return w
            # a key written with "đ" is stored apart and found only typed so ("hđ" is "hợp
            # đồng", "hd" may be "hướng dẫn"); one written without it takes either ("đc", "dc")
            return table.get(_short_key(w)) or table.get(key, w)

        return _WORD.sub(word, text)

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Words:
        shorthand = {
            _short_key(str(k)): nfc(str(v)) for k, v in _mapping(data.get("shorthand")).items()
        }
        shorthand.pop("", None)
        short = {k: fold(v) for k, v in shorthand.items()}

        def table(key: str) -> dict[str, tuple[str, ...]]:
            raw = data.get(key) or {}
            assert isinstance(raw, Mapping)
            return {str(k): _phrases(v, short) for k, v in raw.items()}

        def seq(key: str, spelled: bool = True) -> tuple[str, ...]:
            raw = data.get(key) or []
            assert isinstance(raw, list)
            return _phrases(raw, short if spelled else None)

        raw_facts = data.get("facts") or {}
        assert isinstance(raw_facts, Mapping)
        facts = {
            str(q): {str(v): _phrases(p, short) for v, p in values.items()}
            for q, values in raw_facts.items()
        }
        raw_numbers = data.get("numbers") or {}
        assert isinstance(raw_numbers, Mapping)
        return cls(
            yes=frozenset(seq("yes")),
            no=frozenset(seq("no")),
            particles=frozenset(seq("particles")),
            particles_accented=frozenset(
                nfc(str(x)).lower() for x in _items(data.get("particles"))
            ),
            generic_accented=frozenset(
                t for x in _items(data.get("generic_words")) for t in nfc(str(x)).lower().split()
            ),
            asks=table("asks"),
            document_words=seq("document_words"),
            marked_papers=frozenset(nfc(str(x)).lower() for x in _items(data.get("marked_papers"))),
            question_marks=frozenset(seq("question_marks")),
            question_marks_accented=frozenset(
                nfc(str(x)).lower() for x in _items(data.get("question_marks"))
            ),
            small_talk=table("small_talk"),
            control=table("control"),
            switch_markers=seq("switch_markers"),
            this_refs=seq("this_refs"),
            witness_words=seq("witness_words"),
            connectives=seq("connectives"),
            paper_heads=seq("paper_heads"),
            want_words=seq("want_words"),
            required_words=seq("required_words"),
            turn_leads=tuple(nfc(str(x)).lower() for x in _items(data.get("turn_leads"))),
            back_leads=seq("back_leads"),
            negation_split=seq("negation_split"),
            negators=seq("negators"),
            preambles=tuple(sorted(seq("preambles"), key=len, reverse=True)),  # longest first
            corrections=seq("corrections"),
            district_words=seq("district_words"),
            holding_words=seq("holding_words"),
            waiting_words=seq("waiting_words"),
            place_nouns=tuple(nfc(str(x)).lower() for x in _items(data.get("place_nouns"))),
            need_verbs=seq("need_verbs"),
            ask_ahead=seq("ask_ahead"),
            ask_ahead_fillers=frozenset(t for p in seq("ask_ahead_fillers") for t in p.split()),
            intro_marks=seq("intro_marks"),
            need_marks=seq("need_marks"),
            purpose_marks=seq("purpose_marks"),
            obtain_words=seq("obtain_words"),
            hand_in_verbs=seq("hand_in_verbs"),
            more_words=seq("more_words"),
            english_fillers=frozenset(seq("english_fillers")),
            numbers={fold(str(k)): int(v) for k, v in raw_numbers.items()},
            english=frozenset(t for p in seq("english_words", spelled=False) for t in p.split()),
            generic=frozenset(t for p in seq("generic_words") for t in p.split()),
            generic_phrases=seq("generic_words"),
            facts=facts,
            english_facts=frozenset(
                fold(str(x))
                for values in raw_facts.values()
                for phrases in values.values()
                for x in phrases
                if str(x).isascii()
            ),
            buttons=table("buttons"),
            shorthand=shorthand,
            proxy_words=seq("proxy_words"),
            stand_ins=seq("stand_ins"),
            stand_in_verbs=seq("stand_in_verbs"),
            can_words=seq("can_words"),
            place_verbs=seq("place_verbs"),
            threshold_units=seq("threshold_units"),
            enough_words=seq("enough_words"),
            age_units=seq("age_units"),
            age_asks=seq("age_asks"),
            card_buttons=_plain_list(data.get("card_buttons")),
            english_terms={
                fold(str(k)): fold(str(v)) for k, v in _mapping(data.get("english_terms")).items()
            },
            life_events=table("life_events"),
            kin=seq("kin"),
            life_event_unless=table("life_event_unless"),
            life_event_with=table("life_event_with"),
            life_event_offers={
                str(k): _plain_list(v) for k, v in _mapping(data.get("life_event_offers")).items()
            },
            yes_buttons=_plain_list(data.get("yes_buttons")),
            need_buttons=_plain_list(data.get("need_buttons")),
            separating={
                fold(str(k)): _plain_list(v) for k, v in _mapping(data.get("separating")).items()
            },
            english_gloss=tuple(
                (re.compile(str(k)), str(v)) for k, v in _mapping(data.get("english_gloss")).items()
            ),
        )


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Context:
    """Where the conversation stands when the message arrives."""

    options: Sequence[Option] = ()  # the pending question's options (empty: no question pending)
    pending: str = ""  # the pending question's id
    buttons: Sequence[tuple[str, str]] = ()  # (label, payload) of the buttons last shown
    has_procedure: bool = False  # a procedure in hand, or a choice among a few
    choosing: bool = False  # ...the choice: no one procedure yet


@dataclass(frozen=True)
class Reading:
    kind: Kind
    value: str = ""
    facts: Mapping[str, str] = field(default_factory=dict)
    text: str = ""  # for NEED: what to match; for ASK 'document': the words asked about


def gloss(text: str, words: Words) -> str:
    """English notes for a Vietnamese fact: '03 ngày làm việc' -> '3 working days'."""
    notes: list[str] = []
    for pattern, english in words.english_gloss:
        for m in pattern.finditer(text):
            groups = [g.lstrip("0") or g for g in m.groups() if g]
            note = english.format(*groups) if groups else english
            if note not in notes:
                notes.append(note)
    return "; ".join(notes[:MAX_GLOSSES])


def contains(text: str, phrase: str) -> bool:
    """Whole-syllable containment on folded text."""
    return f" {phrase} " in f" {text} "


def strip_particles(folded: str, words: Words) -> str:
    toks = folded.split()
    while toks and toks[0] in words.particles:
        toks.pop(0)
    while toks and toks[-1] in words.particles:
        toks.pop()
    return " ".join(toks)


def yes_no(folded: str, words: Words) -> str:
    """'yes', 'no' or '' for a bare yes/no answer in any of its forms."""
    for candidate in (folded, strip_particles(folded, words)):
        if candidate in words.yes:
            return "yes"
        if candidate in words.no:
            return "no"
    # "dạ có ạ": yes-words among particles only (the particles may include the yes-word itself)
    toks = folded.split()
    said = {t for t in toks if t not in words.particles or t in words.yes or t in words.no}
    if all(t in words.yes or t in words.particles for t in toks) and said & words.yes:
        return "" if said & words.no else "yes"
    if all(t in words.no or t in words.particles for t in toks) and said & words.no:
        return "no"
    return ""


ENGLISH_AUX = frozenset(
    {
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "can",
        "could",
        "should",
        "will",
        "would",
        "may",
        "must",
    }
)


def is_question(raw: str, folded: str, words: Words) -> bool:
    if "?" in raw:
        return True
    if _ends_asking(folded.split(), words):
        return True
    # a clause that asks, then a remark ("phai di xet nghiem adn ha, ton kem lam")
    clauses = _clause_words(raw)
    if len(clauses) > 1 and any(_ends_asking(c, words) for c in clauses[:-1] if len(c) > 2):
        return True
    inner = [m for m in words.question_marks if " " in m or len(m) > 3]
    if any(contains(folded, m) for m in inner):
        return True
    # "do we need anything about her citizenship", "I only have my passport, is that ok": an
    # English question (or its last clause) opens with its verb
    opens = [c[0] for c in (folded.split(), *clauses[1:]) if c]
    return any(t in ENGLISH_AUX for t in opens) and language(raw, words) == "en"


def a_clause_asks(raw: str, words: Words) -> bool:
    """A question mark, or a clause that ends on a question word ("… thì sao", "… được ko"); not
    a "không" inside a clause ("thẻ gãy chứ không mất"), which `is_question` also counts."""
    return "?" in raw or any(_ends_asking(c, words) for c in _clause_words(raw))


def _clause_words(raw: str) -> list[list[str]]:
    """Each clause's folded words (a question mark does not end a clause here)."""
    return [fold(c).split() for c in re.split(r"[,;.!\n]+", raw)]


def _ends_asking(toks: list[str], words: Words) -> bool:
    """The words end on a question word, an address after it aside ("… theo hả ad")."""
    toks = list(toks)
    while len(toks) > 2 and toks[-1] in words.particles and toks[-1] not in words.question_marks:
        toks.pop()  # "… theo hả ad", "… không anh ơi": the question word before the address
    return len(toks) > 1 and toks[-1] in words.question_marks


def language(raw: str, words: Words) -> str:
    """'en' for English, 'vi' for accented Vietnamese, '' when it cannot tell (accentless, short)."""
    folded = fold(raw)
    if not folded:
        return ""
    lowered = nfc(raw).lower()
    if strip_marks(lowered) != lowered:
        return "vi"
    toks = folded.split()
    known = [t for t in toks if t in words.english]
    if len(known) >= ENGLISH_SHARE * len(toks) and any(len(t) >= 4 for t in known):
        return "en"
    return ""


def facts_in(folded: str, words: Words) -> dict[str, str]:
    """Facts about the case said in passing: question id -> value. The longest phrase found
    wins ("không có giấy báo tử" over "có giấy báo tử"); a phrase of LOOSE_FACT words or more
    is also found with one word more inside it ("k có xét nghiệm adn": "không xét nghiệm adn"),
    which counts half a word less."""
    out: dict[str, str] = {}
    toks = folded.split()
    said = (f" {folded} ", set(toks))
    for qid, values in words.facts.items():
        found = [
            (_fact_length(toks, said, p, p in words.english_facts), value)
            for value, phrases in values.items()
            for p in phrases
        ]
        length, value = max(found, default=(0.0, ""), key=lambda f: f[0])
        if length:
            out[qid] = value
    return out


LOOSE_FACT = 3  # words a fact phrase needs to be found with one more word inside it
# words that deny the fact phrase right after them ("không có xét nghiệm adn" is not "có …")
FACT_NEGATORS = frozenset({"khong", "chua", "ko", "k", "hong", "hok", "chang", "not", "no"})
ENGLISH_NEGATORS = frozenset({"not", "no"})


def _fact_length(toks: list[str], said: tuple[str, set[str]], phrase: str, english: bool) -> float:
    """The phrase's length in words when the message (`toks`; `said`: them padded with spaces,
    and as a set) says it, not right after a negator (0.0 when not; half a word less when found
    with one more word inside it). An English "no", "not" denies an English phrase only: before
    a Vietnamese one it is "nó" ("nó cũng muốn nuôi")."""
    negators = FACT_NEGATORS if english else FACT_NEGATORS - ENGLISH_NEGATORS
    want = phrase.split()
    k = len(want)
    if f" {phrase} " not in said[0]:
        if k < LOOSE_FACT or not said[1].issuperset(want):
            return 0.0
        k += 1  # one more word inside it
    for i in (n for n, t in enumerate(toks) if t == want[0] and n + k <= len(toks)):
        window = toks[i : i + k]
        if i and toks[i - 1] in negators and want[0] not in FACT_NEGATORS:
            continue
        if window == want:
            return float(k)
        inside = (window[:j] + window[j + 1 :] for j in range(1, k - 1))
        if window[0] == want[0] and window[-1] == want[-1] and want in inside:
            return k - 1.5
    return 0.0


def _intent(folded: str, table: Mapping[str, tuple[str, ...]], *, whole: bool) -> str:
    """The intent whose phrase IS the message (whole) or is in it (the longest phrase wins)."""
    return _intent_phrase(folded, table, whole=whole)[0]


def _intent_phrase(
    folded: str, table: Mapping[str, tuple[str, ...]], *, whole: bool
) -> tuple[str, str]:
    """(intent, the phrase found): the longest phrase wins."""
    best, phrase = "", ""
    for name, phrases in table.items():
        for p in phrases:
            if ((folded == p) if whole else contains(folded, p)) and len(p) > len(phrase):
                best, phrase = name, p
    return best, phrase


def _talk_share(folded: str, words: Words) -> tuple[float, str]:
    """The share of the message's words, particles aside, that small-talk phrases cover, and the
    words left: "rứa là được rồi, bà cảm ơn nhiều nghe" is "được rồi" and "cảm ơn nhiều"."""
    toks = folded.split()
    covered = [False] * len(toks)
    for phrase in (p for ps in words.small_talk.values() for p in ps):
        want = phrase.split()
        for i in range(len(toks) - len(want) + 1):
            if toks[i : i + len(want)] == want:
                covered[i : i + len(want)] = [True] * len(want)
    own = [i for i, t in enumerate(toks) if t not in words.particles]
    left = " ".join(toks[i] for i in own if not covered[i])
    return (sum(covered[i] for i in own) / len(own) if own else 1.0), left


def life_event(folded: str, words: Words, whole: str = "") -> str:
    """The life event a message tells ("bà em mới mất hôm qua": death; "vợ em vừa sinh": birth),
    or "". An event with kin words listed for it (death) must name one of them: "mất rồi" alone
    is often a lost paper or money. One with `life_event_with` words (a stay: "thuê phòng …")
    is told only with one of them in the message (`whole`, else `folded`): "có phải đăng ký gì
    không", not "thuê phòng khách sạn giá bao nhiêu"."""
    for event, phrases in words.life_events.items():
        said = [p for p in phrases if contains(folded, p)]
        if not said:
            continue
        if event == "death" and not any(contains(folded, k) for k in words.kin):
            continue
        needed = words.life_event_with.get(event, ())
        if needed and not any(contains(whole or folded, w) for w in needed):
            continue
        rest = f" {folded} "
        for p in said:  # "quy tiên" is no money ("tiền") spoken of
            rest = rest.replace(f" {p} ", " ")
        if any(contains(rest, w) for w in words.life_event_unless.get(event, ())):
            continue  # "giấy khai sanh của chú … trôi mất rồi": a lost paper
        return event
    return ""


def said_papers(raw: str, words: Words) -> set[str]:
    """The paper words (document_words) a message says, folded. One that is a paper only with
    its marks (marked_papers: "ảnh") counts typed with them: "1 anh khach o 2 thang" is a man."""
    folded = fold(raw)
    typed = set(clean(raw).split())
    said = {w for w in words.document_words if contains(folded, w)}
    for word in list(said):
        marked = {m for m in words.marked_papers if strip_marks(m) == word}
        # ...or in a longer paper word said ("anh the" is "ảnh thẻ" however typed)
        longer = any(word in p.split() and p != word for p in said)
        if marked and not marked & typed and not longer:
            said.discard(word)
    return said


def asks_ahead(raw: str, words: Words) -> bool:
    """ "cho em hỏi chút", "Bà xin phép hỏi một việc. Bà 76 tuổi rồi, nhờ cháu gõ hộ.": the
    citizen says they will ask and has not asked yet. A clause says so (ask_ahead) and names
    nothing more; the others say who writes (intro_marks) or nothing, and none asks, needs,
    names a paper or tells a life event ("con gái bà mất năm ngoái" is a story, not an intro)."""
    greetings = (*words.small_talk.get("hello", ()), *words.small_talk.get("thanks", ()))
    clauses = [_without(fold(c), greetings) for c in re.split(r"[.!?;,:\n]+", raw)]
    leads = [c for c in clauses if announces(c, words)]
    if not leads:
        return False
    plain = (
        words.particles
        | words.question_marks
        | words.generic
        | words.ask_ahead_fillers
        | {t for k in words.kin for t in k.split()}
        | set(words.connectives)
    )
    asked = words.ask_ahead
    if any(set(_without(_bare(_without(c, asked), words), asked).split()) - plain for c in leads):
        return False  # "cho hỏi chút về khai sinh": asked already
    rest = [c for c in clauses if c not in leads]
    return all(
        not _tells_need(c, words)
        and (not set(c.split()) - plain or any(contains(c, m) for m in words.intro_marks))
        for c in rest
    )


def announces(folded: str, words: Words) -> bool:
    """The message says the citizen will ask ("cho tui hỏi chuyện nhà chút"), whatever follows;
    read without particles ("cho bà hỏi" is "cho hỏi")."""
    bare = _bare(folded, words)
    return any(contains(folded, p) or contains(bare, p) for p in words.ask_ahead)


def _bare(folded: str, words: Words) -> str:
    return " ".join(t for t in folded.split() if t not in words.particles)


def _without(folded: str, phrases: Iterable[str]) -> str:
    text = f" {folded} "
    for p in phrases:  # longest first (`_phrases`)
        text = text.replace(f" {p} ", " ")
    return " ".join(text.split())


def _tells_need(folded: str, words: Words) -> bool:
    """A clause that asks, wants, names a paper or a need, or tells a life event or a fact."""
    return (
        is_question(folded, folded, words)
        or any(contains(folded, w) for w in (*words.need_verbs, *words.need_marks))
        or bool(said_papers(folded, words) or paper_words(folded, words))
        or bool(life_event(folded, words) or facts_in(folded, words) or ask_topics(folded, words))
    )


def paper_words(folded: str, words: Words, english: bool = True) -> str:
    """The message with the paper words the checklists do not use put in their words ("quoc tich"
    for "nationality", "ban chinh" for "ban goc"), to find the papers named on a Vietnamese
    checklist; "" when it has none. Not `english`, a word Vietnamese also uses for a paper keeps
    its Vietnamese sense ("chưa photo sẵn": a photocopy, not "ảnh")."""
    text, found = f" {folded} ", False
    own = set() if english else {fold(w) for w in words.document_words if " " not in w}
    for said, listed in words.english_terms.items():
        if contains(text, said) and said not in own:
            text, found = text.replace(f" {said} ", f" {listed} "), True
    return text.strip() if found else ""


def ask_topics(folded: str, words: Words) -> list[str]:
    """Every topic asked about ("bao lâu, lệ phí bao nhiêu" -> time, fee), longest phrases first."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    text = f" {folded} "
    phrases = sorted(((p, t) for t, ps in words.asks.items() for p in ps), key=lambda x: -len(x[0]))
    for phrase, topic in phrases:
        at = text.find(f" {phrase} ")
        if at < 0 or any(a <= at < b or at <= a < at + len(phrase) + 1 for a, b in taken):
            continue
        taken.append((at, at + len(phrase) + 1))
        if topic not in (t for _, t in found):
            found.append((at, topic))
    if "who" not in (t for _, t in found):
        at = stand_in(folded, words)
        if at >= 0:
            found.append((at, "who"))
    if "who" not in (t for _, t in found):
        at = threshold(folded, words)
        if at >= 0:
            found.append((at, "who"))
    if "where" not in (t for _, t in found):
        at = here_or_there(folded, words)
        if at >= 0:
            found.append((at, "where"))
    topics = [t for _, t in found]
    if "track" in topics:  # "hồ sơ nộp rồi, đến đâu rồi": the application filed, not the papers
        found = [(a, t) for a, t in found if t not in ("documents", "document")]
    if "deadline" in topics and "result" not in topics and opens_on_paper(folded, words):
        # "giấy nớ có thời hạn không": how long the paper lasts, not by when to file
        found = [(a, "result" if t == "deadline" else t) for a, t in found]
    if any(contains(folded, w) for w in words.witness_words):  # about the witnesses: their
        found = [(a, t) for a, t in found if t != "who"]  # lines, not who may file
    return [t for _, t in sorted(found)]


def opens_on_paper(folded: str, words: Words) -> bool:
    """The message opens on a paper ("giấy nớ …", "giấy khám sức khỏe …", "that paper …")."""
    return any(f"{folded} ".startswith(f"{h} ") for h in words.paper_heads)


def here_or_there(folded: str, words: Words) -> int:
    """Where a message asks whether a place will do ("làm ở Cần Thơ được không", "nộp tại đây
    được ko"), or -1: a filing phrase (place_verbs), then within a few words a can-question."""
    text = f" {folded} "
    for verb in words.place_verbs:
        at = text.find(f" {verb} ")
        if at < 0:
            continue
        after = " ".join(text[at + len(verb) + 2 :].split()[: STAND_IN_REACH + 2])
        if any(contains(after, c) for c in words.can_words):
            return at
    return -1


AGE_REACH = 5  # words from an age to "được không" ("12 tuổi thôi, vậy làm được không")
STAND_IN_REACH = 4  # words between the person and what they would do ("ba tui có cần đi")


OWNER_WORDS = frozenset({"cua", "of"})  # a person after these owns a paper, does not stand in


def threshold(folded: str, words: Words) -> int:
    """Where a message asks whether a count meets a condition ("e dong bh dc 14 thang thi du ko",
    "I'm 13 years old, is that enough"), or -1: a number and a unit (threshold_units), then within
    a few words an enough-word (after an age, age_asks too: "nó mới 12 tuổi, làm được k").
    Conditions on time served or age are in who may file."""
    toks = folded.split()
    for i, tok in enumerate(toks[:-1]):
        if not tok.isdigit():
            continue
        rest = " ".join(toks[i + 1 :])
        unit = next((u for u in words.threshold_units if f"{rest} ".startswith(f"{u} ")), "")
        if not unit:
            continue
        after = toks[i + 1 + len(unit.split()) :]
        if any(contains(" ".join(after[: STAND_IN_REACH + 2]), w) for w in words.enough_words):
            return len(" ".join(toks[:i]))
        near = " ".join(after[:AGE_REACH])  # "nó mới 12 tuổi, làm được k"; not "78 tuổi
        if unit in words.age_units and any(contains(near, w) for w in words.age_asks):
            return len(" ".join(toks[:i]))  # rồi đi xa hổng nổi, ở xã làm được hông"
    return -1


def stand_in(folded: str, words: Words) -> int:
    """Where a message asks whether someone else may do it ("ông bà nội đi làm được không",
    "can my mom request it for me"), or -1: a person, then within a few words a deed, and a
    can-question anywhere."""
    if not any(contains(folded, c) for c in words.can_words):
        return -1
    toks = folded.split()
    text = f" {folded} "
    for person in words.stand_ins:
        at = text.find(f" {person} ")
        while at >= 0:
            before = text[:at].split()
            start = len(before) + len(person.split())
            owner = bool(before) and before[-1] in OWNER_WORDS  # "giấy khai sinh của bố tui"
            if not owner and any(
                t in words.stand_in_verbs for t in toks[start : start + STAND_IN_REACH]
            ):
                return at
            at = text.find(f" {person} ", at + 1)
    return -1


def _number(folded: str, words: Words) -> int:
    toks = [
        t
        for t in folded.split()
        if t not in ("so", "cai", "thu", "lua", "chon", "number", "the", "option")
    ]
    if len(toks) == 1:
        if toks[0].isdecimal():
            return int(toks[0])
        return words.numbers.get(toks[0], 0)
    if len(toks) == 2 and " ".join(toks) in words.numbers:
        return words.numbers[" ".join(toks)]
    return 0


def pick_label(folded: str, labels: Sequence[str], words: Words) -> int:
    """Index of the one label the message names (its words, or most of them), else -1."""
    toks = [t for t in folded.split() if t not in words.particles]
    if not toks or len(toks) > MAX_ANSWER_TOKENS:
        return -1
    scores: list[tuple[float, float, int]] = []
    for i, label in enumerate(labels):
        ltoks = set(fold(label).split())
        hit = sum(1 for t in toks if t in ltoks)
        scores.append((hit / len(toks), hit / max(1, len(ltoks)), i))
    scores.sort(reverse=True)
    top = scores[0]
    if top[0] < 0.75 or (top[0] < 1 and len(toks) < 2):
        return -1
    if len(scores) > 1 and scores[1][:2] == top[:2]:
        return -1
    return top[2]


def answer(raw: str, folded: str, context: Context, words: Words) -> str:
    """The option value a typed message picks for the pending question, or ''."""
    options = context.options
    yn = _option_for(yes_no(folded, words), options)
    if yn:
        return yn
    n = _number(folded, words)
    if 1 <= n <= len(options):
        return options[n - 1].value
    i = pick_label(folded, [o.label for o in options], words)
    if i >= 0:
        return options[i].value
    toks = folded.split()
    if len(toks) <= MAX_ANSWER_TOKENS and not is_question(raw, folded, words):
        acks = {t for p in words.small_talk.get("ok", ()) for t in p.split()}
        thanks = words.small_talk.get("thanks", ())
        for size in (3, 2, 1):  # "dạ có, bé sinh ở viện" / "không, tự đi nộp"
            lead = _option_for(yes_no(" ".join(toks[:size]), words), options)
            rest = " ".join(toks[size:])
            if set(toks[:size]) <= acks and any(contains(rest, t) for t in thanks):
                continue  # "ok cảm ơn": thanks, not a yes
            if lead and len(toks) - size <= SHORT_REPLY_TOKENS:
                return lead
    return ""


def _option_for(yn: str, options: Sequence[Option]) -> str:
    """The option a yes/no picks: the option valued yes/no, or of two options the first/second."""
    if not yn:
        return ""
    if yn in {o.value for o in options}:
        return yn
    if len(options) == 2:  # "Có giấy chứng sinh" / "Không có"; "Đã có" / "Chưa có"
        return options[0].value if yn == "yes" else options[1].value
    return ""


def button_named(folded: str, context: Context, words: Words) -> str:
    """The payload of a shown button the message asks for in other words ("cho mình đặt lịch")."""
    online = _asks_online(folded, words)
    for _, payload in context.buttons:
        target = payload.partition(":")[2] if payload.startswith("go:") else ""
        if online and target in words.need_buttons:
            continue  # "đặt lịch trên vneid dc k": how to book online, not a slot here
        if any(contains(folded, p) for p in words.buttons.get(target, ())):
            return payload
    return ""


def _asks_online(folded: str, words: Words) -> bool:
    return any(contains(folded, w) for w in words.asks.get("online", ()))


def asked_step(folded: str, words: Words, shown: set[str] | None = None) -> str:
    """The step a need's own words ask for ("đặt lịch …" -> booking.start; understand.yaml
    need_buttons), whether or not its button is on screen; '' when none. With `shown`, a card's
    button payloads: those of card_buttons it shows ("muốn làm 1 lần cho xong": the bundle)."""
    if _asks_online(folded, words):
        return ""  # "đặt lịch trên vneid dc k": how to book online, not a slot here
    steps = words.need_buttons if shown is None else words.card_buttons
    for step in (s for s in steps if shown is None or f"go:{s}" in shown):
        if any(contains(folded, p) for p in words.buttons.get(step, ())):
            return step
    return ""


def negated_need(folded: str, words: Words, raw: str = "") -> str:
    """'không phải khai sinh mà là khai tử' -> 'khai tu'; 'khai tử chứ không phải khai sinh' -> 'khai tu';
    'Sorry, not birth. I need to register a death.' -> the clauses without the negation."""
    if raw:
        clauses = [fold(c) for c in re.split(r"[.;!?\n]+", raw) if fold(c)]
        if len(clauses) > 1:
            # a clause that opens by denying ("Sorry, not birth."), not one that says something
            # is not so ("we still have not decided French or Vietnamese")
            kept = [c for c in clauses if not _opens_denying(c, words)]
            if kept and len(kept) < len(clauses):
                return " ".join(kept)
    text = f" {folded} "
    for negator in words.negators:
        at = text.find(f" {negator} ")
        if at < 0:
            continue
        before, after = text[:at].strip(), text[at + len(negator) + 2 :].strip()
        for marker in words.negation_split:
            if contains(after, marker):
                tail = f" {after} ".split(f" {marker} ", 1)[1].strip()
                if tail:
                    return tail
        if before and negator.startswith("chu"):  # "X chứ không phải Y"
            return before
    return ""


def _opens_denying(clause: str, words: Words) -> bool:
    """A negator among a clause's first words ("not birth", "sorry not birth", "à không phải")."""
    opening = f" {' '.join(clause.split()[: DENIAL_REACH + 3])} "  # negators: up to 3 words
    return any(
        (at := opening.find(f" {n} ")) >= 0 and len(opening[:at].split()) <= DENIAL_REACH
        for n in words.negators
    )


def _after_command(raw: str, folded: str, words: Words) -> str:
    """The message after the control phrase it opens with ("quay lại khai sinh, …" ->
    "khai sinh, …": the matcher must not read "lại khai sinh" as a re-registration)."""
    _, phrase = _intent_phrase(folded, words.control, whole=False)
    if not folded.startswith(f"{phrase} "):
        return raw
    return raw_span(raw, folded[len(phrase) :].strip()) or raw


def raw_span(raw: str, folded_part: str) -> str:
    """The words of `raw` whose folded form is `folded_part`, accents kept (the matcher reads
    "lại" and "lai" differently); `folded_part` itself when it is not a run of raw words."""
    toks = raw.split()
    folded = [fold(t) for t in toks]
    want = folded_part.split()
    for i in range(len(toks)):
        got: list[str] = []
        for j in range(i, len(toks)):
            got += folded[j].split()
            if got == want:
                return " ".join(toks[i : j + 1]).strip(" ,.;:!?")
            if len(got) >= len(want) or got != want[: len(got)]:
                break
    return folded_part


def without_preamble(text: str, words: Words) -> str:
    """ "nhầm, ý tôi là tạm trú" -> "tạm trú": leading preamble words off (never all the words)."""
    toks, cut = text.split(), 0
    while cut < len(toks) - 1:
        rest = fold(" ".join(toks[cut:]))
        found = next((p for p in words.preambles if rest.startswith(p + " ")), "")
        left, k = len(found.split()), cut  # raw words over the preamble's folded words
        while left > 0 and k < len(toks):
            left -= len(fold(toks[k]).split())
            k += 1
        if not found or left != 0 or k >= len(toks):
            break
        cut = k
    return " ".join(toks[cut:]) if cut else text


def read(raw: str, context: Context, words: Words) -> Reading:
    """Decide what the message is. Order: control, answer, question about the procedure,
    small talk, facts, else a possible new need."""
    folded = fold(raw)
    if not folded:
        return Reading(Kind.UNKNOWN)
    facts = facts_in(folded, words)
    core = strip_particles(folded, words) or folded
    command = _intent(core, words.control, whole=True)
    if command:
        return Reading(Kind.CONTROL, command)
    negated = negated_need(folded, words, raw)
    # "bà mất ở bệnh viện chứ ko phải ở nhà, vậy giấy báo tử lấy ở đâu": a detail corrected and
    # a question asked about the procedure in hand (a procedure denied is still found, in _ask)
    if negated and not (context.has_procedure and ask_topics(folded, words)):
        return Reading(Kind.NEED, text=without_preamble(raw_span(raw, negated), words), facts=facts)
    if context.options:
        told = facts.get(context.pending, "")
        if told in {o.value for o in context.options}:
            return Reading(Kind.ANSWER, told, facts)
        value = answer(raw, folded, context, words)
        if value:
            return Reading(Kind.ANSWER, value, facts)
    elif context.buttons:
        yn = yes_no(folded, words)
        if yn:
            wanted = words.yes if yn == "yes" else words.no
            hit = [p for label, p in context.buttons if fold(label) in wanted]
            if not hit and yn == "yes":
                hit = [
                    p
                    for _, p in context.buttons
                    if p.startswith("go:") and p[3:] in words.yes_buttons
                ][:1]
            if len(hit) == 1:
                return Reading(Kind.BUTTON, hit[0])
        n = _number(folded, words)
        if 1 <= n <= len(context.buttons):
            return Reading(Kind.BUTTON, context.buttons[n - 1][1])
        i = pick_label(folded, [label for label, _ in context.buttons], words)
        if (
            i >= 0 and not is_question(raw, folded, words) and not ask_topics(folded, words)
        ):  # "cần giấy tờ gì?", "can giay chi" are asked, not pressed
            return Reading(Kind.BUTTON, context.buttons[i][1])
    named = button_named(folded, context, words)  # "đặt lịch giúp tôi": the button, not "help"
    if named:
        return Reading(Kind.BUTTON, named)
    if context.has_procedure and not context.choosing and asked_step(folded, words):
        # a button the card did not show ("đặt lịch giúp tôi": booking, not "help")
        return Reading(Kind.NEED, facts=facts, text=without_preamble(raw, words))
    if len(folded.split()) <= MAX_CONTROL_TOKENS:  # "cho tôi gặp cán bộ với", "thôi quay lại đi"
        command = _intent(folded, words.control, whole=False)
        rest = without_preamble(raw, words)
        said = fold(rest) if rest != raw else ""  # "nhầm rồi, ý em là kết hôn": not "back"
        if command and said and not _intent(said, words.control, whole=False):
            return Reading(Kind.NEED, facts=facts, text=rest)
        if command == "back" and ask_topics(folded, words):  # "quay lại khai sinh, lệ phí bao
            # nhiêu": a procedure to go back to, and a question about it
            return Reading(Kind.NEED, facts=facts, text=_after_command(raw, folded, words))
        if command:
            return Reading(Kind.CONTROL, command)
    # "can my mom go instead": who may go, not a turn to something else
    switching = (
        any(contains(folded, m) for m in words.switch_markers) and stand_in(folded, words) < 0
    )
    if context.has_procedure and not switching:
        complaint = _intent(
            folded, {"complaint": words.small_talk.get("complaint", ())}, whole=False
        )
        if complaint:
            return Reading(Kind.TALK, complaint, facts)
        topics = ask_topics(folded, words)
        if topics:  # "what papers do we need? we have the birth certificate": the checklist
            return Reading(Kind.ASK, ",".join(topics), facts, text=folded)
        # "nationality?" -> "quốc tịch": the papers' words
        glossed = paper_words(folded, words, language(raw, words) == "en")
        if is_question(raw, folded, words) and (glossed or said_papers(raw, words)):
            return Reading(Kind.ASK, "document", facts, text=glossed or folded)
    talk = _intent(core, words.small_talk, whole=True)
    if talk:
        return Reading(Kind.TALK, talk)
    if asks_ahead(raw, words):  # "Bà xin phép hỏi các anh các chị một việc."
        return Reading(Kind.TALK, "ask_ahead")
    if not context.options and yes_no(folded, words):
        return Reading(Kind.TALK, "ok" if yes_no(folded, words) == "yes" else "no")
    if facts and not switching and (context.options or context.has_procedure):
        return Reading(Kind.FACTS, facts=facts)
    own = [t for t in folded.split() if t not in words.particles]  # "bà", "nghe" aside
    talk = _intent(folded, words.small_talk, whole=False) if len(own) <= MAX_ANSWER_TOKENS else ""
    share, left = _talk_share(folded, words) if talk else (0.0, "")
    if share >= TALK_SHARE and not _tells_need(left, words):
        # "bạn có phải người thật không": the small talk IS the message; a topic word
        # ("thật" ~ "thất nghiệp") must not turn it into a procedure
        return Reading(Kind.TALK, talk, facts)
    # the matcher gets the words as written: accents tell "lại" (again) from "lai" (mixed race)
    need = without_preamble(raw, words)
    aside = talk if len(folded.split()) <= MAX_ANSWER_TOKENS else ""  # particles count here
    return Reading(Kind.NEED, aside, facts, text=need)  # value: small talk if no procedure
