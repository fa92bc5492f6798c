"""Bad input gets a clear 4xx with field details, never a 500, and leaves nothing
half-written."""

from __future__ import annotations

import pytest

from core.tables import AuditEntry
from prizes.editions.tables import Category

HOSTILE = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "\u202eevil right-to-left\u202c",
    "'; DROP TABLE edition; --",
    "{{ 7*7 }} {% raw %}",
]


async def _year(client) -> int:
    return (await client.get("/api/editions/current")).json()["year"]


async def test_malformed_json_is_400(client, staff):
    year = await _year(client)
    response = await staff.request(
        "PATCH", f"/api/editions/{year}", content=b'{"settings": {', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status_code"] == 400 and body["detail"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"settings": {"shortlist_size": "five"}}, "settings.shortlist_size"),
        ({"settings": {"public_tallies": "yes"}}, "settings.public_tallies"),
        ({"phases": "all of them"}, "phases"),
        ({"categories": [{"code": 7, "title": "x"}]}, "categories.0.code"),
    ],
)
async def test_wrong_json_types_are_400_naming_the_field(client, staff, body, key):
    year = await _year(client)
    response = await staff.patch(f"/api/editions/{year}", json=body)
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == key


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        ("/api/editions/{year}", {"settings": {"shortlist_size": 5}, "colour": "red"}, "colour"),
        ("/api/editions/{year}", {"settings": {"shortlist_size": 5, "surprise": 1}}, "settings.surprise"),
        ("/api/editions/{year}/phase", {"phase": "voting", "reason": "x", "force": True}, "force"),
    ],
)
async def test_unknown_fields_are_400_naming_the_field(client, staff, path, body, key):
    year = await _year(client)
    method = "PUT" if path.endswith("/phase") else "PATCH"
    response = await staff.request(method, path.replace("{year}", str(year)), json=body)
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == key


async def test_unknown_fields_on_sign_in_are_400(client):
    response = await client.post("/api/session", json={"email": "a@example.org", "password": "x" * 12, "admin": True})
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "admin"


async def test_oversize_body_is_413(client, staff):
    year = await _year(client)
    response = await staff.patch(
        f"/api/editions/{year}", json={"reason": "x" * 2_000_000, "settings": {"shortlist_size": 6}}
    )
    assert response.status_code == 413
    assert (await client.get(f"/api/editions/{year}")).json()["settings"]["shortlist_size"] == 5


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_titles_are_stored_as_text_and_escaped_on_pages(client, staff, text):
    year = await _year(client)
    response = await staff.patch(f"/api/editions/{year}", json={"categories": [{"code": "C3", "title": text}]})
    assert response.status_code == 200
    assert (await Category.select(Category.title).where(Category.code == "C3").first())["title"] == text
    page = (await client.get("/")).text
    assert text not in page or text == text.replace("<", "").replace(">", "").replace('"', "").replace("'", "").replace("&", "")
    assert "<script>alert" not in page and "<img src=x" not in page


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_reasons_are_escaped_on_the_staff_page(client, staff, text):
    year = await _year(client)
    response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "nomination", "reason": text})
    assert response.status_code == 200
    page = (await staff.get(f"/staff/editions/{year}")).text
    assert "<script>alert" not in page and "<img src=x" not in page
    from markupsafe import escape

    assert str(escape(text)) in page


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"categories": [{"code": "C3", "title": "nul\x00byte"}]}, "categories.0.title"),
        ({"categories": [{"code": "C3", "title": "x" * 10_000}]}, "categories.0.title"),
        ({"categories": [{"code": "C3", "title": "   "}]}, "categories.0.title"),
        ({"categories": [{"code": "C3", "title": "two\nlines"}]}, "categories.0.title"),
        ({"reason": "bell\x07", "settings": {"shortlist_size": 4}}, "reason"),
    ],
)
async def test_control_characters_empty_and_huge_text_are_422(client, staff, body, key):
    year = await _year(client)
    response = await staff.patch(f"/api/editions/{year}", json=body)
    assert response.status_code == 422
    assert [e["key"] for e in response.json()["extra"]] == [key]
    assert await AuditEntry.count() == 1  # only the seeding entry: nothing written


async def test_nul_in_a_phase_reason_is_422_not_500(client, staff):
    year = await _year(client)
    response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "voting", "reason": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "reason"


async def test_a_malformed_year_in_the_path_is_a_4xx(client):
    response = await client.get("/api/editions/not-a-year")
    assert response.status_code in (400, 404)


async def test_unknown_api_path_is_a_json_404(client):
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_unknown_page_is_an_html_404(client):
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


async def test_openapi_schema_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/session", "/api/me", "/api/editions/current", "/api/editions/{year}/phase", "/api/staff/roles"):
        assert path in paths
