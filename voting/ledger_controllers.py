"""The public ledger over HTTP: the receipts list (JSON pages, streamed CSV), one receipt's
status (API and the `/receipts` page), the integrity report (API and page) and the votes per
campaign source (staff; an owner for their own project after the close)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Stream, Template

from accounts.guards import current_user, requires_staff, requires_user
from core.clock import utcnow
from core.schemas import Limit, Offset, Year
from core.errors import DomainError
from core.templating import page_context
from prizes.editions.labels import rules_in_words
from prizes.editions.queries import get_edition
from voting import ledger
from voting.labels import void_labels
from voting.schemas import (
    IntegrityOut,
    ReceiptRowOut,
    ReceiptsOut,
    ReceiptStatusOut,
    SourceOut,
    SourcesOut,
)

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class LedgerApiController(Controller):
    path = "/api"
    tags = ["verification"]

    @get("/editions/{year:int}/receipts", summary="Every recorded vote by the SHA-256 of its receipt (from the close)")
    async def receipts(self, year: Year, category: FromQuery[str | None] = None, offset: Offset = 0,
                       limit: Limit = 100) -> ReceiptsOut:
        edition = await ledger.open_edition(year, utcnow())
        found, total = await ledger.page(edition, category, offset, limit)
        return ReceiptsOut(items=[ReceiptRowOut(r.receipt_sha256, r.category, r.nomination_id, r.counted) for r in found],
                           total=total, offset=offset, limit=limit)

    @get("/editions/{year:int}/receipts.csv", summary="The receipts list as CSV (streamed)")
    async def receipts_csv(self, year: Year) -> Stream:
        edition = await ledger.open_edition(year, utcnow())
        return Stream(ledger.csv_chunks(edition), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="receipts-{year}.csv"'})

    @get("/receipts/{receipt:str}", summary="What became of the vote with this receipt")
    async def receipt(self, receipt: FromPath[str]) -> ReceiptStatusOut:
        return ReceiptStatusOut(**await ledger.receipt_status(receipt))

    @get("/editions/{year:int}/integrity", summary="The integrity report of the vote (from the close)")
    async def integrity(self, year: Year) -> IntegrityOut:
        edition = await ledger.open_edition(year, utcnow())
        return IntegrityOut.of(await ledger.integrity(edition))

    @get("/editions/{year:int}/sources", guards=[requires_staff], summary="Votes per project per campaign source")
    async def sources(self, year: Year) -> SourcesOut:
        edition = await ledger.edition_or_404(year)
        return SourcesOut(items=[SourceOut(**i) for i in await ledger.sources(edition)])

    @get("/nominations/{nomination_id:str}/sources", guards=[requires_user],
         summary="One project's votes per campaign source (its owner once voting has closed; staff)")
    async def project_sources(self, request: Request, nomination_id: FromPath[str]) -> SourcesOut:
        items = await ledger.project_sources(current_user(request), nomination_id, utcnow())
        return SourcesOut(items=[SourceOut(**i) for i in items])


class LedgerPagesController(Controller):
    include_in_schema = False

    async def _receipt_page(self, request: Request, receipt: str | None = None) -> Template:
        answer, error, status = None, None, 200
        if receipt is not None:
            try:
                answer = await ledger.receipt_status(receipt)
            except DomainError as failure:
                error, status = failure.fields[0].message if failure.fields else failure.detail, failure.status_code
        context = page_context(request, answer=answer, error=error, receipt=(receipt or "").strip(),
                               void_labels=void_labels())
        return Template("voting/receipts.html", context=context, status_code=status)

    @get("/receipts")
    async def receipts(self, request: Request) -> Template:
        return await self._receipt_page(request)

    @post("/receipts", status_code=200)
    async def check(self, request: Request, data: FormBody) -> Template:
        """A POST, so that the receipt stays out of addresses, histories and logs."""
        return await self._receipt_page(request, data.get("receipt") or "")

    @get("/editions/{year:int}/integrity")
    async def integrity(self, request: Request, year: Year) -> Template:
        edition = await ledger.open_edition(year, utcnow())
        report = await ledger.integrity(edition)
        titles = dict((await get_edition(year)).categories_in())
        context = page_context(request, report=report, titles=titles, edition=edition.state,
                               rules_lines=rules_in_words(edition.state), void_labels=void_labels())
        return Template("voting/integrity.html", context=context)
