"""Certificates: one page per winner and champion, naming the project, its entity, its
category and the edition. Its owner may download it once the results are published; staff
at any time (a preview before publication says so). Kept, like the book, with a stamp of
what it shows."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

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


# What this process worked out for a certificate under one public version (core/freshness.py):
# (nomination id, version) -> (owner's e-mail, year, published, file, file name). Everything
# a certificate shows is public data, so a change to it bumps the version.
_known: dict[tuple[str, str], tuple[str, int, bool, Path, str]] = {}


async def certificate_file(viewer: CurrentUser, nomination_id: str, store: BookStore,
                           version: str | None = None) -> tuple[Path, str]:
    """The certificate's PDF file and a file name, for a viewer allowed to have it (else
    404). With the public `version`, a published certificate's file is served as it is while
    the version stands: nothing is read from the database, rendered or hashed."""
    known = _known.get((str(nomination_id), version)) if version is not None else None
    if known is None:
        known = await _work_out(viewer, nomination_id, store)
        if version is not None and known[2]:  # a preview (staff, unpublished) is worked out each time
            if len(_known) > 10_000:
                _known.clear()
            _known[(str(nomination_id), version)] = known
    owner_email, year, published, path, filename = known
    if not (viewer.is_staff or owner_email == viewer.email):
        raise _not_found()
    if not published and not viewer.is_staff:
        raise _not_found()  # the one refusal: a different answer would tell an owner their project won
    if not path.is_file():  # removed under us: make it again
        _known.pop((str(nomination_id), version), None)
        path = (await _work_out(viewer, nomination_id, store))[3]
    return path, filename


async def _work_out(viewer: CurrentUser, nomination_id: str, store: BookStore) -> tuple[str, int, bool, Path, str]:
    item = await nominations.get_full(nomination_id)
    state = await results.publication(item["year"])
    # One refusal for every reason (not a laureate, not yours, not published yet): a
    # different answer before publication would tell an owner that their project won.
    mine = item["owner_email"] == viewer.email
    if item["status"] not in LAUREATE_STATUSES or not (viewer.is_staff or (mine and state.is_published)):
        raise _not_found()
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
        current = stamp_file.read_text(encoding="ascii") == stamp and path.is_file()
    except OSError:
        current = False
    if not current:
        pdf = await asyncio.to_thread(render_pdf, page)  # one page: a thread is enough
        write_atomically(path, pdf.data)
        write_atomically(stamp_file, stamp.encode("ascii"))
    return item["owner_email"], item["year"], state.is_published, path, filename
