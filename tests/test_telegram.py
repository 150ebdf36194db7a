"""Telegram over real HTTP: python-telegram-bot polls (or is called by) a fake Bot API server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running
from fake_telegram import Call, FakeTelegram

from bot.channels.base import Services
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.keyboard import MAX_CALLBACK_BYTES, PayloadIds
from bot.config import Config
from bot.core.engine import MemoryStore
from bot.web.server import Server

CHAT = 4242
SECRET = "s3cret-token_value"


def fast(cfg: Config, services: Services) -> TelegramChannel:
    """The real channel with a quick per-chat limit and short long-polls, for tests."""
    return TelegramChannel(cfg, services, per_chat_rate=50, per_chat_burst=50, poll_timeout=1)


@pytest.fixture
async def fake(aiohttp_server: Any) -> tuple[FakeTelegram, str]:
    """The fake Bot API and the base URL to give python-telegram-bot."""
    api = FakeTelegram()
    server = await aiohttp_server(api.app())
    return api, f"http://127.0.0.1:{server.port}/bot"


def telegram_config(tmp_path: Path, base_url: str, token: str, **settings: Any) -> Config:
    return bot_config(
        tmp_path, **{"telegram.token": token, "telegram.base_url": base_url, **settings}
    )


def keyboard(call: Call) -> dict[str, str]:
    """label -> callback_data of a message's inline keyboard."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def turn(api: FakeTelegram, update: dict[str, Any], timeout: float = 10) -> list[Call]:
    """Push an update; the messages of the reply, up to the one carrying a keyboard."""
    before = len(api.sent(CHAT))
    await api.push(update)
    deadline = time.monotonic() + timeout
    while not any(keyboard(c) for c in api.sent(CHAT)[before:]):
        assert time.monotonic() < deadline, [
            c.params.get("text", "")[:80] for c in api.sent(CHAT)[before:]
        ]
        await asyncio.sleep(0.01)
    return api.sent(CHAT)[before:]


async def press(api: FakeTelegram, calls: list[Call], label: str) -> list[Call]:
    """Press the button with this label on the last keyboard."""
    board = keyboard([c for c in calls if keyboard(c)][-1])
    assert label in board, f"{label!r} not in {list(board)}"
    return await turn(api, api.callback_update(CHAT, board[label]))


def text_of(calls: list[Call]) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in calls)


async def walk_guide(api: FakeTelegram) -> list[Call]:
    """Welcome, summary, checklist questions, checklist with a tick, final summary."""
    calls = await turn(api, api.text_update(CHAT, "/start"))
    assert "Xin chào" in text_of(calls)
    calls = await turn(api, api.text_update(CHAT, GUIDE_TEXT))
    if PROCEDURE in keyboard(calls[-1]):
        calls = await press(api, calls, PROCEDURE)
    assert PROCEDURE in text_of(calls)
    calls = await press(api, calls, "Xem giấy tờ cần chuẩn bị")
    while "Câu hỏi" in text_of(calls):
        first = next(iter(keyboard(calls[-1])))
        calls = await press(api, calls, first)
    assert "Giấy tờ anh/chị cần chuẩn bị" in text_of(calls)
    calls = await press(api, calls, "Đã có: 1")
    assert "☑ Đã đánh dấu có: Tờ khai" in text_of(calls)  # one line, not the whole list
    return await press(api, calls, "Xong, xem bản tóm tắt")


