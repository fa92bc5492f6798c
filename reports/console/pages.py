"""The staff console's pages: the dashboard of an edition (`/staff`) and the audit log in
words (`/staff/audit`, its CSV). The People pages are `reports/console/people.py`."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_timedelta
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import current_user, requires_staff
from core.clock import utcnow
from core.errors import NotFound
from core.schemas import Offset, Year, YearQuery
from core.exports import csv_text
from core.i18n import current_language
from core.i18n import gettext as _
from core.templating import page_context
from prizes.editions import queries as editions
from prizes.editions.labels import PHASE_LABELS
from prizes.editions.rules import PHASES
from reports.book import load_book
from reports.console import queries, statistics
from reports.console.labels import KIND_GROUPS, NEXT_ACTIONS
from reports.console.rules import next_actions, time_left

AUDIT_PAGE = 50
CSV_LIMIT = 10_000
CSV_COLUMNS = ["at", "actor", "actor_email", "action", "summary", "reason", "object", "details"]


def action_links(year: int) -> dict[str, str]:
    """Where each next action is done."""
    return {
        "review_submissions": "/staff/nominations",
        "screen": "/staff/nominations?status=submitted",
        "confirm_nominated": "/staff/nominations",
        "assign_judges": f"/staff/judging/{year}",
        "judging_progress": f"/staff/judging/{year}/progress",
        "review_fraud": f"/staff/fraud/{year}",
        "compute_finalists": f"/staff/voting/{year}#finalists-heading",
        "request_extended": f"/staff/results/{year}#extended-heading",
        "set_winners": f"/staff/results/{year}#winners-heading",
        "publish": f"/staff/results/{year}#publish-heading",
        "approve_publication": f"/staff/results/{year}#publish-heading",
        "build_book": f"/staff/reports/{year}",
        "move_phase": f"/staff/editions/{year}",
    }


def _timeline(edition, now: datetime) -> list[dict]:
    current = edition.phase_at(now)
    index = PHASES.index(current)
    return [{"name": w.name, "label": _(PHASE_LABELS[w.name]), "opens_at": w.opens_at, "closes_at": w.closes_at,
             "state": "current" if w.name == current else ("done" if PHASES.index(w.name) < index else "upcoming")}
            for w in edition.windows]


async def _book_current(request: Request, year: int) -> bool:
    jobs = request.app.state["books"]
    built = await load_book(year, jobs.media_dir)
    return jobs.store.current(year, "pdf", built.stamp) is not None


def _action_label(code: str, figures: dict, viewer_id: str) -> str:
    if code != "approve_publication":
        return _(NEXT_ACTIONS[code])
    if figures.get("publication_requested_by_id") == viewer_id:
        return _("The publication you asked for awaits another staff member's approval")
    return _("Approve the publication (asked by %(who)s)", who=figures.get("publication_requested_by") or "?")


class StaffConsoleController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [requires_staff]

    @get("/")
    async def dashboard(self, request: Request, year: YearQuery = None) -> Template:
        now = utcnow()
        years = await editions.list_years()
        if year not in years:
            year = await editions.current_year(now)
        edition = await editions.get_edition(year)
        phase = edition.phase_at(now)
        figures = await queries.dashboard(year, phase)
        figures["book_current"] = figures["published"] and await _book_current(request, year)
        window = next((w for w in edition.windows if w.name == phase), None)
        left = time_left(window.closes_at if window else None, now)
        links = action_links(year)
        actions = [{"label": _action_label(code, figures, str(current_user(request).id)), "count": count,
                    "href": links[code]} for code, count in next_actions(phase, figures)]
        return Template("reports/console/dashboard.html", context=page_context(
            request, edition=edition, years=years, phase=phase, phase_label=_(PHASE_LABELS[phase]),
            timeline=_timeline(edition, now), figures=figures, actions=actions, staff_year=year,
            time_left=format_timedelta(left, locale=current_language(), threshold=1.1) if left is not None else None,
            closes_at=window.closes_at if window else None,
        ))

    @get("/audit")
    async def audit(self, request: Request, edition: FromQuery[str | None] = None, actor: FromQuery[str | None] = None,
                    kind: FromQuery[str | None] = None, since: FromQuery[str | None] = None,
                    until: FromQuery[str | None] = None, offset: Offset = 0) -> Template:
        f = queries.audit_filters(edition, actor, kind, since, until, offset, AUDIT_PAGE)
        rows, total = await queries.described(f)
        now = utcnow()
        year = f.edition or await editions.current_year(now)
        zone = (await editions.get_edition(year)).time_zone if year in await editions.list_years() else "UTC"
        query = {k: v for k, v in (("edition", edition), ("actor", actor), ("kind", kind), ("since", since),
                                   ("until", until)) if v}
        return Template("reports/console/audit.html", context=page_context(
            request, entries=rows, total=total, filters=f, query=query, staff_year=year, time_zone=zone,
            kinds=await queries.audit_kinds(), groups=[(k, _(v)) for k, v in KIND_GROUPS.items()],
            years=await editions.list_years(),
            previous=max(0, f.offset - f.limit) if f.offset else None,
            next=f.offset + f.limit if f.offset + f.limit < total else None,
        ))

    @get("/audit.csv")
    async def audit_csv(self, edition: FromQuery[str | None] = None, actor: FromQuery[str | None] = None,
                        kind: FromQuery[str | None] = None, since: FromQuery[str | None] = None,
                        until: FromQuery[str | None] = None) -> Response:
        f = queries.audit_filters(edition, actor, kind, since, until, 0, 1)
        f = queries.AuditFilters(f.edition, f.actor, f.kind, f.since, f.until, 0, CSV_LIMIT)
        rows, _total = await queries.described(f)
        lines = [{"at": r["at"].isoformat(), "actor": r["actor"], "actor_email": r["actor_email"],
                  "action": r["action"], "summary": r["summary"], "reason": r["reason"], "object": r["subject"],
                  "details": r["details"]} for r in rows]
        return Response(csv_text(CSV_COLUMNS, lines), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="wsis-prizes-audit.csv"'})

    @get("/statistics")
    async def statistics_index(self) -> Redirect:
        return Redirect(f"/staff/statistics/{await editions.current_year(utcnow())}", status_code=303)

    @get("/statistics/{year:int}")
    async def statistics(self, request: Request, year: Year) -> Template:
        data = await statistics.statistics(year)
        return Template("reports/console/statistics.html", context=page_context(
            request, stats=data, staff_year=year, years=await editions.list_years()))

    @get("/statistics/{year:int}/csv/{key:str}")
    async def statistics_csv(self, year: Year, key: FromPath[str]) -> Response:
        # the fixed tables, and one per other goal framework of the edition (`goal:GDC`)
        table = next((t for t in (await statistics.statistics(year))["tables"] if t["key"] == key), None)
        if table is None:
            raise NotFound(_("There is no such table of statistics."))
        columns = ["key"] + table["columns"]
        name = key.replace(":", "-")
        return Response(csv_text(columns, table["rows"]), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="wsis-prizes-{year}-{name}.csv"'})
