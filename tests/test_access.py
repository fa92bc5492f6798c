"""Every route that is not public, tried by every role: anonymous (401, or the log-in page
for pages), the wrong role (403), the right role without a CSRF token (403), and the right
role (neither 401 nor 403). A new guarded route fails `test_every_guarded_route_is_listed`
until it is added here."""

from __future__ import annotations

import importlib
import re

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
    ("POST", "/api/accounts/verification-mail", "user", None, "api"),
    ("GET", "/api/accounts", "staff", None, "api"),
    ("PUT", "/api/accounts/{account_id}/suspension", "staff", {"suspended": True, "reason": "r"}, "api"),
    ("POST", "/api/accounts/{account_id}/verification-mail", "staff", None, "api"),
    ("POST", "/api/accounts/password", "user", {"current_password": "x" * 12, "new_password": "y" * 12}, "api"),
    ("POST", "/api/nominations", "verified", {"category": "C1", "title": "t"}, "api"),
    ("PATCH", "/api/nominations/{nid}", "verified", {"title": "t"}, "api"),
    ("POST", "/api/nominations/{nid}/submit", "verified", None, "api"),
    ("POST", "/api/nominations/{nid}/withdraw", "verified", None, "api"),
    ("POST", "/api/nominations/{nid}/eligibility", "judge_or_staff", {"eligible": True}, "api"),
    ("GET", "/api/nominations/mine", "user", None, "api"),
    ("POST", "/api/nominations/{nid}/images", "verified", None, "api"),
    ("DELETE", "/api/nominations/{nid}/images/{image_id}", "verified", None, "api"),
    ("POST", "/nominations/{nid}/images", "verified", None, "page"),
    ("POST", "/api/editions/{year}/nominated", "staff", None, "api"),
    ("GET", "/account", "user", None, "page"),
    ("GET", "/nominations", "user", None, "page"),
    ("GET", "/nominations/new", "verified", None, "page"),
    ("POST", "/nominations/new", "verified", {"category": "C1", "title": "t", "action": "save"}, "page"),
    ("GET", "/nominations/{nid}/edit", "verified", None, "page"),
    ("POST", "/nominations/{nid}/edit", "verified", {"title": "t"}, "page"),
    ("GET", "/nominations/{nid}/receipt", "user", None, "page"),
    ("POST", "/nominations/{nid}/withdraw", "verified", None, "page"),
    ("GET", "/staff/nominations", "staff", None, "page"),
    ("GET", "/staff/nominations/export.csv", "staff", None, "page"),
    ("POST", "/staff/nominations/{nid}/eligibility", "staff", {"eligible": "yes"}, "page"),
    ("POST", "/staff/nominations/confirm", "staff", None, "page"),
    ("POST", "/account/verification-mail", "user", None, "page"),
    ("POST", "/account/password", "user", {"current_password": "x" * 12, "new_password": "y" * 12}, "page"),
    ("GET", "/staff", "staff", None, "page"),
    ("GET", "/staff/editions/{year}", "staff", None, "page"),
    ("POST", "/staff/editions/{year}/phase", "staff", {"phase": "nomination", "reason": "test"}, "page"),
    ("POST", "/staff/editions/{year}/dates", "staff", {"reason": "none"}, "page"),
    ("POST", "/staff/editions/{year}/settings", "staff", {"shortlist_size": "5"}, "page"),
    ("POST", "/staff/editions", "staff", {"year": "2098"}, "page"),
    ("GET", "/staff/editions/{year}/categories", "staff", None, "page"),
    ("POST", "/staff/editions/{year}/categories/{code}", "staff", {"title_en": "Media"}, "page"),
    ("PATCH", "/api/editions/{year}/categories/{code}", "staff", {"titles": {"en": "Media"}}, "api"),
    ("POST", "/api/editions/{year}/categories", "staff", {"code": "C12", "title": "New"}, "api"),
    ("DELETE", "/api/editions/{year}/categories/{code}", "staff", None, "api"),
    ("POST", "/staff/editions/{year}/categories", "staff", {"code": "C12", "title": "New"}, "page"),
    ("POST", "/staff/editions/{year}/categories/{code}/delete", "staff", None, "page"),
    ("POST", "/api/editions/{year}/frameworks", "staff",
     {"code": "GDC", "title": "GDC", "goals": [{"number": 1, "title": "One"}]}, "api"),
    ("PUT", "/api/editions/{year}/frameworks/{code}", "staff",
     {"title": "GDC", "goals": [{"number": 1, "title": "One"}]}, "api"),
    ("DELETE", "/api/editions/{year}/frameworks/{code}", "staff", None, "api"),
    ("POST", "/staff/editions/{year}/frameworks", "staff", {"code": "GDC", "title": "GDC", "goals": "1 One"}, "page"),
    ("POST", "/staff/editions/{year}/frameworks/{code}", "staff", {"title": "GDC", "goals": "1 One"}, "page"),
    ("POST", "/staff/editions/{year}/frameworks/{code}/delete", "staff", None, "page"),
    ("POST", "/api/nominations/{nid}/appeal", "verified", {"text": "x"}, "api"),
    ("GET", "/api/editions/{year}/appeals", "staff", None, "api"),
    ("POST", "/api/appeals/{appeal_id}/decision", "judge_or_staff", {"upheld": True, "reason": "x"}, "api"),
    ("GET", "/nominations/{nid}/appeal", "user", None, "page"),
    ("POST", "/nominations/{nid}/appeal", "verified", {"text": "x"}, "page"),
    ("GET", "/staff/editions/{year}/appeals", "staff", None, "page"),
    ("POST", "/staff/appeals/{appeal_id}/decision", "staff", {"upheld": "yes", "reason": "x"}, "page"),
]

