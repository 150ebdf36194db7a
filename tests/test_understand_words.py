"""The understanding step's word lists (flows/understand.yaml) on messages read out of context."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.flows import load_flows
from bot.core.normalize import fold
from bot.core.understand import (
    Context,
    Kind,
    Words,
    _fact_length,
    facts_in,
    is_question,
    language,
    read,
)

FLOWS = Path(__file__).resolve().parent.parent / "flows"


@pytest.fixture(scope="module")
def words() -> Words:
    flows, problems = load_flows(FLOWS)
    assert flows is not None, problems
    return flows.words


@pytest.mark.parametrize("said", ["dạ có ạ", "vâng ạ", "dạ vâng", "ừ, thế tiếp đi"])
def test_a_bare_yes_with_no_question_pending_is_heard_not_matched(said: str, words: Words) -> None:
    """After "Anh/chị muốn xem tiếp phần nào ạ?" (buttons, no yes/no question), a yes among
    politeness particles is an acknowledgement, never a new need for the matcher."""
    context = Context(buttons=[("Nộp ở đâu", "go:guide.where")], has_procedure=True)
    assert read(said, context, words).kind == Kind.TALK


@pytest.mark.parametrize(
    ("said", "need"),
    [
        ("nhầm, ý tôi là tạm trú chứ không phải thường trú, tôi ở trọ", "tạm trú"),
        ("không phải khai sinh mà là khai tử", "khai tử"),
        ("Không phải lại khai sinh, mà là khai sinh cho con lai ạ", "khai sinh cho con lai ạ"),
        ("ờ, con tôi mới đẻ hôm qua", "con tôi mới đẻ hôm qua"),
    ],
)
def test_the_need_is_matched_as_typed_without_its_preamble(
    said: str, need: str, words: Words
) -> None:
    """A correction keeps the citizen's accents ("lai" is not "lại") and drops "nhầm, ý tôi là"."""
    reading = read(said, Context(has_procedure=True), words)
    assert (reading.kind, reading.text) == (Kind.NEED, need)


def test_a_question_about_the_bot_beats_the_greeting_around_it(words: Words) -> None:
    reading = read("Hello! Are you a real person?", Context(), words)
    assert (reading.kind, reading.value) == (Kind.TALK, "human_check")


def test_plain_english_off_topic_is_answered_in_english(words: Words) -> None:
    assert language("What's the best pho in Hanoi?", words) == "en"
    assert language("phở ở đâu ngon nhất Hà Nội", words) == "vi"


@pytest.mark.parametrize(
    "said",
    [
        "nên tổ chức ở đâu cho vui nhỉ",
        "con tôi học trường nào nhỉ",
        "hai bên rứa thì răng",  # central "thì răng" is "thì sao"
        "I only have my US passport with me, is that ok",  # an English last clause asks
    ],
)
def test_nhi_and_o_dau_make_a_question(said: str, words: Words) -> None:
    """A clear question that names no procedure is answered "out of scope", not "chưa hiểu"."""
    assert is_question(said, fold(said), words)


def test_chat_shorthand_is_written_out_and_nothing_else(words: Words) -> None:
    assert words.spell_out("cần j, bn tiền, lm onl dc ko") == (
        "cần gì, bao nhiêu tiền, làm online được không"
    )
    assert words.spell_out("my baby's birth, phí 50k") == "my baby's birth, phí 50k"
    assert words.spell_out("t7 co lam ko") == "thứ 7 co lam không"  # a word with its digit
    assert words.spell_out("nộp 2 bộ, tờ khai CT01") == "nộp 2 bộ, tờ khai CT01"
    assert words.spell_out("Căn cước làm ở đâu") == "Căn cước làm ở đâu"  # accented: no shorthand
    # a key written with "đ" only when typed so: "hd" may be "hướng dẫn"; "đc" is still "được"
    assert words.spell_out("hđ thuê nhà đc ko") == "hợp đồng thuê nhà được không"
    assert words.spell_out("hd giúp e với") == "hd giúp e với"
    # the phrase lists are written out alike: "mất bn lâu" in the file, "bao nhiêu lâu" typed
    reading = read(words.spell_out("mat bn lau moi co"), Context(has_procedure=True), words)
    assert reading.kind == Kind.ASK and "time" in reading.value


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("gia hạn được không", ""),  # folded "gia" is not "giá"
        ("tiện hỏi luôn, em gái ra ở với em thì đky gì", ""),  # "tiện" is not "tiền"
        ("tiền làm thẻ là bao nhiêu", "fee"),
        ("bao gio phai bao", "deadline"),  # when it must be done, not how long it takes
        ("gio muon lam so do lan dau cho ba ma thi lam sao", ""),  # "muốn", not "muộn"
        ("con tre duoi 6 tuoi thi sao", ""),  # "trẻ", not "trễ"
        ("mo quan an thi sao", ""),  # "mở", not "mô"
        ("khai tu tre co bi phat khong", "deadline"),
    ],
)
def test_a_topic_is_asked_by_words_that_keep_their_meaning_unaccented(
    words: Words, text: str, topic: str
) -> None:
    reading = read(words.spell_out(text), Context(has_procedure=True), words)
    assert (reading.value if reading.kind == Kind.ASK else "") == topic


