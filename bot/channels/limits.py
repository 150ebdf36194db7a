"""Token buckets per key: a per-chat send limit and a per-address login limit."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class KeyedBuckets:
    """`rate` tokens per second per key, at most `burst` saved up; old keys are forgotten."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def _level(self, key: Hashable) -> float:
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def _store(self, key: Hashable, tokens: float) -> None:
        self._buckets[key] = (tokens, self.clock())
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def available(self, key: Hashable) -> bool:
        """Whether a token is there, without taking it."""
        return self._level(key) >= 1

    def try_take(self, key: Hashable) -> bool:
        """Take a token if one is there."""
        tokens = self._level(key)
        if tokens < 1:
            self._store(key, tokens)
            return False
        self._store(key, tokens - 1)
        return True

    def delay(self, key: Hashable) -> float:
        """Take a token now or reserve the next one; seconds to wait before using it."""
        if self.rate <= 0:
            return 0.0
        tokens = self._level(key) - 1
        self._store(key, tokens)
        return 0.0 if tokens >= 0 else -tokens / self.rate

    async def wait(self, key: Hashable) -> None:
        """Sleep until the key may send again."""
        pause = self.delay(key)
        if pause > 0:
            await asyncio.sleep(pause)
