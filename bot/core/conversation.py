"""The understanding step on every typed message: read it (bot.core.understand), then act.

A typed answer goes through exactly the same path as the pressed button (`Engine.press`);
a question about the procedure in hand is answered from its catalogue entry and the pending
question comes back with its buttons; small talk gets a warm short answer; a new need goes
to the matcher; what is not understood gets what was understood and the likeliest next steps.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core import guide
from bot.core.answers import (
    answer_about,
    asked_words,
    card_lines,
    case_papers,
    content_pairs,
    display_name,
    document_score,
    documents_answer,
    lines_naming,
    lines_touching,
    names_document,
    notes_for,
    proxy_text,
    told_papers,
    with_footnote,
    word_pairs,
)
from bot.core.engine import Turn
from bot.core.flows import COMMAND_PREFIX, DEFAULT_ON_TEXT
from bot.core.matcher import CLEAR_LEAD, Analysis, raw_odds
from bot.core.messages import Button
from bot.core.model import Procedure, Question
from bot.core.naming import (
    asks_about_paper,
    denies,
    hands_in,
    hints_at,
    names,
    names_in_english,
    paper_before_required,
    picked_by_pair,
    turns_to,
)
from bot.core.normalize import clean, fold
from bot.core.render import clip
from bot.core.understand import (
    Context,
    Kind,
    Option,
    Reading,
    Words,
    a_clause_asks,
    announces,
    ask_topics,
    asked_step,
    contains,
    facts_in,
    is_question,
    language,
    life_event,
    paper_words,
    read,
    said_papers,
    stand_in,
    without_preamble,
)

MISSES_FOR_HUMAN = 2
CLEAR_QUESTION_TOKENS = (
    4  # a question this long that names no procedure is out of scope, not gibberish
)
MIN_WORDS_FOR_OTHER = 3  # words (besides question words) a message needs to be a clear question
OFFER_CHARS = 90  # a national record's name may run to 1,000 characters
SUMMARY_STEP = "guide.summary"  # a procedure's card
BUNDLE_STEP = "guide.bundle"  # a member's card offers its bundle there
SUMMARY_WAIT = "guide.summary_wait"  # its buttons, waiting
CHOOSE_STEP = "main.choose"  # asks the separating question or shows the short list again
PICK = "pick:"  # a choice list's button payloads
OFFERS_ANSWERED = 2  # offers whose lines answer a question typed under a choice list
SHORT_TOPICS = ("where", "fee", "time", "online", "deadline")  # answered under a choice list
STORY_CLAUSES = 2  # a family story told without a request: clauses, at least
CORRECTION_REACH = 4  # words at the start of a message where "à nhầm, ý em là" corrects
THIS_REF_REACH = 4  # words at the start of a message where "giấy này" points at the paper in hand


def pending_question(turn: Turn) -> Question | None:
    proc, pid = turn.proc, turn.state.pending
    if proc is None or not pid:
        return None
    for q in guide.asked(turn.content.catalog, proc, include_rare=True):
        if q.id == pid:
            return q
    return None


def context_of(turn: Turn) -> Context:
    state = turn.state
    step = turn.engine.step(state.step)
    q = pending_question(turn) if step is not None and "answer" in step.on else None
    options = [Option(o.value, o.label) for o in q.options] if q else []
    buttons = [(label, payload) for label, payload in state.buttons]
    offered = bool(choosing(turn))
    return Context(options, q.id if q else "", buttons, turn.proc is not None or offered, offered)


def choosing(turn: Turn) -> list[Procedure]:
    """The procedures offered to choose from, while the choice is pending."""
    state = turn.state
    if turn.proc is not None or not any(p.startswith("pick:") for _, p in state.buttons):
        return []
    found = (turn.content.catalog.get(pid) for pid in state.choices)
    return [p for p in found if p is not None]


def typed(turn: Turn, text: str) -> bool:
    """Handle a typed message; False leaves it to the flow's own text handling."""
    words = turn.content.flows.words
    lang = language(text, words)
    if lang != "en":  # "r u ok" is English
        text = turn.text = words.spell_out(text)
    turn.earlier = turn.state.last_text
    turn.state.last_text = text
    if lang and (
        len(text.split()) > 1 or turn.proc is None
    ):  # "thanks" alone mid-guide keeps the language
        turn.state.lang = lang
    reading = read(text, context_of(turn), words)
    turn.state.facts.update(reading.facts)
    if reading.kind != Kind.UNKNOWN and reading.kind != Kind.NEED:
        turn.state.misses = 0
    handler = HANDLERS.get(reading.kind, _need)
    return handler(turn, reading)


def _control(turn: Turn, reading: Reading) -> bool:
    turn.engine.command(turn, reading.value)
    return True


def _answer(turn: Turn, reading: Reading) -> bool:
    turn.engine.press(turn, f"answer:{reading.value}")
    return True


def _button(turn: Turn, reading: Reading) -> bool:
    payload = reading.value
    if payload.startswith(COMMAND_PREFIX):
        turn.engine.command(turn, payload[len(COMMAND_PREFIX) :])
    else:
        turn.engine.press(turn, payload)
    return True


def _talk(turn: Turn, reading: Reading) -> bool:
    if reading.value == "hello" and turn.proc is None:
        turn.engine.run(turn, turn.content.flows.starts["main"])
        return True
    rest = _after_complaint(turn) if reading.value == "complaint" else ""
    waited = not rest and reading.value == "complaint" and _waited(turn)
    if waited and turn.proc is not None:  # "nộp 20 ngày rồi chưa thấy quyết định": the time
        time = answer_about(turn, turn.proc, "time")
        turn.say(with_footnote(turn, f"{turn.r.t('complaint_heard')}\n{time}"))
        reprompt(turn)
        return True
    if rest:  # "… bực mình lắm. ra văn phòng công chứng tư làm có được không": heard, answered
        turn.say(turn.r.t("complaint_heard"))
        turn.text = rest
        again = read(rest, context_of(turn), turn.content.flows.words)
        return HANDLERS.get(again.kind, _need)(turn, again)
    held = "_proc" if reading.value == "ask_ahead" and turn.proc is not None else ""
    turn.say(turn.r.t(f"talk_{reading.value}{held}"))
    reprompt(turn)
    return True


def _waited(turn: Turn) -> bool:
    """The complaint is about waiting for the result ("vẫn chưa thấy gọi, làm gì mà lâu thế")."""
    said = fold(turn.text)
    return any(contains(said, w) for w in turn.content.flows.words.waiting_words)


def _after_complaint(turn: Turn) -> str:
    """The question asked after a complaint, in the clauses that follow it, while a procedure
    is in hand ("" when none)."""
    words = turn.content.flows.words
    said = words.small_talk.get("complaint", ())
    clauses = [c.strip() for c in re.split(r"[.!?;,\n]+", turn.text) if c.strip()]
    last = max(
        (i for i, c in enumerate(clauses) if any(contains(fold(c), w) for w in said)), default=-1
    )
    rest = " ".join(clauses[last + 1 :]) if last >= 0 else ""
    asked = bool(rest) and is_question(rest, fold(rest), words)
    return rest if turn.proc is not None and asked else ""


