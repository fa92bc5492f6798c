"""The version of the public data: one Redis key that every change to what anonymous pages
show bumps, after its transaction commits (`core.db.transaction(public=True)`).

Each process reads the key at most once every `poll_seconds` (0: on every request) and, when
it has moved, forgets what it derived from the old data (its page cache, the edition cache:
the `listeners`). A process that bumps knows the new value at once. So a change is visible on
the next request through the process that made it, and within `poll_seconds` (plus one Redis
round trip) on every other process.

The value is an integer started at random the first time (or after Redis lost it), then
incremented: a Redis that comes back empty never hands out a value seen before, so a page
cached under an old value is never taken for a fresh one. One key, no hash tag: it works the
same on a Redis Cluster (INCR and SET NX touch one key).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import time
from collections.abc import Callable

log = logging.getLogger("prizes.freshness")

KEY = "prizes:public-version"


class PublicVersion:
    def __init__(self, redis, poll_seconds: float) -> None:
        self.redis = redis
        self.poll_seconds = poll_seconds
        self.value: str | None = None
        self._checked = float("-inf")
        self._reading: asyncio.Future | None = None
        self.listeners: list[Callable[[], object]] = []

    async def current(self) -> str:
        """The version, read from Redis when the last reading is older than `poll_seconds`.
        Concurrent requests share one reading."""
        if self.value is not None and time.monotonic() - self._checked < self.poll_seconds:
            return self.value
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read())
            self._reading.add_done_callback(self._done_reading)
        await asyncio.shield(self._reading)
        return self.value  # type: ignore[return-value]

    def _done_reading(self, future: asyncio.Future) -> None:
        self._reading = None
        if not future.cancelled():
            future.exception()  # retrieved: the awaiting request reports it

    async def _read(self) -> None:
        started = time.monotonic()
        raw = await self.redis.get(KEY)
        if raw is None:
            await self.redis.set(KEY, secrets.randbelow(2**52), nx=True)
            raw = await self.redis.get(KEY)
        await self._observe(raw)
        self._checked = started

    async def bump(self) -> None:
        await self.redis.set(KEY, secrets.randbelow(2**52), nx=True)
        await self._observe(await self.redis.incr(KEY))
        self._checked = time.monotonic()

    async def _observe(self, raw) -> None:
        value = raw.decode() if isinstance(raw, bytes) else str(raw)
        if value == self.value:
            return
        known, self.value = self.value, value
        if known is None:
            return
        for listener in self.listeners:
            result = listener()
            if inspect.isawaitable(result):
                await result


# The version of the running app's process (installed at start-up), bumped by transactions
# that change public data. Outside an app (the command line) there is none: those commands
# change no public page.
_active: PublicVersion | None = None


def install(version: PublicVersion | None) -> None:
    global _active
    _active = version


async def public_changed() -> None:
    """Called after a commit that changed what public pages show. A failure is logged, not
    raised: the change is committed, and other processes' cached pages still expire (see
    core/pagecache.py, max_entry_seconds)."""
    if _active is None:
        return
    try:
        await _active.bump()
    except Exception:  # noqa: BLE001 - after the commit: report, never undo the request
        log.exception("could not bump the public version")
