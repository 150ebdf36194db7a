"""A typed yes/no leads to exactly the same next step as pressing the button (issue 11 §1, §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat import Chat, make_config, make_engine

from bot.content.flows import load_flows
from bot.core.engine import Engine
from bot.core.understand import Context, Kind, read

# How citizens answer, accents or not, polite particles, southern/central forms, teencode.
YES = [
    "có",
    "có ạ",
    "dạ có",
    "vâng",
    "vâng ạ",
    "ừ",
    "uh",
    "đúng",
    "đúng rồi",
    "phải",
    "chuẩn",
    "co",
    "co a",
    "da co",
    "vang",
    "dung roi",
    "ừa",
    "dạ vâng ạ",
    "có chứ",
    "có luôn",
    "dạ phải",
    "ok",
    "yes",
    "uk",
    "có nha",
    "đúng vậy ạ",
    "Có!",
    "CÓ Ạ",
    "dạ có ạ",
    "có em",
]
NO = [
    "không",
    "không ạ",
    "ko",
    "k",
    "hông",
    "hổng",
    "chưa",
    "dạ chưa",
    "không có",
    "chưa có",
    "khong",
    "dạ không",
    "ko có",
    "hông có",
    "chưa ạ",
    "kh",
    "no",
    "hok",
    "dạ không có ạ",
    "k co",
    "chưa có ạ",
    "Không.",
    "KO",
    "không có đâu",
    "hổng có",
    "dạ hông",
    "chưa có đâu chị",
    "không có em",
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return make_engine(make_config(Path(tmp_path_factory.mktemp("yes-no"))))


def at_question(engine: Engine, user: str, opener: str, answers: int = 0) -> Chat:
    chat = Chat(engine, user=user)
    chat.say(opener)
    chat.press("giấy tờ cần chuẩn bị")
    for _ in range(answers):
        chat.press(chat.labels()[0])
    assert "Câu hỏi" in chat.text
    return chat


CASES = [
    ("đăng ký khai sinh cho con", 0),
    ("đăng ký khai sinh cho con", 1),
    ("xin giấy xác nhận độc thân", 0),
]


@pytest.mark.parametrize("opener,answers", CASES)
@pytest.mark.parametrize("word,value", [(w, "yes") for w in YES] + [(w, "no") for w in NO])
def test_typed_answer_equals_the_button(
    engine: Engine, opener: str, answers: int, word: str, value: str
) -> None:
    typed = at_question(engine, f"typed-{opener}-{answers}-{word}", opener, answers)
    pressed = at_question(engine, f"pressed-{opener}-{answers}-{word}", opener, answers)
    # the button that means this answer, wherever the question places it
    label = pressed.labels()[pressed.payloads().index(f"answer:{value}")]
    pressed.press(label)
    typed.say(word)
    assert [(r.text, r.buttons) for r in typed.last] == [(r.text, r.buttons) for r in pressed.last]


@pytest.mark.parametrize("said", ["dạ có ạ", "vâng ạ", "dạ vâng", "ừ, thế tiếp đi"])
def test_a_bare_yes_with_no_question_pending_is_heard_not_matched(said: str) -> None:
    """After "Anh/chị muốn xem tiếp phần nào ạ?" (buttons, no yes/no question), a yes among
    politeness particles is an acknowledgement, never a new need for the matcher."""
    flows, problems = load_flows(Path(__file__).resolve().parent.parent / "flows")
    assert flows is not None, problems
    context = Context(buttons=[("Nộp ở đâu", "go:guide.where")], has_procedure=True)
    assert read(said, context, flows.words).kind == Kind.TALK