def _facts(turn: Turn, reading: Reading) -> bool:
    """A fact told ("chị tui ly dị rồi, có quyết định của tòa"): noted; asked about as well
    ("… vậy có sao không"), the checklist as it now stands."""
    text = turn.text
    if turn.proc is not None and (
        names_another(turn, turn.proc, reading) or _issued_by_other(turn, turn.proc)
    ):  # "cấp căn cước cho con 14 tuổi", "chưa có trích lục khai tử, làm cái đó thế nào"
        return _need(turn, Reading(Kind.NEED, text=text))
    asked = is_question(text, fold(text), turn.content.flows.words)
    if (
        asked
        and turn.proc is not None
        and (topics := ask_topics(fold(text), turn.content.flows.words))
        and not _asks_its_questions(turn, turn.proc, reading)
    ):
        # "bạn gái tôi mới 17 tuổi thì đăng ký ở đâu" under marriage: a fact the entry does not
        # ask about (a minor staying somewhere) is part of a question about it
        return _ask(turn, Reading(Kind.ASK, ",".join(topics), text=fold(text)))
    if asked and (offer := _offer_asking(turn, reading)) is not None:
        # "I got divorced in 2015. Do I need to show that?" under a choice list: the one offer
        # whose checklist asks about that fact, and its checklist as the fact makes it
        turn.engine.press(turn, f"pick:{offer.id}")
        if turn.proc is not None and turn.proc.id == offer.id:
            turn.say(with_footnote(turn, documents_answer(turn, turn.proc)))
            reprompt(turn)
            return True
    said = turn.r.t("facts_noted")
    if turn.proc is not None and asked:
        said += "\n" + documents_answer(turn, turn.proc)
    elif turn.proc is not None and (extra := told_papers(turn, turn.proc, reading.facts, "")):
        said += "\n" + extra  # "ông ngoại nó cũng còn sống": the agreement naming one guardian
    turn.say(with_footnote(turn, said))
    reprompt(turn)
    return True


def _other_told_done(turn: Turn) -> bool:
    """The other procedure a follow-up names is told done, and it asks about the one in hand
    ("đăng ký tạm trú ở đây rồi thì có làm ở đây được ko hay phải về quê" under marriage)."""
    matches = turn.content.matcher.analyse(turn.text, top=2).matches
    other = turn.content.catalog.get(matches[0].id) if matches else None
    return other is not None and _told_done(turn, turn.text, other)


def _asks_its_questions(turn: Turn, proc: Procedure, reading: Reading) -> bool:
    """Whether a fact the message told answers one of the procedure's own questions."""
    own = {q.id for part in guide.parts(turn.content.catalog, proc) for q in part.questions}
    return bool(own & set(reading.facts))


def _stands_in(turn: Turn, proc: Procedure, reading: Reading) -> bool:
    """Asked whether someone may go in the citizen's place, naming the procedure by which they
    would, as the entry's own authorisation words say ("bà nội bé đi làm dùm được hông, có cần
    làm giấy ủy quyền rồi chứng thực chữ ký gì không": "văn bản ủy quyền có chứng thực"): about
    the procedure in hand."""
    words = turn.content.flows.words
    if "who" not in reading.value.split(",") or stand_in(fold(turn.text), words) < 0:
        return False
    matches = turn.content.matcher.analyse(turn.text, top=1).matches
    other = turn.content.catalog.get(matches[0].id) if matches else None
    return other is not None and bool(_pairs_of(other.name) & _pairs_of(proxy_text(turn, proc)))


def _said_of_other(turn: Turn, proc: Procedure) -> list[str]:
    """Whether another procedure is required ("do they need temporary residence registration?"
    under the stay notification, whose note says from when guests must register): the lines of
    `proc`'s entry that name it; [] when none do, or when the message turns to it or asks one of
    its topics ("còn tạm trú thì lệ phí sao", "xóa hộ khẩu của ba thì có hạn không")."""
    said = fold(turn.text)
    words = turn.content.flows.words
    if not is_question(turn.text, said, words) or ask_topics(said, words):
        return []
    if turns_to(turn, turn.text) or not any(contains(said, w) for w in words.required_words):
        return []
    matches = turn.content.matcher.analyse(turn.text, top=1).matches
    other = turn.content.catalog.get(matches[0].id) if matches else None
    offers = {p.id for p in choosing(turn)}
    if other is None or other.id == proc.id or other.id in offers:
        return []
    if not names(turn, proc, turn.text, other):
        return []
    return lines_naming(turn, proc, other) or lines_touching(turn, proc, other, turn.text)


def _issued_by_other(turn: Turn, proc: Procedure) -> bool:
    """Asked how to get a paper (`obtain_words`) the procedure in hand asks for, which another
    procedure issues ("cháu chưa có giấy khuyết tật, làm cái đó thế nào" under the monthly
    allowance: the disability certificate is that procedure's result): the matcher's first
    reading, when its result's name and one of `proc`'s papers share a word of the message."""
    words = turn.content.flows.words
    said = fold(turn.text)
    if not any(contains(said, w) for w in words.obtain_words):
        return False
    matches = turn.content.matcher.analyse(turn.text, top=1).matches
    other = turn.content.catalog.get(matches[0].id) if matches else None
    if other is None or other.id in {proc.id, *proc.bundles, *proc.members}:
        return False
    issued = _pairs_of(re.split(r"[(,;]", other.result.text)[0])
    docs = set().union(
        *(
            _pairs_of(d.name)
            for part in guide.parts(turn.content.catalog, proc)
            for d in part.documents
        )
    )
    return bool(content_pairs(turn, turn.text) & issued & docs)


def _offer_speaking_of(turn: Turn) -> bool:
    """`_said_of_other` under a choice list ("do they need to register temporary residence? its
    only 4 nights" under the stay notification and two others): the one offer whose entry speaks
    of that procedure (the first listed, when several do), picked, and its lines."""
    hits = [(p, lines) for p in choosing(turn) if (lines := _said_of_other(turn, p))]
    if not hits:
        return False
    offer, lines = hits[0]
    turn.engine.press(turn, f"pick:{offer.id}")
    if turn.proc is None or turn.proc.id != offer.id:
        return False
    turn.state.misses = 0
    return _say_lines(turn, offer, lines)


def _say_lines(turn: Turn, proc: Procedure, lines: list[str]) -> bool:
    name = clip(display_name(turn, proc), OFFER_CHARS)
    turn.say(with_footnote(turn, turn.r.t("ask_card", name=name, lines="\n".join(lines))))
    reprompt(turn)
    return True


def _pairs_of(text: str) -> set[tuple[str, str]]:
    return word_pairs(fold(text).split())


def _offer_asking(turn: Turn, reading: Reading) -> Procedure | None:
    """Under a choice list, the only offer whose questions ask about a fact the message told
    (None when none or several do)."""
    told = set(reading.facts)
    asking = [p for p in choosing(turn) if told & {q.id for q in p.questions}]
    return asking[0] if len(asking) == 1 else None


