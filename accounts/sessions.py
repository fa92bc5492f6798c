"""Server-side sessions in Redis (Litestar's), with three changes of ours:

- the session id is replaced at log-in (no session fixation): the old id is deleted;
- nothing is written for visitors who have no session, nor when a session did not change;
- each request's user is loaded from the database; a session minted before the account's
  `auth_epoch` last moved (password reset) no longer signs anyone in.
"""

from __future__ import annotations

import copy
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

from accounts.services import CurrentUser, load_signed_in_user, remember_language
from core.i18n import current_language
from core.settings import Settings

SESSION_COOKIE = "prizes_session"
_ROTATE = "prizes.rotate_session"
_NEW_ID = "prizes.new_session_id"
_LOADED = "prizes.loaded_session"


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        new_id = connection.scope.get(_NEW_ID)  # type: ignore[call-overload]
        return new_id or super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = copy.deepcopy(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        scope = connection.scope
        has_cookie = bool(connection.cookies.get(self.config.key))
        if scope.get(_ROTATE) and not scope.get(_NEW_ID):  # type: ignore[call-overload]
            old_id = connection.cookies.get(self.config.key)
            if old_id and old_id != "null":
                await self.delete(old_id, store=self.config.get_store_from_app(scope["app"]))
            scope[_NEW_ID] = self.generate_session_id()  # type: ignore[literal-required]
        elif scope_session is Empty:
            if not has_cookie:
                return
        elif scope_session == scope.get(_LOADED) and (has_cookie or not scope_session):  # type: ignore[call-overload]
            return  # unchanged, or an anonymous visitor with nothing to keep
        await super().store_in_message(scope_session, message, connection)


class PrizesSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> PrizesSessionConfig:
    return PrizesSessionConfig(
        key=SESSION_COOKIE,
        max_age=settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        store="sessions",
    )


def sign_in(connection: ASGIConnection, user: CurrentUser) -> None:
    """Start a new session (under a new id) for `user`."""
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]
    connection.set_session({"uid": str(user.id), "epoch": user.auth_epoch})


def sign_out(connection: ASGIConnection) -> None:
    connection.set_session(Empty)


def user_middleware_factory(app):
    """ASGI middleware (after the session middleware): `scope["user"]` is the signed-in
    `CurrentUser`, or None."""

    async def middleware(scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        user = None
        session = scope.get("session")
        if isinstance(session, dict) and session.get("uid"):
            user = await load_signed_in_user(session["uid"])
            if user is None or user.suspended or user.auth_epoch != session.get("epoch"):
                user = None
                scope["session"] = Empty  # ended elsewhere: forget it
            elif user.language != current_language():
                # The language this person reads the site in now: mails from others use it.
                # Written only when it changes (once after sign-up or a switch).
                await remember_language(user.id, current_language())
        scope["user"] = user
        await app(scope, receive, send)

    return middleware
