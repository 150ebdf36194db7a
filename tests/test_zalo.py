"""Zalo OA bridge over real HTTP: signed events in, replies captured by a fake Zalo API server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running
from fake_zalo import FakeZalo, event, signed

from bot.channels.base import Services
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo.signature import HEADER, signature, valid
from bot.channels.zalo.tokens import STORE_CHANNEL
from bot.config import Config
from bot.retention import purge
from bot.storage.db import utc_now
from bot.storage.security import SqlTokenStore
from bot.web.server import Server

USER = "zu-1001"
HELP = "Tôi giúp anh/chị biết thủ tục"
HUMAN = "gặp trực tiếp cán bộ"


def quick(cfg: Config, services: Services) -> ZaloChannel:
    """The real channel with millisecond backoff, for tests."""
    return ZaloChannel(cfg, services, backoff=0.01)


@pytest.fixture
async def zalo(aiohttp_server: Any) -> tuple[FakeZalo, str]:
    """The fake Zalo API and its base URL."""
    api = FakeZalo()
    server = await aiohttp_server(api.app())
    return api, f"http://127.0.0.1:{server.port}"


def zalo_config(tmp_path: Path, base: str, **settings: Any) -> Config:
    return bot_config(
        tmp_path,
        **{
            "zalo.oa.app_id": "app-1",
            "zalo.oa.secret_key": "oa-secret",
            "zalo.oa.access_token": "access-1",
            "zalo.oa.refresh_token": "refresh-1",
            "zalo.oa.api_base_url": base,
            "zalo.oa.oauth_url": f"{base}/v4/oa/access_token",
            "zalo.webhook.max_body_bytes": 4096,
            **settings,
        },
    )


async def post(server: Server, body: bytes, headers: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{server.port}/zalo/webhook"
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as resp:
        return resp.status


async def post_chunked(server: Server, body: bytes, headers: dict[str, str]) -> int:
    """Post without Content-Length, in small chunks."""

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 300):
            yield body[start : start + 300]

    url = f"http://127.0.0.1:{server.port}/zalo/webhook"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=pieces(), headers=headers) as resp,
    ):
        return resp.status


async def say(server: Server, text: str, user: str = USER, msg_id: str = "") -> int:
    return await post(server, *signed(event(user, text, msg_id=msg_id)))


def test_signature_matches_the_documented_formula() -> None:
    import hashlib

    raw = b'{"event_name":"user_send_text"}'
    expected = "mac=" + hashlib.sha256(b"app-1" + raw + b"1700000000000" + b"oa-secret").hexdigest()
    assert signature("app-1", raw, "1700000000000", "oa-secret") == expected
    assert valid(expected, "app-1", raw, "1700000000000", "oa-secret")
    assert not valid(expected, "app-1", raw + b" ", "1700000000000", "oa-secret")


async def test_a_guide_by_typed_numbers(tmp_path: Path, zalo: tuple[FakeZalo, str]) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        assert await say(server, GUIDE_TEXT) == 200
        texts = await api.wait_texts(1, USER)
        if PROCEDURE not in texts[-1].splitlines()[0]:
            line = next(x for x in texts[-1].splitlines() if x.endswith(PROCEDURE))
            await say(server, line.split(".")[0])
            texts = await api.wait_texts(len(texts) + 1, USER)
        assert PROCEDURE in texts[-1]
        number = next(x for x in texts[-1].splitlines() if x.endswith("Xem giấy tờ cần chuẩn bị"))
        await say(server, number.split(".")[0])
        texts = await api.wait_texts(len(texts) + 1, USER)
        assert "Câu hỏi" in texts[-1] or "Giấy tờ anh/chị cần chuẩn bị" in texts[-1]


async def test_bad_signature_oversized_and_malformed_bodies(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        raw, headers = signed(event(USER, "xin chào"))
        assert await post(server, raw, {**headers, HEADER: "mac=" + "0" * 64}) == 403
        assert await post(server, raw, {"Content-Type": "application/json"}) == 403
        assert await post(server, raw, headers | {HEADER: headers[HEADER].upper()}) == 403
        forged = json.dumps({**json.loads(raw), "sender": {"id": "someone-else"}}).encode()
        assert await post(server, forged, headers) == 403
        huge, huge_headers = signed(event(USER, "x" * 5000))
        assert await post(server, huge, huge_headers) == 413
        assert await post(server, b"{not json", headers) == 400
        assert await post_chunked(server, huge, huge_headers) == 413
        await asyncio.sleep(0.1)
        assert api.messages == []
        metrics = server.runtime.services.metrics  # type: ignore[union-attr]
        assert metrics.value("tthc_webhook_rejects_total", channel="zalo", reason="signature") == 4


async def test_duplicate_msg_id_is_handled_once(tmp_path: Path, zalo: tuple[FakeZalo, str]) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        raw, headers = signed(event(USER, "trợ giúp", msg_id="dup-1"))
        assert await post(server, raw, headers) == 200
        assert await post(server, raw, headers) == 200
        await api.wait_texts(1, USER)
        await server.runtime.channels["zalo"].queue.join(5)  # type: ignore[union-attr, attr-defined]
        assert len(api.texts(USER)) == 1


async def test_messages_of_one_user_are_answered_in_order(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        for n, text in enumerate(["trợ giúp", "gặp cán bộ", "trợ giúp"]):
            assert await say(server, text, msg_id=f"order-{n}") == 200
        raw, headers = signed(event(USER, "gặp cán bộ", msg_id="order-3"))
        assert await post_chunked(server, raw, headers) == 200  # a body in several chunks
        texts = await api.wait_texts(4, USER)
        assert [HELP in t for t in texts] == [True, False, True, False]
        assert [HUMAN in t for t in texts] == [False, True, False, True]


async def test_server_errors_are_retried(tmp_path: Path, zalo: tuple[FakeZalo, str]) -> None:
    api, base = zalo
    api.fail_next = [500, 503]
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        assert await say(server, "trợ giúp") == 200
        texts = await api.wait_texts(1, USER)
        assert HELP in texts[0]
        assert api.attempts == 3


async def test_invalid_token_is_refreshed_once_and_kept(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    cfg = zalo_config(tmp_path, base, **{"zalo.oa.access_token": "expired"})
    async with running(cfg, makers={"zalo": quick}) as server:
        assert await say(server, "trợ giúp") == 200
        texts = await api.wait_texts(1, USER)
        assert HELP in texts[0]
        assert api.refreshes == [
            {"refresh_token": "refresh-1", "app_id": "app-1", "grant_type": "refresh_token"}
        ]
        db = server.store.engine  # type: ignore[attr-defined]
        stored = SqlTokenStore(db).get(STORE_CHANNEL, "app-1")
        assert stored is not None and stored["access"] == api.access_token
        assert await say(server, "gặp cán bộ") == 200
        await api.wait_texts(2, USER)
        assert len(api.refreshes) == 1
    # `purge` never deletes the refreshed pair: the configured refresh token is already used up.
    purge(db, timedelta(minutes=1), now=utc_now() + timedelta(days=365))
    assert SqlTokenStore(db).get(STORE_CHANNEL, "app-1") == stored
    async with running(cfg, makers={"zalo": quick}) as server:
        assert await say(server, "trợ giúp") == 200
        await api.wait_texts(3, USER)
        assert len(api.refreshes) == 1


async def test_health_is_degraded_while_zalo_refuses_the_credentials(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    cfg = zalo_config(
        tmp_path, base, **{"zalo.oa.access_token": "expired", "zalo.oa.refresh_token": "used-up"}
    )
    async with running(cfg, makers={"zalo": quick}) as server, aiohttp.ClientSession() as http:
        assert await say(server, "trợ giúp") == 200
        await server.runtime.channels["zalo"].queue.join(5)  # type: ignore[union-attr, attr-defined]
        async with http.get(f"http://127.0.0.1:{server.port}/healthz") as resp:
            health = await resp.json()
        assert health["status"] == "degraded"
        assert "-14014" in health["degraded_channels"]["zalo"]


async def test_stale_replayed_and_deeply_nested_events_are_refused(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        old = event(USER, "trợ giúp")
        old["timestamp"] = "1262304000000"  # 2010, correctly signed
        assert await post(server, *signed(old)) == 403
        unstamped = event(USER, "trợ giúp")
        del unstamped["timestamp"]
        assert await post(server, *signed(unstamped)) == 403
        stale = event(USER, "trợ giúp")
        stale["timestamp"] = str(int((time.time() - 16 * 60) * 1000))
        assert await post(server, *signed(stale)) == 403
        nested = b"[" * 2000 + b"]" * 2000  # under the 4 KB limit, deeper than the parser goes
        assert (
            await post(server, nested, {HEADER: "mac=00", "Content-Type": "application/json"})
            == 400
        )
        fresh = event(USER, "trợ giúp")
        assert await post(server, *signed(fresh)) == 200
        await api.wait_texts(1, USER)
        await server.runtime.channels["zalo"].queue.join(5)  # type: ignore[union-attr, attr-defined]
        assert len(api.texts(USER)) == 1


async def test_other_events_get_text_only_or_nothing(
    tmp_path: Path, zalo: tuple[FakeZalo, str]
) -> None:
    api, base = zalo
    async with running(zalo_config(tmp_path, base), makers={"zalo": quick}) as server:
        assert await post(server, *signed(event(USER, name="user_send_sticker"))) == 200
        assert await post(server, *signed(event(USER, name="follow"))) == 200
        assert await post(server, *signed(event(USER, name="oa_send_text"))) == 200
        texts = await api.wait_texts(1, USER)
        await server.runtime.channels["zalo"].queue.join(5)  # type: ignore[union-attr, attr-defined]
        assert len(api.texts()) == 1
        assert "chỉ đọc được tin nhắn chữ" in texts[0]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"zalo.oa.access_token": "a"}, "zalo.oa.app_id and zalo.oa.secret_key"),
        ({"zalo.oa.app_id": "app-1", "zalo.oa.secret_key": "s"}, "access_token or"),
    ],
)
async def test_half_configured_zalo_is_a_config_error(
    tmp_path: Path, settings: dict[str, str], problem: str
) -> None:
    from bot.content.yamlio import ContentError

    with pytest.raises(ContentError, match=problem):
        async with running(bot_config(tmp_path, **settings)):
            pass
