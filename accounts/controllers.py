"""Sign-in and sign-out (API and pages), `/api/me`, and staff role grants."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from accounts import administration, queries, roles, services
from accounts.guards import current_user, requires_staff, requires_user
from accounts.passwords import Passwords
from accounts.schemas import (
    AccountIn,
    AccountOut,
    Message,
    MeOut,
    PasswordChangeIn,
    ResetConfirmIn,
    ResetRequestIn,
    AccountListItem,
    AccountPage,
    RoleIn,
    SessionIn,
    SuspensionIn,
    TokenIn,
)
from accounts.sessions import sign_in, sign_out
from core.clock import utcnow
from core.schemas import Limit, Offset
from core.errors import DomainError
from core.i18n import LANGUAGE_COOKIE, LANGUAGES, current_language
from core.i18n import gettext as _
from core.ratelimit import limit_per_account, limit_per_client, limit_per_network
from core.settings import Settings
from core.templating import page_context

limit_logins = limit_per_client("logins", "rate_limit_logins_per_ip")
limit_logins_network = limit_per_network("logins-network", "rate_limit_logins_per_network")
limit_registrations = limit_per_client("registrations", "rate_limit_registrations_per_ip")
limit_registrations_network = limit_per_network("registrations-network", "rate_limit_registrations_per_network")
# A password change checks the current password: the sign-in limits per address and network,
# and per account (every attempt, signed in).
limit_password_changes = limit_per_account("password-change", "rate_limit_logins_per_account")
LOGIN_GUARDS = [limit_logins, limit_logins_network]
RESET_COOKIE = "reset_token"
limit_mails = limit_per_account("mails", "rate_limit_mails_per_account")
FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


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

    @post("/", status_code=HTTP_200_OK, guards=LOGIN_GUARDS, summary="Sign in")
    async def create(self, request: Request, data: JSONBody[SessionIn], passwords: NamedDependency[Passwords]) -> MeOut:
        user = await services.authenticate(passwords, data.email, data.password, _failures(request))
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
        user = await roles.grant_role(data.email, data.role, current_user(request).as_actor(), data.reason)
        return MeOut.of(user)

    @delete("/", status_code=HTTP_200_OK, summary="Revoke judge or staff")
    async def revoke(self, request: Request, data: JSONBody[RoleIn]) -> MeOut:
        user = await roles.revoke_role(data.email, data.role, current_user(request).as_actor(), data.reason)
        return MeOut.of(user)


class AccountPagesController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request, next_: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
        return Template("accounts/login.html", context=page_context(request, next=safe_next(next_), email="", error=None))

    @post("/login", status_code=303, guards=LOGIN_GUARDS)
    async def login(
        self,
        request: Request,
        passwords: NamedDependency[Passwords],
        data: FormBody,
    ) -> Response:
        target = safe_next(data.get("next"))
        try:
            user = await services.authenticate(passwords, data.get("email", ""), data.get("password", ""),
                                                _failures(request))
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


class AccountsApiController(Controller):
    path = "/api/accounts"
    tags = ["accounts"]

    @post("/", status_code=HTTP_201_CREATED, guards=[limit_registrations, limit_registrations_network], summary="Register")
    async def register(self, request: Request, data: JSONBody[AccountIn], passwords: NamedDependency[Passwords]) -> AccountOut:
        user = await services.create_user(
            passwords, data.email, data.password, data.display_name, verification_link_base=_settings(request).base_url,
            language=current_language(),
        )
        return AccountOut(id=str(user.id), email=user.email, email_verified=user.email_verified)

    @get("/", guards=[requires_staff], summary="Find accounts by address or name (staff)")
    async def list_accounts(self, q: FromQuery[str | None] = None, role: FromQuery[str | None] = None,
                            offset: Offset = 0, limit: Limit = 20) -> AccountPage:
        items, total = await queries.list_accounts(q, role, offset, limit)
        offset, limit = max(0, offset), min(max(1, limit), queries.MAX_LIMIT)
        return AccountPage(items=[AccountListItem.of(i) for i in items], total=total, offset=offset, limit=limit)

    @put("/{account_id:str}/suspension", guards=[requires_staff], summary="Suspend an account, or lift it (staff)")
    async def suspension(self, request: Request, account_id: FromPath[str], data: JSONBody[SuspensionIn]) -> MeOut:
        actor = current_user(request).as_actor()
        user = (await administration.suspend(account_id, actor, data.reason, utcnow()) if data.suspended
                else await administration.unsuspend(account_id, actor, data.reason))
        return MeOut.of(user)

    @post("/{account_id:str}/verification-mail", status_code=HTTP_202_ACCEPTED, guards=[requires_staff],
          summary="Send an account's verification mail again (staff)")
    async def resend_for(self, request: Request, account_id: FromPath[str]) -> Message:
        await administration.resend_verification(account_id, current_user(request).as_actor(), _settings(request).base_url)
        return Message(detail=_("The verification mail was sent again."))

    @post("/verify", status_code=HTTP_200_OK, summary="Verify the address with the mailed token")
    async def verify(self, request: Request, data: JSONBody[TokenIn]) -> AccountOut:
        user = await services.verify_email(data.token)
        _keep_own_session(request, user)
        return AccountOut(id=str(user.id), email=user.email, email_verified=user.email_verified)

    @post("/verification-mail", status_code=HTTP_202_ACCEPTED, guards=[requires_user, limit_mails],
          summary="Send the verification mail again")
    async def resend(self, request: Request) -> Message:
        await services.send_verification_mail(current_user(request), _settings(request).base_url)
        return Message(detail=_("We sent you a new link."))

    @post("/password-reset", status_code=HTTP_202_ACCEPTED, summary="Mail a password reset link")
    async def reset_request(
        self, request: Request, data: JSONBody[ResetRequestIn]
    ) -> Message:
        await services.request_password_reset(data.email, _settings(request).base_url, request.app.state["limiter"],
                                              _settings(request).rate_limit_mails_per_account)
        return Message(detail=_("If an account has this address, we sent it a link to choose a new password."))

    @post("/password-reset/confirm", status_code=HTTP_200_OK, summary="Choose a new password with the mailed token")
    async def reset_confirm(self, data: JSONBody[ResetConfirmIn], passwords: NamedDependency[Passwords]) -> Message:
        await services.reset_password(passwords, data.token, data.password)
        return Message(detail=_("Your password was changed; sign in with it."))

    @post("/password", status_code=HTTP_200_OK, guards=[requires_user, *LOGIN_GUARDS, limit_password_changes],
          summary="Change my password")
    async def change_password(
        self, request: Request, data: JSONBody[PasswordChangeIn], passwords: NamedDependency[Passwords]
    ) -> MeOut:
        user = await services.change_password(passwords, current_user(request), data.current_password, data.new_password)
        sign_in(request, user)  # this session goes on; every other one has ended
        return MeOut.of(user)


def _settings(request: Request) -> Settings:
    return request.app.state["settings"]


def _keep_own_session(request: Request, user) -> None:
    """Verification ended every session of the account; the visitor who verified keeps
    theirs only if they were signed in as that account."""
    visitor = current_user(request)
    if visitor is not None and visitor.id == user.id:
        sign_in(request, user)


def _failures(request: Request):
    return request.app.state["limiter"], _settings(request).rate_limit_logins_per_account


def _errors(error: DomainError) -> dict[str, str]:
    return {f.key: f.message for f in error.fields} or {"form": error.detail}


class AccountSelfPagesController(Controller):
    include_in_schema = False

    @get("/signup")
    async def signup_page(self, request: Request) -> Template:
        return Template("accounts/signup.html", context=page_context(request, form={}, errors={}))

    @post("/signup", status_code=303, guards=[limit_registrations, limit_registrations_network])
    async def signup(
        self, request: Request, data: FormBody, passwords: NamedDependency[Passwords]
    ) -> Response:
        try:
            user = await services.create_user(
                passwords, data.get("email", ""), data.get("password", ""), data.get("display_name", ""),
                verification_link_base=_settings(request).base_url, language=current_language(),
            )
        except DomainError as error:
            form = {k: v for k, v in data.items() if k != "password"}
            return Template("accounts/signup.html", context=page_context(request, form=form, errors=_errors(error)),
                            status_code=error.status_code)
        sign_in(request, user)
        return Redirect("/account?welcome=1", status_code=303)

    @get("/verify")
    async def verify(self, request: Request, token: FromQuery[str | None] = None) -> Template:
        try:
            user = await services.verify_email(token)
        except DomainError as error:
            return Template("accounts/verified.html", context=page_context(request, ok=False, detail=error.detail),
                            status_code=error.status_code)
        _keep_own_session(request, user)
        return Template("accounts/verified.html", context=page_context(request, ok=True, email=user.email))

    @get("/account", guards=[requires_user])
    async def account(self, request: Request, welcome: FromQuery[str | None] = None,
                      sent: FromQuery[str | None] = None, changed: FromQuery[str | None] = None) -> Template:
        notice = (_("Welcome! We sent you a link to confirm your address.") if welcome else
                  _("We sent you a new link.") if sent else
                  _("Your password was changed. Every other session was signed out.") if changed else None)
        return Template("accounts/account.html", context=page_context(request, notice=notice, errors={}))

    @post("/account/verification-mail", status_code=303, guards=[requires_user, limit_mails])
    async def resend(self, request: Request) -> Response:
        try:
            await services.send_verification_mail(current_user(request), _settings(request).base_url)
        except DomainError as error:
            return Template("accounts/account.html", context=page_context(request, notice=None, errors=_errors(error)),
                            status_code=error.status_code)
        return Redirect("/account?sent=1", status_code=303)

    @post("/account/password", status_code=303, guards=[requires_user, *LOGIN_GUARDS, limit_password_changes])
    async def change_password(self, request: Request, data: FormBody, passwords: NamedDependency[Passwords]) -> Response:
        try:
            user = await services.change_password(
                passwords, current_user(request), data.get("current_password", ""), data.get("new_password", "")
            )
        except DomainError as error:
            return Template("accounts/account.html", context=page_context(request, notice=None, errors=_errors(error)),
                            status_code=error.status_code)
        sign_in(request, user)
        return Redirect("/account?changed=1", status_code=303)

    @get("/password-reset")
    async def reset_page(self, request: Request) -> Template:
        return Template("accounts/reset_request.html", context=page_context(request, sent=False, email=""))

    @post("/password-reset", status_code=200)
    async def reset_request(self, request: Request, data: FormBody) -> Template:
        await services.request_password_reset(data.get("email", ""), _settings(request).base_url, request.app.state["limiter"],
                                              _settings(request).rate_limit_mails_per_account)
        return Template("accounts/reset_request.html", context=page_context(request, sent=True, email=data.get("email", "")))

    @get("/password-reset/confirm")
    async def reset_confirm_page(self, request: Request, token: FromQuery[str | None] = None) -> Response:
        """The mailed link's token leaves the address bar (history, Referer, shoulders) at
        once: it moves to a short-lived cookie for this one path, and the form the redirect
        shows carries it in its body."""
        if token:
            response = Redirect("/password-reset/confirm", status_code=303)
            response.set_cookie(RESET_COOKIE, token[:200], max_age=900, path="/password-reset/confirm", httponly=True,
                                samesite="lax", secure=_settings(request).secure_cookies)
            return response
        response = Template("accounts/reset_confirm.html", context=page_context(
            request, token=request.cookies.get(RESET_COOKIE, ""), errors={}, done=False))
        response.delete_cookie(RESET_COOKIE, path="/password-reset/confirm")
        return response

    @post("/password-reset/confirm", status_code=200)
    async def reset_confirm(self, request: Request, data: FormBody, passwords: NamedDependency[Passwords]) -> Template:
        token = data.get("token", "")
        try:
            await services.reset_password(passwords, token, data.get("password", ""))
        except DomainError as error:
            return Template("accounts/reset_confirm.html",
                            context=page_context(request, token=token, errors=_errors(error), done=False),
                            status_code=error.status_code)
        return Template("accounts/reset_confirm.html", context=page_context(request, token="", errors={}, done=True))
