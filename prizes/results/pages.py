"""Results: the pages (public results, the finalist's extended description, the staff
results page). Handlers translate; `prizes.results.services` decides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import (
    current_user,
    requires_staff,
    requires_user,
    requires_verified,
)
from core.clock import utcnow
from core.errors import DomainError, NotFound
from core.i18n import gettext as _
from core.templating import page_context
from core.schemas import Year
from prizes.editions import queries as editions
from prizes.editions.labels import PHASE_LABELS
from prizes.nominations import images
from prizes.nominations import queries as nominations
from prizes.nominations.labels import (
    REGION_LABELS,
    STAKEHOLDER_LABELS,
    STATUS_LABELS,
    translated,
)
from prizes.editions.rules import as_utc
from prizes.results import publication, queries, services
from prizes.results.rules import winners_limit

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _base_url(request: Request) -> str:
    return request.app.state["settings"].base_url


def _labels() -> dict[str, dict[str, str]]:
    return {"regions": translated(REGION_LABELS), "stakeholders": translated(STAKEHOLDER_LABELS),
            "statuses": translated(STATUS_LABELS)}


class ResultsPagesController(Controller):
    include_in_schema = False

    @get("/results")
    async def latest(self, request: Request) -> Redirect:
        years = await queries.refresh_published_years()
        if not years:
            raise NotFound(_("No results are published yet."))
        return Redirect(f"/results/{max(years)}", status_code=303)

    @get("/results/{year:int}")
    async def show(self, request: Request, year: Year) -> Template:
        state = await queries.require_visible(year, current_user(request))
        edition = await editions.get_edition(year)
        winners = await queries.laureates(year, "winner")
        champions = await queries.laureates(year, "champion")
        photos = await images.images_of([UUID(i["id"]) for i in winners + champions])
        chapters = []
        for code, title in edition.categories_in():
            chapters.append({"code": code, "title": title,
                             "winners": [i for i in winners if i["category"] == code],
                             "champions": [i for i in champions if i["category"] == code]})
        return Template("prizes/results.html", context=page_context(
            request, edition=edition, state=state, chapters=chapters, photos=photos, labels=_labels(),
            total_winners=len(winners), total_champions=len(champions),
        ))

    async def _extended_page(self, request: Request, nomination_id: str, status: int = 200,
                             errors: dict | None = None, text: str | None = None, notice: str | None = None) -> Template:
        user = current_user(request)
        view = await queries.get_extended(user, nomination_id)
        item = (await nominations.veiled([await nominations.get_full(nomination_id)], user))[0]
        edition = await editions.get_edition(item["year"])
        return Template("prizes/results_extended.html", status_code=status, context=page_context(
            request, view=view, item=item, edition=edition, errors=errors or {}, notice=notice,
            text=view["text"] if text is None else text, photos=await images.list_images(item["id"]),
            owner=item["owner_email"] == user.email,
        ))

    @get("/nominations/{nomination_id:str}/extended", guards=[requires_user])
    async def extended(self, request: Request, nomination_id: FromPath[str], saved: FromQuery[str | None] = None) -> Template:
        notice = {"text": _("Your extended description was saved."), "photo": _("The photo was added."),
                  "removed": _("The photo was removed.")}.get(saved or "")
        return await self._extended_page(request, nomination_id, notice=notice)

    @post("/nominations/{nomination_id:str}/extended", guards=[requires_user, requires_verified], status_code=303)
    async def save_extended(self, request: Request, nomination_id: FromPath[str], data: FormBody) -> Response:
        text = str(data.get("text", ""))
        try:
            await services.save_extended(current_user(request), nomination_id, text, utcnow())
        except DomainError as error:
            return await self._extended_page(request, nomination_id, error.status_code,
                                             {**{f.key: f.message for f in error.fields}, "_detail": error.detail}, text)
        return Redirect(f"/nominations/{nomination_id}/extended?saved=text", status_code=303)

    @post("/nominations/{nomination_id:str}/extended/photos", guards=[requires_user, requires_verified],
          status_code=303, request_max_body_size=8_000_000)
    async def add_photo(self, request: Request, nomination_id: FromPath[str]) -> Response:
        form = await request.form()
        upload = form.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        settings = request.app.state["settings"]
        try:
            await images.attach(current_user(request), nomination_id, content, form.get("credit"), form.get("caption"),
                                settings.media_dir, settings.max_image_bytes, utcnow())
        except DomainError as error:
            return await self._extended_page(request, nomination_id, error.status_code,
                                             {**{f.key: f.message for f in error.fields}, "_detail": error.detail})
        return Redirect(f"/nominations/{nomination_id}/extended?saved=photo#photos", status_code=303)

    @post("/nominations/{nomination_id:str}/extended/photos/{image_id:str}/remove",
          guards=[requires_user, requires_verified], status_code=303)
    async def remove_photo(self, request: Request, nomination_id: FromPath[str], image_id: FromPath[str]) -> Response:
        settings = request.app.state["settings"]
        try:
            await images.remove(current_user(request), nomination_id, image_id, settings.media_dir, utcnow())
        except DomainError as error:
            return await self._extended_page(request, nomination_id, error.status_code, {"_detail": error.detail})
        return Redirect(f"/nominations/{nomination_id}/extended?saved=removed#photos", status_code=303)


class StaffResultsPagesController(Controller):
    path = "/staff/results"
    include_in_schema = False
    guards = [requires_staff]

    async def _render(self, request: Request, year: int, status: int = 200, errors: dict | None = None,
                      notice: str | None = None, form: dict | None = None) -> Template:
        now = utcnow()
        edition = await editions.get_edition(year)
        state = await queries.publication(year, now)
        status_of = await queries.publication_status(year, now)
        overview = await queries.extended_overview(year)
        standing = await queries.decisions(year)
        by_category = []
        access = request.app.state["nomination_access"]
        for code, title in edition.categories_in():
            finalists = [o for o in overview if o["category"] == code]
            if finalists:
                by_category.append({"code": code, "title": title, "finalists": finalists,
                                    "undecided": code in standing["undecided"],
                                    "tie": None if state.is_fixed else await access.statistical_tie(year, code)})
        return Template("prizes/results_staff.html", status_code=status, context=page_context(
            request, edition=edition, state=state, categories=by_category, overview=overview,
            phase=edition.phase_at(now), phase_label=_(PHASE_LABELS[edition.phase_at(now)]),
            limit=winners_limit(edition), undecided=standing["undecided"], errors=errors or {},
            notice=notice, form=form or {}, labels=_labels(),
            answered=sum(1 for o in overview if o["submitted_at"]),
            publication=status_of, is_requester=status_of["requested_by_id"] == str(current_user(request).id),
            approvals=int(edition.settings.get("publication_approvals", 1)),
        ))

    @get("/")
    async def index(self) -> Redirect:
        return Redirect(f"/staff/results/{await editions.current_year(utcnow())}", status_code=303)

    @get("/{year:int}")
    async def show(self, request: Request, year: Year, saved: FromQuery[str | None] = None) -> Template:
        notice = {"winners": _("The winners were saved."), "requests": _("The requests were sent."),
                  "foreword": _("The foreword was saved."), "published": _("The results are published."),
                  "publication": _("The publication was updated.")}.get(saved or "")
        return await self._render(request, year, notice=notice)

    async def _act(self, request: Request, year: int, action, saved: str, form: dict | None = None) -> Response:
        try:
            await action()
        except DomainError as error:
            errors = {f.key: f.message for f in error.fields}
            errors["_detail"] = error.detail
            return await self._render(request, year, error.status_code, errors, form=form)
        return Redirect(f"/staff/results/{year}?saved={saved}", status_code=303)

    @post("/{year:int}/winners", status_code=303)
    async def winners(self, request: Request, year: Year) -> Response:
        form = await request.form()
        code = str(form.get("category", ""))
        ids = [str(v) for v in form.getall("winner", [])]
        actor = current_user(request).as_actor()
        access = request.app.state["nomination_access"]
        confirm, reason = form.get("confirm_tie") == "yes", str(form.get("reason", "") or "")
        return await self._act(request, year, lambda: services.set_winners(
            actor, year, {code: ids}, utcnow(), access, confirm, reason), "winners")

    @post("/{year:int}/extended-requests", status_code=303)
    async def requests(self, request: Request, year: Year, data: FormBody) -> Response:
        raw = str(data.get("deadline", "") or "")
        deadline = None
        if raw:
            try:
                deadline = datetime.fromisoformat(raw)
            except ValueError:
                return await self._render(request, year, 422, {"deadline": _("Enter a date and time.")}, form=data)
        actor = current_user(request).as_actor()
        return await self._act(request, year, lambda: services.request_extended(actor, year, deadline, utcnow(),
                                                                              _base_url(request)), "requests", data)

    @post("/{year:int}/foreword", status_code=303)
    async def foreword(self, request: Request, year: Year, data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        return await self._act(request, year, lambda: services.set_foreword(actor, year, str(data.get("text", ""))),
                               "foreword", data)

    async def _publication_step(self, request: Request, year: int, step, form: dict | None = None) -> Response:
        try:
            await step()
        except DomainError as error:
            errors = {f.key: f.message for f in error.fields}
            errors["_detail"] = error.detail
            return await self._render(request, year, error.status_code, errors, form=form)
        if (await queries.publication(year)).is_published:
            # The book is built from the reports page (or on its first download).
            return Redirect(f"/staff/reports/{year}?published=1", status_code=303)
        return Redirect(f"/staff/results/{year}?saved=publication", status_code=303)

    @post("/{year:int}/publish", status_code=303)
    async def publish(self, request: Request, year: Year, data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        raw = str(data.get("release_at", "") or "")
        release_at = None
        if raw:
            try:
                release_at = as_utc(datetime.fromisoformat(raw), (await editions.get_edition(year)).time_zone)
            except ValueError:
                return await self._render(request, year, 422, {"release_at": _("Enter a date and time.")}, form=data)
        return await self._publication_step(request, year, lambda: publication.request_publication(
            actor, year, release_at, utcnow(), _base_url(request)), data)

    @post("/{year:int}/publish/approve", status_code=303)
    async def approve(self, request: Request, year: Year) -> Response:
        actor = current_user(request).as_actor()
        return await self._publication_step(request, year, lambda: publication.approve_publication(
            actor, year, utcnow(), _base_url(request)))

    @post("/{year:int}/publish/cancel", status_code=303)
    async def cancel(self, request: Request, year: Year) -> Response:
        actor = current_user(request).as_actor()
        return await self._publication_step(request, year, lambda: publication.cancel_publication(actor, year, utcnow()))
