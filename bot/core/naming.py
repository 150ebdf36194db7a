"""Does a message typed under a card name another procedure, or hint at one? Pure, no I/O.

A follow-up stays with the procedure in hand (bot/core/conversation.py) unless it *names* another
one: most words of its name, an alias or its English name, some of them in a row, and not merely a
paper of the procedure in hand, a paper word after an object marker ("mang giấy đăng ký kết hôn")
or the question words of an alias ("… cần mang gì"). A guess the matcher makes from a follow-up is
offered only when the message *hints at* it (a two-syllable word of its name).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from bot.core import guide
from bot.core.answers import AT_WORDS, asked_words, content_pairs, word_pairs
from bot.core.engine import Turn
from bot.core.model import Procedure
from bot.core.normalize import clean, fold, strip_marks
from bot.core.understand import Words, contains, is_question, opens_on_paper

MIN_WORDS = 3  # words (besides question words) a message needs to name a procedure
NAMED_SHARE = 0.67  # of a procedure name's own words the message must contain
# a name says what it is first ("chứng thực chữ ký") and for whom after ("… người không biết
# chữ"): a message with most (not all) of its words names it only with a run holding one of its
# first words, not only the words that qualify it
HEAD_WORDS = 2
NEED_VERB_REACH = 3  # words before a paper where a need verb makes it a need ("cấp thẻ căn cước")
PAPER_WORDS = 5  # a paper's name before "có phải …" ("giấy xác nhận tình trạng hôn nhân")
OWN_SPAN = 2  # words of a name before "của em ở …": where she lives
AT = [[w] for w in AT_WORDS]  # ...as one-word slices
# "tui thường trú Phan Rang": I (reside) — a speaker, then where they are registered (folded)
SPEAKERS = frozenset({"toi", "tui", "tao", "minh", "em", "e", "con", "chau"})
RESIDING = (["thuong", "tru"], ["tam", "tru"])
STATING = frozenset({"van", "chi", "hien", "con"})  # "vẫn", "chỉ", "hiện", "còn": as things are
PLACE_SPAN = 4  # words after "chỗ", "nơi" that say which place ("nơi đăng ký thường trú")
LEAD_WORDS = 3  # the longest turn lead ("cho hỏi thêm")
HELD_SPAN = 10  # words of the papers listed after "tôi có" ("giấy chứng tử của con gái với …")
CLAUSES = re.compile(r"[,.;!?\n]+")  # where a denial ends ("không phải bị đuổi, vậy …")
HELD_ENDS = frozenset({"nhung", "ma", "thi", "gio", "but", "now"})  # "… nhưng mất rồi"
# "có" + these: a registration held ("có đk tạm trú"), folded
REGISTERED = frozenset({"dang ky", "dang ki", "dk", "dky"})
_CLAUSE = re.compile(r"([,.;:!?\n]+)")


def names(
    turn: Turn, proc: Procedure | None, text: str, other: Procedure, choosing: bool = False
) -> bool:
    """Whether the message names `other`: most words of its name or an alias, a run of them in a
    row (as typed or as abbreviated: "cccd"), and not merely a paper of `proc` ("giấy ủy quyền" on
    the birth checklist is not "ủy quyền nhận trợ cấp thay"; without one, of a paper word) nor
    after a paper of `proc` it asks about ("hợp đồng thuê phòng có phải đi công chứng hợp đồng
    không" under tạm trú). A message that turns to it ("còn đăng ký kết hôn thì…") names it even
    where `proc`'s papers mention it. `choosing`: typed under a choice list, where an English
    need's small words name nothing ("… no health insurance card. How can we get one": "health
    insurance card for my baby"); elsewhere they count (a health check under a marriage, "I have
    health insurance card from my company", is not the child's health card)."""
    words = turn.content.flows.words
    text = unheld(text, words)  # "tôi có giấy chứng tử …": held, not asked for
    text = _unowned(text, words)  # "thường trú của em ở Ngã Năm": hers, not a need
    if proc is not None:  # "e cần để kết hôn với người Hàn": what the paper in hand is for
        text = _unpurposed(text, words)
    typed = [t for t in fold(text).split() if t not in words.particles]
    if sum(t not in words.question_marks for t in typed) < MIN_WORDS:
        return False
    runs = (typed, turn.content.matcher.prepare(text).tokens)
    said = {t for toks in runs for t in toks}
    turning = turns_to(turn, text)
    asking = any(contains(fold(text), w) for w in words.required_words)
    if asking and proc is not None and not turning:
        if hands_in(fold(text), words):  # "thẻ bhyt của ổng có phải nộp luôn không": a paper
            return False  # handed in for `proc`, not the procedure that issues it
        # "giấy ủy quyền có phải đi chứng thực chữ ký không": what a paper needs, not a need
        paper = paper_before_required(fold(text), words)
        if paper and not names(turn, proc, paper, other):
            return False
    docs, unneeded = ([], []) if turning else _checklist(turn, proc)
    papers = set() if turning else _papers(turn, docs, runs, asking)
    plain = words.generic | asked_words(turn, " ".join(typed))  # "… cần mang gì" names nothing
    forms = _typed_forms(text)
    # a need asked in English under a choice list ("how can we get one"): its small words aside
    wants = choosing and any(contains(fold(text), w) for w in words.want_words)
    for phrase in (other.name, *other.aliases, *other.english):
        toks = fold(phrase).split()
        small = words.english_fillers if wants and phrase in other.english else frozenset()
        own = [t for t in toks if t not in words.generic and t not in small]
        named = set(own)
        other_word = _misread(forms, phrase)  # "mắt kém lắm" typed with marks: not "mất", "làm"
        # a message that turns to it ("thế còn thất nghiệp thì …") may name its own words only
        need = max(2, len(named) - 1 if turning else math.ceil(NAMED_SHARE * len(named)))
        if len(named & said - other_word) < need:
            continue
        pairs = word_pairs(toks)
        # every word said, or the run holds one of the name's first words
        whole = turning or named <= said - other_word
        head = named if whole else set(own[:HEAD_WORDS])
        for seq in _without_places(runs, forms, words.place_nouns):
            seq = [t if t not in other_word else "" for t in seq]
            asked = _asked_pairs(turn, seq) & pairs - papers
            run = {t for pair in asked for t in pair}
            if (
                len(run - plain) >= 2
                and run & head
                and not _paper_first(seq, docs + unneeded, asked, asking)
            ):
                return True
    return False


def names_in_english(turn: Turn, text: str, proc: Procedure) -> bool:
    """An English message that says a pair of words of one of the procedure's English names,
    with only small words between ("register his birth": "register the birth of a child …")."""
    fillers = turn.content.flows.words.english_fillers
    said = word_pairs([t for t in clean(text).split() if t not in fillers])
    for phrase in proc.english:
        if said & word_pairs([t for t in clean(phrase).split() if t not in fillers]):
            return True
    return False


def _unowned(text: str, words: Words) -> str:
    """The message with the OWN_SPAN words before "của" + a person + "ở" blanked ("thường trú
    của em ở Ngã Năm"), and those between "đang" and "ở" ("đang tạm trú ở Bình Sơn"): where
    someone's residence is, not what they ask for. Without the place it may well be the need
    ("cccd của e sắp hết hạn, đổi ở đâu")."""
    toks = clean(text).split()
    folded = [strip_marks(t) for t in toks]
    for i in range(1, len(toks) - 2):
        if folded[i] == "cua" and folded[i + 1] in words.particles and folded[i + 2] in AT_WORDS:
            for j in range(max(0, i - OWN_SPAN), i):
                toks[j] = "_"
    # "tôi đang tạm trú ở Bình Sơn, nộp ở đây được không": where they live now, not a need
    for i, t in enumerate(folded):
        at = next((k for k in range(i + 2, i + 2 + OWN_SPAN) if folded[k : k + 1] in AT), 0)
        if t == "dang" and at:
            toks[i + 1 : at] = ["_"] * (at - i - 1)
        if (
            t in SPEAKERS
            and folded[i + 1 : i + 3] in RESIDING
            and _names_place(folded[i + 3 :], words)
        ):
            toks[i + 1 : i + 3] = ["_", "_"]
        # "thường trú của mình vẫn ở quê Hương Trà, chỉ tạm trú ở Phú Hội thôi": where one is
        # registered, said with "của …" or "vẫn", "chỉ" around it, then "ở" and a place
        if folded[i : i + 2] in RESIDING and _states_residence(folded[:i], folded[i + 2 :], words):
            toks[i : i + 2] = ["_", "_"]
    return " ".join(toks)


def _states_residence(before: list[str], after: list[str], words: Words) -> bool:
    """Around "thường trú" / "tạm trú": a word that states it (STATING before it, or "của" and
    a person after it) and no need verb before it, then "ở" and a place."""
    stated = before[-1:] and before[-1] in STATING
    if after[:1] == ["cua"]:
        stated, after = True, after[2:]
    while after[:1] and after[0] in STATING:
        stated, after = True, after[1:]
    if not stated or _needed(before, words) or not after or after[0] not in AT_WORDS:
        return False
    return _names_place(after, words)


def _names_place(rest: list[str], words: Words) -> bool:
    """What follows "tui thường trú" is a place ("Phan Rang", "ở Cam Ranh"), not a question ("ở
    đâu") nor the rest of a need ("thì cần gì")."""
    rest = rest[1:] if rest[:1] and rest[0] in AT_WORDS else rest
    plain = words.question_marks | set(words.connectives) | words.particles
    return bool(rest) and rest[0] not in plain


def _unpurposed(text: str, words: Words) -> str:
    """The message with what follows a purpose (purpose_marks: "cần để", "dùng để") blanked to the
    end of its clause: "e cần để kết hôn với người Hàn" says what the paper is for."""
    parts = _CLAUSE.split(text)  # clauses at even places, their punctuation between
    for k in range(0, len(parts), 2):
        toks = clean(parts[k]).split()
        line = f" {' '.join(strip_marks(t) for t in toks)} "
        at = min((line.find(f" {m} ") for m in words.purpose_marks if f" {m} " in line), default=-1)
        if at >= 0:
            start = len(line[:at].split())
            parts[k] = " " + " ".join(toks[:start] + ["_"] * (len(toks) - start)) + " "
    return "".join(parts)


def unheld(text: str, words: Words) -> str:
    """The message with the papers it says the citizen holds blanked, clause by clause: after a
    holding phrase that opens on a paper ("tôi có giấy chứng tử của con gái với giấy khai sinh
    thằng cháu"), up to HELD_SPAN words or a turn ("… nhưng mất rồi"). Other clauses, and their
    punctuation, are kept as typed."""
    parts = _CLAUSE.split(text)  # clauses at even places, their punctuation between
    for k in range(0, len(parts), 2):
        toks = clean(parts[k]).split()
        folded = [strip_marks(t) for t in toks]
        line = f" {' '.join(folded)} "
        held = _registered_at(folded, parts[k], words)
        if held >= 0:  # "e đang làm thuê ở Đồng Đăng có đk tạm trú": registered, not asked for
            toks[held:] = ["_"] * (len(toks) - held)
            parts[k] = f" {' '.join(toks)} "
            continue
        for phrase in words.holding_words:
            at = line.find(f" {phrase} ")
            if at < 0:
                continue
            start = len(line[:at].split()) + len(phrase.split())
            rest = " ".join(folded[start:])
            if not (
                opens_on_paper(rest, words)
                or any(f"{rest} ".startswith(f"{d} ") for d in words.document_words)
            ):
                continue
            for j in range(start, min(len(toks), start + HELD_SPAN)):
                if folded[j] in HELD_ENDS:
                    break
                toks[j] = "_"
            parts[k] = f" {' '.join(toks)} "
            break
    return "".join(parts)


def _registered_at(folded: list[str], clause: str, words: Words) -> int:
    """Where a clause that asks nothing says a registration is held ("… có đk tạm trú", "nhà
    có đăng ký thường trú ở đây"): the position after "có", else -1. Asked ("có đăng ký tạm
    trú được không"), it may be the need."""
    for i in range(len(folded) - 2):
        said = {folded[i + 1], " ".join(folded[i + 1 : i + 3])}
        if folded[i] == "co" and said & REGISTERED:
            return i + 1 if not is_question(clause, " ".join(folded), words) else -1
    return -1


def hands_in(folded: str, words: Words) -> bool:
    """Whether the message asks if something must be handed in: a required word ("có phải")
    right before a hand-in verb ("nộp", "mang theo")."""
    padded = f" {folded} "
    return any(f" {w} {v} " in padded for w in words.required_words for v in words.hand_in_verbs)


def paper_before_required(folded: str, words: Words) -> str:
    """The paper named right before the words that ask whether something is required ("… thì
    giấy ủy quyền có phải …" -> "giay uy quyen"), a few words from a paper head; else ""."""
    padded = f" {folded} "
    at = min(
        (padded.find(f" {w} ") for w in words.required_words if f" {w} " in padded), default=-1
    )
    toks = padded[:at].split() if at >= 0 else []
    for start in range(max(0, len(toks) - PAPER_WORDS), len(toks) - 1):
        if opens_on_paper(" ".join(toks[start:]), words):
            return " ".join(toks[start:])
    return ""


def _without_places(
    runs: tuple[list[str], ...], forms: dict[str, set[str]], nouns: tuple[str, ...]
) -> tuple[list[str], ...]:
    """The runs with the words after a place noun typed with its marks ("về chỗ thường trú",
    "nơi tạm trú") blanked: a place, not a procedure asked for. Unmarked, "cho", "noi" are
    other words."""
    typed = {
        strip_marks(n) for n in nouns if n != strip_marks(n) and n in forms.get(strip_marks(n), ())
    }
    if not typed:
        return runs
    out = []
    for seq in runs:
        after = {
            j for i, t in enumerate(seq) if t in typed for j in range(i + 1, i + 1 + PLACE_SPAN)
        }
        out.append([t if i not in after else "" for i, t in enumerate(seq)])
    return tuple(out)


def _typed_forms(text: str) -> dict[str, set[str]]:
    """Each folded word of a message, with the forms it was typed in ("mắt", "mat")."""
    forms: dict[str, set[str]] = defaultdict(set)
    for w in clean(text).split():
        forms[strip_marks(w)].add(w)
    return forms


def _misread(forms: dict[str, set[str]], phrase: str) -> set[str]:
    """The message's folded words that only fold to a word of `phrase`: typed every time with
    other marks than the phrase's ("lắm", "cần", "mắt" against "làm", "căn", "mất"). A word typed
    without marks, or a phrase word without marks, may be either."""
    own = {strip_marks(w): w for w in clean(phrase).split()}
    return {
        t
        for t, typed in forms.items()
        if t in own and own[t] != t and all(f != t and f != own[t] for f in typed)
    }


def _paper_first(
    seq: list[str], docs: list[list[str]], asked: set[tuple[str, str]], asking: bool
) -> bool:
    """The message names a paper of the checklist by its head ("hợp đồng thuê …") before the
    words that would name another procedure, or, asked whether it is required, with them ("có phải xin
    giấy xác nhận độc thân không" under the marriage, which does not need it): it asks about
    that paper."""
    heads = {(d[0], d[1]) for d in docs if len(d) > 1}
    pairs = list(zip(seq, seq[1:], strict=False))
    at = [i for i, pair in enumerate(pairs) if pair in heads]
    named = [i for i, pair in enumerate(pairs) if pair in asked]
    if not (at and named):
        return False
    return min(at) <= min(named) + 1 if asking else min(at) < min(named)


def turns_to(turn: Turn, text: str) -> bool:
    """The message opens by turning to something else ("còn …", "thế còn …", "à tiện hỏi luôn
    …", "what about …"), after an "ok" or an "à", as typed: unaccented "con" is as often a
    child."""
    words = turn.content.flows.words
    typed = clean(text).split()
    acks = {t for p in words.small_talk.get("ok", ()) for t in p.split()}
    while len(typed) > 1 and (fold(typed[0]) in words.preambles or fold(typed[0]) in acks):
        typed = typed[1:]  # "à", "ờ", "ok còn vụ khai tử …"
    opened = " ".join(typed[:LEAD_WORDS])
    lead = next((m for m in words.turn_leads if f"{opened} ".startswith(f"{m} ")), "")
    # "còn đứa cháu ngoại bà đẻ ở nhà thì răng": another person, the same procedure
    after = [fold(t) for t in typed[len(lead.split()) :][:1]]
    return bool(lead) and not (after and after[0] in {fold(k) for k in words.kin})


def denies(turn: Turn, proc: Procedure, text: str) -> bool:
    """Whether the message denies `proc` itself ("không phải khai sinh mà là khai tử", "not
    birth, death"), not some detail of it ("không phải nơi thường trú có được không" while
    following the ID card): a word of its names, not a generic or a question word, stands in
    what it denies (read on the words as typed, and as the matcher reads them). A denial ends
    with its clause, and its function words deny nothing: "hđ hết hạn chứ ko phải bị đuổi, vậy
    có tính ko" denies being fired, not the unemployment benefit (whose aliases say "bị")."""
    m = turn.content.matcher
    denied: set[str] = set()
    for clause in CLAUSES.split(text):
        prep = m.prepare(clause)
        typed = fold(clause).split()
        stops = {t for t, stop in zip(prep.tokens, prep.stops, strict=True) if stop}
        said = {prep.tokens[i] for i in m.lexicon.negated_positions(prep.tokens, prep.typed)}
        said |= {typed[i] for i in m.lexicon.negated_positions(typed)}
        denied |= said - stops
    words = turn.content.flows.words
    named = {t for p in (proc.name, *proc.aliases, *proc.english) for t in fold(p).split()}
    return bool((denied & named) - words.generic - words.question_marks - words.particles)


def asks_about_paper(turn: Turn, text: str) -> bool:
    """Whether the message is about a paper ("giấy chứng sinh bệnh viện có tự gửi lên không"),
    not a need for the procedure that issues it ("làm căn cước cho bé")."""
    return bool(_papers_named(fold(text).split(), turn.content.flows.words))


def _asked_pairs(turn: Turn, seq: list[str]) -> set[tuple[str, str]]:
    """The message's word pairs, less those naming an object ("mang giấy đăng ký kết hôn": a
    paper to bring, not the marriage procedure)."""
    objects = turn.content.matcher.lexicon.object_positions(seq)
    return {(a, b) for i, (a, b) in enumerate(zip(seq, seq[1:], strict=False)) if i not in objects}


def _checklist(turn: Turn, proc: Procedure | None) -> tuple[list[list[str]], list[list[str]]]:
    """The names of `proc`'s papers, and of those it does not need, as folded words."""
    parts = guide.parts(turn.content.catalog, proc) if proc is not None else []
    docs = [fold(d.name).split() for part in parts for d in part.documents]
    return docs, [fold(nn.name).split() for part in parts for nn in part.not_needed]


def _papers(
    turn: Turn, docs: list[list[str]], runs: tuple[list[str], ...], asking: bool
) -> set[tuple[str, str]]:
    """Word pairs of the message that name a paper: one on the checklist `docs` (after a need
    verb only when asked whether it is required: "có phải làm giấy ủy quyền không", not "làm
    căn cước thì ra đâu"), or a paper word."""
    words = turn.content.flows.words
    held = {pair for doc in docs for pair in word_pairs(doc)}
    out: set[tuple[str, str]] = set()
    for seq in runs:
        out |= {
            pair
            for i, pair in enumerate(zip(seq, seq[1:], strict=False))
            if pair in held and (asking or not _needed(seq[:i], words))
        }
        out |= _papers_named(seq, words)
    return out


def _needed(before: list[str], words: Words) -> bool:
    """A need verb stands right before a paper ("làm căn cước" asks for the ID card procedure,
    though the card is on the marriage's checklist)."""
    near = " ".join(before[-NEED_VERB_REACH:])
    return any(contains(near, v) for v in words.need_verbs)


def _papers_named(typed: list[str], words: Words) -> set[tuple[str, str]]:
    """Pairs of words naming a paper ("mang căn cước", "về chỗ hộ khẩu"), unless a need verb
    comes right before it ("làm căn cước cho bé" asks for the ID card procedure)."""
    out: set[tuple[str, str]] = set()
    text = f" {' '.join(typed)} "
    for paper in words.document_words:
        at = text.find(f" {paper} ")
        if at < 0:
            continue
        if _needed(text[:at].split(), words):  # "cấp thẻ căn cước": one word between
            continue
        out |= word_pairs(paper.split())
    return out


def picked_by_pair(turn: Turn, text: str, options: list[Procedure]) -> Procedure | None:
    """The one offer a word pair of the message names, read plainly ("nhận con" under khai
    sinh / nhận cha, mẹ, con / khai tử: "con" is also an address word, so hints_at skips it);
    pairs of only common words (generic, particle, question) name nothing. None unless one."""
    words = turn.content.flows.words
    # "cần đem những gì": the words of a question's phrases name no offer
    common = set(words.particles) | set(words.question_marks) | asked_words(turn, fold(text))
    said = {
        pair
        for pair in word_pairs(fold(text).split())
        if not set(pair) <= common and " ".join(pair) not in words.generic
    }
    forms = _typed_forms(text)
    hit = [
        p
        for p in options
        if any(
            not _misread(forms, n) & set(pair)  # "tính tiền từ" is not "tiền tử tuất"
            for n in (p.name, *p.aliases, *p.english)
            for pair in said & word_pairs(fold(n).split())
        )
    ]
    return hit[0] if len(hit) == 1 else None


def hints_at(
    turn: Turn, text: str, other: Procedure, loose: bool = False, one_generic: bool = False
) -> bool:
    """Whether the message shares a two-syllable word with `other`'s name or aliases ("lăn tay"
    -> chứng thực chữ ký): the matcher, trained on first messages, is sure of itself on short
    follow-ups ("lấy liền không" -> kết hôn), so a guess is offered only with such a hint.
    `loose`, for a procedure already followed: a word may skip one syllable of the name
    ("vụ nhập khẩu" -> "nhập hộ khẩu"). `one_generic`: a word may pair with a generic one ("lần
    đầu")."""
    words = turn.content.flows.words
    said = content_pairs(turn, _unowned(unheld(text, words), words), one_generic)
    forms = _typed_forms(text)
    for phrase in (other.name, *other.aliases, *other.english):
        toks = fold(phrase).split()
        pairs = set(zip(toks, toks[1:], strict=False))
        if loose:
            pairs |= set(zip(toks, toks[2:], strict=False))
        misread = _misread(forms, phrase)  # "gõ lộn" is not "gỗ lớn"
        if any(not misread & set(pair) for pair in said & pairs):
            return True
    return False