def _ask(turn: Turn, reading: Reading) -> bool:
    proc = turn.proc
    if proc is None:
        options = choosing(turn)
        if not options or _names_new(turn, options) or _corrects(turn):
            return _need(turn, Reading(Kind.NEED, text=turn.text))
        if _back_to_earlier(turn, turn.text):  # "ok vậy quay lại hộ chiếu, phí bn"
            return True
        bringing = _bringing(turn, options)
        named = bringing or [p for p in options if names(turn, None, turn.text, p)]
        if len(named) != 1 and (plain := picked_by_pair(turn, turn.text, options)) is not None:
            named = [plain]  # "giờ em muốn nhận con cho đúng giấy tờ thì làm ở đâu"
        if len(named) != 1:  # "… khai tử rồi cắt hộ khẩu rồi tiền mai táng": read alone, the
            # message asks for one of the offers (the matcher's answer, with a word of its name:
            # on "khi mô thì được lãnh tiền" alone the matcher guesses)
            matches = turn.content.matcher.analyse(turn.text, top=1).matches
            named = [
                p
                for p in options
                if matches and p.id == matches[0].id and hints_at(turn, turn.text, p)
            ]
        if len(named) == 1:  # "thôi làm khai tử trước, cần gì": that offer, and the answer
            turn.engine.press(turn, f"pick:{named[0].id}")
            if turn.proc is not None and turn.proc.id == named[0].id:
                # the words that named it name no paper ("khai tử" is not "tờ khai khai tử")
                # (a paper to bring names no offer: its words stay)
                own = {t for n in (named[0].name, *named[0].aliases) for t in fold(n).split()}
                rest = " ".join(t for t in reading.text.split() if bringing or t not in own)
                _say_answers(turn, turn.proc, replace(reading, text=rest))
                reprompt(turn)
                return True
        parts = [f"{display_name(turn, p)}:\n{_answers(turn, p, reading)}" for p in options]
        turn.say(with_footnote(turn, "\n\n".join(parts)))
        reprompt(turn)
        return True
    if _back_to_earlier(turn, turn.text):  # "quay lại cái hộ kinh doanh, bao lâu thì có giấy"
        return True
    if names_another(turn, proc, reading) and (lines := _said_of_other(turn, proc)):
        return _say_lines(turn, proc, lines)  # "do they need temporary residence registration?"
    if _issued_by_other(turn, proc):  # "cháu chưa có giấy khuyết tật, làm cái đó thế nào"
        return _need(turn, Reading(Kind.NEED, text=turn.text))
    if clause := _turned_to_clause(turn, proc):  # "à còn phải chuyển hộ khẩu cả nhà về nữa, …"
        return _need(turn, Reading(Kind.NEED, text=clause))
    if (
        names_another(turn, proc, reading)
        and not _stands_in(turn, proc, reading)
        and not _other_told_done(turn)
    ) or _corrects(turn):
        # "còn khai tử thì lệ phí sao?", "à nhầm, ý em là tạm vắng, …": the other one's card
        return _need(turn, Reading(Kind.NEED, text=turn.text))
    if members := _members_asked(turn, proc):  # "được cả thẻ bhyt với nhập hộ khẩu luôn hả"
        return _say_members(turn, proc, members)
    said = _answers(turn, proc, reading)
    extra = told_papers(turn, proc, reading.facts, said)  # "e chưa đủ 18, chú ký thay đc ko"
    said = f"{said}\n{extra}" if extra else said
    name = display_name(turn, proc)
    if name not in said and (
        names(turn, None, turn.text, proc)  # "giấy khai sinh … lên đâu"
        or (turn.r.lang == "en" and names_in_english(turn, turn.text, proc))
    ):
        said = f"{name}:\n{said}"  # the answer says which procedure it speaks for
    turn.say(with_footnote(turn, said))
    reprompt(turn)
    return True


def _members_asked(turn: Turn, proc: Procedure) -> list[Procedure]:
    """Under a bundle, a yes/no question about one of its members and nothing else ("làm 1 lần là
    được cả thẻ bhyt với nhập hộ khẩu luôn hả", "hộ khẩu của ổng có phải đi cắt hông"): the
    members it names, or hints at without naming a paper ("có cần sổ hộ khẩu không" asks a
    paper)."""
    said = fold(turn.text)
    words = turn.content.flows.words
    if not proc.members or not is_question(turn.text, said, words) or ask_topics(said, words):
        return []
    members = turn.content.catalog.members(proc)
    named = [p for p in members if names(turn, proc, turn.text, p)]
    if named:
        return named
    if asks_about_paper(turn, turn.text):  # "cái hộ khẩu của ổng có phải đi cắt hông"
        return [p for p in members if _words_of_alias(said, p)]
    return [p for p in members if hints_at(turn, turn.text, p)]


def _words_of_alias(said: str, proc: Procedure) -> bool:
    """Every word of one of the procedure's names of three words or more is in the message, in
    any order (a paper named first, then what is done with it)."""
    typed = set(said.split())
    names = (fold(a).split() for a in (proc.name, *proc.aliases))
    return any(len(n) >= 3 and set(n) <= typed for n in names)


def _say_members(turn: Turn, proc: Procedure, asked: list[Procedure]) -> bool:
    """What the bundle does in one go, the members asked about first."""
    order = asked + [p for p in turn.content.catalog.members(proc) if p not in asked]
    lines = "\n".join(f"• {display_name(turn, p)}" for p in order)
    name = clip(display_name(turn, proc), OFFER_CHARS)
    turn.say(turn.r.t("bundle_members", name=name, lines=lines))
    reprompt(turn)
    return True


def _bringing(turn: Turn, options: list[Procedure]) -> list[Procedure]:
    """Under a choice list, a question whether a paper must be brought ("cái giấy khuyết tật có
    cần đem theo ko" under the monthly allowance and the disability certificate): the one offer
    whose checklist holds that paper, not the offer that issues it."""
    said, words = fold(turn.text), turn.content.flows.words
    if not hands_in(said, words) or not paper_before_required(said, words):
        return []
    scores = [
        0.0 if names(turn, None, turn.text, p) else document_score(turn, p, said) for p in options
    ]
    best = max(scores, default=0.0)
    # the first of those that name it best: the offers come in the matcher's order
    return [options[scores.index(best)]] if best else []


def _say_answers(turn: Turn, proc: Procedure, reading: Reading) -> None:
    """The answers to each topic asked ("lệ phí, bao lâu"), with the unverified footnote."""
    turn.say(with_footnote(turn, _answers(turn, proc, reading)))


def _answers(turn: Turn, proc: Procedure, reading: Reading) -> str:
    """The answer to each topic asked, one after the other."""
    topics = reading.value.split(",")
    words = turn.content.flows.words
    # a correction's papers are those its question names, not those it denies ("… ko phải xin
    # giấy độc thân. đk kết hôn thì mang theo gì")
    asked = reading.text if reading.text and _opens_correction(turn) else turn.text
    glossed = paper_words(fold(asked), words, turn.r.lang == "en")
    lines = card_lines(turn, proc, glossed) if glossed and "document" in reading.value else []
    if lines:  # "do my Korean papers need legalising?": the lines that say so, not the list
        name = clip(display_name(turn, proc), OFFER_CHARS)
        return turn.r.t("ask_card", name=name, lines="\n".join(lines))
    if (  # "bà đi thay thì có cần giấy ủy quyền không": who may go, and that paper
        not {"document", "documents"} & set(topics)
        and said_papers(turn.text, words)
        and names_document(turn, proc, reading.text)
    ):
        topics.append("document")
    said = "\n".join(answer_about(turn, proc, topic, reading.text) for topic in topics)
    if (
        glossed
        and not {"document", "documents"} & set(topics)
        and names_document(turn, proc, glossed)
    ):
        # "do we need a health check? we both …": who, and the checklist's medical paper
        said += "\n" + answer_about(turn, proc, "document", glossed)
    return said


def _turned_to_clause(turn: Turn, proc: Procedure) -> str:
    """A message that turns to another procedure in its first clause and asks about it after
    ("à còn phải chuyển hộ khẩu cả nhà về nữa, cái đấy làm ở đâu"), which the matcher, reading
    it whole, leaves unanswered: that first clause, when it names the other one; else ""."""
    # (top=2: names_another's reading of the same message, not a second one)
    if not turns_to(turn, turn.text) or turn.content.matcher.analyse(turn.text, top=2).matches:
        return ""
    clauses = _clauses(turn.text)
    if len(clauses) < 2:
        return ""
    matches = turn.content.matcher.analyse(clauses[0], top=1).matches
    known = {proc.id, *proc.bundles, *proc.members}
    other = turn.content.catalog.get(matches[0].id) if matches else None
    if other is None or other.id in known or not names(turn, proc, clauses[0], other):
        return ""
    return clauses[0]


def _names_new(turn: Turn, options: list[Procedure]) -> bool:
    """A question typed under a choice list that names a procedure not in the list ("… có được
    tiền mai táng không" under two other offers): a new need, not a question about the offers."""
    return _names_outside(turn, options[0], {p.id for p in options}, choosing=True)


def names_another(turn: Turn, proc: Procedure, reading: Reading) -> bool:
    """A question that also names a different procedure (several words besides the question)."""
    return _names_outside(turn, proc, {proc.id, *proc.bundles, *proc.members})


def _names_outside(turn: Turn, proc: Procedure, known: set[str], choosing: bool = False) -> bool:
    """The matcher's first reading is a procedure outside `known`, and the message names it
    (naming.names: a run of its name's words, not a paper of `proc`)."""
    matches = turn.content.matcher.analyse(turn.text, top=2).matches
    if not matches or matches[0].id in known:
        return False
    other = turn.content.catalog.get(matches[0].id)
    return other is not None and names(turn, proc, turn.text, other, choosing)


