"""Volunteer mode (Tổ xung kích số): several citizens' cases at once, handed over by code.

A case is a conversation context stored under ("case", code). The volunteer who opened it
continues it; a citizen who types its code gets a copy of the checklist in their own
conversation (joining never changes the case). It holds only the checklist: procedure, answers,
ticks — no name, no ID number.

Volunteer rights come only from a verified channel identity: "telegram:<id>" or "zalo:<id>" in
`volunteers.ids`, or a volunteer's personal web login (`Incoming.volunteer`). A web user's id is
made by the server and never matches.
"""

from __future__ import annotations

import re
import secrets
import threading
from contextlib import AbstractContextManager
from typing import Any

from bot.core.engine import StateStore, Turn
from bot.core.feature import Feature
from bot.core.messages import Button
from bot.core.state import ConversationState

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LEN = 10  # 32^10 = 2^50 codes
CASE = "case"  # store channel of shared case records
CLOSED = "closed"  # key of a closed case record
RESUMABLE = "booking."  # a case stopped inside these flows resumes at the step it waits at
JOIN_RE = re.compile(
    r"^(?:/start\s+case-|ma\s+|mã\s+|ma ho so\s+|mã hồ sơ\s+)([a-z0-9]{10})$", re.IGNORECASE
)
VERIFIED_CHANNELS = frozenset({"telegram", "zalo"})  # the platform vouches for the user id
JOIN_FAILURES = 5  # wrong codes allowed per user, and per client address, per hour
JOIN_WINDOW = 3600.0
_failures_lock = threading.Lock()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))


def is_volunteer(turn: Turn) -> bool:
    """A verified Telegram/Zalo id listed in `volunteers.ids`, or a volunteer's personal web
    login (checked by the web layer at every request, revocable by an admin)."""
    channel = turn.msg.channel
    if turn.msg.volunteer:
        return True
    return channel in VERIFIED_CHANNELS and f"{channel}:{turn.msg.user}" in turn.engine.volunteers


def _failures(turn: Turn) -> dict[str, list[float]]:
    """Wrong-code times per key, kept on the engine (one per process)."""
    found: dict[str, list[float]] | None = getattr(turn.engine, "_join_failures", None)
    if found is None:
        found = {}
        turn.engine._join_failures = found  # type: ignore[attr-defined]
    return found


def _join_keys(turn: Turn) -> list[str]:
    keys = [f"user:{turn.msg.channel}:{turn.msg.user}"]
    if turn.msg.origin:
        keys.append(f"origin:{turn.msg.origin}")
    return keys


def _join_blocked(turn: Turn, keys: list[str]) -> bool:
    now, failures = turn.engine.clock(), _failures(turn)
    with _failures_lock:
        for key in keys:
            recent = [t for t in failures.get(key, []) if now - t < JOIN_WINDOW]
            failures[key] = recent
            if len(recent) >= JOIN_FAILURES:
                return True
    return False


def _join_failed(turn: Turn, keys: list[str]) -> None:
    now, failures = turn.engine.clock(), _failures(turn)
    with _failures_lock:
        if len(failures) > 100_000:
            failures.clear()
        for key in keys:
            failures.setdefault(key, []).append(now)


def _guard(turn: Turn) -> bool:
    if not is_volunteer(turn):
        turn.say(turn.r.t("vol_only"))
        return False
    return True


def _detach(turn: Turn) -> None:
    """Leave the active case: save it, and give the volunteer a fresh state."""
    state = turn.state
    if state.case:
        turn.engine.store.put(CASE, state.case, _case_record(state))
    state.reset("cases")


def cmd_menu(turn: Turn) -> None:
    if not _guard(turn):
        return
    buttons = [
        Button(turn.r.t("btn_vol_new"), "cmd:hoso_moi"),
        Button(turn.r.t("btn_vol_list"), "cmd:hoso"),
    ]
    if turn.state.case:
        buttons += [
            Button(turn.r.t("btn_vol_done"), "cmd:xong"),
            Button(turn.r.t("btn_vol_handoff"), "cmd:ma"),
        ]
    turn.say(turn.r.t("vol_menu", count=len(turn.state.cases)), buttons)


def cmd_new(turn: Turn) -> None:
    if not _guard(turn):
        return
    _detach(turn)
    code = new_code()
    turn.state.case = code
    turn.state.cases.append(code)
    turn.say(turn.r.t("vol_new", code=code))
    turn.state.step = "main.welcome"


def cmd_list(turn: Turn) -> None:
    if not _guard(turn):
        return
    cases = turn.state.cases
    if not cases:
        turn.say(turn.r.t("vol_list_empty"), [Button(turn.r.t("btn_vol_new"), "cmd:hoso_moi")])
        return
    lines, buttons = [turn.r.t("vol_list_title")], []
    for code in cases:
        record = ConversationState.from_dict(turn.engine.store.get(CASE, code))
        proc = turn.content.catalog.get(record.proc or "")
        name = proc.name if proc else turn.r.t("case_none_name")
        status = turn.r.t("vol_list_status", have=len(record.have), step=_where(turn, record))
        booked = record.data.get("booked") or {}
        if booked.get("code"):
            status += turn.r.t("vol_list_booked", code=booked["code"], when=booked.get("when", ""))
        lines.append(turn.r.t("vol_list_line", code=code, name=name) + status)
        buttons.append(Button(code, f"cmd:hoso {code}"))
    turn.say("\n".join(lines), buttons)


