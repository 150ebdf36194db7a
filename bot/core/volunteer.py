"""Volunteer mode (Tổ xung kích số): several citizens' cases at once, handed over by code.

A case is a conversation context stored under ("case", code); whoever holds the code can
continue it. It holds only the checklist: procedure, answers, ticks — no name, no ID number.
"""

from __future__ import annotations

import re
import secrets
from contextlib import AbstractContextManager
from typing import Any

from bot.core.engine import StateStore, Turn
from bot.core.feature import Feature
from bot.core.messages import Button
from bot.core.state import ConversationState

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LEN = 6
CASE = "case"  # store channel of shared case records
JOIN_RE = re.compile(r"^(?:/start\s+case-|ma\s+|mã\s+|ma ho so\s+|mã hồ sơ\s+)([a-z0-9]{6})$", re.IGNORECASE)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))


def is_volunteer(turn: Turn) -> bool:
    vols = turn.engine.volunteers
    return turn.msg.user in vols or f"{turn.msg.channel}:{turn.msg.user}" in vols


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
    buttons = [Button(turn.r.t("btn_vol_new"), "cmd:hoso_moi"), Button(turn.r.t("btn_vol_list"), "cmd:hoso")]
    if turn.state.case:
        buttons += [Button(turn.r.t("btn_vol_done"), "cmd:xong"), Button(turn.r.t("btn_vol_handoff"), "cmd:ma")]
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
        lines.append(turn.r.t("vol_list_line", code=code, name=name))
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
    if record is None:
        return False
    cases = list(turn.state.cases)
    turn.state.replace_with(ConversationState.from_dict(record))
    turn.state.case = code
    turn.state.cases = cases
    return True


def _continue(turn: Turn) -> None:
    """Show the case where it stands: its guide if a procedure is chosen, else the welcome."""
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
    turn.state.cases = [c for c in turn.state.cases if c != code]
    turn.say(turn.r.t("vol_done", code=code))


def cmd_handoff(turn: Turn) -> None:
    if not _guard(turn):
        return
    code = turn.state.case
    turn.say(turn.r.t("vol_handoff", code=code) if code else turn.r.t("vol_no_case"))


def join_by_code(turn: Turn, text: str) -> bool:
    """A citizen typing 'mã ABC123' (or opening /start case-ABC123) continues that case."""
    m = JOIN_RE.match(text.strip())
    if not m:
        return False
    code = m.group(1).upper()
    if not _attach(turn, code):
        turn.say(turn.r.t("case_not_found"))
        return True
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
        own = {"case": case, "cases": state.get("cases", []), "updated": state.get("updated", 0),
               "buttons": state.get("buttons", [])}
        self.inner.put(channel, user, own)


FEATURE = Feature(
    name="volunteers",
    commands={"tnv": cmd_menu, "hoso_moi": cmd_new, "hoso": _dispatch_case, "xong": cmd_done, "ma": cmd_handoff},
    text_hooks=(join_by_code,),
)