def _need(turn: Turn, reading: Reading) -> bool:
    text = reading.text or turn.text
    if reading.value == "complaint":  # "cán bộ làm chậm quá, bực cả mình": listen first
        turn.state.misses = 0
        return _talk(turn, reading)
    if turn.proc is None and _asks_about_nothing(turn, text):
        return True
    if _back_to_earlier(turn, text):
        return True
    analysis = turn.content.matcher.analyse(text, top=3)
    text, analysis = _with_story(turn, text, analysis)
    # "à nhầm, ý em là tạm vắng": the need corrected, not a follow-up of the one in hand
    text, analysis, corrected = _corrected_need(turn, text, analysis)
    if _asks_before_choosing(turn, text, analysis):
        turn.state.misses = 0
        turn.say(_offers_lines(turn, text) or turn.r.t("choose_first"))
        reprompt(turn)
        return True
    if _asks_the_offers(turn, text, analysis):  # "em chỉ là cháu chứ không phải con, có làm
        return True  # được không" under a choice list: answered for the offers
    proc = turn.proc
    # small talk around no procedure ("ừ cảm ơn cháu nhé") is answered as small talk below
    talk_only = bool(reading.value) and not analysis.matches
    if proc is not None and _thanks_only(turn, proc, text, analysis):
        turn.state.misses = 0  # "thế thì tốt quá, bà cảm ơn cháu": thanks, whatever it mentions
        return _talk(turn, Reading(Kind.TALK, "thanks"))
    # "cháu chưa có giấy khuyết tật, làm cái đó thế nào": the procedure that issues the paper
    issued = proc is not None and not corrected and _issued_by_other(turn, proc)
    if (
        proc is not None
        and not talk_only
        and not corrected
        and not issued
        and _in_context(turn, proc, text, analysis)
    ):
        return True
    if proc is not None and not issued and _same_again(turn, proc, analysis):
        return True
    if proc is None and not corrected and _offer_speaking_of(turn):
        return True
    if not corrected and _corrects_detail(turn, analysis):
        turn.state.misses = 0
        held = turn.proc  # the procedure it stays on, named: the citizen sees what still holds
        _noted(turn, held, _asked_again(turn, held, turn.text) if held is not None else "")
        return True
    if analysis.matches or (analysis.unsure and not reading.value):  # unsure: a choice list
        turn.state.misses = 0
        turn.text = text
        turn.engine.run(turn, DEFAULT_ON_TEXT)
        _press_asked(turn, text)
        if turn.proc is not None and turn.proc is not proc:
            _answer_with_card(turn, turn.proc, text)
        elif turn.proc is None:
            _answer_with_choices(turn, text)
        return True
    if proc is None and _tells_life_event(turn, text):
        return True
    if reading.value:  # "chào em, cho hỏi chút": small talk around no procedure
        turn.state.misses = 0
        return _talk(turn, reading)
    words = turn.content.flows.words
    clear = (
        is_question(text, fold(text), words) and len(fold(text).split()) >= CLEAR_QUESTION_TOKENS
    )
    if proc is None and _tells_story(turn, text):
        turn.state.misses = 0  # "Cha mẹ thằng cháu tôi mất năm rồi. Nó 10 tuổi, giờ ở với tôi":
        turn.say(turn.r.t("go_on"), [Button(turn.r.t("btn_help"), "cmd:help")])  # the need next
        return True
    if analysis.topic or clear:  # a clear question about something else: say so, with the hotline
        turn.state.misses = 0
        turn.say(turn.r.t("out_of_scope"))
        reprompt(turn)
        return True
    notes = notes_for(turn, turn.proc, text) if turn.proc is not None else []
    if notes:  # "chưa đăng ký kết hôn thì sao?": the procedure's own note about it
        turn.state.misses = 0
        turn.say(turn.r.t("card_note", note=notes[0]))
        reprompt(turn)
        return True
    if proc is None and announces(fold(text), words):  # "Cho tui hỏi chuyện nhà chút. Thằng
        turn.state.misses = 0  # con tui đi bỏ mối bên Snuol mấy năm nay": a story begun
        turn.say(turn.r.t("go_on"), [Button(turn.r.t("btn_help"), "cmd:help")])
        return True
    return not_understood(turn)


def _tells_story(turn: Turn, text: str) -> bool:
    """A story about the family that asks nothing yet, told in a few clauses: the citizen is
    asked to go on, not told the bot cannot help (its request comes next: `_with_story`)."""
    words = turn.content.flows.words
    folded = fold(text)
    clauses = [c for c in re.split(r"[.;,!\n]+", text) if c.strip()]
    return (
        len(clauses) >= STORY_CLAUSES
        and not choosing(turn)
        and not is_question(text, folded, words)
        and any(contains(folded, k) for k in words.kin)
    )


def _with_story(turn: Turn, text: str, analysis: Analysis) -> tuple[str, Analysis]:
    """A request that names too little to choose one procedure ("tôi muốn làm giấy tờ cho đàng
    hoàng để lo cho nó, làm giấy gì vậy"), typed after a message that found none or only a choice
    ("Cha mẹ thằng cháu tôi mất … giờ ở với tôi là bà ngoại"): read with that message before it,
    when the two name a procedure more surely than the request alone; else the request as it is.
    A correction says the message before it was wrong: it is read alone."""
    earlier = turn.earlier
    if turn.proc is not None or not earlier or not _unclear(analysis) or _opens_correction(turn):
        return text, analysis
    told = f"{earlier.rstrip(' .')}. {text}"
    both = turn.content.matcher.analyse(told, top=3)
    if not both.matches or _unclear(both):
        return text, analysis
    if analysis.matches and both.matches[0].score <= analysis.matches[0].score:
        return text, analysis
    return told, both


def _unclear(analysis: Analysis) -> bool:
    """No procedure found, or a first one whose lead would make a choice list (CLEAR_LEAD)."""
    found = analysis.matches
    if not found:
        return True
    return len(found) > 1 and raw_odds(found[0].score) < CLEAR_LEAD * raw_odds(found[1].score)


def _opens_correction(turn: Turn) -> bool:
    """The message opens with a correction ("à nhầm", "ý em là"), read as typed."""
    lead = fold(" ".join(turn.text.split()[:CORRECTION_REACH]))
    return any(contains(lead, c) for c in turn.content.flows.words.corrections)


def _corrects_detail(turn: Turn, analysis: Analysis) -> bool:
    """A correction that turns to no other procedure ("à nhầm, mệ tui 86 tuổi chơ không phải 68"):
    a detail of the procedure in hand, or of the offers, corrected; they stay."""
    here = {turn.proc.id} if turn.proc is not None else {p.id for p in choosing(turn)}
    if not here or not _opens_correction(turn):
        return False
    if not analysis.matches:
        return True
    top = turn.content.catalog.get(analysis.matches[0].id)
    if top is None or top.id in here or _told_done(turn, turn.text, top):
        return True
    return not (hints_at(turn, turn.text, top) or names(turn, turn.proc, turn.text, top))


_DONE_THEN = re.compile(r"\b(rồi|roi|r)\s+(thì|thi)\b", re.IGNORECASE)


def _told_done(turn: Turn, text: str, other: Procedure) -> bool:
    """Every clause of a correction or follow-up that hints at `other` tells it done ("à nhầm, anh
    ấy chuyển khẩu về Tân Uyên rồi. thế đăng ký ở xã e đc ko" under marriage: where he lives now,
    a detail), and some other clause is left to ask."""
    if turn.proc is None:
        return False
    done = turn.content.matcher.lexicon.done_after
    # "đăng ký tạm trú ở đây rồi thì có làm ở đây được ko": "… rồi thì" ends a clause too
    text = _DONE_THEN.sub(r"\1, \2", without_preamble(text, turn.content.flows.words))
    clauses = _clauses(text)
    hinting = [c for c in clauses if hints_at(turn, c, other)]
    rest = [c for c in clauses if c not in hinting]
    named = {p for n in (other.name, *other.aliases) for p in _pairs_of(n)}
    plain = turn.content.flows.words.generic
    generic = {p for p in named if set(p) <= plain}
    return (
        bool(hinting)
        and bool(rest)
        and all(fold(c).split()[-1] in done for c in hinting)
        # what is left asks without a word of it ("vậy hộ khẩu của cháu … xử lý thế nào", "xin
        # lại bản sao ở đâu"; generic pairs aside: "đăng ký ở xã")
        and not any(_pairs_of(c) & named - generic for c in rest)
    )


