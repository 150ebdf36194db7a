"""Short answers about the procedure in hand, from its catalogue entry (no I/O).

Used by the understanding step (a typed question) and by the card's buttons (one tap away).
`(*)` marks only the unverified line; the footnote is said once per conversation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core import guide
from bot.core.engine import Turn
from bot.core.model import Document, Fact, Procedure
from bot.core.normalize import clean, fold, strip_marks
from bot.core.render import TITLE_CHARS, clip
from bot.core.understand import contains, is_question, said_papers

MAX_DOCS_NAMED = 3


def display_name(turn: Turn, proc: Procedure) -> str:
    return turn.r.name(proc)


def fact_line(turn: Turn, fact: Fact) -> str:
    if turn.r.expired(fact):  # a time-bound fact past its valid_until: say to check instead
        return turn.r.expired(fact)
    text = fact.text + (f" {fact.exemptions}" if fact.exemptions else "")
    return text + turn.r.english(text) + (turn.r.t("card_verify_mark") if fact.verify else "")


def with_footnote(turn: Turn, text: str) -> str:
    """The '(*) unverified' footnote, once per conversation, under the first text that needs it."""
    mark = turn.r.t("card_verify_mark").strip()
    if mark and mark in text and not turn.state.footnote_shown:
        turn.state.footnote_shown = True
        return text + "\n" + turn.r.t("card_verify_note")
    return text


MAX_REPLY = 1500  # characters: a reply fits about two phone screens
PAIR_WEIGHT = 2  # a word pair of the message in a paper's name ("tờ khai") outweighs two words
RECORD_NOTE_CHARS = 600  # of a portal record's own note under a fact (some run to pages)


def fit(turn: Turn, proc: Procedure, text: str) -> str:
    """Cut an over-long answer (some national records run to pages) at a line, pointing to the rest."""
    if len(text) <= MAX_REPLY:
        return text
    more = (
        turn.r.t("more_on_portal", url=proc.portal_url) if proc.portal_url else turn.r.t("more_cut")
    )
    room = MAX_REPLY - len(more) - 2
    head = text[:room]
    cut = head.rfind("\n")
    head = head[:cut] if cut > room // 2 else head.rsplit(" ", 1)[0] + "…"
    return head + "\n" + more


def answer_about(turn: Turn, proc: Procedure, topic: str, text: str = "") -> str:
    """One short message about the procedure in hand, from its catalogue entry (≤ MAX_REPLY)."""
    return fit(turn, proc, _answer_about(turn, proc, topic, text))


def _record_note(proc: Procedure, fact: Fact) -> str:
    """A portal record's own words under a fact ("Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần"
    under "theo mô tả của bản ghi"), cut short; "" for a reviewed entry, whose notes say where
    its facts come from, not what a citizen needs."""
    if not proc.imported or not fact.note:
        return ""
    return f"\n  ↳ {clip(' '.join(fact.note.split()), RECORD_NOTE_CHARS)}"


def _answer_about(turn: Turn, proc: Procedure, topic: str, text: str = "") -> str:
    r = turn.r
    if topic == "fee":
        return r.t("card_fee", fee=fact_line(turn, proc.fee)) + _record_note(proc, proc.fee)
    if topic == "time":
        time = fact_line(turn, proc.processing_time)
        return r.t("card_time", time=time) + _record_note(proc, proc.processing_time)
    if topic == "where":
        where = r.t("card_where", where=fact_line(turn, proc.where))
        lines = [where + _record_note(proc, proc.where), r.t("ask_hours")]
        words = turn.content.flows.words.district_words
        if any(contains(text, w) for w in words) and not any(
            contains(fold(proc.where.text), w) for w in words
        ):  # "phải lên huyện hay làm ở xã": there are no districts any more
            lines.insert(1, r.t("ask_no_districts"))
        return "\n".join(lines)
    if topic == "online":
        mark = r.t("card_verify_mark") if proc.online.verify else ""
        return r.t(
            "card_online", online=f"{r.t('online_' + proc.online.mode)} — {proc.online.text}{mark}"
        )
    if topic == "deadline":
        members = [m for m in turn.content.catalog.members(proc) if m.deadline is not None]
        if proc.deadline is None and members:  # a bundle: its members' deadlines
            lines = [r.t("card_deadline", deadline="")]
            lines += [
                f"• {display_name(turn, m)}: {fact_line(turn, m.deadline)}"
                for m in members
                if m.deadline
            ]
            return "\n".join(lines)
        if proc.deadline is None:  # "hạn mấy ngày" without a deadline: how long it takes
            # a reviewed entry without one has none; a portal record may just not say
            key = "ask_deadline_unstated" if proc.imported else "ask_no_deadline"
            return r.t(key) + "\n" + _answer_about(turn, proc, "time")
        return r.t("card_deadline", deadline=fact_line(turn, proc.deadline))
    if topic == "result":
        note = f"\n  ↳ {proc.result.note}" if proc.result.note else ""
        said = r.t("card_result", result=fact_line(turn, proc.result)) + note
        valid = [i for i in _card_items(turn, proc) if VALIDITY.search(i) and i not in said]
        return "\n".join([said, *valid[:MAX_LINES]])  # "giấy đó xài được bao lâu": the papers'
        # own validity too ("giấy không ghi thời hạn thì có giá trị 06 tháng")
    if topic == "amount":
        return amount_answer(turn, proc)
    if topic == "legal":
        return r.t("ask_legal", laws="; ".join(proc.legal_basis) or r.t("ask_unknown"))
    if topic == "track":  # "hồ sơ nộp rồi giờ muốn biết đến đâu rồi": the same for every procedure
        return r.t("ask_track")
    if topic == "who":
        return who_answer(turn, proc)
    if topic == "steps":  # "thủ tục thế nào": where to file, how long, then the papers
        where = r.t("card_where", where=fact_line(turn, proc.where))
        return "\n".join([where, _answer_about(turn, proc, "time"), documents_answer(turn, proc)])
    more = any(contains(text, w) for w in turn.content.flows.words.more_words)
    named = topic == "document" or (
        topic == "documents"
        and names_document(turn, proc, _without_own_name(proc, text))
        and not _asks_apart(turn, proc)
    )
    if named and not more:  # "còn cần gì nữa": the whole checklist, not the paper named
        return document_answer(turn, proc, text)
    return documents_answer(turn, proc)


def _without_own_name(proc: Procedure, text: str) -> str:
    """The folded text less the word pairs of the procedure's own name ("nộp hồ sơ thất nghiệp
    cần mang những gì" names the procedure, not its request form "Đề nghị hưởng trợ cấp thất
    nghiệp"); a single word of it stays ("giấy chứng sinh" under the birth registration)."""
    said = text.split()
    name = fold(proc.name).split()
    pairs = set(zip(name, name[1:], strict=False))
    drop = {i + k for i in range(len(said) - 1) if (said[i], said[i + 1]) in pairs for k in (0, 1)}
    return " ".join(t for i, t in enumerate(said) if i not in drop)


