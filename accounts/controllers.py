"""Sign-in and sign-out (API and pages), `/api/me`, and staff role grants."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from accounts import services
from accounts.guards import current_user, requires_staff, requires_user
from accounts.passwords import Passwords
from accounts.schemas import MeOut, RoleIn, SessionIn
from accounts.sessions import sign_in, sign_out
from core.errors import DomainError
from core.i18n import LANGUAGE_COOKIE, LANGUAGES
from core.templating import page_context


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect to another site after log-in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class SessionApiController(Controller):
    path = "/api/session"
    tags = ["accounts"]

    @post("/", status_code=HTTP_200_OK, summary="Sign in")
    async def create(self, request: Request, data: JSONBody[SessionIn], passwords: NamedDependency[Passwords]) -> MeOut:
        user = await services.authenticate(passwords, data.email, data.password)
        sign_in(request, user)
        return MeOut.of(user)

    @delete("/", status_code=HTTP_204_NO_CONTENT, guards=[requires_user], summary="Sign out")
    async def destroy(self, request: Request) -> None:
        sign_out(request)


class MeApiController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get("/", guards=[requires_user], summary="The signed-in account")
    async def show(self, request: Request) -> MeOut:
        return MeOut.of(current_user(request))


class StaffRolesApiController(Controller):
    path = "/api/staff/roles"
    tags = ["staff"]
    guards = [requires_staff]

    @post("/", status_code=HTTP_200_OK, summary="Grant judge or staff")
    async def grant(self, request: Request, data: JSONBody[RoleIn]) -> MeOut:
        user = await services.grant_role(data.email, data.role, current_user(request).as_actor())
        return MeOut.of(user)

    @delete("/", status_code=HTTP_200_OK, summary="Revoke judge or staff")
    async def revoke(self, request: Request, data: JSONBody[RoleIn]) -> MeOut:
        user = await services.revoke_role(data.email, data.role, current_user(request).as_actor())
        return MeOut.of(user)


class AccountPagesController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request, next_: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
        return Template("accounts/login.html", context=page_context(request, next=safe_next(next_), email="", error=None))

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request,
        passwords: NamedDependency[Passwords],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response:
        target = safe_next(data.get("next"))
        try:
            user = await services.authenticate(passwords, data.get("email", ""), data.get("password", ""))
        except DomainError as error:
            context = page_context(request, next=target, email=data.get("email", ""), error=error.detail)
            return Template("accounts/login.html", context=context, status_code=error.status_code)
        sign_in(request, user)
        return Redirect(target, status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request) -> Redirect:
        sign_out(request)
        return Redirect("/", status_code=303)

    @get("/language/{code:str}")
    async def language(self, code: FromPath[str], next_: Annotated[str | None, QueryParameter(name="next")] = None) -> Redirect:
        """The language switch: a plain link, so it works without JavaScript."""
        response = Redirect(safe_next(next_), status_code=303)
        if code in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax", httponly=False)
        return response
