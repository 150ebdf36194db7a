"""The survey end to end through the real engine and flows, answers in a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from feedback_support import BACKENDS, Chat, clear_feedback, migrated_url

from bot.app import build
from bot.config import load_config
from bot.core.engine import Engine, MemoryStore
from bot.feedback.dialogue import feature
from bot.feedback.offer import Visit, offer_surveys
from bot.feedback.offices import Offices
from bot.feedback.report import ResponseRow
from bot.feedback.store import FeedbackStore
from bot.storage.db import make_engine

OFFICES = Offices(
    {
        "phuong-viet-hung": "Trung tâm Phục vụ hành chính công phường Việt Hưng",
        "cong-an-phuong-viet-hung": "Công an phường Việt Hưng",
    }
)
TODAY = date(2025, 3, 10)


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One migrated database per backend for this module (the catalogue loads once per backend)."""
    return migrated_url(request, tmp_path_factory)


@pytest.fixture(scope="module")
def store(module_db_url: str) -> Iterator[FeedbackStore]:
    engine = make_engine(module_db_url)
    yield FeedbackStore(engine, max_per_hour=3)
    engine.dispose()


@pytest.fixture(scope="module")
def module_bot(module_db_url: str, store: FeedbackStore) -> Engine:
    """The real engine with every installed feature, feedback on the test store."""
    cfg = load_config(None, env={}).with_overrides(database__url=module_db_url)
    engine = build(cfg, MemoryStore()).engine()
    engine.include(feature(store, OFFICES), replace=True)
    return engine


@pytest.fixture
def bot(module_bot: Engine, store: FeedbackStore) -> Engine:
    """The module's engine with no conversations and no feedback yet."""
    clear_feedback(store.engine)
    module_bot.store = MemoryStore()
    return module_bot


def only(store: FeedbackStore) -> ResponseRow:
    rows = store.rows()
    assert len(rows) == 1
    return rows[0]


def test_full_survey_with_taps_comment_and_consented_contact(
    bot: Engine, store: FeedbackStore
) -> None:
    chat = Chat(bot)
    chat.send("/start fb-phuong-viet-hung")
    assert chat.says("fb_intro_office", office=OFFICES.name("phuong-viet-hung"))
    assert chat.says("fb_q_overall")
    chat.rate(4)
    assert chat.says("fb_more")
    chat.press("fb_btn_groups")
    for value in (5, 4, 3, 2, 1):
        chat.rate(value)
    assert chat.says("fb_comment_ask")
    chat.send("Gọi 0912 345 678 không ai nghe máy; CCCD của tôi 001203004567")
    assert chat.says("fb_contact_offer")
    chat.press("fb_btn_consent")
    chat.send("Chị Lan 0987654321")
    assert chat.says("fb_thanks")
    row = only(store)
    assert (row.office, row.counter, row.source, row.overall, row.groups) == (
        "phuong-viet-hung",
        None,
        "qr",
        4,
        (5, 4, 3, 2, 1),
    )
    assert row.comment == "Gọi **** *** *** không ai nghe máy; CCCD của tôi ************"
    assert row.contact == "Chị Lan 0987654321"


