"""The built book's files answered like a static file server answers them.

`stored_answer` is what every answer of a stored book file is: its bytes from memory (see
`CurrentBooks.body`), a strong ETag and 304 on a matching `If-None-Match`, and for the HTML a
gzip when the client takes it (`Vary: Accept-Encoding`).

`BookFiles` answers `GET` and `HEAD /reports/{year}/success-stories.html|.pdf` of a *published*
book whose current file this process knows before the request reaches the router (it wraps
the app's `asgi_handler`, so Litestar's `before_send` hooks, the security headers, still run;
the handlers themselves take no HEAD): no routing, middleware, session or handler, only what
the answer needs — the public version (core/freshness.py, which every change the book shows
bumps), one dictionary lookup and one stat. Each published file's answer is kept with its
headers encoded, for the public version and while the file is the same. Everything else — a
book not published (404 but for staff's preview), a file not built or stale for the current
data (the handler renders the HTML or starts the one build of the PDF), a year out of range —
goes on to the app unchanged. Measured with bench/pages.py: the 1.2 MB PDF at 0.66–0.79 of
the trivial endpoint this way (by run), 0.49 through the handler.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.pagecache import etag_matches
from reports.book import CurrentBooks

log = logging.getLogger(__name__)

# The served HTML book runs nothing and loads only its own photos.
BOOK_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
PUBLIC_BOOK = "public, max-age=1, stale-while-revalidate=1"  # short: a change of the data makes a new book
PRIVATE = "private, no-store"

KINDS = {
    "html": ("text/html; charset=utf-8", True),  # media type, compressible
    "pdf": ("application/pdf", False),
}
BOOK_PATH = re.compile(r"/reports/(?P<year>[12]\d{3})/success-stories\.(?P<kind>html|pdf)")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, _sep, params = part.strip().partition(";")
        if coding.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def book_headers(year: int, kind: str, published: bool) -> dict[str, str]:
    """The headers of the book's answer other than those of its bytes."""
    headers = {"Cache-Control": PUBLIC_BOOK if published else PRIVATE, "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'inline; filename="wsis-prizes-{year}-success-stories.{kind}"'}
    if kind == "html":
        headers["Content-Security-Policy"] = BOOK_CSP
    return headers


async def stored_answer(books: CurrentBooks, path: Path, kind: str, headers: dict[str, str], *,
                        if_none_match: str, accept_encoding: str) -> Answer:
    media_type, compressible = KINDS[kind]
    gzipped = compressible and accepts_gzip(accept_encoding)
    body, etag = await books.body(path, gzipped)
    headers = {**headers, "ETag": etag}
    if compressible:
        headers["Vary"] = "Accept-Encoding"
    if etag_matches(if_none_match.encode("latin-1"), etag.encode()):
        return Answer(304, {k: v for k, v in headers.items() if k in ("ETag", "Cache-Control", "Vary")}, b"")
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Answer(200, {**headers, "Content-Type": media_type}, body)


@dataclass(frozen=True)
class _Ready:
    """A published book file's answer, its headers already encoded, for one public version
    and while the file is the same (modification time and size)."""

    version: str
    path: Path
    identity: tuple[int, int]
    etag: bytes
    ok: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]
    body: bytes


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class BookFiles:
    """The ASGI layer in front of the router (see the module's text)."""

    def __init__(self, app, books: CurrentBooks) -> None:
        self.app, self.books = app, books
        self._kept: dict[tuple[int, str, bool], _Ready] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = BOOK_PATH.fullmatch(scope["path"])
            if match is not None:
                if_none_match, accept_encoding = b"", ""
                for name, value in scope["headers"]:
                    if name == b"if-none-match":
                        if_none_match = value
                    elif name == b"accept-encoding":
                        accept_encoding = value.decode("latin-1")
                kind = match["kind"]
                ready = await self._ready(int(match["year"]), kind, KINDS[kind][1] and accepts_gzip(accept_encoding))
                if ready is not None:
                    if if_none_match and etag_matches(if_none_match, ready.etag):
                        await send({"type": "http.response.start", "status": 304, "headers": ready.not_modified})
                        await send({"type": "http.response.body", "body": b""})
                    else:
                        await send({"type": "http.response.start", "status": 200, "headers": ready.ok})
                        await send({"type": "http.response.body",
                                    "body": b"" if scope["method"] == "HEAD" else ready.body})
                    return
        await self.app(scope, receive, send)

    async def _ready(self, year: int, kind: str, gzipped: bool) -> _Ready | None:
        try:
            version = await self.books.version.current()
            key = (year, kind, gzipped)
            ready = self._kept.get(key)
            if ready is not None and ready.version == version and _identity(ready.path) == ready.identity:
                return ready
            built = await self.books.published(year)
            path = self.books.current_file(year, kind, built.stamp) if built is not None else None
            if path is None:
                return None
            identity = _identity(path)
            answer = await stored_answer(self.books, path, kind, book_headers(year, kind, True), if_none_match="",
                                         accept_encoding="gzip" if gzipped else "identity")
            ok = _encoded(answer.headers) + [(b"content-length", str(len(answer.body)).encode())]
            not_modified = _encoded({k: v for k, v in answer.headers.items() if k in ("ETag", "Cache-Control", "Vary")})
            ready = _Ready(version, path, identity, answer.headers["ETag"].encode(), ok, not_modified, answer.body)
            if _identity(path) == identity:  # not rewritten while it was read
                self._kept[key] = ready
            return ready
        except Exception:  # e.g. Redis or the file gone: the app answers, with its own error handling
            log.debug("book %s %s left to the app", year, kind, exc_info=True)
            return None
