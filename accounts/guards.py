"""Route guards: each route names its rule in one line (`guards=[requires_staff]`).

401 when nobody is signed in; 403 when the signed-in person lacks the role or has not
verified their address."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from accounts.services import CurrentUser
from core.errors import Forbidden, Unauthenticated
from core.i18n import gettext as _


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def _signed_in(connection: ASGIConnection) -> CurrentUser:
    user = current_user(connection)
    if user is None:
        raise Unauthenticated(_("Sign in first."))
    return user


async def requires_user(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    _signed_in(connection)


async def requires_verified(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if not _signed_in(connection).email_verified:
        raise Forbidden(_("Verify your e-mail address first: follow the link in the mail we sent you."))


async def requires_staff(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if not _signed_in(connection).is_staff:
        raise Forbidden(_("Only the secretariat's staff can do this."))


async def requires_judge(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    user = _signed_in(connection)
    if not user.is_judge:
        raise Forbidden(_("Only expert judges can do this."))
    if not user.email_verified:
        raise Forbidden(_("Verify your e-mail address first: follow the link in the mail we sent you."))


async def requires_judge_or_staff(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    user = _signed_in(connection)
    if not (user.is_staff or user.is_judge):
        raise Forbidden(_("Only judges and staff can do this."))
