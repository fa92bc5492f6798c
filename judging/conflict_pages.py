"""Judging: the pages of conflicts of interest beyond declaring one — a judge withdrawing a
conflict declared by mistake (from the queue page), and the staff page listing every
conflict, where staff lift a wrong automatic one and decide the conflicts declared after a
sheet was submitted."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import current_user, requires_judge, requires_staff
from core.clock import utcnow
from core.errors import DomainError
from core.i18n import gettext as _
from core.schemas import Year
from core.templating import page_context
from judging import conflicts, queries


def _errors(error: DomainError) -> dict[str, str]:
    return {f.key: f.message for f in error.fields} or {"form": error.detail}


def conflict_reasons() -> dict[str, str]:
    return {"owner": _("The judge submitted the project."), "contact": _("The judge is the project's contact."),
            "domain": _("The judge shares the registrable e-mail domain of the project's contact or submitter.")}


def status_labels() -> dict[str, str]:
    return {"standing": _("Stands"), "pending": _("Waiting for your decision"), "refused": _("Refused"),
            "lifted": _("Lifted")}


class JudgeConflictPagesController(Controller):
    path = "/judging/conflicts"
    include_in_schema = False
    guards = [requires_judge]

    @post("/{nomination_id:str}/withdraw", status_code=303)
    async def withdraw(self, request: Request, nomination_id: FromPath[str]) -> Response:
        await conflicts.withdraw(current_user(request), nomination_id, utcnow())
        return Redirect("/judging?saved=withdrawn", status_code=303)


class StaffConflictPagesController(Controller):
    path = "/staff/judging/{year:int}/conflicts"
    include_in_schema = False
    guards = [requires_staff]

    async def _page(self, request: Request, year: int, status: int = 200, errors: dict | None = None,
                    form: dict | None = None, notice: str | None = None) -> Template:
        edition = await queries.edition_year(year, utcnow())
        return Template("judging/staff_conflicts.html", status_code=status, context=page_context(
            request, edition=edition, conflicts=await conflicts.listing(year), conflict_reasons=conflict_reasons(),
            status_labels=status_labels(), errors=errors or {}, form=form or {}, notice=notice,
            section="conflicts",
        ))

    @get("/")
    async def page(self, request: Request, year: Year, saved: FromQuery[str | None] = None) -> Template:
        notice = {"lifted": _("The automatic conflict was lifted: the judge now sees and scores the project."),
                  "standing": _("The conflict was accepted: the judge's sheets on the project are set aside."),
                  "refused": _("The conflict was refused: the judge's sheet counts.")}.get(saved or "")
        return await self._page(request, year, notice=notice)

    async def _act(self, request: Request, year: int, form: dict, action) -> Response:
        try:
            saved = await action()
        except DomainError as error:
            return await self._page(request, year, error.status_code, _errors(error), form)
        return Redirect(f"/staff/judging/{year}/conflicts?saved={saved}", status_code=303)

    @post("/lift", status_code=303)
    async def lift(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        actor = current_user(request).as_actor()

        async def action() -> str:
            await conflicts.lift(year, form.get("email"), form.get("nomination_id"), form.get("reason"), actor,
                                 utcnow())
            return "lifted"

        return await self._act(request, year, form, action)

    @post("/decide", status_code=303)
    async def decide(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        actor = current_user(request).as_actor()
        return await self._act(request, year, form, lambda: conflicts.decide(
            year, form.get("email"), form.get("nomination_id"), form.get("decision"), form.get("reason"), actor,
            utcnow()))