def _asks_apart(turn: Turn, proc: Procedure) -> bool:
    """The checklist asked in a clause of its own, a paper named in another ("cần những gì, bệnh
    án ở viện vẫn còn đủ", "what papers? i only have my passport"): the whole list is asked."""
    asks = turn.content.flows.words.asks.get("documents", ())
    clauses = [fold(c) for c in re.split(r"[.;,!?\n]+", turn.text) if fold(c)]
    for clause in clauses if len(clauses) > 1 else ():
        if not any(contains(clause, a) for a in asks):
            continue
        rest = f" {clause} "
        for phrase in sorted(asks, key=len, reverse=True):  # "giấy tờ" asks, it names no paper
            rest = rest.replace(f" {phrase} ", " ")
        if not names_document(turn, proc, rest.strip()):
            return True
    return False


# how a note states money received (accented: "đồng" is money, "đóng" is paying contributions)
AMOUNT_WORDS = re.compile(
    r"\d[\d.,]*\s*(đồng|triệu)|mức (chuẩn|hưởng|trợ cấp|trợ giúp|hỗ trợ)|lương cơ sở|bình quân"
)


def who_answer(turn: Turn, proc: Procedure) -> str:
    """Who files it, and whether someone else may go instead: the entry's own `proxy` fact, or
    else its authorisation paper (the record's words: "Văn bản ủy quyền …" and its note)."""
    r = turn.r
    lines = [r.t("ask_who", who=proc.who) if proc.who else r.t("ask_who_none")]
    if proc.proxy is not None:
        lines.append(r.t("ask_proxy", proxy=fact_line(turn, proc.proxy)))
        return "\n".join(lines)
    doc = _proxy_paper(turn, proc)
    if doc is not None:
        note = f"\n  ↳ {doc.note}" if doc.note else ""  # as the checklist shows a note
        mark = r.t("card_verify_mark") if doc.verify else ""
        lines.append(r.t("ask_proxy_paper", paper=doc.name + r.english(doc.name) + mark + note))
    return "\n".join(lines)


