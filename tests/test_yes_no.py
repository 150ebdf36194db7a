"""A typed yes/no leads to exactly the same next step as pressing the button (issue 11 §1, §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat import Chat, make_config, make_engine

from bot.core.engine import Engine

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