def _asked_again(turn: Turn, proc: Procedure, text: str) -> str:
    """What a corrected detail changes the answer to: what its last clause asks ("… bé 5 tuần
    rồi chứ ko phải 3. vậy còn kịp hông"), or, when it asks nothing or only "vậy làm sao", what
    the message before it asked ("mất bao nhiêu tiền", then "à nhầm, thẻ tìm thấy rồi nhưng bị gãy
    đôi, vậy làm sao"); else a note of the procedure the question speaks to; "" when none."""
    words = turn.content.flows.words
    said, topics = _last_clause_asks(turn, text)
    question = a_clause_asks(text, words)
    if not topics and (not question or not set(said.split()) - _question_words(words)):
        topics = ask_topics(fold(turn.earlier), words)  # "vậy làm sao": the same question again
    if topics:
        return _answers(turn, proc, Reading(Kind.ASK, ",".join(topics), text=said))
    notes = notes_for(turn, proc, text) if question else []
    return turn.r.t("card_note", note=notes[0]) if notes else ""


def _noted(turn: Turn, proc: Procedure | None, answer: str) -> None:
    """A correction noted (and that the procedure in hand still holds, named), then what it
    changes in the answer, when anything."""
    name = clip(display_name(turn, proc), OFFER_CHARS) if proc is not None else ""
    noted = turn.r.t("correction_noted_proc", name=name) if name else turn.r.t("correction_noted")
    turn.say(with_footnote(turn, f"{noted}\n{answer}") if answer else noted)
    reprompt(turn)


def _question_words(words: Words) -> set[str]:
    """The words of the question marks and connectives ("vậy làm sao", "thế thì sao")."""
    return {
        t
        for m in (*words.question_marks, *words.connectives, "vậy", "thế")
        for t in fold(m).split()
    }


def _bare_question_words(words: Words) -> set[str]:
    """The words of a bare question ("có làm được không", "đi nộp được không"): question words,
    can-words and the verbs of doing it."""
    asks = (*words.can_words, *words.stand_in_verbs)
    return _question_words(words) | {t for p in asks for t in p.split()}


def _corrects(turn: Turn) -> bool:
    """The message corrects the need to another procedure (`_corrected_need`)."""
    analysis = turn.content.matcher.analyse(turn.text, top=3)
    return _corrected_need(turn, turn.text, analysis)[2]


def _corrected_need(turn: Turn, text: str, analysis: Analysis) -> tuple[str, Analysis, bool]:
    """ "à nhầm, ý em là tạm vắng, cty điều em vào Bình Dương 1 năm": a correction names the
    need, in the whole message or in its first clause that denies nothing (the story after it
    may blur the whole: no match, or the procedure it corrects). The text to read, its analysis,
    and whether it corrects to another procedure the message hints at; else the message and its
    analysis unchanged, and False."""
    words = turn.content.flows.words
    current = turn.proc.id if turn.proc is not None else ""
    if not _opens_correction(turn):
        return text, analysis, False
    kept = next((m for m in analysis.matches if m.id == current), None)
    if kept is not None and _opens_on_paper_head(text, words):
        # "à nhầm, ý tui là giấy đăng ký kết hôn của ba má, tờ cũ rách rồi" under the copies of
        # civil-status papers: another paper, the same thing to do with it
        rest = tuple(m for m in analysis.matches if m.id != current)
        return text, replace(analysis, matches=(kept, *rest)), False
    if analysis.matches and analysis.matches[0].id != current:
        other = turn.content.catalog.get(analysis.matches[0].id)
        if other is not None and _told_done(turn, text, other):
            return text, analysis, False  # "à nhầm, anh ấy chuyển khẩu về Tân Uyên rồi. …"
        return text, analysis, _hinted(turn, text, analysis)
    clauses = _clauses(without_preamble(text, words))
    said = [c for c in clauses if not any(contains(fold(c), n) for n in words.negators)]
    if not said or said[0] == text:
        return text, analysis, False
    head = turn.content.matcher.analyse(said[0], top=3)
    if not head.matches or head.matches[0].id == current or not _hinted(turn, said[0], head):
        return text, analysis, False  # "à nhầm, mệ 86 tuổi chơ không phải 68, gõ lộn": a detail
    return said[0], head, True


def _opens_on_paper_head(text: str, words: Words) -> bool:
    """After its preamble, the message opens on a paper ("giấy …", "cái giấy …")."""
    said = fold(without_preamble(text, words))
    return any(f"{said} ".startswith(f"{h} ") for h in words.paper_heads)


def _clauses(text: str) -> list[str]:
    """The message's clauses, as typed (stripped), those with words only."""
    return [c.strip() for c in re.split(r"[.;,!?\n]+", text) if fold(c)]


def _hinted(turn: Turn, text: str, analysis: Analysis) -> bool:
    """The matcher's first reading is a procedure the message hints at (a word of its name; a
    correction says what it means, so "làm lần đầu" hints at "… lần đầu" when typed with its
    accents: unaccented, "con dau" may be a daughter-in-law or a seal)."""
    other = turn.content.catalog.get(analysis.matches[0].id)
    accented = clean(text) != fold(text)
    return other is not None and hints_at(turn, text, other, one_generic=accented)


def _thanks_only(turn: Turn, proc: Procedure, text: str, analysis: Analysis) -> bool:
    """Thanks that ask nothing and name nothing new, however long ("thế thì tốt quá. bà cảm ơn
    cháu, Chúa ban ơn cho cháu nhé")."""
    words = turn.content.flows.words
    folded = fold(text)
    return (
        any(contains(folded, w) for w in words.small_talk.get("thanks", ()))
        and "?" not in text  # a question word inside ("chưa") is as often a blessing ("Chúa")
        and folded.split()[-1] not in words.question_marks
        and not ask_topics(folded, words)
        and follows_up(turn, proc, text, analysis)
    )


def _back_to_earlier(turn: Turn, text: str) -> bool:
    """ "ok quay lại vụ sổ đỏ, cần đơn gì", "ok còn vụ khai tử …": back to the procedure followed
    earlier that the words point at (a two-syllable word of its name), not the matcher's fresh
    reading of "sổ đỏ" (a list of its siblings); its answer, or its card when nothing is asked."""
    words = turn.content.flows.words
    said = fold(turn.text)
    back = any(f"{said} ".startswith(f"{m} ") for m in words.back_leads) or any(
        contains(said, m) for m in words.control.get("back", ())
    )
    if not back and not turns_to(turn, turn.text):  # "ok còn vụ khai tử, ai đi cũng đc"
        return False
    proc = _earlier_pointed(turn, text, back)
    if proc is None:
        return False
    turn.state.misses = 0
    turn.state.switch_procedure(proc.id)
    topics = ask_topics(fold(text), words)
    if not topics:
        turn.engine.run(turn, SUMMARY_STEP)
        return True
    answer = _answers(turn, proc, Reading(Kind.ASK, ",".join(topics), text=fold(text)))
    name = display_name(turn, proc)  # back on another procedure: say which one answers
    turn.say(with_footnote(turn, answer if name in answer else f"{name}:\n{answer}"))
    turn.engine.run(turn, SUMMARY_WAIT)
    return True


