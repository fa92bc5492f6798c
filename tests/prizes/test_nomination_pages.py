"""Nomination pages without JavaScript: the form, the receipt, the catalogue, the project
page, the staff list and its CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from core.exports import safe_cell
from prizes.nominations.tables import Nomination
from tests.factories import project, set_phase, signed_in, words_text


def form_of(body: dict, action: str = "submit") -> list[tuple[str, str]]:
    pairs = [(k, str(v)) for k, v in body.items() if k not in ("sdgs", "declarations", "owned_by_submitter")]
    pairs += [("sdgs", str(g)) for g in body["sdgs"]]
    pairs += [(f"declaration_{k}", "on") for k, v in body["declarations"].items() if v]
    pairs += [("owned_by_submitter", "yes" if body["owned_by_submitter"] else "no"), ("action", action)]
    return pairs


async def test_a_mistake_is_shown_next_to_its_field_and_the_corrected_form_submits(owner):
    body = project(short_description=words_text(90))
    response = await owner.post_form("/nominations/new", form_of(body))
    assert response.status_code == 422
    page = response.text
    assert 'id="f-short_description-error"' in page and "Write 150 to 200 words (now 90)" in page
    assert 'aria-invalid="true"' in page
    assert await Nomination.count() == 1  # the draft was kept
    nid = str((await Nomination.select(Nomination.id).first())["id"])
    fixed = await owner.post_form(f"/nominations/{nid}/edit", form_of(project()))
    assert fixed.status_code == 303 and fixed.headers["location"] == f"/nominations/{nid}/receipt"
    receipt = await owner.get(fixed.headers["location"])
    assert "Project submitted" in receipt.text and nid in receipt.text
    dashboard = await owner.get("/nominations")
    assert "Submitted" in dashboard.text and "Mobile records for community health" in dashboard.text


async def test_saving_a_draft_keeps_what_was_typed(owner):
    response = await owner.post_form("/nominations/new", [("category", "C3"), ("title", "Half done"), ("action", "save")])
    assert response.status_code == 303
    page = await owner.get(response.headers["location"])
    assert 'value="Half done"' in page.text and "Your draft was saved." in page.text


async def test_hostile_text_is_escaped_on_every_page(app, client, owner):
    hostile = '<script>alert("x")</script>'
    body = project(title=hostile, entity_name=hostile + " Ltd", impact=words_text(60) + hostile)
    created = (await owner.post("/api/nominations", json=body)).json()
    await owner.post(f"/api/nominations/{created['id']}/submit")
    for url in ("/nominations", f"/nominations/{created['id']}/receipt", f"/projects/{created['id']}"):
        page = (await owner.get(url)).text
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;" in page, url
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = (await staff.get("/staff/nominations")).text
        assert "<script>alert" not in page and "&lt;script&gt;" in page


async def test_the_catalogue_shows_only_nominated_projects_from_the_voting_phase(app, client, owner):
    created = (await owner.post("/api/nominations", json=project())).json()
    await owner.post(f"/api/nominations/{created['id']}/submit")
    assert "Mobile records" not in (await client.get("/projects")).text
    await set_phase(app, "nomination")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        await staff.post(f"/api/nominations/{created['id']}/eligibility", json={"eligible": True})
        await staff.post(f"/api/editions/{created['year']}/nominated")
    await set_phase(app, "voting")
    page = (await client.get("/projects?region=africa")).text
    assert "Mobile records for community health" in page and "1 project" in page
    assert "amina@health.example.org" not in (await client.get(f"/projects/{created['id']}")).text
    assert "Mobile records" not in (await client.get("/projects?region=europe")).text


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("plain", "plain"), ("", ""), (None, ""),
])
def test_csv_cells_never_start_a_formula(value, expected):
    assert safe_cell(value) == expected


async def test_staff_csv_export_is_formula_safe(app, owner):
    created = (await owner.post("/api/nominations", json=project(title="=cmd|' /C calc'!A0", entity_name="@evil"))).json()
    await owner.post(f"/api/nominations/{created['id']}/submit")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.get("/staff/nominations/export.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows[0]["title"] == "'=cmd|' /C calc'!A0" and rows[0]["entity_name"] == "'@evil"
        assert rows[0]["contact_email"] == "amina@health.example.org"
        assert rows[0]["goals"] == "" and rows[0]["sdgs"] == " ".join(str(g) for g in project()["sdgs"])
    assert (await owner.get("/staff/nominations/export.csv")).status_code == 403


async def test_staff_csv_export_has_the_goals_of_the_other_frameworks(app, owner):
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year = (await staff.get("/api/editions/current")).json()["year"]
        goals = [{"number": n, "title": f"Objective {n}"} for n in range(1, 6)]
        for code in ("GDC", "ABC"):
            added = await staff.post(f"/api/editions/{year}/frameworks", json={"code": code, "title": code, "goals": goals})
            assert added.status_code == 201, added.text
        created = (await owner.post("/api/nominations", json=project(goals={"GDC": [3, 1], "ABC": [5]}))).json()
        assert (await owner.post(f"/api/nominations/{created['id']}/submit")).status_code == 200
        rows = list(csv.DictReader(io.StringIO((await staff.get("/staff/nominations/export.csv")).text)))
        assert rows[0]["goals"] == "ABC-5 GDC-1 GDC-3"
        assert list(rows[0]).index("goals") == list(rows[0]).index("sdgs") + 1
