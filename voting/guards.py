"""Route guards of voting: the vote rate limits, and who may read the tallies."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from accounts.guards import current_user
from core.clientip import client_address
from core.errors import Forbidden, Unauthenticated
from core.i18n import gettext as _
from core.schemas import is_year
from voting import services


async def limit_votes(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Every vote attempt of a signed-in person counts against the vote limits (per client
    address, per account, per network block); 429 with Retry-After beyond any of them.
    After `requires_user`, so that 401 comes first."""
    user = current_user(connection)
    if user is None:
        return
    state = connection.app.state
    settings = state["settings"]
    await services.count_vote_attempt(state["limiter"], settings, client_address(connection, settings.trusted_proxies),
                                      user.id)


async def requires_staff_or_public_tallies(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Live tallies are for staff; for everyone when the edition's `public_tallies` is on."""
    user = current_user(connection)
    if user is not None and user.is_staff:
        return
    year = connection.path_params.get("year")
    if is_year(year) and await services.tallies_are_public(year):
        return
    if user is None:
        raise Unauthenticated(_("Sign in first."))
    raise Forbidden(_("The tallies of this edition are not public."))