def _proxy_paper(turn: Turn, proc: Procedure) -> Document | None:
    """The checklist's authorisation paper (the record's "Văn bản ủy quyền …"), if any: of the
    papers that speak of authorising, the one that names it first ("Văn bản ủy quyền …", not
    "Tờ khai … dùng cho trường hợp ủy quyền")."""
    words = turn.content.flows.words.proxy_words
    docs = [d for d in proc.documents if any(contains(fold(d.name), w) for w in words)]
    return min(docs, key=lambda d: _first_at(fold(d.name), words), default=None)


def _first_at(folded: str, phrases: tuple[str, ...]) -> int:
    """Where the first of the phrases said stands in the text (a character offset)."""
    padded = f" {folded} "
    return min(at for p in phrases if (at := padded.find(f" {p} ")) >= 0)


def proxy_text(turn: Turn, proc: Procedure) -> str:
    """What the entry says about filing for someone else: its `proxy` fact, else its
    authorisation paper and that paper's note ("" when neither)."""
    if proc.proxy is not None:
        return proc.proxy.text
    doc = _proxy_paper(turn, proc)
    return f"{doc.name} {doc.note}" if doc is not None else ""


def amount_answer(turn: Turn, proc: Procedure) -> str:
    """What the citizen receives (a benefit's level), from the entry's notes and result; said
    plainly when the entry does not state it (never the fee, which is what they pay)."""
    texts = [*proc.notes, proc.result.text]
    lines = [f"• {t}" for t in texts if AMOUNT_WORDS.search(t.lower())]
    if lines:
        return turn.r.t("ask_amount", lines="\n".join(lines[:MAX_LINES]))
    return turn.r.t("ask_amount_none", name=display_name(turn, proc))


def documents_answer(turn: Turn, proc: Procedure) -> str:
    told = {**turn.state.facts, **turn.state.answers}
    items = guide.checklist(turn.content.catalog, proc, told)
    lines = [turn.r.t("ask_documents", name=display_name(turn, proc))]
    for n, item in enumerate(items, 1):
        mark = turn.r.t("card_verify_mark") if item.doc.verify else ""
        lines.append(f"{n}. {item.doc.name}{turn.r.english(item.doc.name)}{mark}")
    return "\n".join(lines + _cases_untold(turn, proc, told))


def _cases_untold(turn: Turn, proc: Procedure, told: Mapping[str, str]) -> list[str]:
    """The papers of each case of a question not answered yet whose cases add different papers
    (mai táng: the form differs by who the deceased was), so the list shown for the default case
    does not pass for the whole list; a yes/no question that adds one paper is asked instead."""
    parts = guide.parts(turn.content.catalog, proc)
    for q in guide.asked(turn.content.catalog, proc):
        if q.id in told:
            continue
        cases = [
            (
                o.label,
                [d.name for part in parts for d in part.documents if d.when.get(q.id) == o.value],
            )
            for o in q.options
            if o.value != q.default
        ]
        cases = [(label, docs) for label, docs in cases if docs]
        if MIN_CASES <= len(cases) <= MAX_CASES:
            lines = [turn.r.t("ask_cases", question=q.text)]
            return lines + [f"• {label}: " + "; ".join(docs) for label, docs in cases]
    return []


