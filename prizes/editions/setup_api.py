"""Editions: the JSON routes of the edition's set-up (SPEC §11) — goal frameworks, and
categories added or removed before submissions open. Staff only; CSRF like every unsafe
request; each change audited."""

from __future__ import annotations

from litestar import Controller, Request, delete, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from accounts.guards import current_user, requires_staff
from core.clock import utcnow
from core.schemas import Year
from prizes.editions import categories, frameworks
from prizes.editions.schemas import CategoryIn, EditionOut, FrameworkIn, FrameworkPut


def _goals(items) -> list[dict]:
    return [{"number": g.number, "title": g.title} for g in items]


class EditionSetupApiController(Controller):
    path = "/api/editions"
    tags = ["editions"]
    guards = [requires_staff]

    @post("/{year:int}/frameworks", status_code=HTTP_201_CREATED, summary="Add a goal framework")
    async def add_framework(self, request: Request, year: Year, data: JSONBody[FrameworkIn]) -> EditionOut:
        edition = await frameworks.add_framework(year, data.code, data.title, _goals(data.goals),
                                                 current_user(request).as_actor(), titles=data.titles,
                                                 reason=data.reason)
        return EditionOut.of(edition, utcnow())

    @put("/{year:int}/frameworks/{code:str}", status_code=HTTP_200_OK, summary="Replace a framework's title and goals")
    async def update_framework(self, request: Request, year: Year, code: FromPath[str],
                               data: JSONBody[FrameworkPut]) -> EditionOut:
        edition = await frameworks.update_framework(year, code, data.title, _goals(data.goals),
                                                    current_user(request).as_actor(), titles=data.titles,
                                                    reason=data.reason)
        return EditionOut.of(edition, utcnow())

    @delete("/{year:int}/frameworks/{code:str}", status_code=HTTP_200_OK, summary="Remove a framework no project uses")
    async def remove_framework(self, request: Request, year: Year, code: FromPath[str]) -> EditionOut:
        edition = await frameworks.remove_framework(year, code, current_user(request).as_actor())
        return EditionOut.of(edition, utcnow())

    @post("/{year:int}/categories", status_code=HTTP_201_CREATED, summary="Add a category (before submissions open)")
    async def add_category(self, request: Request, year: Year, data: JSONBody[CategoryIn]) -> EditionOut:
        now = utcnow()
        edition = await categories.add_category(year, data.code, data.title, current_user(request).as_actor(), now,
                                                titles=data.titles, reason=data.reason)
        return EditionOut.of(edition, now)
