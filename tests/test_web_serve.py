"""`tthc-bot serve` as a real process: no tokens means the web chat; signals stop it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from channel_support import PASS_ENV, bot_config

PRIVATE = "số điện thoại 0912345678, căn cước 001203004567"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_serve_runs_the_web_chat_and_stops_on_a_signal(
    tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    catalog = bot_config(tmp_path)["catalog.dir"]
    config = tmp_path / "config.yaml"
    config.write_text(
        f"catalog:\n  dir: {catalog}\ndatabase:\n  url: sqlite:///{tmp_path / 'db.sqlite3'}\n"
        f"web:\n  port: {port}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_") or k in PASS_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, proc.communicate()[0]
                try:
                    async with http.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            assert (await resp.json())["channels"] == ["web"]
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up"
                await asyncio.sleep(0.2)
            async with http.post(f"{base}/api/chat", json={"user": "w-1", "text": PRIVATE}) as resp:
                assert resp.status == 200
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert "shutting down" in output and "stopped" in output
    for secret in ("0912345678", "001203004567", "điện thoại"):
        assert secret not in output, "message text must never reach the logs"
