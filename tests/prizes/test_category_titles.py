"""The 18 category titles in the six languages: seeded, copied, shown in the reader's language
with English as the fallback, corrected by staff (API and page), each field checked."""

from __future__ import annotations

import importlib
import json

import pytest

from core.tables import AuditEntry
from prizes.editions.tables import Category
from tests.factories import set_phase

LANGS = ["en", "fr", "es", "ar", "zh", "ru"]
FR_HEALTH = "Applications des TIC : cybersanté"
AR_HEALTH = "تطبيقات تكنولوجيا المعلومات والاتصالات: الصحة الإلكترونية"




def titles_form(**titles) -> list[tuple[str, str]]:
    return [(f"title_{lang}", title) for lang, title in titles.items()]


async def test_a_new_installation_has_every_title_in_the_six_languages(client):
    body = (await client.get("/api/editions/current")).json()
    assert len(body["categories"]) == 18
    for category in body["categories"]:
        assert sorted(category["titles"]) == sorted(LANGS)
        assert all(t.strip() for t in category["titles"].values())
        assert category["titles"]["en"] == category["title"]
    health = body["categories"][9]
    assert health["code"] == "C7.4" and health["title"] == "ICT applications: e-health"
    assert health["titles"]["fr"] == FR_HEALTH
    assert health["titles"]["ar"] == AR_HEALTH
    assert health["titles"]["zh"] == "信息通信技术应用：电子卫生"


async def test_the_migration_fills_existing_categories_and_keeps_their_english(client):
    migration = importlib.import_module("migrations.prizes.prizes_2026_12_01t21_15_00_000000")
    await Category.update({Category.titles: "{}", Category.title: "Media (corrected)"}, force=True).where(
        Category.code == "C9")
    await migration.fill_titles()
    row = await Category.select(Category.titles).where(Category.code == "C9").first()
    titles = row["titles"] if isinstance(row["titles"], dict) else json.loads(row["titles"])
    assert titles["en"] == "Media (corrected)"
    assert titles["fr"] == "Médias" and titles["ru"] == "Средства массовой информации"


@pytest.mark.parametrize(("lang", "expected"), [("fr", FR_HEALTH), ("ar", AR_HEALTH),
                                                 ("en", "ICT applications: e-health")])
async def test_pages_show_the_readers_language(app, client, lang, expected):
    await set_phase(app, "voting")
    home = await client.get("/", headers={"Accept-Language": lang})
    assert expected in home.text
    catalogue = await client.get("/projects", headers={"Accept-Language": lang})
    assert f"C7.4 — {expected}" in catalogue.text


async def test_a_missing_language_falls_back_to_english(client):
    row = await Category.select(Category.id, Category.titles).where(Category.code == "C7.4").first()
    titles = row["titles"] if isinstance(row["titles"], dict) else json.loads(row["titles"])
    del titles["ru"]
    await Category.update({Category.titles: json.dumps(titles, ensure_ascii=False)}).where(Category.id == row["id"])
    home = await client.get("/", headers={"Accept-Language": "ru"})
    assert "ICT applications: e-health" in home.text
    assert "Применение ИКТ: электронное здравоохранение" not in home.text


async def test_staff_correct_titles_audited_and_shown_on_the_next_request(client, staff, year):
    response = await staff.patch(f"/api/editions/{year}/categories/C7.4",
                                 json={"titles": {"fr": "  Applications des TIC : e-santé ", "en": "ICT: e-health"},
                                       "reason": "secretariat wording"})
    assert response.status_code == 200, response.text
    health = response.json()["categories"][9]
    assert health["titles"]["fr"] == "Applications des TIC : e-santé"
    assert health["title"] == "ICT: e-health" and health["titles"]["ar"] == AR_HEALTH
    assert "Applications des TIC : e-santé" in (await client.get("/", headers={"Accept-Language": "fr"})).text
    assert "ICT: e-health" in (await client.get("/", headers={"Accept-Language": "en"})).text
    entry = await AuditEntry.select().where(AuditEntry.action == "edition.category_titles").first().output(
        load_json=True)
    assert entry["subject"] == f"edition:{year}" and entry["reason"] == "secretariat wording"
    assert entry["details"] == {"code": "C7.4", "titles": {
        "fr": {"from": FR_HEALTH, "to": "Applications des TIC : e-santé"},
        "en": {"from": "ICT applications: e-health", "to": "ICT: e-health"}}}
    # the same titles again: nothing changes, nothing is audited
    again = await staff.patch(f"/api/editions/{year}/categories/C7.4", json={"titles": {"en": "ICT: e-health"}})
    assert again.status_code == 200
    assert await AuditEntry.count().where(AuditEntry.action == "edition.category_titles") == 1


@pytest.mark.parametrize(("titles", "key"), [
    ({"fr": ""}, "titles.fr"),
    ({"fr": "   "}, "titles.fr"),
    ({"es": "x" * 201}, "titles.es"),
    ({"de": "Medien"}, "titles.de"),
    ({"ru": "Медиа\u0007"}, "titles.ru"),
    ({"zh": "媒体\n第二行"}, "titles.zh"),
    ({}, "titles"),
])
async def test_a_bad_title_is_refused_naming_its_field_and_nothing_is_written(staff, year, titles, key):
    body = {"en": "Media, changed", **titles} if titles else {}
    response = await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": body})
    assert response.status_code == 422, response.text
    assert [e["key"] for e in response.json()["extra"]] == [key]
    row = await Category.select(Category.title).where(Category.code == "C9").first()
    assert row["title"] == "Media"
    assert await AuditEntry.count().where(AuditEntry.action == "edition.category_titles") == 0


