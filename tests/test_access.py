"""Every route that is not public, tried by every role: anonymous (401, or the log-in page
for pages), the wrong role (403), the right role without a CSRF token (403), and the right
role (neither 401 nor 403). A new guarded route fails `test_every_guarded_route_is_listed`
until it is added here."""

from __future__ import annotations

import pytest
from litestar.routes import HTTPRoute

from tests.factories import ApiClient, make_user

YEAR = "{year}"

# (method, path template, who may, JSON body or form, kind)
GUARDED = [
    ("DELETE", "/api/session", "user", None, "api"),
    ("GET", "/api/me", "user", None, "api"),
    ("POST", "/api/staff/roles", "staff", {"email": "someone@example.org", "role": "judge"}, "api"),
    ("DELETE", "/api/staff/roles", "staff", {"email": "someone@example.org", "role": "judge"}, "api"),
    ("POST", "/api/editions", "staff", {"year": 2099}, "api"),
    ("PATCH", "/api/editions/{year}", "staff", {"settings": {"shortlist_size": 6}}, "api"),
    ("PUT", "/api/editions/{year}/phase", "staff", {"phase": "nomination", "reason": "test"}, "api"),
    ("GET", "/staff", "staff", None, "page"),
    ("GET", "/staff/editions/{year}", "staff", None, "page"),
    ("POST", "/staff/editions/{year}/phase", "staff", {"phase": "nomination", "reason": "test"}, "page"),
    ("POST", "/staff/editions/{year}/dates", "staff", {"reason": "none"}, "page"),
    ("POST", "/staff/editions/{year}/settings", "staff", {"shortlist_size": "5"}, "page"),
    ("POST", "/staff/editions", "staff", {"year": "2098"}, "page"),
]

ROLES = {"anonymous": None, "voter": (), "judge": ("judge",), "staff": ("staff",)}


def _allowed(rule: str, role: str) -> bool:
    if rule == "user":
        return role != "anonymous"
    return role == rule


def _guarded_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.resolve_guards():
                for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                    path = route.path.replace("{year:int}", "{year}")
                    found.add((method, path.rstrip("/") or "/"))
    return found


def test_every_guarded_route_is_listed(app):
    listed = {(m, p) for m, p, *_ in GUARDED}
    assert _guarded_routes(app) == listed


async def _client_for(app, role: str) -> ApiClient:
    api = ApiClient.extra(app)
    if ROLES[role] is not None:
        email = f"{role}@example.org"
        await make_user(app, email, roles=ROLES[role])
        await api.sign_in(email)
    return api


async def _call(api: ApiClient, method: str, path: str, body, kind: str, csrf: bool = True):
    if kind == "page" and method != "GET":
        return await api.request(method, path, data=body or {}, csrf=csrf) if not csrf else await api.request(
            method, path, data={**(body or {}), "_csrf_token": await api.csrf()}, csrf=False
        )
    return await api.request(method, path, json=body, csrf=csrf)


@pytest.mark.parametrize(("method", "path", "rule", "body", "kind"), GUARDED, ids=[f"{m} {p}" for m, p, *_ in GUARDED])
@pytest.mark.parametrize("role", list(ROLES))
async def test_route_answers_each_role(app, client, method, path, rule, body, kind, role):
    year = (await client.get("/api/editions/current")).json()["year"]
    await make_user(app, "someone@example.org")
    api = await _client_for(app, role)
    url = path.replace(YEAR, str(year))
    response = await _call(api, method, url, body, kind)
    if _allowed(rule, role):
        assert response.status_code not in (401, 403), response.text
    elif role == "anonymous":
        if kind == "page":
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401
            assert response.json()["status_code"] == 401
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "rule", "body", "kind"),
    [g for g in GUARDED if g[0] != "GET"],
    ids=[f"{m} {p}" for m, p, *_ in GUARDED if m != "GET"],
)
async def test_unsafe_route_without_csrf_token_is_refused_first(app, client, method, path, rule, body, kind):
    year = (await client.get("/api/editions/current")).json()["year"]
    role = "staff" if rule == "staff" else "voter"
    api = await _client_for(app, role)
    url = path.replace(YEAR, str(year))
    if kind == "page":
        response = await api.request(method, url, data=body or {}, csrf=False)
    else:
        response = await api.request(method, url, json=body, csrf=False)
    assert response.status_code == 403
    if kind == "api":
        assert "CSRF" in response.json()["detail"]
    # and a wrong token is no better
    response = await api.request(method, url, json=body if kind == "api" else None, csrf=False,
                                 headers={"x-csrftoken": "forged"})
    assert response.status_code == 403


async def test_csrf_is_checked_before_authentication(client):
    """Even anonymous unsafe requests without the token get 403, not 401."""
    response = await client.request("POST", "/api/session", json={"email": "a@b.org", "password": "x" * 12}, csrf=False)
    assert response.status_code == 403
    response = await client.request("DELETE", "/api/session", csrf=False)
    assert response.status_code == 403


PUBLIC = [
    ("GET", "/"),
    ("GET", "/api/editions/current"),
    ("GET", "/api/editions/{year}"),
    ("GET", "/editions/{year}"),
    ("GET", "/login"),
    ("GET", "/schema/openapi.json"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
async def test_public_routes_answer_anonymous_visitors(client, method, path):
    year = (await client.get("/api/editions/current")).json()["year"]
    response = await client.request(method, path.replace(YEAR, str(year)))
    assert response.status_code == 200
