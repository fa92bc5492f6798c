"""Nominations: the JSON API (owners draft and submit, judges and staff screen, everyone
browses the nominated projects)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from accounts.guards import (
    current_user,
    requires_judge_or_staff,
    requires_staff,
    requires_user,
    requires_verified,
)
from core.clock import utcnow
from core.schemas import Count, Limit, Offset, Page, Year, YearQuery, page_window
from prizes.editions import queries as editions
from prizes.nominations import appeals, images, queries, services
from prizes.nominations.queries import Filters
from prizes.nominations.schemas import AppealDecisionIn, AppealIn, EligibilityIn, NominationIn


class NominationApiController(Controller):
    path = "/api/nominations"
    tags = ["nominations"]

    @post("/", status_code=HTTP_201_CREATED, guards=[requires_user, requires_verified], summary="Draft a project")
    async def create(self, request: Request, data: JSONBody[NominationIn]) -> dict[str, Any]:
        return await services.create_draft(current_user(request), data.given(), utcnow())

    @patch("/{nomination_id:str}", guards=[requires_user, requires_verified], summary="Edit a draft")
    async def update(self, request: Request, nomination_id: FromPath[str], data: JSONBody[NominationIn]) -> dict[str, Any]:
        return await services.update_draft(current_user(request), nomination_id, data.given(), utcnow())

    @post("/{nomination_id:str}/submit", status_code=HTTP_200_OK, guards=[requires_user, requires_verified],
          summary="Submit a draft")
    async def submit(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        return await services.submit(current_user(request), nomination_id, utcnow())

    @post("/{nomination_id:str}/withdraw", status_code=HTTP_200_OK, guards=[requires_user, requires_verified],
          summary="Withdraw a submitted project back to a draft")
    async def withdraw(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        return await services.withdraw(current_user(request), nomination_id, utcnow())

    @post("/{nomination_id:str}/eligibility", status_code=HTTP_200_OK,
          guards=[requires_judge_or_staff, requires_verified], summary="Screening decision")
    async def eligibility(self, request: Request, nomination_id: FromPath[str], data: JSONBody[EligibilityIn]) -> dict[str, Any]:
        return await services.decide_eligibility(current_user(request), nomination_id, data.eligible, data.reason,
                                                 utcnow(), request.app.state["nomination_access"])

    @post("/{nomination_id:str}/appeal", status_code=HTTP_201_CREATED, guards=[requires_user, requires_verified],
          summary="Appeal an ineligibility decision (the owner, once)")
    async def appeal(self, request: Request, nomination_id: FromPath[str], data: JSONBody[AppealIn]) -> dict[str, Any]:
        return await appeals.appeal(current_user(request), nomination_id, data.text, utcnow())

    @get("/mine", guards=[requires_user], summary="My projects, drafts included")
    async def mine(self, request: Request, offset: Offset = 0, limit: Limit = 20) -> Page:
        now = utcnow()
        edition = await editions.get_current_edition(now)
        offset, limit = page_window(offset, limit)
        items, total = await queries.search(edition, Filters(offset=offset, limit=limit), True, now,
                                                owner=current_user(request))
        return Page(items=items, total=total, offset=offset, limit=limit)

    @get("/{nomination_id:str}", summary="One project")
    async def show(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        item, _full = await queries.get_visible(current_user(request), nomination_id, utcnow(),
                                                    request.app.state["nomination_access"])
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
        sdg: Count = None,
        country: FromQuery[str | None] = None,
        goal: FromQuery[str | None] = None,
        year: YearQuery = None,
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> Page:
        now = utcnow()
        edition = await (editions.get_edition(year) if year else editions.get_current_edition(now))
        user = current_user(request)
        offset, limit = page_window(offset, limit)
        filters = Filters(category, status, (q or "")[:200] or None, region, stakeholder_type, sdg, country, offset, limit,
                          (goal or "")[:30] or None)
        everything = user is not None and user.is_staff
        items, total = await queries.search(edition, filters, everything, now)
        if not everything:
            items = [queries.public_view(i) for i in items]
        return Page(items=items, total=total, offset=offset, limit=limit)


def _media(request: Request):
    settings = request.app.state["settings"]
    return settings.media_dir, settings.max_image_bytes


class NominationImageApiController(Controller):
    path = "/api/nominations/{nomination_id:str}/images"
    tags = ["nominations"]

    @post("/", status_code=HTTP_201_CREATED, guards=[requires_user, requires_verified],
          request_max_body_size=8_000_000, summary="Attach a photo (multipart: file, credit, caption)")
    async def upload(
        self, request: Request, nomination_id: FromPath[str],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        media_dir, max_bytes = _media(request)
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        return await images.attach(current_user(request), nomination_id, content, data.get("credit"),
                                   data.get("caption"), media_dir, max_bytes, utcnow())

    @get("/", summary="The photos of a project")
    async def index(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        item, full = await queries.get_visible(current_user(request), nomination_id, utcnow(),
                                               request.app.state["nomination_access"])
        return {"items": await images.list_images(item["id"], public=None if full else item)}

    @delete("/{image_id:str}", status_code=HTTP_204_NO_CONTENT, guards=[requires_user, requires_verified],
            summary="Remove a photo")
    async def remove(self, request: Request, nomination_id: FromPath[str], image_id: FromPath[str]) -> None:
        media_dir, _max = _media(request)
        await images.remove(current_user(request), nomination_id, image_id, media_dir, utcnow())


class MediaController(Controller):
    path = "/media"
    include_in_schema = False

    @get("/images/{image_id:str}")
    async def image(self, request: Request, image_id: FromPath[str]) -> File:
        media_dir, _max = _media(request)
        path, content_type = await images.image_file(current_user(request), image_id, media_dir, utcnow(),
                                                     request.app.state["nomination_access"])
        return File(path=path, media_type=content_type, content_disposition_type="inline",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})


class NominatedListApiController(Controller):
    path = "/api/editions"
    tags = ["nominations"]

    @post("/{year:int}/nominated", status_code=HTTP_200_OK, guards=[requires_staff], summary="Confirm the nominated list")
    async def confirm(self, request: Request, year: Year) -> dict[str, int]:
        return await services.confirm_nominated(current_user(request).as_actor(), year, utcnow())

    @get("/{year:int}/appeals", guards=[requires_staff], summary="The edition's eligibility appeals (`open=true`: awaiting a decision)")
    async def appeals(self, request: Request, year: Year, open: FromQuery[bool] = False,
                      offset: Offset = 0, limit: Limit = 20) -> Page:
        offset, limit = max(0, offset), min(max(1, limit), 100)
        items, total = await appeals.list_appeals(year, open, offset, limit)
        return Page(items=items, total=total, offset=offset, limit=limit)


class AppealApiController(Controller):
    path = "/api/appeals"
    tags = ["nominations"]

    @post("/{appeal_id:str}/decision", status_code=HTTP_200_OK, guards=[requires_judge_or_staff, requires_verified],
          summary="Uphold or dismiss an appeal (not by whoever declared the project ineligible)")
    async def decision(self, request: Request, appeal_id: FromPath[str], data: JSONBody[AppealDecisionIn]) -> dict[str, Any]:
        return await appeals.decide(current_user(request), appeal_id, data.upheld, data.reason, utcnow(),
                                    request.app.state["nomination_access"])
