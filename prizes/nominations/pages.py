"""Nomination pages: the owner's dashboard and form, the public catalogue and project pages,
and the staff list with its CSV export. Handlers translate forms to the same services the
JSON API uses."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import (
    current_user,
    requires_staff,
    requires_user,
    requires_verified,
)
from core.clock import utcnow
from core.errors import DomainError, NotFound
from core.exports import csv_text
from core.i18n import gettext as _
from core.templating import page_context
from core.schemas import PageNumber, YearQuery
from prizes.editions import queries as editions
from prizes.nominations import appeals, images, queries, services
from prizes.nominations.labels import (
    PROJECT_STATUS_LABELS,
    REGION_LABELS,
    STAKEHOLDER_LABELS,
    STATUS_LABELS,
    translated,
)
from prizes.nominations.queries import Filters
from prizes.nominations.rules import (
    COUNTRIES,
    PROJECT_STATUSES,
    PUBLIC_PHASES,
    REGIONS,
    STAKEHOLDER_TYPES,
    STATUSES,
    count_words,
)

PAGE_SIZE = 20
TEXT_KEYS = ("title", "entity_name", "contact_name", "contact_email", "website", "short_description",
             "sdg_linkages", "impact", "partnerships", "challenges")


def _choices(edition) -> dict[str, list[tuple[str, str]]]:
    from babel import Locale

    from core.i18n import current_language

    names = Locale.parse(current_language()).territories
    return {
        "categories": [(code, f"{code} — {title}") for code, title in edition.categories_in()],
        "regions": [(r, _(REGION_LABELS[r])) for r in REGIONS],
        "stakeholders": [(s, _(STAKEHOLDER_LABELS[s])) for s in STAKEHOLDER_TYPES],
        "project_statuses": [(s, _(PROJECT_STATUS_LABELS[s])) for s in PROJECT_STATUSES],
        "countries": sorted(((c, names.get(c, c)) for c in COUNTRIES), key=lambda pair: pair[1]),
        "statuses": [(s, _(STATUS_LABELS[s])) for s in STATUSES if s != "draft"],
        # the edition's goal frameworks (SPEC §11), titles in the reader's language
        "sdgs": [(g.number, g.title_in()) for f in edition.frameworks if f.code == "SDG" for g in f.goals],
        "frameworks": [(f.code, f.title_in(), [(g.number, g.title_in()) for g in f.goals])
                       for f in edition.other_frameworks],
    }


async def _form_fields(request: Request) -> tuple[dict[str, Any], str]:
    """A project form → the fields the services take (the same as the JSON API's)."""
    form = await request.form()
    fields: dict[str, Any] = {key: form.get(key, "") for key in TEXT_KEYS}
    for key in ("category", "stakeholder_type", "country", "region", "project_status"):
        fields[key] = form.get(key, "")
    if not fields["category"]:
        fields.pop("category")
    goals = []
    for value in form.getall("sdgs", []):
        try:
            goals.append(int(value))
        except ValueError:
            goals.append(0)  # refused by the service, named `sdgs`
    fields["sdgs"] = goals
    # the other frameworks' checkboxes: name `goal`, value "GDC-3"
    chosen: dict[str, list[int]] = {}
    for value in form.getall("goal", []):
        code, _sep, number = str(value).rpartition("-")
        chosen.setdefault(code[:20], []).append(int(number) if number.isdigit() and len(number) < 7 else 0)
    fields["goals"] = chosen
    started = form.get("started_on", "")
    try:
        fields["started_on"] = date.fromisoformat(started) if started else None
    except ValueError:
        fields["started_on"] = None
    fields["owned_by_submitter"] = form.get("owned_by_submitter", "yes") != "no"
    fields["declarations"] = {name: form.get(f"declaration_{name}") == "on" for name in ("english", "accurate", "consent")}
    return fields, form.get("action", "save")


class NominationPagesController(Controller):
    include_in_schema = False

    async def _form(self, request: Request, item: dict | None, errors: dict[str, str], status: int = 200,
                    values: dict | None = None) -> Template:
        now = utcnow()
        edition = await editions.get_current_edition(now)
        data = dict(item or {})
        if values:
            data.update({k: v for k, v in values.items() if k != "declarations"})
            data["declarations"] = values.get("declarations", data.get("declarations"))
        counts = {k: count_words(str(data.get(k) or "")) for k in ("short_description", "sdg_linkages", "impact",
                                                                   "partnerships", "challenges")}
        photos = await images.list_images(item["id"]) if item else []
        return Template("prizes/nomination_form.html", status_code=status, context=page_context(
            request, item=item, data=data, errors=errors, edition=edition, choices=_choices(edition), photos=photos,
            counts=counts, open=edition.phase_at(now) == "submission",
            settings=edition.settings,
        ))

    @get("/nominations", guards=[requires_user])
    async def dashboard(self, request: Request, year: YearQuery = None) -> Template:
        """The owner's projects of one edition (the current one by default, any past one by
        `?year=`), each linked to its receipt, and — when they apply — its extended
        description, its certificate once published and its campaign kit during voting."""
        now = utcnow()
        current = await editions.get_current_edition(now)
        edition = current if year is None or year == current.year else await editions.get_edition(year)
        items, total = await queries.search(edition, Filters(limit=1000), True, now, owner=current_user(request))
        appeal_states = {i["id"]: await appeals.owner_appeal_state(i, now) for i in items if i["status"] == "ineligible"}
        return Template("prizes/nomination_dashboard.html", context=page_context(
            request, items=items, total=total, edition=edition, open=edition.phase_at(now) == "submission",
            appeals=appeal_states,
            status_labels=translated(STATUS_LABELS), phase=edition.phase_at(now),
            published=await queries.is_published(edition.year), years=await editions.list_years(),
        ))

    @get("/nominations/new", guards=[requires_user, requires_verified])
    async def new(self, request: Request) -> Template:
        return await self._form(request, None, {})

    @post("/nominations/new", guards=[requires_user, requires_verified], status_code=303)
    async def create(self, request: Request) -> Response:
        fields, action = await _form_fields(request)
        try:
            item = await services.create_draft(current_user(request), fields, utcnow())
        except DomainError as error:
            return await self._form(request, None, _errors(error), error.status_code, fields)
        if action == "submit":
            return await self._submit(request, item, fields)
        return Redirect(f"/nominations/{item['id']}/edit?saved=1", status_code=303)

    @get("/nominations/{nomination_id:str}/edit", guards=[requires_user, requires_verified])
    async def edit(self, request: Request, nomination_id: FromPath[str], saved: FromQuery[str | None] = None) -> Template:
        item = await queries.get_for_owner(current_user(request), nomination_id)
        return await self._form(request, item, {"_saved": _("Your draft was saved.")} if saved else {})

    @post("/nominations/{nomination_id:str}/edit", guards=[requires_user, requires_verified], status_code=303)
    async def save(self, request: Request, nomination_id: FromPath[str]) -> Response:
        fields, action = await _form_fields(request)
        user = current_user(request)
        try:
            item = await services.update_draft(user, nomination_id, fields, utcnow())
        except DomainError as error:
            item = await queries.get_for_owner(user, nomination_id)
            return await self._form(request, item, _errors(error), error.status_code, fields)
        if action == "submit":
            return await self._submit(request, item, fields)
        return Redirect(f"/nominations/{item['id']}/edit?saved=1", status_code=303)

    async def _submit(self, request: Request, item: dict, fields: dict) -> Response:
        try:
            await services.submit(current_user(request), item["id"], utcnow())
        except DomainError as error:
            return await self._form(request, item, _errors(error), error.status_code, fields)
        return Redirect(f"/nominations/{item['id']}/receipt", status_code=303)

    @get("/nominations/{nomination_id:str}/receipt", guards=[requires_user])
    async def receipt(self, request: Request, nomination_id: FromPath[str]) -> Template:
        item = await queries.get_for_owner(current_user(request), nomination_id)
        if item["status"] == "draft":
            raise NotFound(_("This project is a draft: it has not been submitted."))
        return Template("prizes/nomination_receipt.html", context=page_context(request, item=item))

    @post("/nominations/{nomination_id:str}/images", guards=[requires_user, requires_verified], status_code=303,
          request_max_body_size=8_000_000)
    async def upload(self, request: Request, nomination_id: FromPath[str]) -> Response:
        form = await request.form()
        upload = form.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        settings = request.app.state["settings"]
        user = current_user(request)
        try:
            await images.attach(user, nomination_id, content, form.get("credit"), form.get("caption"),
                                settings.media_dir, settings.max_image_bytes, utcnow())
        except DomainError as error:
            item = await queries.get_for_owner(user, nomination_id)
            return await self._form(request, item, _errors(error), error.status_code)
        return Redirect(f"/nominations/{nomination_id}/edit#photos", status_code=303)

    @post("/nominations/{nomination_id:str}/withdraw", guards=[requires_user, requires_verified], status_code=303)
    async def withdraw(self, request: Request, nomination_id: FromPath[str]) -> Response:
        await services.withdraw(current_user(request), nomination_id, utcnow())
        return Redirect(f"/nominations/{nomination_id}/edit", status_code=303)

    @get("/projects")
    async def catalogue(
        self, request: Request, category: FromQuery[str | None] = None, q: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None, stakeholder_type: FromQuery[str | None] = None,
        sdg: FromQuery[str | None] = None, country: FromQuery[str | None] = None, page: PageNumber = 1,
        goal: FromQuery[str | None] = None, year: YearQuery = None,
    ) -> Template:
        now = utcnow()
        edition, past = await _catalogue_edition(year, now)
        other_goal = (goal or "")[:30] or None
        goal = int(sdg) if sdg and sdg.isdigit() and len(sdg) < 4 else None
        page = max(1, page)
        filters = Filters(category or None, None, (q or "")[:200] or None, region or None, stakeholder_type or None,
                          goal, country or None, (page - 1) * PAGE_SIZE, PAGE_SIZE, other_goal)
        items, total = await queries.search(edition, filters, False, now)
        items = [queries.public_view(i) for i in items]
        return Template("prizes/catalogue.html", context=page_context(
            request, items=items, total=total, page=page, pages=max(1, math.ceil(total / PAGE_SIZE)),
            edition=edition, choices=_choices(edition), open=edition.phase_at(now) in PUBLIC_PHASES,
            filters={"category": category or "", "q": q or "", "region": region or "", "stakeholder_type": stakeholder_type or "",
                     "sdg": sdg or "", "country": country or "", "goal": other_goal or ""},
            region_labels=translated(REGION_LABELS),
            stakeholder_labels=translated(STAKEHOLDER_LABELS),
            voting=edition.phase_at(now) == "voting",
            **past,
        ))

    @get("/projects/{nomination_id:str}")
    async def project(self, request: Request, nomination_id: FromPath[str]) -> Template:
        now = utcnow()
        item, full = await queries.get_visible(current_user(request), nomination_id, now,
                                                   request.app.state["nomination_access"])
        edition = await editions.get_edition(item["year"])
        photos = await images.list_images(item["id"], public=None if full else item)
        return Template("prizes/project.html", context=page_context(
            request, item=item, full=full, edition=edition, categories=dict(edition.categories_in()), photos=photos,
            region_labels=translated(REGION_LABELS),
            stakeholder_labels=translated(STAKEHOLDER_LABELS),
            status_labels=translated(STATUS_LABELS),
            voting=edition.phase_at(now) == "voting" and item["status"] in ("nominated",),
            appeal=(await appeals.owner_appeal_state(item, now)
                    if full and item["status"] == "ineligible" and item.get("owner_email") == getattr(
                        current_user(request), "email", None) else None),
        ))


async def _catalogue_edition(year: int | None, now) -> tuple[Any, dict[str, Any]]:
    """The edition the catalogue shows (the current one, or `?year=`: 404 for no such
    edition) and what its page needs to browse the others: the editions whose nominated list
    is public (the current one first), the year asked for (kept by the search and the pages)
    and whether its results are out (then the page links to them)."""
    current = await editions.get_current_edition(now)
    edition = current if year is None or year == current.year else await editions.get_edition(year)
    public = [y for y in await editions.list_years()
              if y != current.year and (await editions.get_edition(y)).phase_at(now) in PUBLIC_PHASES]
    return edition, {"past_years": public, "current_year": current.year, "year": year,
                     "results_published": await queries.is_published(edition.year)}


def _errors(error: DomainError) -> dict[str, str]:
    errors = {f.key: f.message for f in error.fields}
    errors["_detail"] = error.detail
    return errors


CSV_COLUMNS = ("id", "status", "category", "title", "entity_name", "stakeholder_type", "country", "region",
               "contact_name", "contact_email", "website", "sdgs", "goals", "project_status", "started_on", "submitted_at",
               "owner_email", "eligibility_reason", "owned_by_submitter")


class StaffNominationPagesController(Controller):
    path = "/staff/nominations"
    include_in_schema = False
    guards = [requires_staff]

    def _filters(self, category, status, q, region, page) -> Filters:
        return Filters(category or None, status or None, (q or "")[:200] or None, region or None, None, None, None,
                       (max(1, page) - 1) * 50, 50)

    @get("/")
    async def index(self, request: Request, category: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
                    q: FromQuery[str | None] = None, region: FromQuery[str | None] = None,
                    page: PageNumber = 1) -> Template:
        now = utcnow()
        edition = await editions.get_current_edition(now)
        items, total = await queries.search(edition, self._filters(category, status, q, region, page), True, now)
        return Template("prizes/staff_nominations.html", context=page_context(
            request, items=items, total=total, edition=edition, choices=_choices(edition), page=max(1, page),
            pages=max(1, math.ceil(total / 50)), phase=edition.phase_at(now),
            filters={"category": category or "", "status": status or "", "q": q or "", "region": region or ""},
            status_labels=translated(STATUS_LABELS),
        ))

    @get("/export.csv")
    async def export(self, category: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
                     q: FromQuery[str | None] = None, region: FromQuery[str | None] = None) -> Response:
        now = utcnow()
        edition = await editions.get_current_edition(now)
        filters = self._filters(category, status, q, region, 1)
        filters.limit = 1_000_000
        items, _total = await queries.search(edition, filters, True, now)
        rows = ({**item, "sdgs": " ".join(str(g) for g in item["sdgs"] or []),
                 "goals": " ".join(f"{code}-{n}" for code, numbers in sorted(item["goals"].items()) for n in numbers),
                 "owned_by_submitter": "yes" if item.get("owned_by_submitter", True) else "no"} for item in items)
        return Response(csv_text(CSV_COLUMNS, rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="wsis-prizes-{edition.year}-submissions.csv"'})

    @post("/{nomination_id:str}/eligibility", status_code=303)
    async def decide(self, request: Request, nomination_id: FromPath[str]) -> Response:
        form = await request.form()
        try:
            await services.decide_eligibility(current_user(request), nomination_id, form.get("eligible") == "yes",
                                              form.get("reason", ""), utcnow(), request.app.state["nomination_access"])
        except DomainError as error:
            return Template("errors/error.html", status_code=error.status_code, context=page_context(
                request, status=error.status_code, detail=error.detail,
                extra=[{"key": f.key, "message": f.message} for f in error.fields]))
        return Redirect("/staff/nominations", status_code=303)

    @post("/confirm", status_code=303)
    async def confirm(self, request: Request) -> Response:
        year = await editions.current_year(utcnow())
        try:
            await services.confirm_nominated(current_user(request).as_actor(), year, utcnow())
        except DomainError as error:
            return Template("errors/error.html", status_code=error.status_code, context=page_context(
                request, status=error.status_code, detail=error.detail, extra=[]))
        return Redirect("/staff/nominations?status=nominated", status_code=303)
