"""The People pages: find accounts, see one (roles, verification, language, what it owns —
never how it voted), grant and revoke judge and staff with a reason, send the verification
mail again, suspend. Each action is one service of `accounts`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import administration, queries as accounts, roles, services
from accounts.guards import current_user, requires_staff
from core.clock import utcnow
from core.schemas import Offset
from core.errors import DomainError, FieldError, InvalidInput
from core.i18n import LANGUAGES, N_
from core.i18n import gettext as _
from core.templating import page_context
from prizes.editions import queries as editions
from prizes.nominations.labels import STATUS_LABELS
from reports.console import queries
from reports.console.labels import ROLE_LABELS

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE = 25
NOTICES = {
    "granted": N_("The role was granted."),
    "revoked": N_("The role was revoked."),
    "mailed": N_("The verification mail was sent again."),
    "suspended": N_("The account is suspended: its sessions have ended."),
    "unsuspended": N_("The suspension was lifted."),
}


class StaffPeoplePagesController(Controller):
    path = "/staff/people"
    include_in_schema = False
    guards = [requires_staff]

    @get("/")
    async def index(self, request: Request, q: FromQuery[str | None] = None, role: FromQuery[str | None] = None,
                    offset: Offset = 0) -> Template:
        offset = max(0, min(offset, 10**9))
        items, total = await accounts.list_accounts(q, role, offset, PAGE)
        return Template("reports/console/people.html", context=page_context(
            request, items=items, total=total, q=q or "", role=role or "", offset=offset, limit=PAGE,
            staff_year=await editions.current_year(utcnow()),
            roles=[(r, _(label)) for r, label in ROLE_LABELS.items()],
            previous=max(0, offset - PAGE) if offset else None, next=offset + PAGE if offset + PAGE < total else None,
        ))

    async def _person(self, request: Request, account_id: str, status: int = 200, errors=(), form=None,
                      notice=None, confirm=None) -> Template:
        person = await accounts.get_account(account_id)
        projects = await queries.owned_projects(UUID(person["id"]))
        return Template("reports/console/person.html", status_code=status, context=page_context(
            request, person=person, projects=projects, notice=notice, confirm=confirm,
            errors={e.key: e.message for e in errors}, form=form or {},
            staff_year=await editions.current_year(utcnow()),
            language_name=LANGUAGES.get(person["language"], person["language"] or _("not known yet")),
            status_labels={k: _(v) for k, v in STATUS_LABELS.items()},
            roles=[(r, _(label)) for r, label in ROLE_LABELS.items()],
            is_me=str(current_user(request).id) == person["id"],
        ))

    @get("/{account_id:str}")
    async def show(self, request: Request, account_id: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        return await self._person(request, account_id, notice=_(NOTICES[done]) if done in NOTICES else None)

    async def _act(self, request: Request, account_id: str, form: dict, action, done: str) -> Response:
        await accounts.get_account(account_id)  # 404 first
        try:
            await action()
        except DomainError as error:
            fields = error.fields if isinstance(error, InvalidInput) else [FieldError("form", error.detail), *error.fields]
            return await self._person(request, account_id, error.status_code, fields, form)
        return Redirect(f"/staff/people/{account_id}?done={done}", status_code=303)

    @post("/{account_id:str}/roles", status_code=303)
    async def roles(self, request: Request, account_id: FromPath[str], data: FormBody) -> Response:
        person = await accounts.get_account(account_id)
        me = current_user(request)
        role, reason, change = data.get("role", ""), data.get("reason", ""), data.get("change", "")
        if change == "revoke":
            if person["id"] == str(me.id) and data.get("confirm") != "yes":
                # Taking one's own role away: say what it means and ask again.
                return await self._person(request, account_id, form=data, confirm={"role": role, "reason": reason})
            return await self._act(request, account_id, data, lambda: roles.revoke_role(
                person["email"], role, me.as_actor(), reason), "revoked")
        if change != "grant":
            return await self._person(request, account_id, 422, [FieldError("change", _("Choose grant or revoke."))],
                                      data)
        return await self._act(request, account_id, data, lambda: roles.grant_role(
            person["email"], role, me.as_actor(), reason), "granted")

    @post("/{account_id:str}/verification-mail", status_code=303)
    async def verification_mail(self, request: Request, account_id: FromPath[str]) -> Response:
        base_url = request.app.state["settings"].base_url
        return await self._act(request, account_id, {}, lambda: administration.resend_verification(
            account_id, current_user(request).as_actor(), base_url), "mailed")

    @post("/{account_id:str}/suspension", status_code=303)
    async def suspension(self, request: Request, account_id: FromPath[str], data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        reason = data.get("reason", "")
        if data.get("suspend") == "yes":
            return await self._act(request, account_id, data, lambda: administration.suspend(
                account_id, actor, reason, utcnow()), "suspended")
        return await self._act(request, account_id, data, lambda: administration.unsuspend(
            account_id, actor, reason), "unsuspended")

