"""Building the book in the background, for the staff button and for the first reader of a
new book.

One build per year at a time on each machine: a Redis lock (`SET NX` with an expiry that the
running build keeps extending) guards it, and the progress lives in a Redis hash that the
staff page reads (it refreshes itself while a build runs). The HTML is rendered in this
process (well under a second); the PDF in a child process (`python -m reports.render`), so
the app keeps serving while WeasyPrint works. The files land in the `BookStore` with their
stamp. If the app stops, the child is killed and the lock expires; progress says the build
was interrupted. Progress is transient: Redis losing it loses no book.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path

from core import audit
from core.audit import Actor
from core.tasks import stop_all
from core.settings import PROJECT_ROOT, Settings
from reports.book import BookStore, book_html, book_json, load_book

log = logging.getLogger("prizes.reports")

LOCK_SECONDS = 120  # extended every HEARTBEAT while the build runs
HEARTBEAT = 10
# The lock is released only by its holder.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class BookJobs:
    def __init__(self, settings: Settings, redis) -> None:
        self.settings = settings
        self.redis = redis
        self.media_dir = settings.media_dir or settings.var_dir / "media"
        self.store = BookStore(settings.var_dir / "reports")
        self.photo_cache = settings.var_dir / "reports" / "photos"
        self.tasks: dict[int, asyncio.Task] = {}
        self.host = socket.gethostname()

    def _key(self, year: int) -> str:
        return f"prizes:book:{self.host}:{year}"

    async def _progress(self, year: int, **fields) -> None:
        fields["updated_at"] = f"{time.time():.3f}"
        await self.redis.hset(self._key(year), mapping={k: str(v) for k, v in fields.items()})
        await self.redis.expire(self._key(year), 7 * 24 * 3600)

    async def status(self, year: int) -> dict:
        raw = await self.redis.hgetall(self._key(year))
        state = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                 for k, v in raw.items()}
        if not state:
            return {"state": "idle"}
        if state.get("state") == "running" and not await self.redis.exists(self._key(year) + ":lock"):
            state["state"] = "failed"
            state["message"] = "interrupted"
        for name in ("percent", "pages"):
            if name in state:
                state[name] = int(float(state[name]))
        return state

    async def start(self, year: int, requested_by: str, stamp: str | None = None) -> bool:
        """Start a build of `year`'s book unless one runs already (here or in another process
        of this machine). True if this call started it. With `stamp` (a reader's request),
        not if a build was already started for the book of that stamp: readers start at most
        one build per change of the data, even if it failed (staff can start another)."""
        token = secrets.token_hex(8)
        if not await self.redis.set(self._key(year) + ":lock", token, nx=True, ex=LOCK_SECONDS):
            return False
        if stamp is not None:
            tried = await self.redis.set(self._key(year) + ":tried", stamp, get=True, ex=30 * 24 * 3600)
            if tried in (stamp, stamp.encode()):
                await self.redis.eval(_RELEASE, 1, self._key(year) + ":lock", token)
                return False
        await self.redis.delete(self._key(year))
        await self._progress(year, state="running", step="queued", percent=0, requested_by=requested_by,
                             started_at=f"{time.time():.3f}")
        self.tasks[year] = asyncio.create_task(self._run(year, token), name=f"book-{year}")
        return True

    async def start_recorded(self, year: int, actor: Actor, stamp: str | None = None) -> bool:
        """`start`, and when it did start a build, the audit entry `edition.book_build` of who
        asked (the system for an anonymous reader): staff's button and a reader's PDF request
        alike, so at most one entry per build."""
        started = await self.start(year, actor.email if actor.id is not None else "a reader", stamp=stamp)
        if started:
            await audit.record(actor, "edition.book_build", f"edition:{year}", "", {"year": year})
        return started

    async def wait(self, year: int) -> None:
        """Until this process's build of `year` ends (tests, the command line)."""
        task = self.tasks.get(year)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

    async def stop(self) -> None:
        await stop_all(list(self.tasks.values()))

    async def _heartbeat(self, year: int, token: str) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            if await self.redis.get(self._key(year) + ":lock") not in (token, token.encode()):
                return
            await self.redis.expire(self._key(year) + ":lock", LOCK_SECONDS)

    async def _run(self, year: int, token: str) -> None:
        started = time.perf_counter()
        beat = asyncio.create_task(self._heartbeat(year, token))
        try:
            await self._progress(year, step="reading the database", percent=5)
            built = await load_book(year, self.media_dir)
            await self._progress(year, step="writing the HTML", percent=15)
            html = await asyncio.to_thread(book_html, built.book)
            self.store.save(year, "html", html.encode("utf-8"), built.stamp)
            await self._progress(year, step="preparing the photos for print", percent=20)
            pages = await self._render_pdf(year, built.book, built.stamp)
            await self._progress(year, state="done", step="done", percent=100, pages=pages,
                                 seconds=f"{time.perf_counter() - started:.1f}", finished_at=f"{time.time():.3f}",
                                 stamp=built.stamp)
            log.info("built the %s book: %s pages in %.1f s", year, pages, time.perf_counter() - started)
        except asyncio.CancelledError:
            await asyncio.shield(self._progress(year, state="failed", step="interrupted", message="the app stopped"))
            raise
        except Exception as error:
            log.exception("building the %s book failed", year)
            await self._progress(year, state="failed", step="failed", message=f"{type(error).__name__}: {error}"[:500],
                                 finished_at=f"{time.time():.3f}")
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            with contextlib.suppress(Exception):
                await self.redis.eval(_RELEASE, 1, self._key(year) + ":lock", token)
            self.tasks.pop(year, None)

    async def _render_pdf(self, year: int, book, stamp: str) -> int:
        """The PDF made by the child process `reports.render`: the photos' print versions
        too, so that no photo is ever decoded in this (the app's) process."""
        with tempfile.TemporaryDirectory(prefix="book-") as folder:
            book_path, pdf_path = Path(folder) / "book.json", Path(folder) / "book.pdf"
            book_path.write_bytes(book_json(book))
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "reports.render", str(book_path), str(pdf_path), str(self.photo_cache),
                cwd=str(PROJECT_ROOT), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            pages = 0
            errors = asyncio.create_task(child.stderr.read())  # read alongside: a full pipe would block the child
            try:
                while line := await child.stdout.readline():
                    stage = line.decode(errors="replace").strip()
                    if stage == "photos":
                        await self._progress(year, step="laying out the pages", percent=25)
                    elif stage.startswith("pages "):
                        pages = int(stage.split()[1])
                        await self._progress(year, step=f"writing the PDF ({pages} pages)", percent=80, pages=pages)
                    elif stage == "written":
                        await self._progress(year, step="saving", percent=95)
                code = await child.wait()
                output = await errors
            except asyncio.CancelledError:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
                errors.cancel()
                raise
            if code != 0 or not pdf_path.is_file():
                tail = output.decode(errors="replace").strip().splitlines()[-3:]
                raise RuntimeError(f"the PDF renderer exited with {code}: {' / '.join(tail)}")
            self.store.save(year, "pdf", pdf_path.read_bytes(), stamp)
            return pages