def asked_words(turn: Turn, folded: str) -> set[str]:
    """The words of the topic phrases a question uses ("cần mang", "bao lâu", "lệ phí")."""
    asks = turn.content.flows.words.asks.values()
    return {t for ps in asks for p in ps if contains(folded, p) for t in p.split()}


def _doc_words(turn: Turn, text: str) -> set[str]:
    """The words of a question that could name a document (not 'cần mang những gì')."""
    words = turn.content.flows.words
    asked = asked_words(turn, text)
    # generic words of the phrases the text holds ("yếu tố"), not their folded look-alikes ("tờ")
    generic = {t for p in words.generic_phrases if contains(text, p) for t in p.split()}
    return set(text.split()) - _particles_said(turn) - set(words.question_marks) - generic - asked


def _particles_said(turn: Turn) -> set[str]:
    """The folded particles, less those the message typed with other accents ("cần ảnh cỡ nào":
    "ảnh" is a photo, not "anh"; "cỡ" is a size, not "có")."""
    words = turn.content.flows.words
    typed = clean(turn.text).split()
    if all(a == strip_marks(a) for a in typed):
        return set(words.particles)
    forms: dict[str, set[str]] = {}
    for a in typed:
        forms.setdefault(strip_marks(a), set()).add(a)
    return {
        f for f in words.particles if forms.get(f, {f}) & words.particles_accented or f not in forms
    }


def _doc_hits(turn: Turn, proc: Procedure, text: str) -> list[tuple[int, str, str]]:
    """(shared words, line, note) for checklist documents and 'no need to bring' items the text names."""
    words = _doc_words(turn, text)
    said = text.split()
    pairs = set(zip(said, said[1:], strict=False))  # "ban ve": "bản vẽ" before a "về" alone
    # a paper word on its own ("chưa đi photo trước thì sao") names the papers it is in
    vocab = turn.content.flows.words
    paper = words & said_papers(turn.text, vocab)
    if text != fold(turn.text):  # glossed from English ("photo" -> "ảnh"): the gloss's papers too
        paper |= words & {w for w in vocab.document_words if contains(text, w)}
    mark = turn.r.t("card_verify_mark")
    hits = []
    for part in guide.parts(turn.content.catalog, proc):
        for doc in part.documents:
            toks = fold(doc.name).split()
            hit = len(words & set(toks))
            if hit >= 2 or (hit and (len(words) <= 2 or paper & set(toks))):
                both = len(pairs & set(zip(toks, toks[1:], strict=False)))
                hits.append(
                    (hit + PAIR_WEIGHT * both, doc.name + (mark if doc.verify else ""), doc.note)
                )
        for nn in part.not_needed:
            hit = len(words & set(fold(nn.name).split()))
            if hit >= 2 or (hit and len(words) <= 2):
                hits.append((hit + 1, turn.r.t("doc_not_needed", name=nn.name), nn.reason))
    hits.sort(key=lambda x: -x[0])
    # a bundle's members list the same paper: said once, with the note that scored best
    best: dict[str, tuple[int, str, str]] = {}
    for found in hits:
        best.setdefault(found[1], found)
    return list(best.values())


# a word that ties a question to the checklist's case is rare among procedure names ("adn"
# 7.7), not a common one the case's text also happens to use ("tháng" 4.0, "tuổi" 5.7)
CASE_WORD_RARITY = 6.5
VALIDITY = re.compile(r"giá trị \d+ (tháng|ngày|năm)")  # a line that says how long a paper lasts
# cases of one question with papers of their own, for the checklist to list them (more would
# not fit a phone screen: thường trú's six kinds of home are asked, or named by the citizen)
MIN_CASES, MAX_CASES = 2, 3