def test_every_step_can_be_skipped_and_nothing_is_stored(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    chat.send("/start fb-phuong-viet-hung")
    chat.press("btn_skip")
    chat.press("fb_btn_groups")
    for _ in range(5):
        chat.press("btn_skip")
    assert chat.says("fb_comment_ask")
    chat.press("btn_skip")
    assert chat.says("fb_thanks")
    assert store.rows() == []


def test_one_tap_then_done_is_a_complete_answer(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    chat.send("/start fb-phuong-viet-hung")
    chat.rate(5)
    chat.press("fb_btn_finish")
    assert chat.says("fb_thanks")
    assert (only(store).overall, only(store).groups, only(store).comment) == (5, (None,) * 5, None)


def test_typed_numbers_answer_like_taps(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot, channel="zalo")
    chat.send("/start fb-phuong-viet-hung")
    chat.send("2")  # overall 2
    chat.send("1")  # "Trả lời thêm 5 câu ngắn"
    chat.send("3")  # access 3
    chat.send("6")  # skip "procedure"
    assert chat.says("fb_q_staff")
    assert (only(store).overall, only(store).groups[:2]) == (2, (3, None))


def test_comment_without_contact_stores_no_contact(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    chat.send("/start fb-phuong-viet-hung")
    chat.press("btn_skip")
    chat.press("fb_btn_comment")
    chat.send("Nhà vệ sinh hỏng")
    chat.press("fb_btn_no_contact")
    assert chat.says("fb_thanks")
    row = only(store)
    assert (row.overall, row.comment, row.contact) == (None, "Nhà vệ sinh hỏng", None)


@pytest.mark.parametrize(
    ("text", "office", "counter"),
    [
        ("/start fb-phuong-viet-hung", "phuong-viet-hung", None),
        ("/start fb-phuong-viet-hung-quay-3", "phuong-viet-hung", "quay-3"),
        ("/start fb-cong-an-phuong-viet-hung", "cong-an-phuong-viet-hung", None),
        ("/start fb-cong-an-phuong-viet-hung-cb07", "cong-an-phuong-viet-hung", "cb07"),
        ("https://zalo.me/123456?start=fb-phuong-viet-hung-quay-1", "phuong-viet-hung", "quay-1"),
        ("fb-phuong-viet-hung", "phuong-viet-hung", None),
        ("/start@tthc_bot fb-Phuong-Viet-Hung", "phuong-viet-hung", None),
    ],
)
def test_deep_links_open_that_offices_survey(
    bot: Engine, store: FeedbackStore, text: str, office: str, counter: str | None
) -> None:
    chat = Chat(bot, user=f"u-{text}")
    chat.send(text)
    assert chat.says("fb_intro_office", office=OFFICES.name(office))
    chat.rate(5)
    assert (only(store).office, only(store).counter) == (office, counter)


def test_deep_link_with_unknown_office_still_takes_a_general_answer(
    bot: Engine, store: FeedbackStore
) -> None:
    chat = Chat(bot)
    chat.send("/start fb-khong-co-that")
    assert chat.says("fb_unknown_office") and chat.says("fb_intro")
    chat.rate(3)
    assert (only(store).office, only(store).overall) == (None, 3)


def test_deep_link_works_in_the_middle_of_another_conversation(
    bot: Engine, store: FeedbackStore
) -> None:
    chat = Chat(bot)
    chat.send("làm giấy khai sinh cho con")
    chat.send("/start fb-phuong-viet-hung")
    assert chat.says("fb_q_overall")


def test_survey_after_a_guide_is_linked_to_its_procedure(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    chat.send("làm giấy khai sinh cho con")
    proc = bot.store.get("telegram", chat.user)["proc"]  # type: ignore[index]
    assert proc
    # Only offered buttons are accepted: walk the guide to its end, where "Góp ý" is offered.
    chat.press_label("Xem giấy tờ cần chuẩn bị")
    while "Câu hỏi" in chat.text():
        chat.press_label(chat.replies[-1].buttons[0].label)
    chat.press_label("Xong, xem bản tóm tắt")
    chat.press("btn_feedback")
    assert chat.says("fb_intro")
    chat.rate(4)
    row = only(store)
    assert (row.procedure, row.source, row.office) == (proc, "guide", None)


def test_typed_gop_y_starts_a_general_survey(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    chat.send("góp ý")
    chat.rate(1)
    assert only(store).source == "menu"


def visit(booking: str = "BK-1", user: str = "citizen-1") -> Visit:
    return Visit(booking, "telegram", user, date(2025, 3, 9), "phuong-viet-hung", "khai-sinh")


def test_post_visit_offer_once_per_booking_and_answered_once(
    bot: Engine, store: FeedbackStore
) -> None:
    flows = bot.content.flows
    first = offer_surveys(store, flows, [visit()], today=TODAY, offices=OFFICES)
    again = offer_surveys(store, flows, [visit()], today=TODAY, offices=OFFICES)
    assert (len(first), again) == (1, [])
    message = first[0]
    assert (message.channel, message.user) == ("telegram", "citizen-1")
    assert (
        flows.text("fb_offer").format(office=OFFICES.name("phuong-viet-hung"), day="09/03/2025")
        == message.replies[0].text
    )
    chat = Chat(bot)
    chat.replies = list(message.replies)
    chat.press("fb_btn_offer")
    chat.rate(5)
    chat.press("fb_btn_finish")
    row = only(store)
    # The answer keeps office and procedure but no booking code: it cannot be joined to the citizen.
    assert (row.booking, row.office, row.procedure, row.source) == (
        None,
        "phuong-viet-hung",
        "khai-sinh",
        "booking",
    )
    assert store.answered("BK-1")
    chat.replies = list(message.replies)
    chat.press("fb_btn_offer")  # the old button, pressed again
    assert chat.says("fb_already")
    assert len(store.rows()) == 1


def test_offer_waits_until_the_day_has_passed(store: FeedbackStore, bot: Engine) -> None:
    today = Visit("BK-2", "zalo", "z1", TODAY, "phuong-viet-hung")
    assert offer_surveys(store, bot.content.flows, [today], today=TODAY) == []
    assert len(offer_surveys(store, bot.content.flows, [today], today=date(2025, 3, 11))) == 1


def test_someone_elses_offer_button_is_refused(bot: Engine, store: FeedbackStore) -> None:
    [message] = offer_surveys(store, bot.content.flows, [visit("BK-3")], today=TODAY)
    intruder = Chat(bot, user="someone-else")
    intruder.replies = list(message.replies)
    intruder.press("fb_btn_offer")
    assert intruder.says("fb_offer_unknown")


def test_rate_limit_per_hour(bot: Engine, store: FeedbackStore) -> None:
    chat = Chat(bot)
    for _ in range(3):
        chat.send("/start fb-phuong-viet-hung")
        chat.rate(5)
    chat.send("/start fb-phuong-viet-hung")
    assert chat.says("fb_limited")
    assert len(store.rows()) == 3
    other = Chat(bot, user="citizen-2")
    other.send("/start fb-phuong-viet-hung")
    assert other.says("fb_q_overall")


def test_flows_pass_the_content_checks(bot: Engine) -> None:
    assert bot.content.flows.starts["feedback"] == "feedback.start"
