"""When a message typed under a card names another procedure (bot/core/naming.py), on the real
bundled content: the engine of `tthc-bot chat`, with its SQLite state store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build
from bot.config import load_config
from bot.core.engine import Engine, Turn
from bot.core.messages import Incoming
from bot.core.naming import hints_at, names
from bot.core.state import ConversationState


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    data = Path(tmp_path_factory.mktemp("naming")) / "data"
    return build(load_config(None, env={}).with_overrides(data_dir=str(data))).engine()


def turn(engine: Engine, text: str) -> Turn:
    return Turn(engine, Incoming("test", "u", text=text), ConversationState(), text=text)


@pytest.mark.parametrize(
    ("text", "current", "other", "named"),
    [
        ("còn khai tử thì lệ phí sao", "khai-sinh", "khai-tu", True),
        ("thôi, tôi hỏi chứng thực chữ ký", "chung-thuc-hop-dong", "chung-thuc-chu-ky", True),
        ("thôi, tôi hỏi cấp thẻ căn cước", "dang-ky-thuong-tru", "cap-the-can-cuoc", True),
        # a paper of the birth checklist, not "ủy quyền nhận trợ cấp thay" of chứng thực chữ ký
        (
            "bà đi thay bố mẹ nó thì có phải làm giấy ủy quyền không?",
            "khai-sinh",
            "chung-thuc-chu-ky",
            False,
        ),
        # a paper to bring, not the marriage procedure
        (
            "Có cần mang giấy đăng ký kết hôn bản chính không?",
            "dang-ky-thuong-tru",
            "ket-hon",
            False,
        ),
        # who signs for the witness, not "chứng thực chữ ký người không biết chữ": the words of
        # what a name qualifies ("không biết chữ") do not name it without its head
        (
            "người làm chứng là bà đỡ được không, bả không biết chữ",
            "khai-sinh",
            "chung-thuc-chu-ky",
            False,
        ),
        # every word of an alias ("đổi căn cước 60 tuổi") said: named, though "căn cước" is also
        # a paper of the passport in hand
        (
            "thẻ căn cước của mẹ tôi, mẹ đủ 60 tuổi rồi thì đổi ở đâu",
            "tthc-1-001456",
            "cap-the-can-cuoc",
            True,
        ),
        # a place ("chỗ hộ khẩu"), not the residence procedure
        (
            "làm ở công an xã nào cũng được hay phải về chỗ hộ khẩu",
            "cap-the-can-cuoc",
            "dang-ky-thuong-tru",
            False,
        ),
        # whether a paper the marriage does not need is required: about the marriage's papers;
        # whether one can get that paper: the paper's own procedure
        (
            "có phải xin giấy xác nhận độc thân ko hay khỏi",
            "ket-hon",
            "xac-nhan-tinh-trang-hon-nhan",
            False,
        ),
        (
            "sau khi ly hôn xin giấy xác nhận độc thân được không",
            "ket-hon",
            "xac-nhan-tinh-trang-hon-nhan",
            True,
        ),
        # a rental contract on the tạm trú checklist, asked about before the words that would
        # name contract certification
        (
            "hop dong thue phong viet tay, co phai di cong chung hop dong ko",
            "dang-ky-tam-tru",
            "chung-thuc-hop-dong",
            False,
        ),
        # words typed with other marks than the name's: "lắm", "cần", "mắt", "rồi" are not
        # "làm", "căn", "mất", "rơi" ("rơi mất thẻ căn cước")
        (
            "giấy tờ cần những gì hả cháu, bà già rồi mắt kém lắm",
            "tro-cap-mai-tang",
            "cap-the-can-cuoc",
            False,
        ),
        ("mất căn cước rồi, làm lại ở đâu", "tro-cap-mai-tang", "cap-the-can-cuoc", True),
        # a place typed with its marks ("nơi thường trú"), not the residence procedure
        (
            "làm ở công an chỗ em ở trọ được không hay phải về nơi thường trú",
            "cap-the-can-cuoc",
            "dang-ky-thuong-tru",
            False,
        ),
        # what a paper needs ("giấy ủy quyền có phải đi chứng thực chữ ký không"), not a need
        (
            "ông bà nội đi làm thay thì giấy ủy quyền có phải đi chứng thực chữ ký không",
            "xac-nhan-tinh-trang-hon-nhan",
            "chung-thuc-chu-ky",
            False,
        ),
        # papers the citizen holds ("tôi có …"), to the end of the clause, name nothing asked for
        (
            "cần giấy gì, tôi có giấy chứng tử của con gái với giấy khai sinh thằng cháu",
            "giam-ho",
            "khai-tu",
            False,
        ),
        (
            "tôi có giấy chứng tử của bố rồi, giờ đăng ký khai tử ở đâu",
            "giam-ho",
            "khai-tu",
            True,
        ),
        (
            "em có căn cước nhưng hết hạn rồi, đổi thẻ căn cước ở đâu",
            "giam-ho",
            "cap-the-can-cuoc",
            True,
        ),
        # turning to the marriage, though the single-status paper's checklist mentions marriage
        (
            "còn đăng ký kết hôn thì lệ phí bao nhiêu",
            "xac-nhan-tinh-trang-hon-nhan",
            "ket-hon",
            True,
        ),
    ],
)
def test_a_follow_up_names_another_procedure_only_in_so_many_words(
    engine: Engine, text: str, current: str, other: str, named: bool
) -> None:
    catalog = engine.content.catalog
    proc, to = catalog.get(current), catalog.get(other)
    assert proc is not None and to is not None
    assert names(turn(engine, text), proc, text, to) is named


def test_a_guess_is_offered_only_when_the_message_shares_a_word_with_it(engine: Engine) -> None:
    catalog = engine.content.catalog
    signature, marriage = catalog.get("chung-thuc-chu-ky"), catalog.get("ket-hon")
    assert signature is not None and marriage is not None
    text = "tay bố run không ký được, lăn tay được không"
    assert hints_at(turn(engine, text), text, signature)  # "lăn tay" is in its aliases
    text = "lấy liền ko hay phải đợi"  # "lấy" alone is not "lấy vợ, lấy chồng"
    assert not hints_at(turn(engine, text), text, marriage)