def case_papers(turn: Turn, proc: Procedure, text: str) -> str:
    """A question about a case the checklist turns on ("có bắt buộc xét nghiệm ADN không"): the
    papers for each answer to the entry's question that shares a word with it (not a word of
    the procedure's own name); "" when none does or its answers change no paper."""
    r = turn.r
    if not is_question(text, fold(text), turn.content.flows.words):
        return ""
    named = {t for n in (proc.name, proc.official_name) for t in fold(n).split()}
    rarity = turn.content.matcher.rarity
    said = {w for w in _doc_words(turn, fold(text)) - named if rarity(w) >= CASE_WORD_RARITY}
    parts = guide.parts(turn.content.catalog, proc)
    for q in guide.asked(turn.content.catalog, proc, include_rare=True):
        if not said & set(fold(q.text).split()):
            continue
        lines = [r.t("ask_cases", question=q.text)]
        for option in q.options:
            docs = [
                d.name for part in parts for d in part.documents if d.when.get(q.id) == option.value
            ]
            if docs:
                lines.append(f"• {option.label}: " + "; ".join(docs))
        if len(lines) > 1:
            return "\n".join(lines)
    return ""


def told_papers(turn: Turn, proc: Procedure, facts: Mapping[str, str], said: str) -> str:
    """The papers the facts a message told call for ("e chưa đủ 18, …": the parents' consent),
    those `said` does not show yet; "" when none."""
    parts = guide.parts(turn.content.catalog, proc)
    docs = [
        d.name
        for part in parts
        for d in part.documents
        if any(d.when.get(k) == v for k, v in facts.items()) and d.name not in said
    ]
    if not docs:
        return ""
    lines = "\n".join(f"• {name}" for name in docs[:MAX_DOCS_NAMED])
    return turn.r.t("told_papers", lines=lines)


def names_document(turn: Turn, proc: Procedure, text: str) -> bool:
    return document_score(turn, proc, text) > 0


def document_score(turn: Turn, proc: Procedure, text: str) -> float:
    """How closely the text names a paper of the checklist (0: none)."""
    hits = _doc_hits(turn, proc, text) if text else []
    return float(hits[0][0]) if hits else 0.0


def document_answer(turn: Turn, proc: Procedure, text: str) -> str:
    """One document asked about: the checklist lines (or 'no need to bring' items) sharing its words."""
    hits = _doc_hits(turn, proc, text)
    if not hits:
        return turn.r.t("ask_document_none") + "\n" + documents_answer(turn, proc)
    lines = [
        f"• {line}" + (f"\n  ↳ {note}" if note else "") for _, line, note in hits[:MAX_DOCS_NAMED]
    ]
    return turn.r.t("ask_document", lines="\n".join(lines))


def info(turn: Turn, proc: Procedure, topic: str) -> str:
    """What the card's info buttons show in full: fees (fee, time, deadline, notes), where, online."""
    return fit(turn, proc, _info(turn, proc, topic))


def _info(turn: Turn, proc: Procedure, topic: str) -> str:
    r = turn.r
    if topic == "fees":
        lines = [
            r.t("card_fee", fee=fact_line(turn, proc.fee)),
            r.t("card_time", time=fact_line(turn, proc.processing_time)),
        ]
        if proc.fee.note:
            lines.append(f"  ↳ {proc.fee.note}")
        if proc.deadline is not None:
            lines.append(r.t("card_deadline", deadline=fact_line(turn, proc.deadline)))
        if proc.notes:
            lines += [r.t("info_notes"), *(f"• {n}" for n in proc.notes)]
        return "\n".join(lines)
    if topic == "where":
        lines = [r.t("card_where", where=fact_line(turn, proc.where)), r.t("ask_hours")]
        if len(r.name(proc)) > TITLE_CHARS:  # the card showed a clipped name
            lines.insert(0, r.t("card_title", name=r.name(proc)))
        if proc.code:
            lines.append(r.t("card_code", code=", ".join(proc.codes)))
        lines.append(r.t("card_confirm"))
        return "\n".join(lines)
    lines = [answer_about(turn, proc, "online")]
    if proc.portal_url:
        lines.append(r.t("card_link", url=proc.portal_url))
    return "\n".join(lines)