def _earlier_pointed(turn: Turn, text: str, back: bool) -> Procedure | None:
    """The procedure followed earlier, latest first, that the words point at. Said to go back,
    the offers each was chosen among count too ("phí bn 1 bản ạ" under a choice list, another
    need, then "quay lại cái bản sao khai sinh"), and so does the latest one sharing two words
    of its name, generic or not ("ok quay lại cái giấy phép, lệ phí bn"); else None."""
    here = turn.proc.id if turn.proc is not None else ""
    ids = [
        p
        for snap in reversed(turn.state.history)
        for p in (snap.state.get("proc"), *(snap.state.get("choices", ()) if back else ()))
    ]
    catalog = turn.content.catalog
    found = [p for p in dict.fromkeys(ids) if isinstance(p, str) and p and p != here]
    earlier = [proc for proc in map(catalog.get, found) if proc is not None]
    # its own name before another's alias ("quay lại hộ chiếu": the passport offered, not the
    # certified copy whose aliases copy a passport)
    named = (p for p in earlier if content_pairs(turn, text) & _pairs_of(p.name))
    pointed = next(named, None) or next(
        (p for p in earlier if hints_at(turn, text, p, loose=True)), None
    )
    if pointed is not None or not back:
        return pointed
    words = turn.content.flows.words
    said = set(fold(text).split()) - _question_words(words) - asked_words(turn, fold(text))
    shared = next((p for p in earlier if len(said & set(fold(p.name).split())) >= 2), None)
    followed = {s.state.get("proc") for s in turn.state.history} - {here, None, ""}
    if shared is None and len(followed) == 1:  # "ok back to the diploma copies": the only one
        return catalog.get(str(next(iter(followed))))
    return shared


def _tells_life_event(turn: Turn, text: str) -> bool:
    """A life event told without a request ("ông nội em mất tối qua ở nhà"; the matcher answers
    requests only): a word of sympathy or congratulation and the procedures it leads to, as a
    clerk would say, not "việc này tôi chưa hướng dẫn được"."""
    words = turn.content.flows.words
    event = _event_told(text, words)
    catalog = turn.content.catalog
    offers = [pid for pid in words.life_event_offers.get(event, ()) if catalog.get(pid)]
    if not offers:
        return False
    turn.state.misses = 0
    turn.say(turn.r.t(f"life_{event}"))
    turn.state.choices = offers
    if CHOOSE_STEP in turn.content.flows.steps:
        turn.engine.run(turn, CHOOSE_STEP)
    return True


def _event_told(text: str, words: Words) -> str:
    """The life event a message tells, read clause by clause: "ông nhà tôi chết rồi. làm giấy tờ
    gì" tells a death though it names a paper, which in the same clause would be a lost one
    ("giấy khai sanh trôi mất rồi")."""
    clauses = [fold(c) for c in re.split(r"[.;,!?\n]+", text)]
    return next((e for c in clauses if (e := life_event(c, words, fold(text)))), "")


def _asks_before_choosing(turn: Turn, text: str, analysis: Analysis) -> bool:
    """A question typed under a choice list that the matcher reads as some procedure outside the
    list but that does not name it ("người đứng ra làm đơn là ai, tổ trưởng dân phố được không"
    under the funeral allowance: not the mediation team leader's recognition): about the offers,
    so the citizen is asked to pick one first. A need that names another procedure goes on."""
    options = choosing(turn)
    guess = analysis.matches or analysis.unsure
    if not options or not guess or guess[0].id in {p.id for p in options}:
        return False
    words = turn.content.flows.words
    if _opens_correction(turn):  # "à nhầm, không phải đăng ký lại, chỉ xin bản sao": a new need
        return False
    return is_question(text, fold(text), words) and not _names_new(turn, options)


def _asks_the_offers(turn: Turn, text: str, analysis: Analysis) -> bool:
    """A question under a choice list that the matcher reads as no procedure at all but that
    asks a topic (a denial read it as a need), or one about a paper that it reads as an offer the
    message does not hint at ("I only have my US passport with me, is that ok" is no will):
    answered for the offers, as a question is."""
    words = turn.content.flows.words
    folded = fold(text)
    options = choosing(turn)
    if turn.proc is not None or not options:
        return False
    topics = ask_topics(folded, words)
    guess = analysis.matches or analysis.unsure
    if guess:
        top = next((p for p in options if p.id == guess[0].id), None)
        paper = said_papers(text, words) and is_question(text, folded, words)
        if top is None or not paper or hints_at(turn, text, top):
            return False
        return _ask(turn, Reading(Kind.ASK, ",".join(topics), text=folded))
    if not topics or not is_question(text, folded, words):
        return False
    return _ask(turn, Reading(Kind.ASK, ",".join(topics), text=folded))


def _offers_lines(turn: Turn, text: str) -> str:
    """The lines of each offer's entry that speak to a question typed under a choice list ("cần
    bản vẽ không hay tự vẽ tay được" under a building permit and two others), each under its
    offer's name; "" when no entry speaks to it."""
    parts = []
    for p in choosing(turn)[:OFFERS_ANSWERED]:
        lines = card_lines(turn, p, text)
        if lines:
            parts.append(f"{clip(display_name(turn, p), OFFER_CHARS)}:\n" + "\n".join(lines))
    return with_footnote(turn, "\n\n".join(parts)) if parts else ""


def _asks_about_nothing(turn: Turn, text: str) -> bool:
    """A question about papers, a fee, a time… that names no procedure ("cần đem theo gì"), with
    none in hand: answered for the offers of a pending choice list, else the citizen is asked
    which procedure (the matcher would guess one from the question words alone). False: it names
    something, the usual path."""
    words = turn.content.flows.words
    folded = fold(text)
    topics = ask_topics(folded, words)
    if not topics:
        return False
    plain = words.generic | asked_words(turn, folded) | words.particles | words.question_marks
    if set(folded.split()) - plain:
        return False
    if choosing(turn):
        return _ask(turn, Reading(Kind.ASK, ",".join(topics), text=folded))
    turn.state.misses = 0
    turn.say(turn.r.t("ask_which_procedure"), [Button(turn.r.t("btn_help"), "cmd:help")])
    return True


def follows_up(turn: Turn, proc: Procedure, text: str, analysis: Analysis) -> bool:
    """A message typed while a procedure is in hand is about that procedure, unless it says it is
    about something else ("hỏi việc khác", "không phải…") or plainly names another procedure: the
    matcher's guess from one shared word ("giấy ủy quyền" -> chứng thực chữ ký) must not carry
    the citizen off the procedure they are following."""
    words = turn.content.flows.words
    if not analysis.matches:  # nothing else named: "mất ở nhà chứ không phải bệnh viện thì…"
        return True
    said = fold(turn.text)  # the whole message: "không phải khai sinh mà là khai tử" corrects
    if _refers_back(turn.text, words.this_refs):
        return True  # "giấy này để ký hợp đồng bán nhà thì ghi gì": the paper in hand
    if analysis.english and analysis.matches[0].id != proc.id and _states_need(turn, said):
        return False  # "I want to marry my girlfriend in Ca Mau": English names are short
    corrects = {*words.negators, *words.negation_split}
    if any(contains(said, m) for m in words.switch_markers if m not in corrects):
        return False  # "hỏi việc khác", "chuyển sang"
    if any(contains(said, m) for m in words.control.get("back", ())):
        return False  # "nhầm rồi, ý em là kết hôn", "quay lại khai sinh": a correction
    if any(contains(said, m) for m in corrects) and denies(turn, proc, turn.text):
        return False  # a denial of a detail ("không phải nơi thường trú") stays, below
    top = analysis.matches[0].id
    if top in proc.bundles:  # "làm luôn hộ khẩu, thẻ bảo hiểm": the bundle
        return False
    if top in words.life_event_offers.get(life_event(said, words), ()):
        return False  # "ông ngoại mất rồi, làm khai tử": a new event, not a paper of this one
    if top in proc.members and not asks_about_paper(turn, text):  # "thôi, chỉ làm khai sinh"
        return False  # ...but a member's paper, under the bundle, is the bundle's paper too
    other = turn.content.catalog.get(top)
    return other is None or other.id == proc.id or not names(turn, proc, text, other)


