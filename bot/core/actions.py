"""Built-in actions the guide flows call by name. Each returns an outcome for the step's `on`."""

from __future__ import annotations

import datetime as dt

from bot.core import guide
from bot.core.engine import Turn
from bot.core.feature import Feature, Outcome, action
from bot.core.messages import Attachment, Button
from bot.core.model import Procedure

MAX_CHOICES = 3
CLEAR_LEAD = 1.8  # the top match must beat the next by this factor (raw score) to skip the choice list


def understand(turn: Turn) -> str:
    """Match the citizen's text; one clear procedure, a choice, or none."""
    analysis = turn.content.matcher.analyse(turn.text, top=MAX_CHOICES)
    turn.state.lang = "en" if analysis.english else "vi"
    matches = list(analysis.matches)
    if not matches:
        return "none"
    first = matches[0]
    top = turn.content.catalog.get(first.id)
    related = set(top.bundles) | set(top.members) if top else set()  # a bundle and its parts are not rivals
    rivals = [m for m in matches[1:] if m.id not in related]
    if rivals and _raw(first.score) < CLEAR_LEAD * _raw(rivals[0].score):
        turn.state.choices = [first.id] + [m.id for m in rivals]
        return "many"
    turn.state.switch_procedure(first.id)
    return "one"


def _raw(score: float) -> float:
    return score / max(1e-9, 1 - score)


def show_choices(turn: Turn) -> str:
    catalog = turn.content.catalog
    buttons = []
    lines = []
    for n, pid in enumerate(turn.state.choices, 1):
        proc = catalog.get(pid)
        if proc:
            lines.append(turn.r.t("choose_line", n=n, name=proc.name))
            buttons.append(Button(proc.name, f"pick:{pid}"))
    buttons.append(Button(turn.r.t("btn_other"), "cmd:restart"))
    turn.say("\n".join(lines), buttons)
    return "shown"


def summary_card(turn: Turn) -> str:
    proc = turn.proc
    if proc is None:
        return "shown"
    if turn.state.lang == "en":
        turn.say(turn.r.t("english_note", name=proc.name))
    text = turn.r.card(turn.content.catalog, proc)
    for bundle in _offered_bundles(turn):
        text += "\n\n" + turn.r.t("bundle_offer", name=bundle.name)
    turn.say(text)
    return "shown"


def _offered_bundles(turn: Turn) -> list[Procedure]:
    proc = turn.proc
    if proc is None or proc.is_bundle:
        return []
    declined = set(turn.state.declined)
    catalog = turn.content.catalog
    return [b for b in (catalog.get(x) for x in proc.bundles) if b is not None and b.id not in declined]


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
    if guide.failed_eligibility(proc, answers):
        return "not_eligible"
    rare = turn.state.ask_all
    q = guide.next_question(turn.content.catalog, proc, answers, rare)
    if q is None:
        return "done"
    turn.state.pending = q.id
    asked = guide.asked(turn.content.catalog, proc, rare)
    n = next((i for i, x in enumerate(asked, 1) if x.id == q.id), 1)
    text = f"{turn.r.vi('question_progress', n=n, total=len(asked))} {q.text}"
    turn.say(text, [Button(o.label, f"answer:{o.value}") for o in q.options])
    return "asked"


def ask_special(turn: Turn) -> str:
    """The citizen's case is special: ask the rare questions too."""
    turn.state.ask_all = True
    return "ok"


def has_special(turn: Turn) -> bool:
    proc = turn.proc
    return proc is not None and not turn.state.ask_all and guide.has_rare(turn.content.catalog, proc)


def drop_bundle(turn: Turn) -> str:
    proc = turn.proc
    if proc is not None:
        reasons = " ".join(guide.failed_eligibility(proc, turn.state.answers))
        turn.say(turn.r.vi("bundle_not_eligible", reason=reasons))
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
    buttons = [Button(turn.r.vi("unhave_button" if i.doc.key in have else "have_button", n=n), f"have:{i.doc.key}")
               for n, i in enumerate(items, 1)]
    turn.say(text + "\n" + turn.r.vi("checklist_hint"), buttons)
    return "shown"


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
    },
    conditions={"has_special": has_special, "has_bundle": has_bundle, "bookable": lambda turn: False},
    entry_points=("main.help", "main.human"),
)
