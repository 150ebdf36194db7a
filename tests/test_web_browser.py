"""The web chat in headless Chromium (Debian's /usr/bin/chromium): one whole guide by clicks."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _missing() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is missing"
    return ""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium, never downloaded by playwright; skipped without it unless CI is set."""
    reason = _missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run)")
    if reason:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def _act(page: Any, action: Callable[[], Awaitable[None]]) -> str:
    """Do something and wait for the bot's answer; the text of its last message."""
    before = await page.locator(".msg.bot").count()
    await action()
    # Locators, not wait_for_function: the page's Content-Security-Policy forbids eval.
    await page.locator(".msg.bot").nth(before).wait_for()
    await page.locator("#typing").wait_for(state="hidden")
    return str(await page.locator(".msg.bot").last.inner_text())


async def _click(page: Any, label: str) -> str:
    button = page.locator(".msg.bot").last.get_by_role("button", name=label, exact=True)
    return await _act(page, button.click)


async def test_a_whole_guide_by_clicks_on_a_phone_screen(tmp_path: Path, browser: Any) -> None:
    async with running(bot_config(tmp_path)) as server:
        context = await browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True, locale="vi-VN"
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"http://127.0.0.1:{server.port}/")
        await page.locator(".msg.bot", has_text="Xin chào").wait_for()

        async def ask() -> None:
            await page.fill("#text", GUIDE_TEXT)
            await page.keyboard.press("Enter")

        text = await _act(page, ask)
        if PROCEDURE not in text.splitlines()[0]:
            text = await _click(page, PROCEDURE)
        assert PROCEDURE in text
        text = await _click(page, "Xem giấy tờ cần chuẩn bị")
        while "Câu hỏi" in text:
            first = page.locator(".msg.bot").last.locator(".choice").first
            text = await _act(page, first.click)
        assert "Giấy tờ anh/chị cần chuẩn bị" in text
        text = await _click(page, "Đã có: 1")
        assert "☑ Đã đánh dấu có: Tờ khai" in text  # one line, not the whole list
        await _click(page, "Xong, xem bản tóm tắt")
        final = page.locator(".msg.bot", has_text="TÓM TẮT HỒ SƠ")
        await final.wait_for()
        link = final.locator("a.file")
        assert await link.get_attribute("download") == "khai-sinh-ho-so.txt"
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        saved = tmp_path / "download.txt"
        await download.save_as(saved)
        assert "TÓM TẮT HỒ SƠ" in saved.read_text(encoding="utf-8")
        assert await page.locator(".choice:disabled").count() > 0  # old buttons are switched off
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page must fit a phone screen without sideways scrolling"
        assert errors == []
        await context.close()


async def test_a_link_with_user_cannot_fix_the_session(tmp_path: Path, browser: Any) -> None:
    from sqlalchemy import text

    async with running(bot_config(tmp_path)) as server:
        context = await browser.new_context(locale="vi-VN")
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/?user=w-fixed-by-attacker")
        await page.locator(".msg.bot", has_text="Xin chào").wait_for()

        async def ask() -> None:
            await page.fill("#text", GUIDE_TEXT)
            await page.keyboard.press("Enter")

        await _act(page, ask)
        # The session cookie is HttpOnly: page scripts (and injected ones) cannot read it.
        assert "tthc_session" not in await page.evaluate("document.cookie")
        assert await page.evaluate("localStorage.getItem('tthc-user')") is None
        cookies = {c["name"]: c for c in await context.cookies()}
        assert cookies["tthc_session"]["httpOnly"] and cookies["tthc_session"]["sameSite"] == "Lax"
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            users = conn.execute(text("SELECT user_id FROM web_session")).scalars().all()
            fixed = conn.execute(
                text(
                    "SELECT count(*) FROM conversation_state WHERE user_id = 'w-fixed-by-attacker'"
                )
            ).scalar_one()
        assert len(users) == 1 and users[0] != "w-fixed-by-attacker" and fixed == 0
        # Reopening the page keeps the same server-issued session.
        await page.goto(f"http://127.0.0.1:{server.port}/")
        await page.locator(".msg.bot").first.wait_for()
        await page.locator("#typing").wait_for(state="hidden")
        with db.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 1
        await context.close()


async def test_a_booking_shows_its_qr_code_as_an_image(tmp_path: Path, browser: Any) -> None:
    async with running(bot_config(tmp_path)) as server:
        context = await browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"http://127.0.0.1:{server.port}/")
        await page.locator(".msg.bot", has_text="Xin chào").wait_for()

        async def say(text: str) -> Callable[[], Awaitable[None]]:
            async def act() -> None:
                await page.fill("#text", text)
                await page.keyboard.press("Enter")

            return act

        await _act(page, await say("chứng thực bản sao"))
        text = await _act(page, await say("đặt lịch"))
        assert "xã/phường" in text
        await _click(page, "phường Việt Hưng")
        day = page.locator(".msg.bot").last.locator(".choice", has_text="chỗ").first
        await _act(page, day.click)
        slot = page.locator(".msg.bot").last.locator(".choice", has_text="chỗ").first
        await _act(page, slot.click)
        await _click(page, "Xác nhận đặt lịch")
        promise = page.locator(".msg.bot", has_text="Trang web không gửi tin nhắc")
        assert await promise.count() == 1  # no reminder promised on the web
        image = page.locator("img.attachment-image")
        await image.first.wait_for()
        width = await image.first.evaluate("img => img.naturalWidth")
        assert width > 0, "the QR code must render as an image"
        assert errors == []
        await context.close()
