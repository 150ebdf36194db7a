"""Built-in actions the guide flows call by name. Each returns an outcome for the step's `on`."""

from __future__ import annotations

import datetime as dt

from bot.core import answers, guide
from bot.core.answers import display_name
from bot.core.conversation import answer_asked
from bot.core.engine import Turn
from bot.core.feature import Action, Feature, Outcome, action
from bot.core.matcher import CLEAR_LEAD, raw_odds
from bot.core.messages import Attachment, Button
from bot.core.model import NO, YES, Option, Procedure, Question
from bot.core.naming import names
from bot.core.normalize import fold
from bot.core.understand import contains, life_event, without_preamble

MAX_CHOICES = 3


def understand(turn: Turn) -> str:
    """Match the citizen's text; one clear procedure, a choice, or none."""
    analysis = turn.content.matcher.analyse(turn.text, top=MAX_CHOICES)
    turn.state.lang = "en" if analysis.english else "vi"
    matches = list(analysis.matches)
    if not matches and analysis.unsure:  # a need, but not clearly which: ask, as a clerk would
        return _choose(turn, [m.id for m in analysis.unsure], settle=False)
    if not matches:
        return "none"
    first = matches[0]
    matcher = turn.content.matcher
    if not analysis.english:  # "khai sinh cho con", nothing foreign said: the plain procedure
        # first, where the foreign one scored a little higher, and the foreign one no rival
        plain = next((m for m in matches if matcher.adds_unstated(turn.text, m.id, first.id)), None)
        first = plain or first
        matches = [m for m in matches if not matcher.adds_unstated(turn.text, first.id, m.id)]
    top = turn.content.catalog.get(first.id)
    related = (
        set(top.bundles) | set(top.members) if top else set()
    )  # a bundle and its parts are not rivals
    # "ghi sai năm sinh, muốn sửa lại": a rival whose name does not state the act asked for,
    # when the first's does, is no choice to offer
    rivals = [
        m
        for m in matches
        if m.id != first.id
        and m.id not in related
        and not matcher.act_settles(turn.text, first.id, m.id)
    ]
    other = _close_other(analysis.close, first.id, related)
    other = "" if other and matcher.act_settles(turn.text, first.id, other) else other
    if rivals and (
        analysis.contested
        or other
        or raw_odds(first.score) < CLEAR_LEAD * raw_odds(rivals[0].score)
    ):
        # close scores (shown, or the second ranker's own), the first and its plain sibling, or
        # the ranker and the curated aliases read the message differently
        head = [first.id, other] if other else [first.id]
        return _choose(turn, head + [m.id for m in rivals if m.id != other])
    turn.state.switch_procedure(first.id)
    return "one"


def _choose(turn: Turn, choices: list[str], settle: bool = True) -> str:
    """Offer `choices`. A message that corrects or leaves the procedure in hand ("à nhầm, ý tôi
    là khai sinh…", "hỏi việc khác") leaves none in hand while the citizen picks: a question typed
    now ("cần mang giấy gì") is about the offers. A side question ("văn bản ủy quyền có phải
    chứng thực chữ ký không") keeps it: "mấy ngày có giấy" is still about the business licence.
    Copies of one procedure (the same name, several provinces) are offered once: the citizen
    cannot tell them apart; when only one is left, it is the answer (`settle`: unless the matcher
    was unsure the message asks for any)."""
    choices = _distinct(turn, choices)
    if settle and len(choices) == 1:
        turn.state.switch_procedure(choices[0])
        return "one"
    turn.state.choices = choices
    raw = turn.state.last_text
    first = turn.content.catalog.get(choices[0]) if choices else None
    if turn.proc is not None and (
        _moves_on(turn, raw) or (first is not None and names(turn, turn.proc, raw, first))
    ):  # "cấp thẻ căn cước cho con 14 tuổi" under tạm trú names what it wants: a new matter
        turn.state.switch_procedure("")
    return "many"