MIN_NOTE_WORDS = 3  # words a note must share with the message to be shown on the first card


def notes_for(turn: Turn, proc: Procedure, text: str) -> list[str]:
    """The procedure's notes that speak to what the citizen wrote ("chưa đăng ký kết hôn" ->
    the note on recognising the father), best first."""
    said = _doc_words(turn, fold(text))
    scored = []
    for note in proc.notes:
        shared = len(said & set(fold(note).split()))
        if shared >= MIN_NOTE_WORDS:
            scored.append((shared, note))
    return [n for _, n in sorted(scored, key=lambda x: -x[0])]


MAX_LINES = 2


def content_pairs(turn: Turn, text: str, one_generic: bool = False) -> set[tuple[str, str]]:
    """The message's words as syllable pairs ("chủ hộ", "ủy quyền": most Vietnamese words have two
    syllables), leaving out pairs with a particle, question word, generic or asked-about word;
    `one_generic`: a pair may hold one generic word ("làm chứng", "người làm chứng" -> one).
    Particles are judged on the accented word when there is one ("chủ" is not "chú"), and so is
    a question word typed with its marks ("lần đầu" is not "ở đâu")."""
    words = turn.content.flows.words
    typed = clean(text).split()
    toks = [strip_marks(t) for t in typed]
    common = set(words.connectives) | asked_words(turn, " ".join(toks))
    accented = any(a != f for a, f in zip(typed, toks, strict=True))
    particles = words.particles_accented if accented else words.particles
    generic = words.generic_accented if accented else words.generic
    said = typed if accented else toks
    asking = [
        a in words.question_marks_accented if a != f else f in words.question_marks
        for a, f in zip(typed, toks, strict=True)
    ]
    usable = [
        f not in common and not q and a not in particles
        for a, f, q in zip(said, toks, asking, strict=True)
    ]
    rare = [u and a not in generic for u, a in zip(usable, said, strict=True)]
    return {
        (toks[i], toks[i + 1])
        for i in range(len(toks) - 1)
        if (rare[i] and rare[i + 1])
        or (one_generic and usable[i] and usable[i + 1] and (rare[i] or rare[i + 1]))
    }


AT = "o"  # "ở" and "tại" say the same place: "mất ở nhà" is "mất tại nhà"
AT_WORDS = frozenset({"o", "tai"})  # "ở", "tại" (folded)


def _at(pair: tuple[str, str]) -> tuple[str, str]:
    a, b = pair
    return (AT if a in AT_WORDS else a, AT if b in AT_WORDS else b)


def _as_typed(text: str, accented: bool) -> set[str]:
    """A text's words, with their accents or folded."""
    toks = clean(text).split()
    return set(toks) if accented else {strip_marks(t) for t in toks}


def _card_items(turn: Turn, proc: Procedure) -> list[str]:
    """Every line of the procedure's entry a citizen may ask about, as shown."""
    r = turn.r
    items = [
        r.t("card_note", note=n)
        for part in guide.parts(turn.content.catalog, proc)
        for n in part.notes
    ]
    for part in guide.parts(turn.content.catalog, proc):
        mark = r.t("card_verify_mark")
        items += [
            f"• {d.name}{mark if d.verify else ''}" + (f"\n  ↳ {d.note}" if d.note else "")
            for d in part.documents
        ]
        items += [
            r.t("doc_not_needed", name=nn.name) + (f"\n  ↳ {nn.reason}" if nn.reason else "")
            for nn in part.not_needed
        ]
    if proc.who:
        items.append(r.t("ask_who", who=proc.who))
    facts = [("card_where", "where", proc.where), ("card_result", "result", proc.result)]
    facts += [("card_fee", "fee", proc.fee), ("card_time", "time", proc.processing_time)]
    if proc.deadline is not None:
        facts.append(("card_deadline", "deadline", proc.deadline))
    items += [r.t(key, **{name: fact_line(turn, fact)}) for key, name, fact in facts]
    if proc.fee.note:
        items.append(f"💰 {proc.fee.note}")
    return items


