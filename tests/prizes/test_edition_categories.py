"""Staff add or remove categories while an edition is being prepared — before its submission
phase opens — through the API and the edition page; after that 403 naming `code`, nothing
changed; a code that exists is 409 on `code`; a category with projects cannot go (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.tables import AuditEntry
from prizes.editions.tables import Category
from tests.factories import project, signed_in

C12 = {"code": "C12", "title": "Digital public infrastructure", "reason": "new action line"}


@pytest.fixture
async def next_year(staff, year):
    """Next year's edition: created now, its submission phase opens a year ahead."""
    created = await staff.post("/api/editions", json={"year": year + 1})
    assert created.status_code == 201, created.text
    return year + 1




async def codes(client, year) -> list[str]:
    return [c["code"] for c in (await client.get(f"/api/editions/{year}")).json()["categories"]]


async def test_staff_add_and_remove_a_category_before_submissions_open(client, staff, next_year):
    added = await staff.post(f"/api/editions/{next_year}/categories", json=C12)
    assert added.status_code == 201, added.text
    assert await codes(client, next_year) == (await codes(client, next_year - 1)) + ["C12"]
    category = next(c for c in added.json()["categories"] if c["code"] == "C12")
    assert category["title"] == C12["title"] and category["titles"] == {"en": C12["title"]}
    removed = await staff.delete(f"/api/editions/{next_year}/categories/C9")
    assert removed.status_code == 200 and "C9" not in await codes(client, next_year)
    assert "C9" in await codes(client, next_year - 1)  # the other edition keeps its own
    kinds = [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.action.like("edition.category_%"))]
    assert sorted(kinds) == ["edition.category_add", "edition.category_remove"]


@pytest.mark.parametrize(("change", "status", "key"), [
    ({"code": "C1"}, 409, "code"),
    ({"code": "X1"}, 422, "code"),
    ({"code": "c12"}, 422, "code"),
    ({"code": "C7."}, 422, "code"),
    ({"code": "C0"}, 422, "code"),
    ({"code": "C123"}, 422, "code"),
    ({"title": ""}, 422, "title"),
    ({"title": "t" * 301}, 422, "title"),
    ({"titles": {"fr": ""}}, 422, "titles.fr"),
])
async def test_a_bad_category_is_refused_naming_the_field(client, staff, next_year, change, status, key):
    before = await codes(client, next_year)
    response = await staff.post(f"/api/editions/{next_year}/categories", json={**C12, **change})
    assert response.status_code == status, response.text
    assert key in [e["key"] for e in response.json()["extra"]]
    assert await codes(client, next_year) == before


async def test_once_submissions_opened_categories_are_fixed(client, staff, year):
    before = await codes(client, year)
    added = await staff.post(f"/api/editions/{year}/categories", json=C12)
    assert added.status_code == 403 and added.json()["extra"][0]["key"] == "code"
    assert "before submissions open" in added.json()["detail"]
    removed = await staff.delete(f"/api/editions/{year}/categories/C9")
    assert removed.status_code == 403 and removed.json()["extra"][0]["key"] == "code"
    assert await codes(client, year) == before
    assert await AuditEntry.count().where(AuditEntry.action.like("edition.category_%")) == 0


async def test_an_edition_moved_on_by_staff_is_past_preparation(client, staff, next_year):
    moved = await staff.put(f"/api/editions/{next_year}/phase", json={"phase": "nomination", "reason": "test"})
    assert moved.status_code == 200
    assert (await staff.post(f"/api/editions/{next_year}/categories", json=C12)).status_code == 403


async def test_a_category_with_projects_cannot_be_removed(app, client, staff, year):
    async with await signed_in(app, "owner@example.org") as owner:
        assert (await owner.post("/api/nominations", json=project())).status_code == 201  # a draft in C7.4
    # the edition's submission phase is put back ahead of now: it is being prepared again
    edition = (await client.get(f"/api/editions/{year}")).json()
    closes = edition["phases"][0]["closes_at"]
    opens = (utcnow() + timedelta(days=1)).isoformat()
    moved = await staff.patch(f"/api/editions/{year}", json={"phases": [{"name": "submission", "opens_at": opens,
                                                                         "closes_at": closes}]})
    assert moved.status_code == 200, moved.text
    refused = await staff.delete(f"/api/editions/{year}/categories/C7.4")
    assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "code"
    assert "C7.4" in await codes(client, year)
    assert (await staff.delete(f"/api/editions/{year}/categories/C9")).status_code == 200
    assert (await staff.delete(f"/api/editions/{year}/categories/C99")).status_code == 404
    assert await Category.count().where(Category.code == "C7.4") == 1


async def test_staff_add_and_remove_categories_from_the_edition_page(client, staff, next_year):
    page = await staff.get(f"/staff/editions/{next_year}")
    assert "Add a category" in page.text and f'/staff/editions/{next_year}/categories/C9/delete' in page.text
    added = await staff.post_form(f"/staff/editions/{next_year}/categories", list(C12.items()))
    assert added.status_code == 303 and "saved=category" in added.headers["location"]
    assert "C12" in await codes(client, next_year)
    page = await staff.get(f"/staff/editions/{next_year}?saved=category")
    assert "Category C12 added" in page.text and "Digital public infrastructure" in page.text
    clash = await staff.post_form(f"/staff/editions/{next_year}/categories", [("code", "C12"), ("title", "Again")])
    assert clash.status_code == 409 and "already has a category C12" in clash.text
    bad = await staff.post_form(f"/staff/editions/{next_year}/categories", [("code", "Z9"), ("title", "Z")])
    assert bad.status_code == 422 and "A category code is C and a number" in bad.text
    removed = await staff.post_form(f"/staff/editions/{next_year}/categories/C12/delete", [])
    assert removed.status_code == 303 and "C12" not in await codes(client, next_year)


async def test_the_page_says_the_categories_are_fixed_once_submissions_opened(client, staff, year):
    page = await staff.get(f"/staff/editions/{year}")
    assert "the categories are fixed" in page.text and "Add a category" not in page.text
    refused = await staff.post_form(f"/staff/editions/{year}/categories", list(C12.items()))
    assert refused.status_code == 403 and "before submissions open" in refused.text
    assert "C12" not in await codes(client, year)
