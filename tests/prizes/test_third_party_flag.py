"""The third-party nomination flag (`owned_by_submitter: false`, issue 12 item 6) shown to
staff: the list, its CSV, the project page."""

from __future__ import annotations

from tests.factories import project, signed_in


async def test_staff_see_a_project_nominated_by_a_third_party(app, client):
    async with await signed_in(app, "owner@example.org") as owner:
        created = await owner.post("/api/nominations", json=project(owned_by_submitter=False))
        assert created.status_code == 201, created.text
        item = created.json()["id"]
        assert (await owner.post(f"/api/nominations/{item}/submit")).status_code == 200
        own = await owner.post("/api/nominations", json=project(title="Our own radio", entity_name="Own entity",
                                                                 category="C1"))
        assert own.status_code == 201
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        listing = await staff.get("/staff/nominations")
        assert listing.status_code == 200 and listing.text.count("nominated by a third party") == 1
        csv = (await staff.get("/staff/nominations/export.csv")).text.splitlines()
        assert csv[0].endswith(",owned_by_submitter") and csv[1].endswith(",no")
        page = await staff.get(f"/projects/{item}")
        assert page.status_code == 200 and "nominated by a third party" in page.text
        staff.http.cookies.set("lang", "fr")
        assert "proposé par un tiers" in (await staff.get("/staff/nominations")).text


async def test_the_owners_dashboard_links_the_receipt_and_takes_a_year(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "owner@example.org") as owner:
        created = await owner.post("/api/nominations", json=project())
        item = created.json()["id"]
        draft = await owner.post("/api/nominations", json=project(title="A draft", entity_name="Draft", category="C1"))
        assert (await owner.post(f"/api/nominations/{item}/submit")).status_code == 200
        page = await owner.get("/nominations")
        assert f'href="/nominations/{item}/receipt"' in page.text
        assert f'href="/nominations/{draft.json()["id"]}/receipt"' not in page.text
        assert "certificate.pdf" not in page.text and "/badge" not in page.text
        assert (await owner.get("/nominations", params={"year": year})).text == page.text
        assert (await owner.get("/nominations", params={"year": 1901})).status_code in (400, 404)
        assert (await owner.get("/nominations", params={"year": "x"})).status_code == 400
    assert (await client.get("/nominations")).status_code in (303, 401)
