"""Statistics of an edition (issue 12 item 4): tables with the book's charts, CSV, JSON,
and who may see them."""

from __future__ import annotations

from tests.factories import make_user, project, signed_in, words_text


async def _submit(owner, **fields) -> str:
    created = await owner.post("/api/nominations", json=project(**fields))
    assert created.status_code == 201, created.text
    assert (await owner.post(f"/api/nominations/{created.json()['id']}/submit")).status_code == 200
    return created.json()["id"]


async def test_staff_see_each_table_with_its_chart_csv_and_json(app, client):
    async with await signed_in(app, "owner@example.org") as owner:
        await _submit(owner)
        await _submit(owner, title="<script>alert(1)</script> radio", category="C1", country="FR", region="europe",
                      sdgs=[4], short_description=words_text(170, "Other"), impact=words_text(60, "Otherimpact"),
                      entity_name="Other entity")
        await owner.post("/api/nominations", json=project(title="A draft", entity_name="Draft"))  # not counted
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = await staff.get(f"/staff/statistics/{year}")
        assert page.status_code == 200
        assert 'aria-label="Staff"' in page.text and f'href="/staff/statistics/{year}" aria-current="page"' in page.text
        assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') >= 5
        assert "<script>alert" not in page.text
        data = (await staff.get(f"/api/editions/{year}/statistics")).json()
        tables = {t["key"]: t for t in data["tables"]}
        assert set(tables) == {"region", "stakeholder", "category", "sdg", "country", "votes_category", "votes_day",
                               "scores"}
        region = {r["key"]: r["submitted"] for r in tables["region"]["rows"]}
        assert region == {"africa": 1, "europe": 1}
        sdg = {r["key"]: r["submitted"] for r in tables["sdg"]["rows"]}
        assert sdg["3"] == 1 and sdg["4"] == 1 and sdg["10"] == 1 and sdg["17"] == 0 and len(sdg) == 17
        category = {r["key"]: r["submitted"] for r in tables["category"]["rows"]}
        assert category["C7.4"] == 1 and category["C1"] == 1 and len(category) == 18
        assert tables["votes_day"]["rows"] == [] and tables["scores"]["rows"] == []
        csv = await staff.get(f"/staff/statistics/{year}/csv/country")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0] == "key,label,submitted,nominated"
        assert (await staff.get(f"/staff/statistics/{year}/csv/nothing")).status_code == 404
        assert (await staff.get("/staff/statistics/1901")).status_code in (400, 404)
        assert (await staff.get(f"/staff/statistics/{10**30}")).status_code in (400, 404)
        assert (await staff.get("/staff/statistics")).status_code == 303
        staff.http.cookies.set("lang", "fr")
        assert "Projets par région" in (await staff.get(f"/staff/statistics/{year}")).text


async def test_only_staff_see_the_statistics_before_publication(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    await make_user(app, "judge@example.org", roles=("judge",))
    assert (await client.get(f"/api/editions/{year}/statistics")).status_code == 404
    page = await client.get(f"/staff/statistics/{year}")
    assert page.status_code in (401, 403) or page.status_code == 303
    for email, roles in (("voter@example.org", ()), ("judge2@example.org", ("judge",))):
        async with await signed_in(app, email, roles=roles) as someone:
            assert (await someone.get(f"/api/editions/{year}/statistics")).status_code == 404
            assert (await someone.get(f"/staff/statistics/{year}")).status_code == 403
            assert (await someone.get(f"/staff/statistics/{year}/csv/region")).status_code == 403
