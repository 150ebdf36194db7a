"""Short answers for a phone: the first card of every catalogue entry fits one screen (≤ 900
characters, bundles ≤ 1,300); every answer about a procedure stays ≤ 1,500 characters."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat import make_config, make_engine

from bot.core import answers
from bot.core.engine import Engine, Turn
from bot.core.messages import Incoming
from bot.core.state import ConversationState

TOPICS = ["fee", "time", "where", "online", "deadline", "result", "legal", "who", "documents"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return make_engine(make_config(Path(tmp_path_factory.mktemp("short"))))


def test_every_first_card_fits_one_screen(engine: Engine) -> None:
    too_long = []
    for proc in engine.content.catalog:
        turn = Turn(engine, Incoming("t", proc.id), ConversationState(proc=proc.id))
        engine.run(turn, "guide.summary")
        limit = 1300 if proc.is_bundle else 900
        size = max(len(r.text) for r in turn.replies)
        if size > limit:
            too_long.append((proc.id, size))
    assert too_long == []


def test_every_answer_about_a_procedure_is_short(engine: Engine) -> None:
    too_long = []
    for proc in engine.content.catalog:
        turn = Turn(engine, Incoming("t", proc.id), ConversationState(proc=proc.id))
        texts = [answers.answer_about(turn, proc, t, "ban chinh") for t in TOPICS]
        texts += [answers.info(turn, proc, t) for t in ("fees", "where", "online")]
        too_long += [(proc.id, len(t)) for t in texts if len(t) > answers.MAX_REPLY]
    assert too_long == []


def test_unverified_mark_is_on_the_line_and_the_footnote_said_once(engine: Engine) -> None:
    from chat import Chat

    chat = Chat(engine, user="footnote")
    chat.say("thông báo lưu trú cho khách đến ở nhà")
    card = chat.text
    fee_line = next(line for line in card.splitlines() if line.startswith("💰"))
    assert fee_line.endswith(
        "(*)"
    )  # "no fee" is not settled by the record: marked in the catalogue
    assert not next(line for line in card.splitlines() if line.startswith("⏰")).endswith("(*)")
    assert card.count("chưa được kiểm chứng") == 1
    chat.say("lệ phí bao nhiêu")
    assert (
        "(*)" in chat.text and "chưa được kiểm chứng" not in chat.text
    )  # footnote once per conversation


def test_a_deadline_asked_of_a_portal_record_that_states_none_is_not_said_to_be_none(
    engine: Engine,
) -> None:
    """A reviewed entry without a deadline has none; a national record may just not state one."""
    said = {}
    for pid in ("tthc-1-000178", "chung-thuc-ban-sao"):
        proc = engine.content.catalog.get(pid)
        assert proc is not None and proc.deadline is None
        turn = Turn(engine, Incoming("t", pid), ConversationState(proc=pid))
        said[pid] = answers.answer_about(turn, proc, "deadline", "hạn chót khi nào")
    assert "không nêu hạn" in said["tthc-1-000178"]
    assert "không có thời hạn" not in said["tthc-1-000178"]
    assert "không có thời hạn" in said["chung-thuc-ban-sao"]
