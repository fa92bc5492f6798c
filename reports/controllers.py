"""The book and the certificates over HTTP, and the staff page that builds the book.

`/reports/{year}/success-stories.html|.pdf` answer 404 to everyone but staff until the
results are published. The HTML is served from the stored file while it is current, else
rendered at once (well under a second) and stored; the PDF is served while current, else a
background build starts and the reader gets 503 with `Retry-After` and a page that refreshes
itself until the book is there.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from accounts.guards import current_user, requires_staff, requires_user
from core.audit import Actor
from core.i18n import gettext as _
from core.templating import page_context
from core.schemas import Year
from prizes.editions import queries
from prizes.results import queries as results
from reports.book import BuiltBook, CurrentBooks, book_html, load_book
from reports.certificates import certificate_file
from reports.jobs import BookJobs
from reports.serving import book_headers, stored_answer

RETRY_SECONDS = 20


def jobs_of(request: Request) -> BookJobs:
    return request.app.state["books"]


def books_of(request: Request) -> CurrentBooks:
    return request.app.state["current_books"]


async def _book(request: Request, year: int) -> tuple[BuiltBook, bool]:
    """The book as it stands, and whether it is published: a published one as this process
    knows it for the current public version (no database read), else a preview for staff."""
    books = books_of(request)
    built = await books.published(year)
    if built is not None:
        return built, True
    await results.require_visible(year, current_user(request))  # 404 but for staff
    return await load_book(year, jobs_of(request).media_dir), False


async def _stored(request: Request, year: int, path, kind: str, published: bool) -> Response:
    answer = await stored_answer(books_of(request), path, kind, book_headers(year, kind, published),
                                 if_none_match=request.headers.get("if-none-match", ""),
                                 accept_encoding=request.headers.get("accept-encoding", ""))
    headers = dict(answer.headers)
    return Response(answer.body, status_code=answer.status, media_type=headers.pop("Content-Type", None), headers=headers)


class ReportsController(Controller):
    path = "/reports"
    tags = ["reports"]

    @get("/{year:int}/success-stories.html", summary="The Success Stories book (HTML); public once published")
    async def html(self, request: Request, year: Year) -> Response:
        built, published = await _book(request, year)
        jobs = jobs_of(request)
        stored = books_of(request).current_file(year, "html", built.stamp)
        if stored is None:
            async with _html_lock(year):  # one render per change in this process
                stored = books_of(request).current_file(year, "html", built.stamp)
                if stored is None:
                    html = await asyncio.to_thread(book_html, built.book)
                    stored = jobs.store.save(year, "html", html.encode("utf-8"), built.stamp)
        return await _stored(request, year, stored, "html", published)

    @get("/{year:int}/success-stories.pdf", summary="The Success Stories book (PDF); public once published")
    async def pdf(self, request: Request, year: Year) -> Response:
        user = current_user(request)
        built, published = await _book(request, year)
        jobs = jobs_of(request)
        stored = books_of(request).current_file(year, "pdf", built.stamp)
        if stored is not None:
            return await _stored(request, year, stored, "pdf", published)
        # A reader starts at most one build of this book (its stamp); staff may start more.
        await jobs.start_recorded(year, user.as_actor() if user else Actor.system(),
                                  stamp=None if user and user.is_staff else built.stamp)
        return Template("reports/preparing.html", status_code=503, context=page_context(
            request, year=year, retry=RETRY_SECONDS, status=await jobs.status(year)),
            headers={"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"})


_html_locks: dict[int, asyncio.Lock] = {}


def _html_lock(year: int) -> asyncio.Lock:
    return _html_locks.setdefault(year, asyncio.Lock())


class CertificateApiController(Controller):
    path = "/api/nominations"
    tags = ["reports"]

    @get("/{nomination_id:str}/certificate.pdf", guards=[requires_user],
         summary="A winner's or champion's certificate (its owner once published; staff)")
    async def certificate(self, request: Request, nomination_id: FromPath[str]) -> Response:
        version = await request.app.state["public_version"].current()
        path, filename = await certificate_file(current_user(request), nomination_id, jobs_of(request).store, version)
        return File(path=path, media_type="application/pdf", filename=filename, content_disposition_type="attachment",
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(stamp), timezone.utc) if stamp else None
    except ValueError:
        return None


class StaffReportPagesController(Controller):
    path = "/staff/reports"
    include_in_schema = False
    guards = [requires_staff]

    @get("/{year:int}")
    async def show(self, request: Request, year: Year, published: FromQuery[str | None] = None,
                   started: FromQuery[str | None] = None) -> Template:
        jobs = jobs_of(request)
        state = await results.publication(year)
        built = await load_book(year, jobs.media_dir)
        status = await jobs.status(year)
        notice = None
        if published:
            notice = _("The results are published. Build the book now so that its first readers need not wait.")
        elif started:
            notice = _("The book is being built.")
        edition_zone = (await queries.get_edition(year)).time_zone
        return Template("reports/staff.html", context=page_context(
            request, year=year, state=state, status=status, notice=notice, time_zone=edition_zone,
            running=status.get("state") == "running",
            html_current=jobs.store.current(year, "html", built.stamp) is not None,
            pdf_current=jobs.store.current(year, "pdf", built.stamp) is not None,
            pdf_built=jobs.store.path(year, "pdf").is_file(),
            started_at=_when(status.get("started_at")), finished_at=_when(status.get("finished_at")),
            chapters=len(built.book.chapters), winners=built.book.winners, champions=built.book.champions,
        ))

    @post("/{year:int}/build", status_code=303)
    async def build(self, request: Request, year: Year) -> Redirect:
        await results.publication(year)  # 404 for an unknown year
        user = current_user(request)
        await jobs_of(request).start_recorded(year, user.as_actor())  # nothing when a build of it runs already
        return Redirect(f"/staff/reports/{year}?started=1", status_code=303)
