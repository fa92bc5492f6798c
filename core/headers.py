"""Security headers on every answer (Litestar's `before_send` hook, so error pages and
unknown addresses get them too).

Every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy`, `Permissions-Policy`,
and `Strict-Transport-Security` when BASE_URL is https. HTML answers also get a
`Content-Security-Policy` of `default-src 'self'; frame-ancestors 'none'` (no inline script
or style: templates keep theirs in /static) — unless the handler set its own, as the badge
and the book do (they are meant to be embedded or are self-contained)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders

PAGE_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> Callable[[Any, Any], Awaitable[None]]:
    async def before_send(message: Any, scope: Any) -> None:
        if message.get("type") != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if (headers.get("content-type") or "").startswith("text/html"):
            if "content-security-policy" not in {k.lower() for k in headers.keys()}:
                headers["Content-Security-Policy"] = PAGE_CSP
                headers.setdefault("X-Frame-Options", "DENY")

    return before_send