def _distinct(turn: Turn, choices: list[str]) -> list[str]:
    """The choices without the later ones named as an earlier one is."""
    seen: set[str] = set()
    out = []
    for pid in choices:
        proc = turn.content.catalog.get(pid)
        name = fold(proc.name) if proc is not None else pid
        if name not in seen:
            seen.add(name)
            out.append(pid)
    return out


def _moves_on(turn: Turn, raw: str) -> bool:
    """The message corrects itself, says it is about something else, or tells a life event."""
    words = turn.content.flows.words
    folded = fold(raw)
    return (
        without_preamble(raw, words) != raw
        or any(contains(folded, m) for m in words.switch_markers)
        or bool(life_event(folded, words))  # "ông ngoại mất rồi, làm khai tử": a new matter
    )


def _close_other(pair: tuple[str, ...], first: str, related: set[str]) -> str:
    """The procedure the matcher's close pair (`Analysis.close`) puts beside `first`: the second
    ranker's other near-equal one, or the plain sibling of a record whose property nobody
    stated; "" when there is none."""
    if len(pair) != 2 or first not in pair:
        return ""
    other = pair[1] if pair[0] == first else pair[0]
    return "" if other in related else other


def show_choices(turn: Turn) -> str:
    """Two cases that differ by a few words get the one question that separates them;
    otherwise a short list to pick from."""
    catalog = turn.content.catalog
    procs = [p for p in (catalog.get(pid) for pid in turn.state.choices) if p is not None]
    if separating_question(turn, procs):
        return "shown"
    buttons = []
    lines = [turn.r.t("choose_intro")]
    for n, proc in enumerate(procs, 1):
        name = display_name(turn, proc)
        lines.append(turn.r.t("choose_line", n=n, name=name))
        buttons.append(Button(name, f"pick:{proc.id}"))
    buttons.append(Button(turn.r.t("btn_other"), "cmd:restart"))
    turn.say("\n".join(lines), buttons)
    return "shown"


def separating_question(turn: Turn, procs: list[Procedure]) -> bool:
    """'Đăng ký khai sinh' vs 'Đăng ký khai sinh có yếu tố nước ngoài': ask about the extra words."""
    if len(procs) < 2:
        return False
    short, long = sorted(procs[:2], key=lambda p: len(p.name))
    if not long.name.lower().startswith(short.name.lower()):
        return False
    extra = long.name[len(short.name) :].strip(" ,")
    if not extra:
        return False
    told = [
        turn.state.facts.get(q, "")
        for q in turn.content.flows.words.separating.get(fold(extra), ())
    ]
    if "yes" in told or (told and all(v == "no" for v in told if v) and any(told)):
        turn.state.switch_procedure(long.id if "yes" in told else short.id)
        turn.engine.run(turn, "guide.summary")  # what was told answers the separating question
        return True
    asked = extra[3:] if fold(extra).startswith("co ") else extra  # the text already says "có"
    if turn.r.lang == "en" and long.english:  # "Is yours a birth registration with a foreign …?"
        asked = long.english[0]
    turn.say(
        turn.r.t("choose_separate", extra=asked, name=display_name(turn, short)),
        [
            Button(turn.r.t("btn_yes"), f"pick:{long.id}"),
            Button(turn.r.t("btn_no"), f"pick:{short.id}"),
        ],
    )
    return True


def summary_card(turn: Turn) -> str:
    """The first card (one phone screen); the rest is one tap away."""
    proc = turn.proc
    if proc is None:
        return "shown"
    text = turn.r.card(turn.content.catalog, proc)
    for note in answers.notes_for(turn, proc, turn.state.last_text)[
        :1
    ]:  # the note about what they told us
        text += "\n" + turn.r.t("card_note", note=note)
    for bundle in _offered_bundles(turn):
        text += "\n" + turn.r.t("bundle_offer", name=display_name(turn, bundle))
    text = answers.with_footnote(turn, text)
    turn.say(text + "\n" + turn.r.t("card_more"))
    return "shown"


