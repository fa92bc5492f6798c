"""Nominations: the JSON API (owners draft and submit, judges and staff screen, everyone
browses the nominated projects)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from accounts.guards import current_user, requires_judge_or_staff, requires_staff, requires_user, requires_verified
from prizes import nominations, queries
from prizes.nominations import Filters
from prizes.rules import utcnow
from prizes.schemas import EligibilityIn, NominationIn, Page


class NominationApiController(Controller):
    path = "/api/nominations"
    tags = ["nominations"]

    @post("/", status_code=HTTP_201_CREATED, guards=[requires_user, requires_verified], summary="Draft a project")
    async def create(self, request: Request, data: JSONBody[NominationIn]) -> dict[str, Any]:
        return await nominations.create_draft(current_user(request), data.given(), utcnow())

    @patch("/{nomination_id:str}", guards=[requires_user, requires_verified], summary="Edit a draft")
    async def update(self, request: Request, nomination_id: FromPath[str], data: JSONBody[NominationIn]) -> dict[str, Any]:
        return await nominations.update_draft(current_user(request), nomination_id, data.given(), utcnow())

    @post("/{nomination_id:str}/submit", status_code=HTTP_200_OK, guards=[requires_user, requires_verified],
          summary="Submit a draft")
    async def submit(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        return await nominations.submit(current_user(request), nomination_id, utcnow())

    @post("/{nomination_id:str}/withdraw", status_code=HTTP_200_OK, guards=[requires_user, requires_verified],
          summary="Withdraw a submitted project back to a draft")
    async def withdraw(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        return await nominations.withdraw(current_user(request), nomination_id, utcnow())

    @post("/{nomination_id:str}/eligibility", status_code=HTTP_200_OK,
          guards=[requires_judge_or_staff, requires_verified], summary="Screening decision")
    async def eligibility(self, request: Request, nomination_id: FromPath[str], data: JSONBody[EligibilityIn]) -> dict[str, Any]:
        return await nominations.decide_eligibility(current_user(request), nomination_id, data.eligible, data.reason,
                                                    utcnow())

    @get("/mine", guards=[requires_user], summary="My projects, drafts included")
    async def mine(self, request: Request, offset: FromQuery[int] = 0, limit: FromQuery[int] = 20) -> Page:
        now = utcnow()
        edition = await queries.get_current_edition(now)
        offset, limit = max(0, offset), min(max(1, limit), 100)
        items, total = await nominations.search(edition, Filters(offset=offset, limit=limit), True, now,
                                                owner=current_user(request))
        return Page(items=items, total=total, offset=offset, limit=limit)

    @get("/{nomination_id:str}", summary="One project")
    async def show(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        item, _full = await nominations.get_visible(current_user(request), nomination_id, utcnow())
        return item

    @get("/", summary="The nominated projects (public), or every submitted project (staff)")
    async def index(
        self,
        request: Request,
        category: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        stakeholder_type: FromQuery[str | None] = None,
        sdg: FromQuery[int | None] = None,
        country: FromQuery[str | None] = None,
        year: FromQuery[int | None] = None,
        offset: FromQuery[int] = 0,
        limit: FromQuery[int] = 20,
    ) -> Page:
        now = utcnow()
        edition = await (queries.get_edition(year) if year else queries.get_current_edition(now))
        user = current_user(request)
        offset, limit = max(0, offset), min(max(1, limit), 100)
        filters = Filters(category, status, (q or "")[:200] or None, region, stakeholder_type, sdg, country, offset, limit)
        everything = user is not None and user.is_staff
        items, total = await nominations.search(edition, filters, everything, now)
        if not everything:
            items = [nominations.public_view(i) for i in items]
        return Page(items=items, total=total, offset=offset, limit=limit)


class NominatedListApiController(Controller):
    path = "/api/editions"
    tags = ["nominations"]

    @post("/{year:int}/nominated", status_code=HTTP_200_OK, guards=[requires_staff], summary="Confirm the nominated list")
    async def confirm(self, request: Request, year: FromPath[int]) -> dict[str, int]:
        return await nominations.confirm_nominated(current_user(request).as_actor(), year, utcnow())