def resume(turn: Turn, code: str) -> None:
    if not _guard(turn):
        return
    if code not in turn.state.cases:
        turn.say(turn.r.t("case_not_found"))
        return
    _detach(turn)
    _attach(turn, code)
    turn.say(turn.r.t("vol_resumed", code=code))
    _continue(turn)


def _attach(turn: Turn, code: str) -> bool:
    record = turn.engine.store.get(CASE, code)
    if record is None or record.get(CLOSED):  # a closed case no longer opens by its code
        return False
    cases = list(turn.state.cases)
    turn.state.replace_with(ConversationState.from_dict(record))
    turn.state.case = code
    turn.state.cases = cases
    return True


def _where(turn: Turn, record: ConversationState) -> str:
    """Where a case stands, in words: booking in progress, checklist, or not started."""
    flow = record.step.split(".")[0] if record.step else ""
    key = {"booking": "vol_at_booking", "guide": "vol_at_guide"}.get(flow, "vol_at_start")
    return turn.r.t(key)


def _continue(turn: Turn) -> None:
    """Show the case where it stopped: a booking in progress at its step (question and
    buttons), else its guide if a procedure is chosen, else the welcome."""
    step = turn.state.step
    shown = step.removesuffix("_wait")  # 'booking.dates_wait' is asked by 'booking.dates'
    if step.startswith(RESUMABLE) and shown != step and shown in turn.content.flows.steps:
        turn.engine.run(turn, shown)  # asks the question again from the case's data
        return
    target = "guide.summary" if turn.state.proc else turn.content.flows.starts["main"]
    turn.engine.run(turn, target)


def cmd_done(turn: Turn) -> None:
    if not _guard(turn):
        return
    code = turn.state.case
    if not code:
        turn.say(turn.r.t("vol_no_case"))
        return
    _detach(turn)
    turn.engine.store.put(CASE, code, {CLOSED: True})  # the checklist goes; the code is dead
    turn.state.cases = [c for c in turn.state.cases if c != code]
    turn.say(turn.r.t("vol_done", code=code))


def cmd_handoff(turn: Turn) -> None:
    if not _guard(turn):
        return
    code = turn.state.case
    turn.say(turn.r.t("vol_handoff", code=code) if code else turn.r.t("vol_no_case"))


def join_by_code(turn: Turn, text: str) -> bool:
    """A citizen typing 'mã ABCD234EFG' (or opening /start case-…) gets a copy of that case's
    checklist in their own conversation; wrong codes are limited per user and per address."""
    m = JOIN_RE.match(text.strip())
    if not m:
        return False
    code = m.group(1).upper()
    keys = _join_keys(turn)
    if _join_blocked(turn, keys):
        turn.say(turn.r.t("case_join_limited"))
        return True
    record = turn.engine.store.get(CASE, code)
    if record is None or record.get(CLOSED):
        _join_failed(turn, keys)
        turn.say(turn.r.t("case_not_found"))
        return True
    lang = turn.state.lang
    turn.state.replace_with(ConversationState.from_dict(record))
    turn.state.case, turn.state.cases, turn.state.lang = None, [], lang  # a copy, not the case
    turn.say(turn.r.t("case_joined", code=code))
    _continue(turn)
    return True


def _dispatch_case(turn: Turn) -> None:
    parts = turn.msg.button.split() or turn.msg.text.split()
    if len(parts) > 1:
        resume(turn, parts[1].upper())
    else:
        cmd_list(turn)


def _case_record(state: ConversationState) -> dict[str, Any]:
    record = state.to_dict()
    for key in ("case", "cases"):
        record.pop(key, None)
    return record


class CaseStore:
    """Wraps the state store: a user working on a case reads and writes the shared case record."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # the inner store's extras (purge, delete, db engine)
        return getattr(self.inner, name)

    def lock(self, channel: str, user: str) -> AbstractContextManager[None]:
        return self.inner.lock(channel, user)

    def get(self, channel: str, user: str) -> dict[str, Any] | None:
        own = self.inner.get(channel, user)
        case = (own or {}).get("case") if channel != CASE else None
        if not own or not case:
            return own
        shared = self.inner.get(CASE, case)
        if shared is None:
            return own
        return {**shared, "case": case, "cases": own.get("cases", [])}

    def put(self, channel: str, user: str, state: dict[str, Any]) -> None:
        case = state.get("case") if channel != CASE else None
        if not case:
            self.inner.put(channel, user, state)
            return
        shared = {k: v for k, v in state.items() if k not in ("case", "cases")}
        self.inner.put(CASE, case, shared)
        own = {
            "case": case,
            "cases": state.get("cases", []),
            "updated": state.get("updated", 0),
            "buttons": state.get("buttons", []),
        }
        self.inner.put(channel, user, own)


FEATURE = Feature(
    name="volunteers",
    commands={
        "tnv": cmd_menu,
        "hoso_moi": cmd_new,
        "hoso": _dispatch_case,
        "xong": cmd_done,
        "ma": cmd_handoff,
    },
    text_hooks=(join_by_code,),
)