@pytest.mark.parametrize(
    ("text", "topic", "asked"),
    [
        ("ông bà nội đi làm được không", "who", True),  # someone else doing it, asked
        ("ba tui co can di theo ko", "who", True),
        ("can my mom in hanoi request it for me", "who", True),
        ("nho em gai di xin giup dc hong", "who", True),
        ("ban sao lay duoc khong", "who", False),  # folded "ban" is "bản", not "bạn"
        ("vo lam duoc khong", "who", False),  # "vô", not "vợ"
        ("ma di lam duoc khong", "who", False),  # "mà", not "má"
        ("ông bà nội đi làm", "who", False),  # told, not asked
        ("ôn đi xin thay cháu được không", "who", True),  # central "ôn": grandfather
        ("giay khai sinh cua bo tui co can nop ko", "who", False),  # his paper; he files nothing
        ("ho khau o Soc Trang, lam o Can Tho dc hk", "where", True),  # will this place do
        ("nộp tại đây được không", "where", True),
        ("e lam o kcn, can giay gi", "where", False),  # where one works; folded "cần" is no "can"
        ("dong duoc 14 thang thi du ko", "who", True),  # a count against a condition
        ("chau 13 tuoi roi, vay du tuoi chua", "who", True),
        ("I worked 10 months, is that enough?", "who", True),
        ("à nhầm, nó mới 12 tuổi thôi, vậy làm được k", "who", True),
        ("con 12 tuoi di du lich thi sao", "who", False),
        ("bà 78 tuổi rồi đi xa hổng nổi, ở xã làm được hông", "who", False),  # why, not whether
        (
            "nghi 2 thang roi lam duoc khong",
            "who",
            False,
        ),  # months and a can-question: not an age  # folded "du" of "du lịch" is no "đủ"
        ("14 thang nay chua lanh dong nao", "who", False),
    ],
)
def test_who_may_go_and_whether_a_place_will_do_are_asked_by_their_shape(
    words: Words, text: str, topic: str, asked: bool
) -> None:
    reading = read(words.spell_out(text), Context(has_procedure=True), words)
    assert (topic in reading.value.split(",") and reading.kind == Kind.ASK) == asked


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("lam o xa hay bhxh", "where"),  # which of two places
        ("the kham benh nay do dau cap a", "where"),  # who issues it
        ("co the giay ko hay chi co tren dt", "result"),  # a paper card or only the app
        ("tre nhat la may ngay phai di khai", "deadline"),  # the latest day, not how long
        ("noi hoi nhieu ngay thi phai di lam", "deadline"),
        ("em ruot ve hoai, lan nao cung phai bao ha", "deadline"),  # how often: the rule
        ("lau hk", "time"),
        ("mat bao nhiu tien", "fee"),  # "nhiu" is "nhiêu"
        ("tam tru dc bn lau a", "result"),  # how long it lasts, not "được bao nhiêu" (amount)
        ("phai lam truoc may ngay", "deadline"),
        ("me toi co can di tan noi khong", "who"),
        ("do both of us need to come?", "who"),
        ("both of them must come or only my sister", "who"),
        ("what docs do i need from australia", "documents"),
        ("so do 4 trang thi tinh tien sao", "fee"),  # by the page
        ("can we do it through the app?", "online"),
        ("bao qua dt dc hong", "online"),
        ("when we must report?", "deadline"),
        ("What if I stay less than a month?", "deadline"),
        ("vay co kip han khong", "deadline"),
        ("nop buoi sang thi chieu lay duoc khong", "time"),
        ("thế còn cần thêm gì nữa", "documents"),
        ("khach toi tre 12h khuya thi sao", "deadline"),
        ("vậy giấy báo tử xin đâu ra", "where"),
        ("vay để làm chè thì có được miễn k", "fee"),  # an exemption is asked of the fee
        ("are students exempt?", "fee"),
        ("có phải về đúng xã thường trú ko, e đang theo chồng", "where"),
        ("bà là bà nội thì có phải ai cử không", "who"),  # a guardian by law or appointed
        ("mạ với em gái mình ghé ở chơi thì có phải khai mỗi lần không", "deadline"),  # how often
    ],
)
def test_plain_follow_up_questions_find_their_topic(words: Words, text: str, topic: str) -> None:
    reading = read(words.spell_out(text), Context(has_procedure=True), words)
    assert reading.kind == Kind.ASK and reading.value.split(",")[0] == topic


