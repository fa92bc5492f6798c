"""Goal frameworks as data of the edition (SPEC §11, issue 12 item 5): the SDGs in every
edition (seeded, migrated, copied), staff add / edit / remove others (API and page), every
bad input a 4xx naming the field with nothing written, and the frameworks used by nomination
validation, the form, the catalogue, the project page, the judge's sheet and the statistics."""

from __future__ import annotations

import importlib

import pytest

from core.tables import AuditEntry
from prizes.editions.tables import Framework, FrameworkGoal
from reports.demo import GDC_OBJECTIVES, GDC_TITLE
from tests.factories import project, set_phase, signed_in, words_text

LANGS = ["en", "fr", "es", "ar", "zh", "ru"]
GDC = {"code": "GDC", "title": GDC_TITLE, "goals": [{"number": n, "title": t} for n, t in GDC_OBJECTIVES]}




async def frameworks(client, year) -> dict:
    body = (await client.get(f"/api/editions/{year}")).json()
    return {f["code"]: f for f in body["frameworks"]}


async def audit_count(kind: str) -> int:
    return await AuditEntry.count().where(AuditEntry.action == kind)


async def with_gdc(staff, year):
    response = await staff.post(f"/api/editions/{year}/frameworks", json=GDC)
    assert response.status_code == 201, response.text


async def submitted_project(app, email: str, **fields) -> tuple[object, str]:
    owner = await signed_in(app, email)
    api = await owner.__aenter__()
    response = await api.post("/api/nominations", json=project(**fields))
    assert response.status_code == 201, response.text
    nid = response.json()["id"]
    submitted = await api.post(f"/api/nominations/{nid}/submit")
    assert submitted.status_code == 200, submitted.text
    return owner, nid


# --- the SDGs as data ---------------------------------------------------------------------------


async def test_every_edition_has_the_sdgs_with_17_goals_in_the_six_languages(client, year):
    found = await frameworks(client, year)
    assert list(found) == ["SDG"]
    sdg = found["SDG"]
    assert sdg["title"] == "Sustainable Development Goals" and sorted(sdg["titles"]) == sorted(LANGS)
    assert [g["number"] for g in sdg["goals"]] == list(range(1, 18))
    assert sdg["goals"][2]["title"] == "Good health and well-being"
    assert sdg["goals"][2]["titles"]["fr"] == "Bonne santé et bien-être"
    assert all(sorted(g["titles"]) == sorted(LANGS) and all(g["titles"].values()) for g in sdg["goals"])


async def test_the_migration_gives_the_sdgs_to_an_edition_without_them_once(client, year):
    migration = importlib.import_module("migrations.prizes.prizes_2026_12_01t23_50_00_000000")
    await Framework.delete(force=True)  # as before the migration (the goals go with them)
    assert await FrameworkGoal.count() == 0
    await migration.seed_sdgs()
    await migration.seed_sdgs()  # idempotent
    assert await Framework.count() == 1 and await FrameworkGoal.count() == 17
    from prizes.editions import queries
    queries.forget()
    assert [g["number"] for g in (await frameworks(client, year))["SDG"]["goals"]] == list(range(1, 18))


async def test_the_tables_refuse_a_second_code_and_a_second_number(year):
    from prizes.editions.queries import edition_row

    row = await edition_row(year)
    with pytest.raises(Exception):
        await Framework.insert(Framework(edition=row["id"], code="SDG", title="Again", titles="{}"))
    framework = await Framework.select(Framework.id).where(Framework.code == "SDG").first()
    with pytest.raises(Exception):
        await FrameworkGoal.insert(FrameworkGoal(framework=framework["id"], number=3, title="Again", titles="{}"))
    with pytest.raises(Exception):
        await FrameworkGoal.insert(FrameworkGoal(framework=framework["id"], number=0, title="Zero", titles="{}"))
    assert await FrameworkGoal.count() == 17


# --- staff add, edit, remove (API) ----------------------------------------------------------------


async def test_staff_add_a_framework_audited_and_a_new_edition_copies_it(client, staff, year):
    await with_gdc(staff, year)
    found = await frameworks(client, year)
    assert list(found) == ["SDG", "GDC"]
    assert [(g["number"], g["title"]) for g in found["GDC"]["goals"]] == list(GDC_OBJECTIVES)
    assert await audit_count("edition.framework_add") == 1
    created = await staff.post("/api/editions", json={"year": year + 1})
    assert created.status_code == 201, created.text
    copied = {f["code"]: f for f in created.json()["frameworks"]}
    assert list(copied) == ["SDG", "GDC"] and len(copied["GDC"]["goals"]) == 5
    assert len(copied["SDG"]["goals"]) == 17 and copied["SDG"]["goals"][0]["titles"]["zh"] == "无贫穷"