async def test_polling_walks_a_whole_guide_with_buttons(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, base_url = fake
    cfg = telegram_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": fast}):
        final = await walk_guide(api)
        assert "TÓM TẮT HỒ SƠ" in text_of(final)
        documents = [c for c in final if c.method == "sendDocument"]
        assert [name for c in documents for name, _ in c.files.values()] == ["khai-sinh-ho-so.txt"]
        assert "TÓM TẮT HỒ SƠ" in documents[0].files["document"][1].decode()
    presses = len([c for c in api.calls if c.method == "answerCallbackQuery"])
    assert presses >= 4
    assert len(api.called("editMessageReplyMarkup")) == presses
    assert api.called("deleteWebhook"), "polling starts by removing any webhook"


async def test_deep_link_and_non_text_messages(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, base_url = fake
    cfg = telegram_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": fast}):
        await api.push(api.text_update(CHAT, "/start case-ZZZZZZZZZZ"))  # case codes: 10 characters
        sent = await api.wait_sent(1, CHAT)
        assert "Không tìm thấy hồ sơ" in sent[0].params["text"]
        photo = api.text_update(CHAT, "")
        del photo["message"]["text"]
        photo["message"]["photo"] = [
            {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}
        ]
        await api.push(photo)
        sent = await api.wait_sent(2, CHAT)
        assert "chỉ đọc được tin nhắn chữ" in sent[1].params["text"]


async def test_stale_and_unknown_buttons_are_answered(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, base_url = fake
    cfg = telegram_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": fast}):
        calls = await turn(api, api.callback_update(CHAT, "~gone-from-the-store"))
        assert "Nút này đã cũ" in text_of(calls)
        calls = await turn(api, api.callback_update(CHAT, "have:not-a-real-doc"))
        assert "Nút này đã cũ" in text_of(calls)
    assert len(api.called("answerCallbackQuery")) == 2


def test_long_payloads_fit_in_callback_data() -> None:
    store = MemoryStore()
    ids = PayloadIds(store)
    long = "have:" + "giay-to-rat-dai-" * 8
    short = ids.encode(long)
    assert len(short.encode()) <= MAX_CALLBACK_BYTES
    assert ids.encode("go:guide.ask") == "go:guide.ask"
    assert PayloadIds(store).decode(short) == long  # another worker reads it from the store
    assert PayloadIds(store).decode("~unknown") == ""


async def webhook_server(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> tuple[FakeTelegram, Config]:
    api, base_url = fake
    cfg = telegram_config(
        tmp_path,
        base_url,
        api.token,
        **{
            "telegram.mode": "webhook",
            "telegram.webhook.secret_token": SECRET,
            "telegram.webhook.url": "https://bot.example.invalid/telegram/webhook",
        },
    )
    return api, cfg


async def post_update(server: Server, update: dict[str, Any], secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    url = f"http://127.0.0.1:{server.port}/telegram/webhook"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=update, headers=headers) as resp,
    ):
        return resp.status


async def test_webhook_requires_the_secret_token(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, cfg = await webhook_server(tmp_path, fake)
    async with running(cfg, makers={"telegram": fast}) as server:
        assert api.webhook["url"] == "https://bot.example.invalid/telegram/webhook"
        assert api.webhook["secret_token"] == SECRET
        assert await post_update(server, api.text_update(CHAT, "/start"), None) == 403
        assert await post_update(server, api.text_update(CHAT, "/start"), "wrong") == 403
        assert await post_update(server, api.text_update(CHAT, "/start"), SECRET) == 200
        sent = await api.wait_sent(1, CHAT)
        assert "Xin chào" in sent[0].params["text"]
        metrics = server.runtime.services.metrics  # type: ignore[union-attr]
        assert metrics.value("tthc_webhook_rejects_total", channel="telegram", reason="secret") == 2
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{server.port}/telegram/webhook",
                data=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as resp,
        ):
            assert resp.status == 400
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{server.port}/telegram/webhook",
                data=b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the parser goes
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as resp,
        ):
            assert resp.status == 400  # not 500


async def test_webhook_ignores_a_duplicate_update(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    api, cfg = await webhook_server(tmp_path, fake)
    async with running(cfg, makers={"telegram": fast}) as server:
        update = api.text_update(CHAT, "trợ giúp", update_id=99)
        assert await post_update(server, update, SECRET) == 200
        assert await post_update(server, update, SECRET) == 200
        await api.wait_sent(1, CHAT)
        channel = server.runtime.channels["telegram"]  # type: ignore[union-attr]
        await channel.queue.join(5)  # type: ignore[attr-defined]
        assert len(api.sent(CHAT)) == 1
        metrics = server.runtime.services.metrics  # type: ignore[union-attr]
        assert metrics.value("tthc_duplicates_total", channel="telegram") == 1


async def test_webhook_mode_without_secret_is_a_config_error(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    from bot.content.yamlio import ContentError

    api, base_url = fake
    cfg = telegram_config(tmp_path, base_url, api.token, **{"telegram.mode": "webhook"})
    with pytest.raises(ContentError, match="secret_token"):
        async with running(cfg):
            pass


async def test_bot_initiated_messages_are_delivered(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    from bot.core.messages import Button, Outgoing, Reply

    api, base_url = fake
    note = Reply("Nhắc lịch hẹn ngày mai lúc 9:00", (Button("Lịch hẹn của tôi", "cmd:lichhen"),))
    due = [Outgoing("telegram", str(CHAT), (note,))]
    cfg = telegram_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": fast}, outbox=[lambda: due]) as server:
        assert await server.flush_outbox() == 1
        sent = await api.wait_sent(1, CHAT)
        assert sent[0].params["text"] == note.text
        assert keyboard(sent[0]) == {"Lịch hẹn của tôi": "cmd:lichhen"}


async def test_claimed_messages_are_acknowledged_only_when_delivered(
    tmp_path: Path, fake: tuple[FakeTelegram, str]
) -> None:
    """A reminder whose delivery fails is given back (released), never marked sent."""
    from bot.core.messages import Outgoing, Reply

    class Claims:
        def __init__(self) -> None:
            self.items = [
                type("Item", (), {"outgoing": Outgoing(ch, str(CHAT), (Reply(f"to {ch}"),))})()
                for ch in ("telegram", "nowhere")
            ]
            self.done_items: list[object] = []
            self.failed_items: list[object] = []

        def claim(self) -> list[object]:
            return list(self.items)

        def done(self, items: list[object]) -> None:
            self.done_items += items

        def failed(self, items: list[object]) -> None:
            self.failed_items += items

    api, base_url = fake
    claims = Claims()
    cfg = telegram_config(tmp_path, base_url, api.token)
    async with running(cfg, makers={"telegram": fast}, outbox=[claims]) as server:
        assert await server.flush_outbox() == 1
    assert claims.done_items == claims.items[:1]
    assert claims.failed_items == claims.items[1:]