def test_an_english_paper_word_asks_about_that_paper_in_the_checklists_words(words: Words) -> None:
    reading = read(
        "Do we need to choose the baby's nationality?", Context(has_procedure=True), words
    )
    assert reading.kind == Kind.ASK and reading.value == "document"
    assert "quoc tich" in reading.text  # the Vietnamese checklist names it so
    plain = read("Do we need to come early?", Context(has_procedure=True), words)
    assert "quoc tich" not in plain.text


@pytest.mark.parametrize(
    ("text", "fact", "value"),
    [
        ("nhà không có giấy báo tử", "has_death_notice", "no"),  # not its "có giấy báo tử"
        ("có giấy báo tử của bệnh viện", "has_death_notice", "yes"),
        ("mình chưa đi xét nghiệm adn", "has_proof", "no"),  # one word inside "chưa xét nghiệm adn"
        ("ko có xét nghiệm adn", "has_proof", "no"),  # "có xét nghiệm adn" denied
        ("đã giám định adn ở viện", "has_proof", "yes"),
        ("bà nội nó cũng muốn nuôi", "several_eligible", "yes"),  # "nó" is not an English "no"
        ("we have no dna test result", "has_proof", "no"),  # ...which denies an English phrase
    ],
)
def test_the_longest_fact_said_wins_and_a_denied_one_is_not_said(
    words: Words, text: str, fact: str, value: str
) -> None:
    assert facts_in(fold(words.spell_out(text)), words).get(fact) == value


def test_a_short_fact_phrase_is_not_found_with_a_word_inside_it() -> None:
    def length(text: str, phrase: str) -> float:
        return _fact_length(text.split(), (f" {text} ", set(text.split())), phrase, False)

    assert length("tu minh lam", "tu lam") == 0.0
    assert length("chua di xet nghiem", "chua xet nghiem") == 2.5
    assert length("khong co giay", "co giay") == 0.0  # denied


@pytest.mark.parametrize(
    "said",
    [
        "cho tôi hỏi một chút",
        "Xin chào, tôi là Hùng ở xã Tân Hòa, tôi muốn hỏi mấy việc",
        "Bà xin phép hỏi các anh các chị một việc. Bà năm nay 76 tuổi rồi, nhờ đứa cháu gõ hộ.",
        "Hello, I have a quick question",
    ],
)
def test_saying_one_will_ask_is_invited_not_matched(said: str, words: Words) -> None:
    """An opening that only announces a question names no procedure: the bot invites it."""
    reading = read(said, Context(), words)
    assert (reading.kind, reading.value) == (Kind.TALK, "ask_ahead")


@pytest.mark.parametrize(
    "said",
    [
        "cho hỏi chút về khai sinh",  # asked in the same clause
        "Bà hỏi cái. Con gái với con rể bà mất vì tai nạn năm ngoái, giờ bà nuôi cháu 8 tuổi.",
        "Em hỏi chút. Em năm nay 30 tuổi, muốn làm lại căn cước",  # a need beside the intro
        "con ơi bà hỏi chút, con dâu bà mới đẻ đứa nhỏ ở bệnh viện",  # a life event
        "cho em hỏi chút, giấy khai sinh bị rách thì sao",  # a paper, a question
    ],
)
def test_a_question_announced_and_asked_or_told_is_not_only_announced(
    said: str, words: Words
) -> None:
    assert read(said, Context(), words).value != "ask_ahead"