def lines_naming(turn: Turn, proc: Procedure, other: Procedure) -> list[str]:
    """The lines of the procedure's entry that name `other` by its whole name (the stay
    notification's note "… thì khách phải đăng ký tạm trú"): what the entry says of it."""
    toks = fold(other.name).split()
    pairs = set(zip(toks, toks[1:], strict=False))
    if len(pairs) < 2:
        return []
    out = []
    for item in _card_items(turn, proc):
        said = fold(item).split()
        if pairs <= set(zip(said, said[1:], strict=False)):
            out.append(item)
    return out[:MAX_LINES]


def lines_touching(turn: Turn, proc: Procedure, other: Procedure, text: str) -> list[str]:
    """The lines of the procedure's entry holding a word of `other`'s name that the message says
    too ("chủ trọ có phải … đi chứng thực chữ ký ko" under tạm trú: "… không bắt buộc công chứng
    hoặc chứng thực"), when none names it whole; or two word pairs of its names that the message
    says ("hđ thuê nhà có phải công chứng ko" under thường trú: "Hợp đồng … cho thuê … được công
    chứng hoặc chứng thực")."""
    toks = fold(other.name).split()
    said = content_pairs(turn, text)
    shared = said & word_pairs(toks)
    named = said & {p for n in (other.name, *other.aliases) for p in word_pairs(fold(n).split())}
    out = []
    for item in _card_items(turn, proc):
        line = fold(item).split()
        if any(_same_run(toks, line, pair) for pair in shared) or len(named & word_pairs(line)) > 1:
            out.append(item)
    return out[:MAX_LINES]


def word_pairs(toks: list[str]) -> set[tuple[str, str]]:
    """Each two words in a row."""
    return set(zip(toks, toks[1:], strict=False))


def _same_run(name: list[str], line: list[str], pair: tuple[str, str]) -> bool:
    """The line holds the pair of words without another word where the name has its own next to
    it ("khai báo tạm trú" is not "khai báo tạm vắng"; "… hoặc chứng thực." may be "chứng thực
    chữ ký")."""
    i = next(k for k in range(len(name) - 1) if (name[k], name[k + 1]) == pair)
    around = (name[i - 1] if i else None, name[i + 2] if i + 2 < len(name) else None)
    for j in range(len(line) - 1):
        if (line[j], line[j + 1]) != pair:
            continue
        seen = (line[j - 1] if j else None, line[j + 2] if j + 2 < len(line) else None)
        if all(a is None or b is None or a == b for a, b in zip(around, seen, strict=True)):
            return True
    return False


def card_lines(turn: Turn, proc: Procedure, text: str) -> list[str]:
    """The lines of the procedure's entry that speak to a follow-up question ("bà đi thay thì có
    cần giấy ủy quyền không" -> the authorisation document and its note), best first."""
    items = _card_items(turn, proc)
    # ...and among lines sharing as many pairs, the one sharing more of the message's own words,
    # with their accents when typed with them ("ông bà nội ngoại đều còn, ai đứng giám hộ": the
    # note on grandparents who agree; "dài mấy trang" is not "đại diện")
    typed = clean(text).split()
    accented = any(t != strip_marks(t) for t in typed)
    words = turn.content.flows.words
    plain = {*words.particles, *words.question_marks, *words.connectives, *words.generic}
    own = {t for t in _as_typed(text, accented) if strip_marks(t) not in plain}
    # the rarer words first; then pairs with one generic word ("người làm chứng là hàng xóm được
    # không": "hàng xóm" is in no line, "làm chứng" is)
    for one_generic in (False, True):
        said = {_at(p) for p in content_pairs(turn, text, one_generic=one_generic)}
        scored = []
        for n, item in enumerate(items):
            toks = [AT if t in AT_WORDS else t for t in fold(item).split()]
            shared = len(said & set(zip(toks, toks[1:], strict=False)))
            if shared:
                scored.append((-shared, -len(own & _as_typed(item, accented)), n, item))
        if scored:
            return [item for *_, item in sorted(scored)[:MAX_LINES]]
    return []
