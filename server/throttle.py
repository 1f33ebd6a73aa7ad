"""Slowing down guessed tokens: too many failed sign-ins from one address get 429 for a while.

Kept in the process's memory: each worker of a production server counts on its own, so the
effective limit is the setting times the number of workers; that still turns guessing into a
crawl, and needs no shared store.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from planround.server.errors import TooManyRequests


class LoginThrottle:
    """Count failed sign-ins per address over a sliding window."""

    def __init__(self, *, limit: int, window_seconds: int, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def check(self, address: str) -> None:
        """Raise TooManyRequests while the address has used up its failures in the window."""
        with self.lock:
            recent = self._recent(address)
            if len(recent) >= self.limit:
                wait = int(recent[0] + self.window - self.clock()) + 1
                raise TooManyRequests(retry_after=wait, seconds=wait)

    def record_failure(self, address: str) -> None:
        """Remember one failed sign-in from the address."""
        with self.lock:
            self._recent(address).append(self.clock())

    def _recent(self, address: str) -> deque[float]:
        entries = self.failures[address]
        while entries and entries[0] <= self.clock() - self.window:
            entries.popleft()
        return entries