async def test_edges_of_a_title(client, staff, year):
    ok = await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": {"es": "m" * 200}})
    assert ok.status_code == 200
    script = "<script>alert(1)</script> Médias"
    response = await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": {"fr": script}})
    assert response.status_code == 200
    page = await client.get("/", headers={"Accept-Language": "fr"})
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; Médias" in page.text
    assert (await staff.patch(f"/api/editions/{year}/categories/C99", json={"titles": {"fr": "x"}})).status_code == 404
    assert (await staff.patch("/api/editions/2099/categories/C9", json={"titles": {"fr": "x"}})).status_code == 404
    malformed = await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": {"fr": 3}})
    assert 400 <= malformed.status_code < 500
    assert (await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": "Media"})).status_code in (400, 422)


async def test_next_years_edition_copies_the_corrected_titles(staff, year):
    await staff.patch(f"/api/editions/{year}/categories/C9", json={"titles": {"fr": "Les médias"}})
    body = (await staff.post("/api/editions", json={"year": year + 1})).json()
    media = next(c for c in body["categories"] if c["code"] == "C9")
    assert media["titles"]["fr"] == "Les médias" and media["titles"]["zh"] == "媒体"


async def test_the_staff_page_has_a_labelled_form_per_category(staff, year):
    edition_page = await staff.get(f"/staff/editions/{year}")
    assert f'href="/staff/editions/{year}/categories"' in edition_page.text
    page = await staff.get(f"/staff/editions/{year}/categories")
    assert page.status_code == 200
    assert page.text.count(f'<form method="post" action="/staff/editions/{year}/categories/') == 18
    assert page.text.count('name="_csrf_token"') >= 18
    assert '<label for="f-C7-4-ar">' in page.text and 'id="f-C7-4-ar" name="title_ar"' in page.text
    assert AR_HEALTH in page.text


async def test_the_staff_page_saves_and_shows_errors_next_to_the_field(client, staff, year):
    good = await staff.post_form(f"/staff/editions/{year}/categories/C9",
                           titles_form(en="Media", fr="Les médias", es="Medios", ar="وسائط الإعلام", zh="媒体",
                                       ru="СМИ") + [("reason", "shorter")])
    assert good.status_code == 303
    assert good.headers["location"] == f"/staff/editions/{year}/categories?saved=C9"
    shown = await staff.get(good.headers["location"])
    assert 'role="status"' in shown.text and 'value="СМИ"' in shown.text
    assert "СМИ" in (await client.get("/", headers={"Accept-Language": "ru"})).text
    bad = await staff.post_form(f"/staff/editions/{year}/categories/C9",
                          titles_form(en="Media", fr="", es="Medios", ar="x", zh="y", ru="z" * 201))
    assert bad.status_code == 422
    assert 'id="f-C9-fr-error"' in bad.text and 'id="f-C9-ru-error"' in bad.text
    assert 'aria-invalid="true" aria-describedby="f-C9-fr-error"' in bad.text
    row = await Category.select(Category.titles).where(Category.code == "C9").first()
    titles = row["titles"] if isinstance(row["titles"], dict) else json.loads(row["titles"])
    assert titles["ar"] == "وسائط الإعلام"


async def test_the_vote_and_project_pages_show_the_readers_language(app, client):
    from tests.voting.factories import nominated

    await set_phase(app, "voting")
    nid = await nominated(app, category="C7.4", title="Mobile records")
    vote = await client.get(f"/vote/{nid}", headers={"Accept-Language": "ar"})
    assert vote.status_code == 200 and AR_HEALTH in vote.text
    project_page = await client.get(f"/projects/{nid}", headers={"Accept-Language": "fr"})
    assert project_page.status_code == 200 and FR_HEALTH in project_page.text
    english = await client.get(f"/vote/{nid}", headers={"Accept-Language": "en"})
    assert "ICT applications: e-health" in english.text and AR_HEALTH not in english.text


async def test_the_staff_rankings_page_shows_the_readers_language(staff, year):
    page = await staff.get(f"/staff/judging/{year}/rankings?category=C7.4", headers={"Accept-Language": "zh"})
    assert page.status_code == 200 and "信息通信技术应用：电子卫生" in page.text


async def test_the_results_mail_names_the_category_in_the_owners_language(app, staff, year):
    from accounts.tables import User
    from core.tables import OutgoingMail
    from tests.factories import one_step_publication
    from tests.reports.factories import add_project

    project = await add_project(app, "C7.4", title="Télémédecine", entity_name="Entité")
    await User.update({User.language: "fr"}).where(User.email == "owner@example.org")
    await set_phase(app, "selection")
    assert (await staff.put(f"/api/editions/{year}/winners", json={"C7.4": [project]})).status_code == 200
    await one_step_publication(staff, year)
    await set_phase(app, "announcement")
    assert (await staff.post(f"/api/editions/{year}/publish")).status_code == 200
    [mail] = await OutgoingMail.select(OutgoingMail.body_text).where(OutgoingMail.kind == "results")
    assert f"C7.4 — {FR_HEALTH}" in mail["body_text"]