def _refers_back(text: str, refs: tuple[str, ...]) -> bool:
    """The message opens by pointing at what is in hand: "giấy này …", or, as typed, with the
    paper's name between ("giấy thỏa thuận đó có cần chứng thực chữ ký ko")."""
    opening = fold(text).split()[:THIS_REF_REACH]
    if any(contains(" ".join(opening), r) for r in refs):
        return True
    typed = clean(text).split()[:THIS_REF_REACH]
    # the mark with its accents: unaccented "do", "nay" are as often "by", "now"
    marks = [fold(t) for t in typed if fold(t) != t]
    for ref in refs:
        *head, mark = ref.split()
        if head and opening[: len(head)] == head and mark in marks[1:]:
            return True
    return False


def _states_need(turn: Turn, said: str) -> bool:
    """An English message that states a need ("I want to …", "we need to …") and asks no topic."""
    words = turn.content.flows.words
    return any(contains(said, w) for w in words.want_words) and not ask_topics(said, words)


def _in_context(turn: Turn, proc: Procedure, text: str, analysis: Analysis) -> bool:
    """Answer a follow-up (`follows_up`) from the procedure in hand: the lines of its entry that
    speak to it; else, when the matcher guessed another procedure the message hints at, offer it
    (one tap); else say plainly that the guide does not cover it. False: the usual path."""
    if not follows_up(turn, proc, text, analysis):
        lines = _said_of_other(turn, proc) if not _corrects(turn) else []
        return _say_lines(turn, proc, lines) if lines else False
    if _opens_correction(turn):
        if not _last_clause_asks(turn, text)[1] and names(turn, None, text, proc):
            turn.state.misses = 0  # "à e nhầm, là tạm trú, e vẫn giữ khẩu ở quê": the one in
            turn.say(turn.r.t("correction_noted"))  # hand confirmed, its card again
            turn.engine.run(turn, SUMMARY_STEP)
            return True
        if again := _asked_again(turn, proc, turn.text):
            _noted(turn, proc, again)  # "à nhầm, bé 5 tuần rồi chứ ko phải 3. vậy còn kịp hông"
            return True
    step = asked_step(fold(text), turn.content.flows.words)
    if step:  # "đặt lịch chiều thứ hai": the booking flow says whether this can be booked
        turn.state.misses = 0
        turn.engine.run(turn, step)
        return True
    said, topics = _last_clause_asks(turn, text)
    words = turn.content.flows.words
    if not topics and said and set(said.split()) <= _bare_question_words(words):
        # "cháu chỉ là cháu thôi chứ không phải con, có làm được không": a bare question after
        # what it asks about
        said, topics = fold(text), ask_topics(fold(text), words)
    if topics and set(topics) <= set(ask_topics(fold(text), words)):
        # "e thuê trọ chạy grab, k phải hộ khẩu đâu, cái tạm trú ấy. phí bn": a story, then what
        # its last clause asks, as the whole reads it ("bà mụ làm chứng được không, bả không biết
        # chữ" asks of the witness, not who may file)
        turn.state.misses = 0
        _say_answers(turn, proc, Reading(Kind.ASK, ",".join(topics), text=said))
        reprompt(turn)
        return True
    r = turn.r
    lines = card_lines(turn, proc, text)
    if lines:
        name = clip(display_name(turn, proc), OFFER_CHARS)
        turn.say(with_footnote(turn, r.t("ask_card", name=name, lines="\n".join(lines))))
        reprompt(turn)
        return True
    guesses = analysis.matches  # an unsure guess from a few words is not worth offering
    own = bool(guesses) and guesses[0].id == proc.id
    other = next((m.id for m in guesses if m.id != proc.id), "")
    offer = turn.content.catalog.get(other) if other and not own else None
    if offer is not None and hints_at(turn, text, offer):
        _offer(turn, proc, offer)
        return True
    cases = case_papers(turn, proc, text)
    if cases:  # "có bắt buộc xét nghiệm ADN không": the papers either way
        turn.say(with_footnote(turn, cases))
        reprompt(turn)
        return True
    if own and hints_at(turn, text, proc):
        return False  # its own words ("thông báo lưu trú ạ"): its card again
    bundle = f"go:{BUNDLE_STEP}"  # "cái nào làm 1 lần ra hết" under the bundle: its card
    if proc.members and asked_step(fold(text), turn.content.flows.words, {bundle}):
        turn.state.misses = 0
        turn.engine.run(turn, SUMMARY_STEP)
        return True
    if _tells_other_event(turn, proc, text):  # "vào trong đó e ở trọ thì bên đó phải đăng ký gì
        return True  # nữa" under the temporary absence: the stay's procedures
    # a question that reads as the procedure in hand but that nothing in its entry answers
    # ("khách tới trễ 12h đêm thì sao"): said so, not a choice with some look-alike
    return _not_in_card(turn, proc, text)


def _tells_other_event(turn: Turn, proc: Procedure, text: str) -> bool:
    """A question its entry does not answer that tells a life event leading to other procedures,
    with the words that ask for them (`life_event_with`: a stay somewhere else, asked what to
    register there): those procedures offered, as for a first message. False when the procedure
    in hand is one of them, and for events told without such words (a death named beside a
    paper, "sổ đỏ đứng tên ông nội, mà ông mất rồi thì sao", asks about that paper)."""
    words = turn.content.flows.words
    folded = fold(text)
    event = _event_told(text, words)
    offers = words.life_event_offers.get(event, ()) if event in words.life_event_with else ()
    asked = is_question(text, folded, words) or "gi" in folded.split()  # "… đăng ký gì nữa"
    if not offers or proc.id in offers or not asked:
        return False
    turn.state.switch_procedure("")
    return _tells_life_event(turn, text)


def _not_in_card(turn: Turn, proc: Procedure, text: str) -> bool:
    """A clear question the entry does not answer: said plainly, with where to ask instead."""
    words = turn.content.flows.words
    folded = fold(text)
    content = [
        t for t in folded.split() if t not in words.particles and t not in words.question_marks
    ]
    clear = is_question(text, folded, words) or len(folded.split()) >= CLEAR_QUESTION_TOKENS
    if not clear or len(content) < MIN_WORDS_FOR_OTHER - 1:  # "???", a stray word
        return False
    turn.state.misses = 0
    turn.say(turn.r.t("ask_not_in_card", name=display_name(turn, proc)))
    reprompt(turn)
    return True


def _offer(turn: Turn, proc: Procedure, other: Procedure) -> None:
    """'The guide to X does not cover this; did you mean Y?' with Y one tap away where the step
    waiting takes a pick (guide.summary_wait), else by name."""
    waiting = turn.engine.step(turn.state.step)
    can_pick = waiting is not None and "pick" in waiting.on
    label = clip(display_name(turn, other), OFFER_CHARS)
    key = "ask_other_offer" if can_pick else "ask_other_named"
    buttons = [Button(label, f"pick:{other.id}")] if can_pick else []
    name = clip(display_name(turn, proc), OFFER_CHARS)
    turn.say(turn.r.t(key, name=name, other=label), buttons)
    reprompt(turn)


def answer_asked(turn: Turn) -> str:
    """A question about the procedure in hand, typed where a step waited for something else ("à
    mà mang theo giấy tờ gì?" while booking): answered; the flow then asks its question again."""
    proc = turn.proc
    if proc is None:
        return "other"
    reading = read(turn.text, Context(has_procedure=True), turn.content.flows.words)
    if reading.kind != Kind.ASK or names_another(turn, proc, reading):
        return "other"
    _say_answers(turn, proc, reading)
    return "asked"


def _same_again(turn: Turn, proc: Procedure, analysis: Analysis) -> bool:
    """A correction that lands on the procedure in hand and asks about it ("à nhầm, bà mất ở
    bệnh viện chứ ko phải ở nhà, vậy giấy báo tử lấy ở đâu"): the answer, not its card again."""
    said = fold(turn.text)
    topics = ask_topics(said, turn.content.flows.words)
    if not topics or not analysis.matches or analysis.matches[0].id != proc.id:
        return False
    turn.state.misses = 0
    answers = _answers(turn, proc, Reading(Kind.ASK, ",".join(topics), text=said))
    noted = f"{turn.r.t('correction_noted')}\n" if _opens_correction(turn) else ""
    turn.say(with_footnote(turn, noted + answers))
    reprompt(turn)
    return True


