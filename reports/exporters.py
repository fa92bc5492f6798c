"""Exporters: the book (and a certificate) as HTML through Jinja, and as PDF through
WeasyPrint from that same HTML.

The HTML escapes every text (Jinja's autoescape); the only markup not made by the template
is the charts' SVG, made and escaped by the builder. The PDF renderer fetches nothing but
the photos under the media folder: no network, no other file.

WeasyPrint is slow and CPU-bound (about 0.3 s a page): call `render_pdf` off the event loop
— the background job runs it in a child process (`python -m reports.render`), a
certificate (one page) in a thread.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit
from urllib.request import url2pathname

from core.templating import TEMPLATE_DIR, make_environment
from reports.builder import Book, Photo

BOOK_TEMPLATES = ("reports/book.html", "reports/book.css")


@lru_cache(maxsize=1)
def _environment():
    return make_environment()


def templates_digest() -> str:
    """Part of the book's fingerprint: a stored book made with other templates is stale."""
    digest = hashlib.sha256()
    for name in BOOK_TEMPLATES:
        digest.update((TEMPLATE_DIR / name).read_bytes())
    return digest.hexdigest()


def web_image_src(photo: Photo) -> str:
    """Photos on the site: served by `/media/images/{id}` to whoever may see the project."""
    return f"/media/images/{photo.id}"


def file_image_src(photo: Photo) -> str:
    """Photos for the PDF renderer: the files themselves."""
    return Path(photo.path).resolve().as_uri()


def render_book_html(book: Book, image_src: Callable[[Photo], str] = web_image_src) -> str:
    return _environment().get_template("reports/book.html").render(book=book, image_src=image_src)


@dataclass(frozen=True)
class CertificateData:
    year: int
    kind: str  # winner or champion
    title: str
    entity: str
    category_code: str
    category_title: str
    date_line: str


def render_certificate_html(data: CertificateData) -> str:
    return _environment().get_template("reports/certificate.html").render(cert=data)


def media_fetcher(media_dir: Path | None):
    """A WeasyPrint URL fetcher that serves files under `media_dir` (and data: URIs), and
    refuses anything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(media_dir).resolve() if media_dir else None

    class MediaOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:") and root is not None:
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if path.is_relative_to(root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            raise ValueError(f"not fetched: {url[:200]}")

    return MediaOnly(allowed_protocols={"file", "data"})


# Families the PDFs need to draw names in any script (Debian: fonts-noto-core, fonts-noto-cjk);
# fontconfig finds them. Without them Pango draws empty boxes (.notdef) for those scripts.
PDF_FONT_FAMILIES = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Arabic": "fonts-noto-core",
    "Noto Sans Devanagari": "fonts-noto-core",
    "Noto Sans Thai": "fonts-noto-core",
    "Noto Sans CJK SC": "fonts-noto-cjk",
}


def missing_pdf_fonts() -> dict[str, str]:
    """The font families of PDF_FONT_FAMILIES that fontconfig cannot find, with the Debian
    package that has each (blocking: runs `fc-list`)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return dict(PDF_FONT_FAMILIES)
    missing = {}
    for family, package in PDF_FONT_FAMILIES.items():
        found = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True).stdout
        if not found.strip():
            missing[family] = package
    return missing


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


# Tagged PDF (PDF/UA-1): a structure tree from the HTML (headings, paragraphs, lists, tables,
# figures with their `alt`, in the order of the document), the document's language from
# `<html lang>`, its title from `<title>`. `tagged=False` only for measuring what tagging costs
# (bench/report.py).
PDF_VARIANT = "pdf/ua-1"


def render_pdf(
    html: str,
    media_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    tagged: bool = True,
) -> Pdf:
    """The PDF of `html` (blocking, CPU-bound), tagged for assistive technology. `progress`
    hears of each stage."""
    from weasyprint import HTML

    say = progress or (lambda _message: None)
    base = Path(media_dir).resolve().as_uri() + "/" if media_dir else None
    say("layout")
    options = {"pdf_variant": PDF_VARIANT} if tagged else {}
    document = HTML(string=html, base_url=base, url_fetcher=media_fetcher(media_dir)).render(**options)
    say(f"pages {len(document.pages)}")
    data = document.write_pdf(**options)  # photos come prepared for print (reports.book.print_photo)
    say("written")
    return Pdf(data, len(document.pages))
