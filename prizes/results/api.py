"""Results: the JSON API (winners, publication, the lists as JSON and CSV, extended
descriptions, the foreword). Handlers translate; `prizes.results.services` decides."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from accounts.guards import (
    current_user,
    requires_staff,
    requires_user,
    requires_verified,
)
from core.clock import utcnow
from core.exports import csv_text
from core.schemas import Limit, Offset, Page, Year, page_window
from prizes.results import publication, queries, services
from prizes.results.schemas import (
    LIST_COLUMNS,
    ExtendedIn,
    ExtendedRequestsIn,
    ForewordIn,
    PublishIn,
)


def _base_url(request: Request) -> str:
    return request.app.state["settings"].base_url


def _list_item(item: dict) -> dict:
    return {"id": item["id"], **{column: item[column] for column in LIST_COLUMNS}}


def _csv(items: list[dict], filename: str) -> Response:
    return Response(csv_text(LIST_COLUMNS, items), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


async def _laureate_list(request: Request, year: int, status: str, offset: int, limit: int, csv_file: bool) -> Any:
    """Winners or champions: JSON (a page of the list) or CSV (all of it); 404 to all but
    staff before publication."""
    await queries.require_visible(year, current_user(request))
    items = [_list_item(i) for i in await queries.laureates(year, status)]
    if csv_file or _wants_csv(request):
        return _csv(items, f"wsis-prizes-{year}-{status}s.csv")
    offset, limit = page_window(offset, limit)
    return Page(items=items[offset:offset + limit], total=len(items), offset=offset, limit=limit)


class ResultsApiController(Controller):
    path = "/api/editions"
    tags = ["results"]

    @put("/{year:int}/winners", guards=[requires_staff], summary="Set the winners of the categories given")
    async def set_winners(self, request: Request, year: Year, data: JSONBody[dict[str, list[str]]],
                          confirm_tie: FromQuery[bool] = False, reason: FromQuery[str] = "") -> dict[str, Any]:
        """In a statistical-tie category: `?confirm_tie=true&reason=...` (kept in the audit)."""
        return await services.set_winners(current_user(request).as_actor(), year, data, utcnow(),
                                          request.app.state["nomination_access"], confirm_tie, reason)

    @post("/{year:int}/publish", guards=[requires_staff], status_code=HTTP_202_ACCEPTED,
          summary="Ask to publish the results (202 awaiting approval; 200 when the edition needs none)")
    async def publish(self, request: Request, year: Year) -> Response:
        raw = await request.body()
        try:
            data = msgspec.json.decode(raw, type=PublishIn) if raw.strip() else PublishIn()
        except msgspec.DecodeError as error:
            raise ValidationException(detail=str(error), extra=[{"message": str(error)}]) from None
        status, body = await publication.request_publication(current_user(request).as_actor(), year, data.release_at,
                                                            utcnow(), _base_url(request))
        return Response(body, status_code=status)

    @post("/{year:int}/publish/approve", guards=[requires_staff], status_code=HTTP_200_OK,
          summary="Approve a publication request (another staff member than the requester)")
    async def approve(self, request: Request, year: Year) -> dict[str, Any]:
        return await publication.approve_publication(current_user(request).as_actor(), year, utcnow(),
                                                     _base_url(request))

    @delete("/{year:int}/publish", guards=[requires_staff], status_code=HTTP_200_OK,
            summary="Cancel a publication request before the release")
    async def cancel(self, request: Request, year: Year) -> dict[str, Any]:
        return await publication.cancel_publication(current_user(request).as_actor(), year, utcnow())

    @get("/{year:int}/publish", guards=[requires_staff], summary="Where the publication stands (staff)")
    async def publication_state(self, year: Year) -> dict[str, Any]:
        status = await queries.publication_status(year)
        status.pop("requested_by_id")
        return status

    @get("/{year:int}/winners", summary="The winners (JSON, or CSV with Accept: text/csv); public once published")
    async def winners(self, request: Request, year: Year, offset: Offset = 0,
                      limit: Limit = 100) -> Any:
        return await _laureate_list(request, year, "winner", offset, limit, False)

    @get("/{year:int}/champions", summary="The champions (JSON, or CSV with Accept: text/csv); public once published")
    async def champions(self, request: Request, year: Year, offset: Offset = 0,
                        limit: Limit = 100) -> Any:
        return await _laureate_list(request, year, "champion", offset, limit, False)

    @get("/{year:int}/winners.csv", summary="The winners as CSV; public once published")
    async def winners_csv(self, request: Request, year: Year) -> Response:
        return await _laureate_list(request, year, "winner", 0, 0, True)

    @get("/{year:int}/champions.csv", summary="The champions as CSV; public once published")
    async def champions_csv(self, request: Request, year: Year) -> Response:
        return await _laureate_list(request, year, "champion", 0, 0, True)

    @get("/{year:int}/results", guards=[requires_staff], summary="Where the winners stand (staff)")
    async def standing(self, year: Year) -> dict[str, Any]:
        return await queries.decisions(year)

    @post("/{year:int}/extended-requests", guards=[requires_staff], status_code=HTTP_200_OK,
          summary="Ask the finalists for their extended descriptions, by a deadline")
    async def request_extended(self, request: Request, year: Year,
                               data: JSONBody[ExtendedRequestsIn]) -> dict[str, Any]:
        return await services.request_extended(current_user(request).as_actor(), year, data.deadline, utcnow(),
                                              _base_url(request))

    @get("/{year:int}/extended-requests", guards=[requires_staff], summary="Who has answered (staff)")
    async def extended_overview(self, year: Year) -> dict[str, Any]:
        state = await queries.publication(year)
        return {"deadline": state.extended_deadline, "items": await queries.extended_overview(year)}

    @put("/{year:int}/foreword", guards=[requires_staff], summary="The book's foreword")
    async def foreword(self, request: Request, year: Year, data: JSONBody[ForewordIn]) -> dict[str, Any]:
        return {"text": await services.set_foreword(current_user(request).as_actor(), year, data.text)}


class ExtendedApiController(Controller):
    path = "/api/nominations/{nomination_id:str}/extended"
    tags = ["results"]

    @get("/", guards=[requires_user], summary="A finalist's extended description (its owner, staff)")
    async def show(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        return await queries.get_extended(current_user(request), nomination_id)

    @put("/", guards=[requires_user, requires_verified], summary="Write the extended description (its owner)")
    async def save(self, request: Request, nomination_id: FromPath[str], data: JSONBody[ExtendedIn]) -> dict[str, Any]:
        return await services.save_extended(current_user(request), nomination_id, data.text, utcnow())
