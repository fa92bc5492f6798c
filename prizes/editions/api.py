"""Editions: the JSON API."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from accounts.guards import current_user, requires_staff
from core.clock import utcnow
from core.schemas import Year
from prizes.editions import categories, queries, services, titles
from prizes.editions.schemas import CategoryTitlesIn, EditionIn, EditionOut, EditionPatch, PhaseIn
from prizes.editions.services import PhaseDates


class EditionApiController(Controller):
    path = "/api/editions"
    tags = ["editions"]

    @get("/current", summary="The current edition")
    async def current(self) -> EditionOut:
        now = utcnow()
        return EditionOut.of(await queries.get_current_edition(now), now)

    @get("/{year:int}", summary="One edition, past or current")
    async def show(self, year: Year) -> EditionOut:
        now = utcnow()
        return EditionOut.of(await queries.get_edition(year), now)

    @post("/", guards=[requires_staff], status_code=HTTP_201_CREATED, summary="Create next year's edition")
    async def create(self, request: Request, data: JSONBody[EditionIn]) -> EditionOut:
        now = utcnow()
        edition = await services.create_edition(data.year, current_user(request).as_actor(), now, data.reason or "")
        return EditionOut.of(edition, now)

    @patch("/{year:int}", guards=[requires_staff], summary="Change dates, settings or titles")
    async def update(self, request: Request, year: Year, data: JSONBody[EditionPatch]) -> EditionOut:
        edition = await services.update_edition(
            year,
            current_user(request).as_actor(),
            phases=[PhaseDates(p.name, p.opens_at, p.closes_at) for p in data.phases or []],
            settings=data.settings.given() if data.settings else None,
            categories=[(c.code, c.title) for c in data.categories or []],
            time_zone=data.time_zone,
            reason=data.reason,
        )
        return EditionOut.of(edition, utcnow())

    @put("/{year:int}/phase", guards=[requires_staff], status_code=HTTP_200_OK, summary="Move the phase")
    async def move_phase(self, request: Request, year: Year, data: JSONBody[PhaseIn]) -> EditionOut:
        now = utcnow()
        edition = await services.move_phase(year, data.phase, data.reason, current_user(request).as_actor(), now)
        return EditionOut.of(edition, now)

    @patch("/{year:int}/categories/{code:str}", guards=[requires_staff], summary="Correct a category's titles")
    async def category_titles(self, request: Request, year: Year, code: FromPath[str],
                              data: JSONBody[CategoryTitlesIn]) -> EditionOut:
        edition = await titles.update_category_titles(year, code, data.titles, current_user(request).as_actor(),
                                                      data.reason)
        return EditionOut.of(edition, utcnow())

    @delete("/{year:int}/categories/{code:str}", guards=[requires_staff], status_code=HTTP_200_OK,
            summary="Remove a category without projects (before submissions open)")
    async def remove_category(self, request: Request, year: Year, code: FromPath[str]) -> EditionOut:
        now = utcnow()
        edition = await categories.remove_category(year, code, current_user(request).as_actor(), now)
        return EditionOut.of(edition, now)
