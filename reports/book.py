"""The book's pipeline end to end — queries → builder → exporters — and where the built files
are kept.

A built file is kept with the fingerprint of the book it shows (`stamp`: the book's data and
the templates). A file whose stamp is not the current one is stale and never served: a
change to a winner, a text, a photo, the foreword or the publication itself makes a new
book. Files live under `var/reports/<year>/` (each machine keeps its own copy and rebuilds
it on demand).
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import gzip
import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import msgspec

from core.i18n import DEFAULT_LANGUAGE, set_language
from prizes.results.queries import publication
from reports import queries
from reports.builder import Book, Photo, build_book, fingerprint
from reports.exporters import file_image_src, render_book_html, render_pdf, templates_digest, web_image_src

log = logging.getLogger("prizes.reports")
# Photos in the PDF: JPEG, at most this many pixels on their longer side (170 mm at 240 dpi).
PRINT_PIXELS = 1600


@dataclass(frozen=True)
class BuiltBook:
    book: Book
    stamp: str


async def load_book(year: int, media_dir: Path) -> BuiltBook:
    """The book of `year` as it stands in the database now. The book is in English, the
    language of the submissions, whoever asks."""
    source = await queries.book_source(year, media_dir)
    book = in_book_language(build_book, source)
    return BuiltBook(book, fingerprint(book, templates_digest()))


def in_book_language(function, *args):
    """`function(*args)` with English as the language of gettext, leaving the caller's
    language as it was."""

    def run():
        set_language(DEFAULT_LANGUAGE)
        return function(*args)

    return contextvars.copy_context().run(run)


def book_html(book: Book, image_src: Callable[[Photo], str] = web_image_src) -> str:
    return in_book_language(render_book_html, book, image_src)


def book_filename(year: int, kind: str) -> str:
    return f"success-stories-{year}.{kind}"


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def print_photo(path: Path, cache_dir: Path, photo_id: str) -> Path:
    """The photo as the PDF embeds it: a JPEG of at most PRINT_PIXELS, made once per photo
    (a photo's file never changes: a new upload is a new id). Camera-sized uploads would
    otherwise be decoded and re-encoded whole at every build."""
    from PIL import Image, ImageOps

    target = cache_dir / f"{photo_id}.jpg"
    if target.is_file():
        return target
    with Image.open(path) as image:
        image.draft("RGB", (PRINT_PIXELS, PRINT_PIXELS))  # JPEG: decode at a reduced size
        picture = ImageOps.exif_transpose(image)
        if picture.mode in ("RGBA", "LA", "P"):
            picture = picture.convert("RGBA")
            flat = Image.new("RGB", picture.size, "white")
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture = picture.convert("RGB")
        picture.thumbnail((PRINT_PIXELS, PRINT_PIXELS))
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
        picture.save(temporary, "JPEG", quality=85)
    os.replace(temporary, target)
    return target


def prepare_photos(book: Book, cache_dir: Path) -> Book:
    """The book with each photo's path pointing at its print version; a photo that cannot
    be read is left out (and logged) rather than breaking the build."""
    chapters = []
    for chapter in book.chapters:
        entries = []
        for entry in chapter.entries:
            photos = []
            for photo in entry.photos:
                try:
                    photos.append(dataclasses.replace(photo, path=str(print_photo(Path(photo.path), cache_dir, photo.id))))
                except Exception as error:  # a corrupt or vanished file
                    log.warning("photo %s left out of the book: %s", photo.id, error)
            entries.append(dataclasses.replace(entry, photos=tuple(photos)))
        chapters.append(dataclasses.replace(chapter, entries=tuple(entries)))
    return dataclasses.replace(book, chapters=tuple(chapters))


def print_html(book: Book, cache_dir: Path) -> str:
    """The HTML the PDF is made from: the print versions of the photos, as files. It decodes
    every photo: the app calls it only in the PDF's child process (`reports.render`), so that
    an image bomb never decodes inside the process that serves requests."""
    return book_html(prepare_photos(book, cache_dir), file_image_src)


def book_json(book: Book) -> bytes:
    """The book as the PDF's child process reads it (plain data; no decoding of it runs code)."""
    return msgspec.json.encode(book)


def book_from_json(data: bytes) -> Book:
    return msgspec.json.decode(data, type=Book)


class BookStore:
    """Built books under `root/<year>/`, each with a `.stamp` file beside it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, year: int, kind: str) -> Path:
        return self.root / str(year) / book_filename(year, kind)

    def current(self, year: int, kind: str, stamp: str) -> Path | None:
        """The stored file if it shows the book with this stamp, else None."""
        path = self.path(year, kind)
        stamp_file = path.with_name(path.name + ".stamp")
        try:
            if stamp_file.read_text(encoding="ascii").strip() == stamp and path.is_file():
                return path
        except OSError:
            pass
        return None

    def stamp_of(self, year: int, kind: str) -> str | None:
        path = self.path(year, kind)
        try:
            return path.with_name(path.name + ".stamp").read_text(encoding="ascii").strip()
        except OSError:
            return None

    def save(self, year: int, kind: str, data: bytes, stamp: str) -> Path:
        path = self.path(year, kind)
        write_atomically(path, data)
        write_atomically(path.with_name(path.name + ".stamp"), stamp.encode("ascii"))
        return path


async def write_book_files(year: int, out_dir: Path, media_dir: Path, photo_cache: Path,
                           progress: Callable[[str], None] = lambda _line: None) -> tuple[Path, Path, int]:
    """The command line's build: `success-stories-Y.html` (its photos copied beside it, in
    `success-stories-Y-photos/`) and `success-stories-Y.pdf` in `out_dir`. `photo_cache`
    keeps the print versions of the photos between builds."""
    started = time.perf_counter()
    progress(f"reading the {year} edition from the database")
    built = await load_book(year, media_dir)
    book = built.book
    entries = sum(len(c.entries) for c in book.chapters)
    progress(f"{len(book.chapters)} categories, {book.winners} winners, {book.champions} champions "
             f"({entries} projects, {sum(len(e.photos) for c in book.chapters for e in c.entries)} photos)")
    out_dir.mkdir(parents=True, exist_ok=True)
    photos_dir = out_dir / f"success-stories-{year}-photos"

    def local_src(photo: Photo) -> str:
        return f"{photos_dir.name}/{Path(photo.path).name}"

    for chapter in book.chapters:
        for entry in chapter.entries:
            for photo in entry.photos:
                photos_dir.mkdir(exist_ok=True)
                shutil.copyfile(photo.path, photos_dir / Path(photo.path).name)
    html_path = out_dir / book_filename(year, "html")
    write_atomically(html_path, book_html(book, local_src).encode("utf-8"))
    progress(f"HTML written: {html_path} ({time.perf_counter() - started:.1f} s)")

    progress("preparing the photos for print")
    printable = await asyncio.to_thread(print_html, book, photo_cache)
    progress("laying out the PDF pages (about 0.2 s a page)")
    pdf_started = time.perf_counter()
    pdf = await asyncio.to_thread(render_pdf, printable, photo_cache, lambda stage: progress(f"  {stage}"))
    pdf_path = out_dir / book_filename(year, "pdf")
    write_atomically(pdf_path, pdf.data)
    progress(f"PDF written: {pdf_path} ({pdf.pages} pages, {len(pdf.data) / 1e6:.1f} MB, "
             f"{time.perf_counter() - pdf_started:.1f} s)")
    return html_path, pdf_path, pdf.pages


class CurrentBooks:
    """What each published year's book is now, decided once per change of the public data
    (per process) instead of at every request: `load_book` reads every laureate, counts the
    distinct voters and fingerprints the whole book, so it runs again only when the public
    version (core/freshness.py) has moved — every change a book shows (winners, texts,
    photos, titles, the foreword, the publication, voided votes) bumps it. The stored files
    are then served as they are while their stamp is this one. An unpublished book (staff
    only, a preview while votes may still come in) is read afresh each time."""

    def __init__(self, version, store: BookStore, media_dir: Path) -> None:
        self.version = version
        self.store = store
        self.media_dir = media_dir
        self._known: dict[int, tuple[str, BuiltBook | None]] = {}
        self._files: dict[tuple[int, str, str], Path] = {}
        self._bodies: dict[tuple, tuple[bytes, str]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def published(self, year: int) -> BuiltBook | None:
        """The book of `year` if its results are published, else None (404 for an unknown
        year), from what this process worked out for the current public version."""
        version = await self.version.current()
        known = self._known.get(year)
        if known is not None and known[0] == version:
            return known[1]
        async with self._locks.setdefault(year, asyncio.Lock()):  # concurrent readers read it once
            known = self._known.get(year)
            if known is not None and known[0] == version:
                return known[1]
            state = await publication(year)
            built = await load_book(year, self.media_dir) if state.is_published else None
            if self.version.value == version:
                self._known[year] = (version, built)
            return built

    def current_file(self, year: int, kind: str, stamp: str) -> Path | None:
        """The stored file of this stamp (its stamp file read once per stamp)."""
        key = (year, kind, stamp)
        path = self._files.get(key)
        if path is not None and path.is_file():
            return path
        path = self.store.current(year, kind, stamp)
        if path is not None:
            if len(self._files) > 1000:
                self._files.clear()
            self._files[key] = path
        return path

    async def body(self, path: Path, gzipped: bool) -> tuple[bytes, str]:
        """A stored file's bytes (or their gzip) kept in memory while the file is the same (its
        size and modification time, one stat per request), and its strong ETag. The few newest
        files are kept."""
        info = path.stat()
        key = (path, info.st_mtime_ns, info.st_size, gzipped)
        kept = self._bodies.get(key)
        if kept is None:
            raw = self._bodies.get((*key[:3], False))
            data = raw[0] if raw is not None else await asyncio.to_thread(path.read_bytes)
            if gzipped:
                data = await asyncio.to_thread(gzip.compress, data, 6, mtime=0)
            kept = (data, f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"')
            while len(self._bodies) >= 8:
                self._bodies.pop(next(iter(self._bodies)))
            self._bodies[key] = kept
        return kept

    def forget(self) -> None:
        self._known.clear()
