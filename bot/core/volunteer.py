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

from bot.core.engine import Engine, Turn, new_context
from bot.core.messages import Button

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LEN = 10  # 32^10 = 2^50 codes
JOIN_RE = re.compile(r"^(?:/start\s+case-|ma\s+|mã\s+|ma ho so\s+|mã hồ sơ\s+)([a-z0-9]{10})$", re.IGNORECASE)
VERIFIED_CHANNELS = frozenset({"telegram", "zalo"})  # the platform vouches for the user id
JOIN_FAILURES = 5  # wrong codes allowed per user, and per client address, per hour
JOIN_WINDOW = 3600.0
_failures_lock = threading.Lock()


def _failures(turn: Turn) -> dict[str, list[float]]:
    """Wrong-code times per key, kept on the engine (one per process)."""
    found: dict[str, list[float]] | None = getattr(turn.engine, "_join_failures", None)
    if found is None:
        found = {}
        turn.engine._join_failures = found  # type: ignore[attr-defined]
    return found


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))


def is_volunteer(turn: Turn) -> bool:
    """A verified Telegram/Zalo id listed in `volunteers.ids`, or a volunteer's personal web
    login (checked by the web layer at every request, revocable by an admin)."""
    channel = turn.msg.channel
    if turn.msg.volunteer:
        return True
    return channel in VERIFIED_CHANNELS and f"{channel}:{turn.msg.user}" in turn.engine.volunteers


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
    """Leave the active case: the engine saves it, and the volunteer gets a fresh context."""
    case = turn.ctx.get("case")
    if case:
        turn.engine.store.put("case", case, {k: v for k, v in turn.ctx.items() if k not in ("case", "cases")})
    cases = turn.ctx.get("cases", [])
    turn.ctx.clear()
    turn.ctx.update({**new_context(), "cases": cases})


def cmd_menu(turn: Turn) -> None:
    if not _guard(turn):
        return
    buttons = [Button(turn.r.t("btn_vol_new"), "cmd:hoso_moi"), Button(turn.r.t("btn_vol_list"), "cmd:hoso")]
    if turn.ctx.get("case"):
        buttons += [Button(turn.r.t("btn_vol_done"), "cmd:xong"), Button(turn.r.t("btn_vol_handoff"), "cmd:ma")]
    turn.say(turn.r.t("vol_menu", count=len(turn.ctx.get("cases", []))), buttons)


def cmd_new(turn: Turn) -> None:
    if not _guard(turn):
        return
    _detach(turn)
    code = new_code()
    turn.ctx["case"] = code
    turn.ctx.setdefault("cases", []).append(code)
    turn.ctx["owner"] = f"{turn.msg.channel}:{turn.msg.user}"
    turn.say(turn.r.t("vol_new", code=code))
    turn.ctx["step"] = "main.welcome"


def cmd_list(turn: Turn) -> None:
    if not _guard(turn):
        return
    cases = turn.ctx.get("cases", [])
    if not cases:
        turn.say(turn.r.t("vol_list_empty"), [Button(turn.r.t("btn_vol_new"), "cmd:hoso_moi")])
        return
    lines, buttons = [turn.r.t("vol_list_title")], []
    for code in cases:
        record = turn.engine.store.get("case", code) or {}
        proc = turn.content.catalog.get(record.get("proc") or "")
        name = proc.name if proc else turn.r.t("case_none_name")
        lines.append(turn.r.t("vol_list_line", code=code, name=name))
        buttons.append(Button(code, f"cmd:hoso {code}"))
    turn.say("\n".join(lines), buttons)


def resume(turn: Turn, code: str) -> None:
    if not _guard(turn):
        return
    if code not in turn.ctx.get("cases", []):
        turn.say(turn.r.t("case_not_found"))
        return
    _detach(turn)
    _attach(turn, code)
    turn.say(turn.r.t("vol_resumed", code=code))
    _continue(turn)


def _attach(turn: Turn, code: str) -> bool:
    record = turn.engine.store.get("case", code)
    if record is None:
        return False
    cases = turn.ctx.get("cases", [])
    turn.ctx.clear()
    turn.ctx.update({**new_context(), **record, "case": code, "cases": cases})
    return True


def _continue(turn: Turn) -> None:
    """Show the case where it stands: its guide if a procedure is chosen, else the welcome."""
    target = "guide.summary" if turn.ctx.get("proc") else turn.content.flows.starts["main"]
    turn.engine.run(turn, target)


def cmd_done(turn: Turn) -> None:
    if not _guard(turn):
        return
    code = turn.ctx.get("case")
    if not code:
        turn.say(turn.r.t("vol_no_case"))
        return
    turn.ctx["status"] = "done"
    _detach(turn)
    turn.ctx["cases"] = [c for c in turn.ctx.get("cases", []) if c != code]
    turn.say(turn.r.t("vol_done", code=code))


def cmd_handoff(turn: Turn) -> None:
    if not _guard(turn):
        return
    code = turn.ctx.get("case")
    turn.say(turn.r.t("vol_handoff", code=code) if code else turn.r.t("vol_no_case"))


def join_by_code(turn: Turn, text: str) -> bool:
    """A citizen typing 'mã ABC123' (or opening /start case-ABC123) continues that case."""
    m = JOIN_RE.match(text.strip())
    if not m:
        return False
    code = m.group(1).upper()
    keys = _join_keys(turn)
    if _join_blocked(turn, keys):
        turn.say(turn.r.t("case_join_limited"))
        return True
    record = turn.engine.store.get("case", code)
    if record is None:
        _join_failed(turn, keys)
        turn.say(turn.r.t("case_not_found"))
        return True
    # A copy for the citizen: what they do next never changes the volunteer's case.
    checklist = {k: v for k, v in record.items() if k not in ("case", "cases", "owner", "status")}
    keep = {k: turn.ctx[k] for k in ("lang",) if k in turn.ctx}
    turn.ctx.clear()
    turn.ctx.update({**new_context(), **checklist, **keep})
    turn.say(turn.r.t("case_joined", code=code))
    _continue(turn)
    return True


def _dispatch_case(turn: Turn) -> None:
    parts = turn.msg.button.split() or turn.msg.text.split()
    if len(parts) > 1:
        resume(turn, parts[1].upper())
    else:
        cmd_list(turn)


def install(engine: Engine) -> None:
    engine.commands.update({"tnv": cmd_menu, "hoso_moi": cmd_new, "hoso": _dispatch_case,
                            "xong": cmd_done, "ma": cmd_handoff})
    engine.text_hooks.append(join_by_code)
