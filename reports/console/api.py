"""The staff console's JSON: the audit log (`GET /api/audit`), with the page's filters."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery

from accounts.guards import current_user, requires_staff
from core.schemas import Limit, Offset, Page, Year
from prizes.results.queries import require_visible
from reports.console import statistics
from reports.console.queries import audit_filters, described


class AuditApiController(Controller):
    path = "/api/audit"
    tags = ["staff"]
    guards = [requires_staff]

    @get("/", summary="The audit log, newest first, in words (staff)")
    async def entries(self, edition: FromQuery[str | None] = None, actor: FromQuery[str | None] = None,
                      kind: FromQuery[str | None] = None, since: FromQuery[str | None] = None,
                      until: FromQuery[str | None] = None, offset: Offset = 0,
                      limit: Limit = 50) -> Page:
        f = audit_filters(edition, actor, kind, since, until, offset, limit)
        rows, total = await described(f)
        items = [{"id": r["id"], "at": r["at"].isoformat(), "actor": r["actor"], "actor_email": r["actor_email"],
                  "action": r["action"], "summary": r["summary"], "reason": r["reason"], "object": r["subject"],
                  "details": r["details"]} for r in rows]
        return Page(items=items, total=total, offset=f.offset, limit=f.limit)


class StatisticsApiController(Controller):
    path = "/api/editions"
    tags = ["results"]

    @get("/{year:int}/statistics", summary="An edition's statistics (staff; everyone once published)")
    async def statistics(self, request: Request, year: Year) -> dict:
        await require_visible(year, current_user(request))  # 404 to the public before the release instant
        data = await statistics.statistics(year)
        return {"year": year, "tables": [{k: t[k] for k in ("key", "title", "columns", "rows")}
                                         for t in data["tables"]],
                # submitted projects by goal: {number: count}; by_goal per other framework code
                "by_sdg": data["by_sdg"], "by_goal": data["by_goal"]}
