"""Certificates: one page per winner and champion, naming the project, its entity, its
category and the edition. Its owner may download it once the results are published; staff
at any time (a preview before publication says so). Kept, like the book, with a stamp of
what it shows."""

from __future__ import annotations

import asyncio
import hashlib

from babel.dates import format_date

from accounts.services import CurrentUser
from core.errors import NotFound
from core.i18n import DEFAULT_LANGUAGE
from core.i18n import gettext as _
from prizes.editions import queries
from prizes.nominations import queries as nominations
from prizes.nominations.rules import LAUREATE_STATUSES
from prizes.results import queries as results
from reports.book import BookStore, in_book_language, write_atomically
from reports.exporters import CertificateData, render_certificate_html, render_pdf


def _not_found() -> NotFound:
    return NotFound(_("There is no certificate for this project."))


async def certificate_pdf(viewer: CurrentUser, nomination_id: str, store: BookStore) -> tuple[bytes, str]:
    """The certificate's PDF and a file name, for a viewer allowed to have it (else 404)."""
    item = await nominations.get_full(nomination_id)
    if item["status"] not in LAUREATE_STATUSES:
        raise _not_found()
    if not (viewer.is_staff or item["owner_email"] == viewer.email):
        raise _not_found()
    state = await results.publication(item["year"])
    if not state.is_published and not viewer.is_staff:
        raise results.not_published(item["year"])
    edition = await queries.get_edition(item["year"])

    def html() -> str:
        date_line = (format_date(state.published_at.date(), format="long", locale=DEFAULT_LANGUAGE)
                     if state.published_at else _("Preview — not published"))
        return render_certificate_html(CertificateData(
            year=item["year"], kind=item["status"], title=item["title"], entity=item["entity_name"],
            category_code=item["category"], category_title=edition.category_title(item["category"]),
            date_line=date_line,
        ))

    page = in_book_language(html)
    stamp = hashlib.sha256(page.encode("utf-8")).hexdigest()
    path = store.root / str(item["year"]) / "certificates" / f"{item['id']}.pdf"
    stamp_file = path.with_name(path.name + ".stamp")
    filename = f"wsis-prizes-{item['year']}-certificate-{item['category']}-{item['id'][:8]}.pdf"
    try:
        if stamp_file.read_text(encoding="ascii") == stamp:
            return path.read_bytes(), filename
    except OSError:
        pass
    pdf = await asyncio.to_thread(render_pdf, page)  # one page: a thread is enough
    write_atomically(path, pdf.data)
    write_atomically(stamp_file, stamp.encode("ascii"))
    return pdf.data, filename