@pytest.mark.parametrize(("change", "status", "key"), [
    ({"code": "SDG"}, 409, "code"),
    ({"code": "gdc"}, 422, "code"),
    ({"code": "G"}, 422, "code"),
    ({"code": "ABCDEFGHIJK"}, 422, "code"),
    ({"code": "G-C"}, 422, "code"),
    ({"code": "1GD"}, 422, "code"),
    ({"title": ""}, 422, "title"),
    ({"title": "x" * 301}, 422, "title"),
    ({"goals": []}, 422, "goals"),
    ({"goals": [{"number": 1, "title": "a"}, {"number": 1, "title": "b"}]}, 422, "goals.1.number"),
    ({"goals": [{"number": 0, "title": "a"}]}, 422, "goals.0.number"),
    ({"goals": [{"number": 1, "title": " "}]}, 422, "goals.0.title"),
    ({"goals": [{"number": 1, "title": "y" * 5000}]}, 422, "goals.0.title"),
    ({"goals": [{"number": n, "title": "t"} for n in range(1, 102)]}, 422, "goals"),
    ({"titles": {"xx": "Titre"}}, 422, "titles.xx"),
])
async def test_a_bad_framework_is_refused_naming_the_field_and_nothing_is_written(client, staff, year, change,
                                                                                 status, key):
    before = await frameworks(client, year)
    response = await staff.post(f"/api/editions/{year}/frameworks", json={**GDC, **change})
    assert response.status_code == status, response.text
    if key:
        assert key in [e["key"] for e in response.json()["extra"]], response.text
    assert await frameworks(client, year) == before
    assert await audit_count("edition.framework_add") == 0


async def test_a_code_that_exists_is_a_conflict_on_code(client, staff, year):
    await with_gdc(staff, year)
    again = await staff.post(f"/api/editions/{year}/frameworks", json={**GDC, "title": "Another"})
    assert again.status_code == 409 and again.json()["extra"][0]["key"] == "code"
    assert (await frameworks(client, year))["GDC"]["title"] == GDC_TITLE


async def test_staff_edit_the_goals_but_not_one_a_project_chose(app, client, staff, year):
    await with_gdc(staff, year)
    url = f"/api/editions/{year}/frameworks/GDC"
    goals = GDC["goals"][:4] + [{"number": 6, "title": "Sixth objective"}]
    edited = await staff.put(url, json={"title": "GDC objectives", "goals": goals, "reason": "test"})
    assert edited.status_code == 200, edited.text
    found = (await frameworks(client, year))["GDC"]
    assert found["title"] == "GDC objectives" and [g["number"] for g in found["goals"]] == [1, 2, 3, 4, 6]
    assert await audit_count("edition.framework_update") == 1
    await submitted_project(app, "owner@example.org", goals={"GDC": [2]})
    refused = await staff.put(url, json={"title": "GDC", "goals": GDC["goals"][:1]})
    assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "goals"
    assert "Goal 2" in refused.json()["detail"]
    assert [g["number"] for g in (await frameworks(client, year))["GDC"]["goals"]] == [1, 2, 3, 4, 6]
    duplicate = await staff.put(url, json={"title": "GDC", "goals": GDC["goals"] + GDC["goals"][:1]})
    assert duplicate.status_code == 422 and duplicate.json()["extra"][0]["key"] == "goals.5.number"
    sdg = await staff.put(f"/api/editions/{year}/frameworks/SDG", json={"title": "x", "goals": GDC["goals"]})
    assert sdg.status_code == 409 and sdg.json()["extra"][0]["key"] == "code"
    unknown = await staff.put(f"/api/editions/{year}/frameworks/NOPE", json={"title": "x", "goals": GDC["goals"]})
    assert unknown.status_code == 404