def _last_clause_asks(turn: Turn, text: str) -> tuple[str, list[str]]:
    """The last clause of a message, folded, and what it asks: a story before it ("hai đứa ở Cái
    Răng, làm ở đâu") asks nothing."""
    clauses = _clauses(text)
    said = fold(clauses[-1]) if clauses else ""
    return said, ask_topics(said, turn.content.flows.words)


def _answer_with_choices(turn: Turn, text: str) -> None:
    """ "Giấy khai sinh của con ghi sai ngày sinh, giờ đi sửa ở mô": the choice list just shown,
    then what its last clause asks, for each offer (a clerk answers, then asks which one), with
    the list's buttons below. Only the short answers (a place, a fee, a time…): checklists for
    two or three procedures would not fit a phone screen."""
    shown = turn.replies[-1] if turn.replies else None
    asked = [t for t in _last_clause_asks(turn, text)[1] if t in SHORT_TOPICS]
    if shown is None or not shown.buttons or not asked:
        return
    catalog = turn.content.catalog
    picks = [b.payload.removeprefix(PICK) for b in shown.buttons if b.payload.startswith(PICK)]
    options = [p for p in map(catalog.get, picks) if p is not None]
    if not options:
        return
    reading = Reading(Kind.ASK, ",".join(asked), text="")
    answers = [_answers(turn, p, reading).split("\n") for p in options]
    # a line every offer shares ("🕗 Giờ tiếp nhận: …") is said once, after them
    shared = [x for x in answers[0] if len(answers) > 1 and all(x in a for a in answers[1:])]
    parts = [
        f"{display_name(turn, p)}:\n" + "\n".join(x for x in a if x not in shared)
        for p, a in zip(options, answers, strict=True)
    ]
    turn.replies[-1] = replace(shown, buttons=())
    turn.say(with_footnote(turn, "\n\n".join([*parts, *shared])), list(shown.buttons))


def _answer_with_card(turn: Turn, proc: Procedure, text: str) -> None:
    """ "… đi làm giấy khai tử cho bà thì cần gì", "làm lại mất bao nhiêu": the card just shown
    (its lines cut short), then the answer asked for in full, as a clerk would, not a button to
    find it behind (the card's buttons move below it)."""
    shown = turn.replies[-1] if turn.replies else None
    said, asked = _last_clause_asks(turn, text)
    if not asked and _facts_bring_papers(turn, proc, text):
        asked = ["document"]  # "… mà nhà không có giấy chứng sinh thì làm sao": its papers
    if shown is None or not shown.buttons or pending_question(turn) is not None:
        return  # ...or the card asks something first
    cases = case_papers(turn, proc, text) if not asked else ""
    if cases:  # "có bắt buộc đi xét nghiệm adn ko" picking an offer: the papers either way
        turn.replies[-1] = replace(shown, buttons=())
        turn.say(with_footnote(turn, cases), list(shown.buttons))
        return
    if not asked:
        return
    # the card just said where and how long: "thủ tục thế nào" asks for its papers next
    asked = list(dict.fromkeys("documents" if t == "steps" else t for t in asked))
    turn.replies[-1] = replace(shown, buttons=())
    # the whole checklist: a first message's story and the procedure's own name ("khai tử" is
    # not "tờ khai khai tử") name no paper; a paper asked about ("document") is looked up
    rest = _without_words(said, (proc.name, *proc.aliases)) if "document" in asked else ""
    # "giấy báo tử ai cấp": that paper's line and note; only the name's words are left out here
    # (an alias may hold a paper's words: "báo tử" for khai tử)
    paper = _without_words(said, (proc.name, proc.official_name)) if not rest else ""
    if paper and names_document(turn, proc, paper):
        asked, rest = ["document", *asked], paper
    answer = _answers(turn, proc, Reading(Kind.ASK, ",".join(asked), text=rest))
    turn.say(with_footnote(turn, answer), list(shown.buttons))


def _without_words(said: str, phrases: tuple[str, ...]) -> str:
    """A folded text without the words of these phrases."""
    own = {t for n in phrases for t in fold(n).split()}
    return " ".join(t for t in said.split() if t not in own)


def _facts_bring_papers(turn: Turn, proc: Procedure, text: str) -> bool:
    """A question whose own facts change `proc`'s papers from the usual case ("giờ bà muốn làm
    giấy khai sinh cho cháu mà nhà không có giấy chứng sinh thì làm sao": a witness's statement
    instead): the citizen asks what that case needs."""
    words = turn.content.flows.words
    said = fold(text)
    told = facts_in(said, words)
    if not told or not is_question(text, said, words):
        return False
    usual = {q.id: q.default for q in proc.questions}
    return any(
        d.when.get(q) == v and v != usual.get(q) for d in proc.documents for q, v in told.items()
    )


def _press_asked(turn: Turn, text: str) -> None:
    """ "đặt lịch làm căn cước cho con", "muốn làm 1 lần cho xong": after the card, the button the
    need's words asked for (understand.yaml need_buttons, card_buttons), when the card shows it."""
    shown = [[b.label, b.payload] for reply in turn.replies for b in reply.buttons]
    step = asked_step(fold(text), turn.content.flows.words, {p for _, p in shown})
    if step:
        turn.state.buttons = shown  # the card's buttons, shown this turn
        turn.engine.press(turn, f"go:{step}")


def not_understood(turn: Turn) -> bool:
    """Say what was understood and offer the likeliest next steps; a second miss offers a person."""
    state = turn.state
    state.misses += 1
    r = turn.r
    proc = turn.proc
    q = pending_question(turn)
    if q is not None:
        text = r.t("not_understood_question", question=q.text)
    elif proc is not None:
        text = r.t("not_understood_proc", name=display_name(turn, proc))
    else:
        text = r.t("not_understood")
    buttons = [
        Button(label, payload)
        for label, payload in state.buttons
        if not payload.startswith(COMMAND_PREFIX)
    ]
    buttons = buttons[:3]
    shown = {b.payload for b in buttons}
    if state.misses >= MISSES_FOR_HUMAN:
        text += "\n" + r.t("not_understood_again")
        buttons += [
            Button(r.t("btn_human"), "cmd:human"),
            Button(r.t("btn_restart"), "cmd:restart"),
        ]
    elif proc is None and "cmd:help" not in shown:
        buttons += [Button(r.t("btn_help"), "cmd:help")]
    turn.say(text, buttons)
    return True


HANDLERS = {
    Kind.CONTROL: _control,
    Kind.ANSWER: _answer,
    Kind.BUTTON: _button,
    Kind.TALK: _talk,
    Kind.FACTS: _facts,
    Kind.ASK: _ask,
    Kind.NEED: _need,
}


def reprompt(turn: Turn) -> None:
    """Come back to where the conversation stands: the pending question or the last buttons."""
    state = turn.state
    buttons = [
        Button(label, payload)
        for label, payload in state.buttons
        if turn.proc is None or not payload.startswith("pick:")  # an offer is made once
    ]
    q = pending_question(turn)
    if q is not None:
        turn.say(question_text(turn, q), buttons)
    elif choosing(turn) and CHOOSE_STEP in turn.content.flows.steps:
        turn.engine.run(turn, CHOOSE_STEP)
    elif buttons:
        turn.say(turn.r.t("what_next"), buttons)


def question_text(turn: Turn, q: Question) -> str:
    proc = turn.proc
    if proc is None:
        return q.text
    asked = guide.asked(turn.content.catalog, proc, turn.state.ask_all)
    n = next((i for i, x in enumerate(asked, 1) if x.id == q.id), 1)
    return f"{turn.r.t('question_progress', n=n, total=len(asked))} {q.text}"
