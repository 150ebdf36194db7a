"""OA consultation messages out: bounded retries on network errors and 5xx, one token refresh."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.channels.zalo.tokens import TokenBox, Tokens

log = logging.getLogger(__name__)
INVALID_TOKEN = -216
SEND_PATH = "/v3.0/oa/message/cs"


class ZaloError(Exception):
    """Zalo refused a request or could not be reached."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"zalo error {code}: {message}")
        self.code = code

    @property
    def transient(self) -> bool:
        """Zalo could not be reached (network, 5xx) after the retries: worth trying later."""
        return self.code == 0


class ZaloAuthError(ZaloError):
    """The OA credentials no longer work (refresh refused, or a fresh token still invalid)."""


class _Retry(Exception):
    pass


class ZaloClient:
    """`send_text(user_id, text)` against `{api_base_url}/v3.0/oa/message/cs`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenBox,
        *,
        api_base_url: str,
        oauth_url: str,
        app_id: str,
        secret_key: str,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.session = session
        self.tokens = tokens
        self.send_url = api_base_url.rstrip("/") + SEND_PATH
        self.oauth_url = oauth_url
        self.app_id = app_id
        self.secret_key = secret_key
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep
        self._refreshing = asyncio.Lock()

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        """Send one text message; raises ZaloError when Zalo refuses it."""
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        token = self.tokens.current.access
        result = await self._post_json(self.send_url, json=body, headers={"access_token": token})
        if result.get("error") == INVALID_TOKEN:
            token = await self.refresh(token)
            result = await self._post_json(
                self.send_url, json=body, headers={"access_token": token}
            )
        code = int(result.get("error") or 0)
        if code == INVALID_TOKEN:
            raise ZaloAuthError(code, str(result.get("message", "")))
        if code != 0:
            raise ZaloError(code, str(result.get("message", "")))
        return result

    async def refresh(self, failed: str) -> str:
        """A fresh access token; one refresh at a time, none when another worker already did it."""
        async with self._refreshing:
            current = await asyncio.to_thread(self.tokens.load)
            if current.access != failed:
                return current.access
            form = {
                "refresh_token": current.refresh,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            }
            data = await self._post_json(
                self.oauth_url, data=form, headers={"secret_key": self.secret_key}
            )
            access = str(data.get("access_token") or "")
            if not access:
                raise ZaloAuthError(int(data.get("error") or -1), "access token refresh refused")
            tokens = Tokens(access, str(data.get("refresh_token") or current.refresh))
            await asyncio.to_thread(self.tokens.save, tokens)
            log.info("zalo access token refreshed")
            return access

    async def _post_json(self, url: str, **kwargs: Any) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                await self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                async with self.session.post(url, **kwargs) as resp:
                    if resp.status >= 500:
                        raise _Retry(f"HTTP {resp.status}")
                    data = await resp.json(content_type=None)
                    if not isinstance(data, dict):
                        raise ZaloError(-1, f"unexpected answer (HTTP {resp.status})")
                    return data
            except (aiohttp.ClientError, TimeoutError, _Retry) as exc:
                last = exc
                log.info(
                    "zalo request failed (attempt %d/%d): %s",
                    attempt + 1,
                    self.attempts,
                    type(exc).__name__,
                )
            except ValueError as exc:
                raise ZaloError(-1, "answer is not JSON") from exc
        raise ZaloError(0, f"gave up after {self.attempts} attempts: {last}")