async def test_a_framework_in_use_cannot_be_removed_one_unused_can(app, client, staff, year):
    await with_gdc(staff, year)
    owner, nid = await submitted_project(app, "owner@example.org", goals={"GDC": [1, 5]})
    refused = await staff.delete(f"/api/editions/{year}/frameworks/GDC")
    assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "code"
    assert "GDC" in await frameworks(client, year)
    sdg = await staff.delete(f"/api/editions/{year}/frameworks/SDG")
    assert sdg.status_code == 409 and "SDG" in await frameworks(client, year)
    other = {**GDC, "code": "ABC", "title": "Another framework"}
    assert (await staff.post(f"/api/editions/{year}/frameworks", json=other)).status_code == 201
    removed = await staff.delete(f"/api/editions/{year}/frameworks/ABC")
    assert removed.status_code == 200, removed.text
    assert list(await frameworks(client, year)) == ["SDG", "GDC"]
    assert await audit_count("edition.framework_remove") == 1
    await owner.__aexit__()


# --- nominations take the edition's goals ---------------------------------------------------------


@pytest.mark.parametrize(("fields", "key"), [
    ({"sdgs": [18]}, "sdgs"),
    ({"sdgs": [0]}, "sdgs"),
    ({"sdgs": [3, 3]}, "sdgs"),
    ({"goals": {"GDC": [6]}}, "goals"),
    ({"goals": {"GDC": [1, 1]}}, "goals"),
    ({"goals": {"XYZ": [1]}}, "goals"),
    ({"goals": {"SDG": [1]}}, "goals"),
])
async def test_a_nomination_takes_only_goals_of_the_editions_frameworks(app, staff, year, fields, key):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        response = await owner.post("/api/nominations", json=project(**fields))
        assert response.status_code == 422, response.text
        assert [e["key"] for e in response.json()["extra"]] == [key]
        assert (await owner.get("/api/nominations/mine")).json()["total"] == 0


async def test_a_nomination_keeps_sdgs_and_the_other_frameworks_goals(app, staff, year):
    async with await signed_in(app, "owner@example.org") as owner:
        before = await owner.post("/api/nominations", json=project(goals={"GDC": [1]}))
        assert before.status_code == 422  # no GDC framework yet
        await with_gdc(staff, year)
        created = await owner.post("/api/nominations", json=project(sdgs=[9, 4], goals={"GDC": [3, 1]}))
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["sdgs"] == [4, 9] and body["goals"] == {"GDC": [1, 3]}
        cleared = await owner.patch(f"/api/nominations/{body['id']}", json={"goals": {"GDC": []}})
        assert cleared.status_code == 200 and cleared.json()["goals"] == {}


async def test_the_form_has_a_fieldset_per_framework_and_saves_its_checkboxes(app, staff, year):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        form = await owner.get("/nominations/new")
        assert "Global Digital Compact objectives" in form.text and 'value="GDC-3"' in form.text
        assert "Good health and well-being" in form.text
        pairs = [("category", "C7.4"), ("title", "Form project"), ("action", "save"), ("sdgs", "3"),
                 ("goal", "GDC-2"), ("goal", "GDC-5")]
        saved = await owner.post_form("/nominations/new", pairs)
        assert saved.status_code == 303, saved.text
        mine = (await owner.get("/api/nominations/mine")).json()["items"][0]
        assert mine["goals"] == {"GDC": [2, 5]} and mine["sdgs"] == [3]
        bad = await owner.post_form("/nominations/new", [("category", "C1"), ("title", "Bad"), ("action", "save"),
                                                          ("goal", "GDC-9")])
        assert bad.status_code == 422 and "Choose goals of GDC" in bad.text


