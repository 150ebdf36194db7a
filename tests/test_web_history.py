"""The web page keeps the conversation: history from the database, reload in Chromium, over-long messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from channel_support import GUIDE_TEXT, bot_config, running, web_client
from test_web_browser import PHONE, _act, browser  # noqa: F401  (the Chromium fixture)

from bot.web.chat import MAX_TEXT


async def post(http: aiohttp.ClientSession, port: int, **body: str) -> dict[str, Any]:
    async with http.post(
        f"http://127.0.0.1:{port}/api/chat", json={"user": "web-h", **body}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


async def test_history_comes_from_the_database_and_survives_a_restart(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path)
    async with web_client() as http:  # keeps the session cookie, like the browser
        async with running(cfg) as server:
            await post(http, server.port, text="")
            await post(http, server.port, text=GUIDE_TEXT)
        async with (
            running(cfg) as server,  # a new server, same database
            http.get(f"http://127.0.0.1:{server.port}/api/history") as resp,
        ):
            messages = (await resp.json())["messages"]
    assert [m["from"] for m in messages] == ["bot", "citizen", "bot"]
    assert messages[1]["text"] == GUIDE_TEXT
    assert "khai sinh" in messages[2]["text"].lower() and messages[2]["buttons"]


async def test_an_over_long_message_gets_a_clear_answer(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        data = await post(http, server.port, text="khai sinh " * (MAX_TEXT // 5))
    assert "dài quá" in data["replies"][0]["text"] and str(MAX_TEXT) in data["replies"][0]["text"]


@pytest.mark.browser
async def test_reloading_the_page_shows_the_conversation_and_continues(
    tmp_path: Path,
    browser: Any,  # noqa: F811
) -> None:
    async with running(bot_config(tmp_path)) as server:
        context = await browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/")
        await page.locator(".msg.bot", has_text="Xin chào").wait_for()

        async def ask() -> None:
            await page.fill("#text", GUIDE_TEXT)
            await page.keyboard.press("Enter")

        first = await _act(page, ask)
        await page.reload()
        await page.locator(".msg.user", has_text=GUIDE_TEXT).wait_for()
        assert await page.locator(".msg.bot").last.inner_text() == first
        assert await page.locator(".msg.bot").last.locator(".choice:enabled").count() > 0

        async def fee() -> None:
            await page.fill("#text", "lệ phí bao nhiêu")
            await page.keyboard.press("Enter")

        assert "Lệ phí" in await _act(page, fee)  # the conversation goes on where it stopped
        await context.close()
