"""Real `tthc-bot serve` worker processes for fault tests and the cluster bench."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR")


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports on 127.0.0.1 nobody listens on (held open until all are found,
    since the kernel may hand out a just-released port again)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def write_config(path: Path, settings: dict[str, Any]) -> Path:
    """A YAML configuration file from dotted settings ({"web.port": 8081} -> web: {port: ...})."""
    tree: dict[str, Any] = {}
    for dotted, value in settings.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Worker:
    """One `serve` process on its own port, its output in a log file."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    _log_file: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a power cut would; waits for the exit."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait (SIGKILL after `timeout`); the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()
        return int(self.process.returncode)

    def output(self, tail: int = 4000) -> str:
        """The end of the worker's log, for assertion messages."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-tail:]


def start_worker(config: Path, port: int, log: Path, argv: list[str] | None = None) -> Worker:
    """Start `python -m bot.cli serve --config FILE` (or `argv`) listening on `port`."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update({"TTHC_WEB_PORT": str(port), "PYTHONUNBUFFERED": "1"})
    command = argv or [sys.executable, "-m", "bot.cli", "serve", "--config", str(config)]
    out = log.open("wb")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    return Worker(port, process, log, out)


async def wait_healthy(workers: list[Worker], timeout: float = 90) -> None:
    """Wait until every worker's /healthz answers 200; fail with the log of one that did not."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for worker in workers:
            while not await _healthy(http, worker):
                if worker.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker on {worker.port} did not start:\n{worker.output()}")
                await asyncio.sleep(0.1)
    dead = [w.port for w in workers if w.process.poll() is not None]
    if dead:
        raise RuntimeError(f"workers on {dead} exited:\n{workers[0].output()}")


async def _healthy(http: aiohttp.ClientSession, worker: Worker) -> bool:
    try:
        async with http.get(f"{worker.url}/healthz") as resp:
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def post_update(
    http: aiohttp.ClientSession, worker: Worker, update: dict[str, Any], secret: str
) -> int:
    """POST one Telegram update to a worker's webhook; the HTTP status."""
    url = f"{worker.url}/telegram/webhook"
    async with http.post(url, json=update, headers={SECRET_HEADER: secret}) as resp:
        await resp.read()
        return resp.status