async def test_catalogue_project_page_sheet_and_statistics_show_the_frameworks(app, client, staff, year):
    await with_gdc(staff, year)
    judge = await signed_in(app, "ada@judges.example", roles=("judge",))
    owner, nid = await submitted_project(app, "owner@example.org", goals={"GDC": [3]})
    other, oid = await submitted_project(app, "other@example.org", title="Another project", entity_name="Other entity",
                                         short_description=words_text(170, "Farm"))
    stats = (await staff.get(f"/api/editions/{year}/statistics")).json()
    assert stats["by_sdg"]["3"] == 2 and stats["by_goal"] == {"GDC": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0}}
    assert "goal:GDC" in [t["key"] for t in stats["tables"]]
    page = await staff.get(f"/staff/statistics/{year}")
    assert "Projects by goal: GDC" in page.text
    csv = await staff.get(f"/staff/statistics/{year}/csv/goal:GDC")
    assert csv.status_code == 200 and "GDC 3" in csv.text
    await set_phase(app, "nomination")
    assert (await staff.post("/api/judging/assignments", json={"email": "ada@judges.example",
                                                               "category": "C7.4"})).status_code == 201
    async with judge as ada:
        sheet = await ada.get(f"/judging/projects/{nid}")
        assert sheet.status_code == 200, sheet.text
        assert "Global Digital Compact objectives" in sheet.text and "GDC 3: <bdi>Foster an inclusive" in sheet.text
        assert "SDG 3: <bdi>Good health and well-being</bdi>" in sheet.text
    for project_id in (nid, oid):
        assert (await staff.post(f"/api/nominations/{project_id}/eligibility", json={"eligible": True})).status_code == 200
    assert (await staff.post(f"/api/editions/{year}/nominated")).status_code == 200
    await set_phase(app, "voting")
    for response in (await client.get("/projects?goal=GDC-3"), await client.get("/api/nominations?goal=GDC-3")):
        assert response.status_code == 200
        assert "Mobile records for community health" in response.text and "Another project" not in response.text
    assert (await client.get("/api/nominations?goal=GDC-%25")).json()["total"] == 0
    catalogue = await client.get("/projects")
    assert 'value="GDC-5"' in catalogue.text and "Good health and well-being" in catalogue.text
    shown = await client.get(f"/projects/{nid}")
    assert "GDC 3: <bdi>Foster an inclusive, open, safe and secure digital space" in shown.text
    assert "Goal 3: <bdi>Good health and well-being</bdi>" in shown.text
    french = await client.get(f"/projects/{nid}", headers={"Accept-Language": "fr"})
    assert "Bonne santé et bien-être" in french.text
    await owner.__aexit__()
    await other.__aexit__()


# --- the staff page's forms -------------------------------------------------------------------


def gdc_form(**changes) -> list[tuple[str, str]]:
    fields = {"code": "GDC", "title": GDC_TITLE, "goals": "\n".join(f"{n} {t}" for n, t in GDC_OBJECTIVES),
              "reason": "the GDC"}
    fields.update(changes)
    return list(fields.items())


async def test_staff_add_edit_and_remove_a_framework_from_the_edition_page(client, staff, year):
    page = await staff.get(f"/staff/editions/{year}")
    assert "Goal frameworks" in page.text and 'action="/staff/editions/%d/frameworks"' % year in page.text
    added = await staff.post_form(f"/staff/editions/{year}/frameworks", gdc_form())
    assert added.status_code == 303 and "saved=framework" in added.headers["location"]
    assert [g["number"] for g in (await frameworks(client, year))["GDC"]["goals"]] == [1, 2, 3, 4, 5]
    page = await staff.get(f"/staff/editions/{year}?saved=framework")
    assert "5 Enhance international governance of AI for the benefit of humanity" in page.text
    assert "Goal framework GDC added" in page.text
    edited = await staff.post_form(f"/staff/editions/{year}/frameworks/GDC",
                             [("title", "GDC"), ("goals", "1. First\n2) Second\n\n7 Seventh")])
    assert edited.status_code == 303, edited.text
    assert [g["title"] for g in (await frameworks(client, year))["GDC"]["goals"]] == ["First", "Second", "Seventh"]
    removed = await staff.post_form(f"/staff/editions/{year}/frameworks/GDC/delete", [])
    assert removed.status_code == 303 and list(await frameworks(client, year)) == ["SDG"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "gdc"}, "uppercase letters or digits"),
    ({"code": "SDG"}, "already has a goal framework SDG"),
    ({"goals": "First objective without a number"}, "Line 1: start with the goal"),
    ({"goals": "1 One\n1 Again"}, "Goal 1 is given twice"),
    ({"goals": "1 One\n2 " + "z" * 300}, "Line 2: At most 200 characters"),
    ({"title": ""}, "This field is required"),
])
async def test_a_bad_framework_form_says_why_and_writes_nothing(client, staff, year, changes, message):
    response = await staff.post_form(f"/staff/editions/{year}/frameworks", gdc_form(**changes))
    assert response.status_code in (409, 422), response.text
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert list(await frameworks(client, year)) == ["SDG"]


async def test_the_page_refuses_to_remove_a_framework_in_use(app, client, staff, year):
    await with_gdc(staff, year)
    owner, _nid = await submitted_project(app, "owner@example.org", goals={"GDC": [4]})
    response = await staff.post_form(f"/staff/editions/{year}/frameworks/GDC/delete", [])
    assert response.status_code == 409 and "cannot be removed" in response.text
    assert "GDC" in await frameworks(client, year)
    await owner.__aexit__()