def info(topic: str) -> Action:
    """An action showing one part of the procedure (fee and time, where, online) in full."""

    def show(turn: Turn) -> str:
        proc = turn.proc
        if proc is not None:
            turn.say(answers.with_footnote(turn, answers.info(turn, proc, topic)))
        return "shown"

    return show


def _offered_bundles(turn: Turn) -> list[Procedure]:
    proc = turn.proc
    if proc is None or proc.is_bundle:
        return []
    declined = set(turn.state.declined)
    catalog = turn.content.catalog
    done = _done_pairs(turn)
    return [
        b
        for b in (catalog.get(x) for x in proc.bundles)
        if b is not None
        and b.id not in declined
        and not any(_name_pairs(m) & done for m in catalog.members(b) if m.id != proc.id)
    ]


def _done_pairs(turn: Turn) -> set[tuple[str, str]]:
    """The word pairs the last message says are done ("con em đã có giấy khai sinh với nhập hộ
    khẩu rồi"): a bundle holding one of them comes too late to offer."""
    m = turn.content.matcher
    toks = m.prepare(turn.state.last_text).tokens
    done = m.lexicon.done_positions(toks)
    return {(toks[i], toks[i + 1]) for i in range(len(toks) - 1) if {i, i + 1} <= done}


def _name_pairs(proc: Procedure) -> set[tuple[str, str]]:
    """A procedure's own word pairs ("khai sinh", "thuong tru"), without its generic verbs."""
    toks = fold(proc.name).split()
    return set(zip(toks, toks[1:], strict=False)) - {("dang", "ky"), ("cap", "the")}


def has_bundle(turn: Turn) -> bool:
    return bool(_offered_bundles(turn))


def switch_to_bundle(turn: Turn) -> str:
    bundles = _offered_bundles(turn)
    if bundles:
        answers = dict(turn.state.answers)
        came_from = turn.state.proc
        turn.state.switch_procedure(bundles[0].id)
        turn.state.answers = answers
        turn.state.came_from = came_from
    return "switched"


def next_question(turn: Turn) -> str:
    """Ask the next question that changes the checklist, or finish."""
    proc = turn.proc
    if proc is None:
        return "done"
    answers = turn.state.answers
    _fill_from_facts(turn, proc)
    if guide.failed_eligibility(proc, answers):
        return "not_eligible"
    rare = turn.state.ask_all
    q = guide.next_question(turn.content.catalog, proc, answers, rare)
    if q is None:
        return "done"
    turn.state.pending = q.id
    asked = guide.asked(turn.content.catalog, proc, rare)
    n = next((i for i, x in enumerate(asked, 1) if x.id == q.id), 1)
    text = f"{turn.r.t('question_progress', n=n, total=len(asked))} {q.text}"
    turn.say(text, [Button(option_label(turn, o), f"answer:{o.value}") for o in q.options])
    return "asked"


def _fill_from_facts(turn: Turn, proc: Procedure) -> None:
    """What the citizen already said about the case answers its questions: never asked again."""
    answers, facts = turn.state.answers, turn.state.facts
    for q in guide.asked(turn.content.catalog, proc, include_rare=True):
        value = facts.get(q.id)
        if value and q.id not in answers and value in {o.value for o in q.options}:
            answers[q.id] = value


DEFAULT_OPTIONS = Question("", "").options  # the catalogue's default yes/no options


def option_label(turn: Turn, option: Option) -> str:
    """A plain yes/no option is labelled from the texts (so in English too); others as written."""
    plain = {YES: DEFAULT_OPTIONS[0].label, NO: DEFAULT_OPTIONS[1].label}
    if plain.get(option.value) == option.label:
        return turn.r.t("btn_yes" if option.value == YES else "btn_no")
    return option.label


