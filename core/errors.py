"""Domain errors and the one mapping that turns them (and Litestar's) into responses.

Services raise `DomainError`s; they know nothing of HTTP beyond a status code. Every error
leaves the API as `{"status_code", "detail", "extra": [{"key", "message"}]}`; pages get an
error page (or, for 401, the log-in page).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote

import msgspec

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.i18n import gettext as _

log = logging.getLogger("prizes.errors")


@dataclass(frozen=True)
class FieldError:
    key: str
    message: str


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str, fields: Iterable[FieldError] = (), headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = list(fields)
        self.headers = headers or {}


class InvalidInput(DomainError):
    """Content rules: 422 with one entry per offending field."""

    status_code = 422

    def __init__(self, fields: Iterable[FieldError], detail: str | None = None):
        super().__init__(detail or _("Some fields are not valid."), fields)


class Unauthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, retry_after: int, detail: str | None = None):
        super().__init__(detail or _("Too many requests; try again later."), headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = max(1, int(retry_after))


class FieldErrors:
    """Collects field errors; `raise_if_any()` raises them together as one 422."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(FieldError(key, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)


_MSGSPEC_AT = re.compile(r"at `\$\.?([^`]*)`")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def _field_key(message: str, fallback: str = "") -> str:
    """The dotted field path a msgspec/Litestar message speaks of: `settings.surprise`,
    `categories.0.code`."""
    path = fallback
    match = _MSGSPEC_AT.search(message)
    if match:
        path = match.group(1)
    path = re.sub(r"\[(\d+)\]", r".\1", path).strip(".")
    if path == "data" or path.startswith("data."):
        path = path[5:]
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group(1)}" if path and path != named.group(1) and not path.endswith("." + named.group(1)) else named.group(1)
    return path or "body"


def _normalise_extra(extra: Any) -> list[dict[str, str]]:
    """Litestar's validation `extra` → our `[{key, message}]`."""
    if not extra:
        return []
    items = extra if isinstance(extra, list) else [extra]
    out = []
    for item in items:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            out.append({"key": _field_key(message, str(item.get("key", "") or "")), "message": message})
        else:
            out.append({"key": "body", "message": str(item)})
    return out


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path.startswith("/schema")


def _json(status: int, detail: str, extra: list[dict[str, str]], headers: dict[str, str] | None = None) -> Response:
    return Response(
        {"status_code": status, "detail": detail, "extra": extra},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers or {},
    )


def _page(request: Request, status: int, detail: str, extra: list[dict[str, str]], headers=None) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target, safe='')}", status_code=303)
    from core.templating import page_context

    return Template(
        "errors/error.html",
        context=page_context(request, status=status, detail=detail, extra=extra),
        status_code=status,
        headers=headers or {},
    )


def respond(request: Request, status: int, detail: str, extra: list[dict[str, str]], headers=None) -> Response:
    if wants_json(request):
        return _json(status, detail, extra, headers)
    return _page(request, status, detail, extra, headers)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    extra = [{"key": f.key, "message": f.message} for f in exc.fields]
    return respond(request, exc.status_code, exc.detail, extra, exc.headers)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail
    cause = exc.__cause__
    if status == 500 and isinstance(cause, msgspec.ValidationError):
        # Litestar reports a nested body error (an unknown field inside an object) as a
        # server error; it is the client's: 400 naming the field.
        message = str(cause)
        return respond(request, 400, _("Validation failed."), [{"key": _field_key(message), "message": message}])
    if status == 403 and "CSRF" in str(detail):
        detail = _("CSRF token missing or incorrect.")
    if status >= 500:
        log.error("server error %s on %s %s: %s", status, request.method, request.url.path, detail)
    return respond(request, status, detail, _normalise_extra(exc.extra), dict(exc.headers or {}))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and isinstance(exc.__cause__, msgspec.ValidationError):
        return http_error_handler(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return respond(request, HTTP_500_INTERNAL_SERVER_ERROR, _("Internal server error."), [])


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}
