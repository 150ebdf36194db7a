"""Per-user ordering: jobs for one key run one at a time, in the order they arrived."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class KeyedQueue:
    """A queue per key drained by its own task; up to `concurrency` keys run at once.

    Bounding the jobs in flight keeps the event loop free to acknowledge webhooks quickly
    while a backlog drains (and measured faster than one task per waiting user).
    """

    def __init__(self, limit: int = 10_000, concurrency: int = 32) -> None:
        self.limit = limit
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[Hashable, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet."""
        return self._pending

    def submit(self, key: Hashable, job: Job) -> bool:
        """Queue a job behind the key's earlier jobs; False (nothing queued) when full."""
        if self._pending >= self.limit:
            return False
        self._pending += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return True
        self._queues[key] = deque([job])
        task = asyncio.get_running_loop().create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                try:
                    async with self._slots:
                        await job()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("a queued job failed")
                finally:
                    self._done()
        finally:
            self._pending -= len(queue)
            queue.clear()
            del self._queues[key]
            if self._pending <= 0:
                self._idle.set()

    def _done(self) -> None:
        self._pending -= 1
        if self._pending <= 0:
            self._idle.set()

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued job finished; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float = 10.0) -> None:
        """Let queued jobs finish for up to `timeout` seconds, then cancel the rest."""
        if not await self.join(timeout):
            log.warning("cancelling %d unfinished job(s) at shutdown", self._pending)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class KeyedLocks:
    """An asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the key's lock; waiters get it in arrival order."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