def ask_special(turn: Turn) -> str:
    """The citizen's case is special: ask the rare questions too."""
    turn.state.ask_all = True
    return "ok"


def has_special(turn: Turn) -> bool:
    proc = turn.proc
    return (
        proc is not None and not turn.state.ask_all and guide.has_rare(turn.content.catalog, proc)
    )


def drop_bundle(turn: Turn) -> str:
    proc = turn.proc
    if proc is not None:
        reasons = " ".join(guide.failed_eligibility(proc, turn.state.answers))
        turn.say(turn.r.t("bundle_not_eligible", reason=reasons))
        back = turn.state.came_from
        member = back if back in proc.members else proc.members[0]
        turn.state.declined.append(proc.id)
        turn.state.switch_procedure(member)
    return "dropped"


def show_checklist(turn: Turn) -> str:
    proc = turn.proc
    if proc is None:
        return "shown"
    have = set(turn.state.have)
    text, items = turn.r.checklist(turn.content.catalog, proc, turn.state.answers, have)
    turn.say(
        answers.with_footnote(turn, text + "\n" + turn.r.t("checklist_hint")),
        checklist_buttons(turn, items, have),
    )
    return "shown"


def tick_note(turn: Turn) -> str:
    """Ticking a document: one line, not the whole list again (the buttons are refreshed)."""
    proc = turn.proc
    if proc is None:
        return "shown"
    have = set(turn.state.have)
    items = guide.checklist(turn.content.catalog, proc, turn.state.answers)
    key = turn.text
    doc = next((i.doc for i in items if i.doc.key == key), None)
    missing = sum(1 for i in items if i.doc.key not in have)
    name = doc.name if doc else key
    line = turn.r.t("tick_done" if key in have else "tick_undone", doc=name, count=missing)
    if not missing:
        line += "\n" + turn.r.t("all_ready")
    turn.say(line, checklist_buttons(turn, items, have))
    return "shown"


def checklist_buttons(turn: Turn, items: list[guide.Item], have: set[str]) -> list[Button]:
    return [
        Button(
            turn.r.t("unhave_button" if i.doc.key in have else "have_button", n=n),
            f"have:{i.doc.key}",
        )
        for n, i in enumerate(items, 1)
    ]


def final_summary(turn: Turn) -> str:
    proc = turn.proc
    if proc is None:
        return "shown"
    today = dt.datetime.fromtimestamp(turn.engine.clock(), dt.UTC).date().isoformat()
    text = turn.r.final(turn.content.catalog, proc, turn.state.answers, set(turn.state.have), today)
    file = Attachment(f"{proc.id}-ho-so.txt", text.encode("utf-8"), "text/plain; charset=utf-8")
    turn.say(text, attachment=file)
    return "shown"


FEATURE = Feature(
    name="guide",
    actions={
        "understand": action(understand, Outcome.ONE, Outcome.MANY, Outcome.NONE),
        "show_choices": action(show_choices, Outcome.SHOWN),
        "summary_card": action(summary_card, Outcome.SHOWN),
        "switch_to_bundle": action(switch_to_bundle, "switched"),
        "next_question": action(next_question, Outcome.ASKED, Outcome.DONE, "not_eligible"),
        "drop_bundle": action(drop_bundle, "dropped"),
        "ask_special": action(ask_special, Outcome.OK),
        "show_checklist": action(show_checklist, Outcome.SHOWN),
        "final_summary": action(final_summary, Outcome.SHOWN),
        "info_fees": action(info("fees"), Outcome.SHOWN),
        "info_where": action(info("where"), Outcome.SHOWN),
        "info_online": action(info("online"), Outcome.SHOWN),
        "tick_note": action(tick_note, Outcome.SHOWN),
        "answer_asked": action(answer_asked, "asked", "other"),
    },
    conditions={
        "has_special": has_special,
        "has_bundle": has_bundle,
        "bookable": lambda turn: False,
    },
    entry_points=("main.help", "main.human"),
)
