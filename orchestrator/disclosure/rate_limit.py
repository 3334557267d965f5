"""A small in-process limiter for the public endpoints: at most `limit` requests per
client address in any `window`, counted on the system clock. It lives in one process's
memory, so with several server processes each allows its own `limit` (a shared limiter in
front of them, e.g. the reverse proxy, is the place for a hard global cap)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

MAX_CLIENTS = 10_000  # addresses remembered; the idlest are forgotten first


class RateLimiter:
    def __init__(self, limit: int, window: timedelta):
        self.limit, self.window = limit, window
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: datetime) -> float:
        """0 if the request may go ahead (and it is counted); else the seconds to wait."""
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max((hits[0] + self.window - now).total_seconds(), 1.0)
            hits.append(now)
            if len(self._hits) > MAX_CLIENTS:
                self._forget(now)
            return 0.0

    def _forget(self, now: datetime) -> None:
        idle = sorted(self._hits, key=lambda key: self._hits[key][-1] if self._hits[key]
                      else now - self.window)
        for key in idle[: len(idle) - MAX_CLIENTS // 2]:
            del self._hits[key]
