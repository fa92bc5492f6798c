"""Eligibility appeal pages: the owner's appeal form (from the dashboard and the project
page), and the staff list of an edition's appeals with a decision form on each open one.
Handlers call the same actions as the JSON API (`prizes.nominations.appeals`)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import current_user, requires_staff, requires_user, requires_verified
from core.clock import utcnow
from core.schemas import Year
from core.errors import DomainError, FieldError, InvalidInput
from core.i18n import gettext as _
from core.templating import page_context
from prizes.editions import queries as editions
from prizes.nominations import appeals, queries
from prizes.nominations.labels import STATUS_LABELS, translated
from prizes.nominations.rules import APPEAL_MAX_WORDS, APPEAL_MIN_WORDS, count_words


def _errors(error: DomainError) -> dict[str, str]:
    errors = {f.key: f.message for f in error.fields}
    errors.setdefault("_detail", error.detail)
    return errors


class AppealPagesController(Controller):
    include_in_schema = False

    async def _page(self, request: Request, nomination_id: str, errors: dict[str, str] | None = None,
                    text: str = "", status: int = 200, sent: bool = False) -> Template:
        now = utcnow()
        item = await queries.get_for_owner(current_user(request), nomination_id)
        state = await appeals.owner_appeal_state(item, now)
        edition = await editions.get_edition(item["year"])
        return Template("prizes/appeal_form.html", status_code=status, context=page_context(
            request, item=item, state=state, errors=errors or {}, text=text, sent=sent, edition=edition,
            low=APPEAL_MIN_WORDS, high=APPEAL_MAX_WORDS, count=count_words(text),
            status_labels=translated(STATUS_LABELS)))

    @get("/nominations/{nomination_id:str}/appeal", guards=[requires_user])
    async def form(self, request: Request, nomination_id: FromPath[str], sent: FromQuery[str | None] = None) -> Template:
        return await self._page(request, nomination_id, sent=bool(sent))

    @post("/nominations/{nomination_id:str}/appeal", guards=[requires_user, requires_verified], status_code=303)
    async def send(self, request: Request, nomination_id: FromPath[str]) -> Response:
        form = await request.form()
        text = form.get("text", "")
        try:
            await appeals.appeal(current_user(request), nomination_id, text, utcnow())
        except DomainError as error:
            return await self._page(request, nomination_id, _errors(error), text, error.status_code)
        return Redirect(f"/nominations/{queries.parse_id(nomination_id)}/appeal?sent=1", status_code=303)


class StaffAppealPagesController(Controller):
    include_in_schema = False
    guards = [requires_staff]

    @get("/staff/editions/{year:int}/appeals")
    async def index(self, request: Request, year: Year, decided: FromQuery[str | None] = None) -> Template:
        edition = await editions.get_edition(year)
        items, total = await appeals.list_appeals(year, False, 0, 1000)
        return Template("prizes/staff_appeals.html", context=page_context(
            request, items=items, total=total, edition=edition, decided=bool(decided), errors={},
            status_labels=translated(STATUS_LABELS)))

    @post("/staff/appeals/{appeal_id:str}/decision", status_code=303)
    async def decide(self, request: Request, appeal_id: FromPath[str]) -> Response:
        form = await request.form()
        upheld = form.get("upheld", "")
        try:
            if upheld not in ("yes", "no"):
                raise InvalidInput([FieldError("upheld", _("Choose whether the appeal is upheld or dismissed."))])
            item = await appeals.decide(current_user(request), appeal_id, upheld == "yes", form.get("reason", ""),
                                        utcnow(), request.app.state["nomination_access"])
        except DomainError as error:
            return Template("errors/error.html", status_code=error.status_code, context=page_context(
                request, status=error.status_code, detail=error.detail,
                extra=[{"key": f.key, "message": f.message} for f in error.fields]))
        return Redirect(f"/staff/editions/{item['year']}/appeals?decided={item['id']}", status_code=303)
