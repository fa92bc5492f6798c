"""Anonymous public pages, kept rendered in each process (an ASGI middleware).

What is kept: the answer (200 only) to a GET of a public path (`public_paths`, given by the
composition root) from a request without a session cookie or an Authorization header, keyed
by path, query string, language and the public version (core/freshness.py). Never kept: an
answer that sets a cookie other than the CSRF one, or whose body carries a CSRF token — so a
form meant for one person is never handed to another. Every answer that is not shared this
way and is a page or JSON gets `Cache-Control: private, no-store` unless its handler said
otherwise.

Freshness: the key holds the public version, which every change to public data bumps after
its commit; a kept page also expires at the next opening or closing instant of a phase
(`next_change`, since the phase rule changes what pages say at that instant before any
write) and after `max_entry_seconds` whatever happens (a bound should a bump be lost).

Kept pages are served with a strong ETag (304 on a matching If-None-Match) and
`Cache-Control: public, max-age=M, stale-while-revalidate=S`, `Vary: Cookie, Accept-Language`,
so a reverse proxy or CDN may absorb a burst too. Concurrent misses of one key render once.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from core.clock import utcnow
from core.freshness import PublicVersion

MAX_BODY = 4_000_000  # larger answers are passed through, not kept
_CSRF_MARK = b'name="_csrf_token"'
_HIT = (b"x-cache", b"hit")  # said on answers served from the kept copy (not on the first render)


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    expires: float


def _has_csrf_cookie_only(headers: list[tuple[bytes, bytes]], csrf_cookie: bytes) -> bool:
    cookies = [v for k, v in headers if k.lower() == b"set-cookie"]
    return all(v.startswith(csrf_cookie + b"=") for v in cookies)


def etag_matches(header: bytes, etag: bytes) -> bool:
    for candidate in header.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == etag:
            return True
    return False


class PageCache:
    def __init__(self, version: PublicVersion, *, public_paths: str, session_cookie: str, csrf_cookie: str,
                 entries: int, max_age: int, stale_seconds: int, max_entry_seconds: float = 60.0,
                 next_change: Callable[[datetime], Awaitable[datetime | None]] | None = None) -> None:
        self.version = version
        self.public_paths = re.compile(public_paths)
        self.session_cookie = session_cookie.encode() + b"="
        self.csrf_cookie = csrf_cookie.encode()
        self.entries = entries
        self.max_entry_seconds = max_entry_seconds
        self.next_change = next_change
        self.public_header = f"public, max-age={max_age}, stale-while-revalidate={stale_seconds}".encode()
        self.store: OrderedDict[tuple, Entry] = OrderedDict()
        self.generation = 0
        self._pending: dict[tuple, asyncio.Future] = {}
        self._boundary: datetime | None = None
        self._boundary_known = False

    def clear(self) -> None:
        """Forget every kept page (the public version moved, or a phase instant passed)."""
        self.store.clear()
        self.generation += 1
        self._boundary_known = False

    def is_shared(self, scope) -> bool:
        if scope["method"] != "GET" or self.entries <= 0 or not self.public_paths.fullmatch(scope["path"]):
            return False
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and self.session_cookie in value):
                return False
        return True

    async def _check_boundary(self) -> None:
        if self.next_change is None:
            return
        now = utcnow()
        if self._boundary_known and (self._boundary is None or self._boundary > now):
            return
        if self._boundary_known:  # an instant passed: what was kept before it may be wrong now
            self.clear()
        generation = self.generation
        boundary = await self.next_change(now)
        if generation == self.generation:
            self._boundary, self._boundary_known = boundary, True

    def middleware(self, app):
        async def middleware(scope, receive, send):
            if scope["type"] != "http" or not self.is_shared(scope):
                await app(scope, receive, _private(send) if scope["type"] == "http" else send)
                return
            await self._serve(app, scope, receive, send)

        return middleware

    async def _serve(self, app, scope, receive, send) -> None:
        version = await self.version.current()
        await self._check_boundary()
        language = (scope.get("state") or {}).get("language", "")
        key = (scope["path"], scope["query_string"], language, version)
        while True:
            entry = self._fresh(key)
            if entry is not None:
                await self._send(entry, scope, send)
                return
            pending = self._pending.get(key)
            if pending is None:
                break
            await asyncio.shield(pending)  # another request renders this key: wait for it
        future = self._pending[key] = asyncio.get_running_loop().create_future()
        generation = self.generation
        try:
            status, headers, body = await _capture(app, scope, receive)
            if (status == 200 and len(body) <= MAX_BODY and _has_csrf_cookie_only(headers, self.csrf_cookie)
                    and _CSRF_MARK not in body and generation == self.generation and self.version.value == version):
                entry = self._keep(key, headers, body)
                await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
                await send({"type": "http.response.body", "body": body})
                return
            await _private(send)({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            del self._pending[key]
            future.set_result(None)

    def _fresh(self, key: tuple) -> Entry | None:
        entry = self.store.get(key)
        if entry is None:
            return None
        if entry.expires <= time.monotonic():
            del self.store[key]
            return None
        self.store.move_to_end(key)
        return entry

    def _keep(self, key: tuple, headers: list[tuple[bytes, bytes]], body: bytes) -> Entry:
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        kept = [(k, v) for k, v in headers if k.lower() not in (b"set-cookie", b"cache-control", b"etag", b"vary")]
        handler_policy = [v for k, v in headers if k.lower() == b"cache-control"]
        kept += [(b"etag", etag), (b"cache-control", handler_policy[0] if handler_policy else self.public_header),
                 (b"vary", b"Cookie, Accept-Language")]
        entry = Entry(200, kept, body, etag, time.monotonic() + self.max_entry_seconds)
        self.store[key] = entry
        while len(self.store) > self.entries:
            self.store.popitem(last=False)
        return entry

    async def _send(self, entry: Entry, scope, send) -> None:
        for name, value in scope["headers"]:
            if name == b"if-none-match" and etag_matches(value, entry.etag):
                headers = [(k, v) for k, v in entry.headers if k in (b"etag", b"cache-control", b"vary")]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await send({"type": "http.response.start", "status": entry.status, "headers": [*entry.headers, _HIT]})
        await send({"type": "http.response.body", "body": entry.body})


async def _capture(app, scope, receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    start: dict = {}
    chunks: list[bytes] = []

    async def send(message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


def _private(send):
    """Pages, JSON and redirects that are not shared are marked so that no proxy keeps them
    (static files and photos keep their own headers)."""

    async def wrapped(message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            personal = content_type.startswith((b"text/html", b"application/json")) or 300 <= message["status"] < 400
            if b"cache-control" not in names and personal:
                headers.append((b"cache-control", b"private, no-store"))
                message = {**message, "headers": headers}
        await send(message)

    return wrapped