# Each domain lists its own guarded routes in tests/<domain>/routes.py (a GUARDED list of the
# same shape); they are all tried here.
for _domain in ("judging", "voting", "reports"):
    try:
        GUARDED += importlib.import_module(f"tests.{_domain}.routes").GUARDED
    except ModuleNotFoundError:
        pass

ROLES = {"anonymous": None, "voter": (), "judge": ("judge",), "staff": ("staff",)}


def _allowed(rule: str, role: str) -> bool:
    """`rule`: user, verified (any signed-in role here: test accounts are verified),
    judge, staff or judge_or_staff."""
    if rule in ("user", "verified"):
        return role != "anonymous"
    if rule == "judge_or_staff":
        return role in ("judge", "staff")
    return role == rule


def _url(path: str, year: int) -> str:
    """A concrete URL: the edition's year, and an id of the right form for any other part."""
    return re.sub(r"\{\w+\}", "00000000-0000-0000-0000-000000000001", path.replace(YEAR, str(year)))


def _guarded_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if [g for g in handler.resolve_guards() if not getattr(g, "func", g).__name__.startswith("limit_")]:
                for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path).replace("{nomination_id}", "{nid}")
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
    url = _url(path, year)
    response = await _call(api, method, url, body, kind)
    if _allowed(rule, role):
        # allowed in: anything but 401, and a 403 only from the phase rule, not the guard
        assert response.status_code != 401, response.text
        if response.status_code == 403:
            assert "only possible during" in response.text, response.text
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
    role = "staff" if rule in ("staff", "judge_or_staff") else "voter"
    api = await _client_for(app, role)
    url = _url(path, year)
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
    ("GET", "/signup"),
    ("GET", "/password-reset"),
    ("GET", "/password-reset/confirm"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/api/nominations"),
    ("GET", "/projects"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
async def test_public_routes_answer_anonymous_visitors(client, method, path):
    year = (await client.get("/api/editions/current")).json()["year"]
    response = await client.request(method, _url(path, year))
    assert response.status_code == 200
