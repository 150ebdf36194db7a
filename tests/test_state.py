"""Typed conversation state, the one plug-in API and the outcome check."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat import Chat, make_config, make_engine

from bot.core.engine import Engine, MemoryStore
from bot.core.feature import Feature, UndeclaredOutcome, action
from bot.core.messages import Incoming
from bot.core.state import STATE_VERSION, ConversationState, Snapshot


def test_state_round_trips_and_old_dicts_load() -> None:
    state = ConversationState(proc="khai-sinh", answers={"q": "yes"}, have=["a"], ask_all=True)
    state.remember(state.snapshot("guide.ask"))
    again = ConversationState.from_dict(state.to_dict())
    assert again == state
    old = {
        "step": "guide.ask_wait",
        "proc": "ket-hon",
        "answers": {"x": "no"},
        "owner": "t:1",
        "status": "done",
        "history": [{"entry": "guide.summary", "ctx": {"proc": "ket-hon", "answers": {}}}],
        "pending": None,
    }
    loaded = ConversationState.from_dict(old)
    assert (loaded.version, loaded.proc, loaded.answers, loaded.step) == (
        STATE_VERSION,
        "ket-hon",
        {"x": "no"},
        "guide.ask_wait",
    )
    assert loaded.history == [Snapshot("guide.summary", {"proc": "ket-hon", "answers": {}})]
    assert "owner" not in loaded.to_dict()


def test_switch_procedure_forgets_the_special_case_flag() -> None:
    state = ConversationState(proc="khai-sinh", answers={"q": "yes"}, ask_all=True, came_from="x")
    state.switch_procedure("ket-hon")
    assert (state.proc, state.answers, state.ask_all, state.came_from) == (
        "ket-hon",
        {},
        False,
        None,
    )


def test_special_case_does_not_leak_into_the_next_procedure(tmp_path: Path) -> None:
    chat = Chat(make_engine(make_config(tmp_path)))
    chat.say("đăng ký khai sinh")
    chat.press("giấy tờ cần chuẩn bị")
    chat.answer_all("Không")
    chat.press("đặc biệt")
    assert "Câu hỏi" in chat.text
    chat.say("đăng ký kết hôn")
    chat.press("giấy tờ cần chuẩn bị")
    fresh = Chat(chat.engine, user="fresh")
    fresh.say("đăng ký kết hôn")
    fresh.press("giấy tờ cần chuẩn bị")
    assert chat.text == fresh.text


def test_an_undeclared_outcome_is_an_error(tmp_path: Path) -> None:
    engine = make_engine(make_config(tmp_path))
    engine.include(Feature("odd", actions={"odd_action": action(lambda turn: "surprise", "shown")}))
    engine.actions["summary_card"] = engine.actions["odd_action"]
    with pytest.raises(UndeclaredOutcome):
        engine.handle(Incoming("test", "u", text="đăng ký khai sinh"))


def test_include_refuses_a_name_twice() -> None:
    engine = Engine(None, MemoryStore())
    engine.include(Feature("a", commands={"x": lambda turn: None}))
    with pytest.raises(ValueError):
        engine.include(Feature("b", commands={"x": lambda turn: None}))
    with pytest.raises(ValueError):
        engine.include(Feature("a"))


def test_a_feature_registers_intents_and_its_text_keys_are_checked(tmp_path: Path) -> None:
    from bot.app import Paths, check_content

    engine = make_engine(make_config(tmp_path))
    said: list[str] = []
    engine.include(
        Feature(
            "hello",
            commands={"chao": lambda turn: said.append("hi")},
            intents={"chao": ["xin chào bot ơi"]},
        )
    )
    engine.handle(Incoming("test", "u", text="Xin chào bot ơi"))
    assert said == ["hi"]
    engine.include(Feature("texts", texts=("no_such_text_key",)))
    content, problems = check_content(Paths.from_config(make_config(tmp_path)), engine)
    assert content is None
    assert any("no_such_text_key" in p.message for p in problems)
