"""Nominations through the API: drafting, submitting, the rules enforced at submission,
withdrawing, screening, confirming the nominated list, and what the public sees."""

from __future__ import annotations

import asyncio

import pytest

from core.tables import OutgoingMail
from prizes.nominations.tables import Nomination
from tests.factories import ApiClient, make_user, project, set_phase, signed_in, words_text


async def draft_and_submit(api: ApiClient, **overrides) -> dict:
    created = await api.post("/api/nominations", json=project(**overrides))
    assert created.status_code == 201, created.text
    submitted = await api.post(f"/api/nominations/{created.json()['id']}/submit")
    return submitted


async def test_an_owner_drafts_edits_and_submits_a_project_and_gets_a_receipt(owner):
    created = await owner.post("/api/nominations", json={"category": "C7.4", "title": "Draft title"})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "draft" and body["title"] == "Draft title" and body["category"] == "C7.4"
    edited = await owner.patch(f"/api/nominations/{body['id']}", json={k: v for k, v in project().items() if k != "category"})
    assert edited.status_code == 200 and edited.json()["title"] == "Mobile records for community health"
    submitted = await owner.post(f"/api/nominations/{body['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    [mail] = await OutgoingMail.select().where(OutgoingMail.kind == "receipt")
    assert mail["recipient"] == "owner@example.org"
    assert "Mobile records for community health" in mail["subject"] and body["id"] in mail["body_text"]


async def test_an_incomplete_project_is_refused_with_every_field_named(owner):
    created = await owner.post("/api/nominations", json={"category": "C1", "title": "Only a title",
                                                        "short_description": words_text(120)})
    response = await owner.post(f"/api/nominations/{created.json()['id']}/submit")
    assert response.status_code == 422
    keys = {e["key"] for e in response.json()["extra"]}
    assert keys == {"entity_name", "contact_name", "stakeholder_type", "country", "region", "contact_email", "website",
                    "project_status", "started_on", "short_description", "sdg_linkages", "impact", "partnerships",
                    "challenges", "sdgs", "declarations.english", "declarations.accurate", "declarations.consent"}
    assert (await Nomination.select(Nomination.status).first())["status"] == "draft"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"short_description": words_text(149)}, "short_description"),
        ({"short_description": words_text(201)}, "short_description"),
        ({"impact": words_text(49)}, "impact"),
        ({"declarations": {"english": True, "accurate": False, "consent": True}}, "declarations.accurate"),
        ({"contact_email": "nobody"}, "contact_email"),
    ],
)
async def test_each_content_rule_is_422_naming_its_field(owner, overrides, key):
    response = await draft_and_submit(owner, **overrides)
    assert response.status_code == 422
    assert [e["key"] for e in response.json()["extra"]] == [key]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"category": "C99"}, "category"),
        ({"country": "XX"}, "country"),
        ({"region": "mars"}, "region"),
        ({"stakeholder_type": "alien"}, "stakeholder_type"),
        ({"sdgs": [0, 18]}, "sdgs"),
        ({"project_status": "dreaming"}, "project_status"),
        ({"website": "not a site"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
    ],
)
async def test_values_outside_an_enumeration_are_422_even_in_a_draft(owner, overrides, key):
    response = await owner.post("/api/nominations", json=project(**overrides))
    assert response.status_code == 422
    assert [e["key"] for e in response.json()["extra"]] == [key]
    assert await Nomination.count() == 0


async def test_word_limits_count_as_a_person_counts(owner):
    # 150 words where hyphenated words, contractions and 2,000 count once and dashes not at all
    text = words_text(146) + " e-health don't 2,000 — & people"
    assert (await draft_and_submit(owner, short_description=text)).status_code == 200


async def test_one_project_per_entity_per_category(app, owner):
    assert (await draft_and_submit(owner)).status_code == 200
    async with await signed_in(app, "colleague@example.org") as colleague:
        response = await draft_and_submit(colleague, entity_name="  ministry of HEALTH. ", title="Another project",
                                          short_description=words_text(170, "Different"))
        assert response.status_code == 409
        assert response.json()["extra"][0]["key"] == "entity_name"
        # the same entity in another country, or another category, is fine
        other = await draft_and_submit(colleague, country="UG", title="Another project",
                                       short_description=words_text(170, "Uganda"))
        assert other.status_code == 200


@pytest.mark.postgres_only
async def test_twenty_concurrent_submissions_of_one_entity_leave_exactly_one(app, client):
    apis = []
    for i in range(20):
        await make_user(app, f"clerk{i}@example.org")
        api = ApiClient.extra(app)
        await api.sign_in(f"clerk{i}@example.org")
        created = await api.post("/api/nominations", json=project(title=f"Project {i}",
                                                                 short_description=words_text(170, f"Variant{i}x" * 1)))
        apis.append((api, created.json()["id"]))
    responses = await asyncio.gather(*(api.post(f"/api/nominations/{nid}/submit") for api, nid in apis))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 409}
    assert await Nomination.count().where(Nomination.status == "submitted") == 1


async def test_a_near_duplicate_in_another_category_is_refused_naming_the_match(owner):
    assert (await draft_and_submit(owner)).status_code == 200
    description = project()["short_description"].split()
    description[5] = "several"  # 169 of 170 words kept
    response = await draft_and_submit(owner, category="C4", entity_name="Health Ministry",
                                      title="Mobile Records for Community-Health!", short_description=" ".join(description))
    assert response.status_code == 409
    body = response.json()
    assert "Mobile records for community health" in body["detail"] and "99%" in body["detail"]


async def test_two_projects_on_the_same_subject_are_not_refused(owner):
    assert (await draft_and_submit(owner)).status_code == 200
    other = ("A telemedicine network links district hospitals with specialists in the capital so that nurses can "
             "consult on difficult cases by video, share images and lab results, and arrange transfers. ") * 6
    response = await draft_and_submit(owner, category="C4", entity_name="Health Ministry",
                                      title="Mobile records for community health",
                                      short_description=" ".join(other.split()[:170]))
    assert response.status_code == 200


async def test_nothing_is_created_edited_or_submitted_outside_the_submission_phase(app, owner):
    created = (await owner.post("/api/nominations", json=project())).json()
    await set_phase(app, "nomination")
    assert (await owner.post("/api/nominations", json=project())).status_code == 403
    assert (await owner.patch(f"/api/nominations/{created['id']}", json={"title": "Late"})).status_code == 403
    assert (await owner.post(f"/api/nominations/{created['id']}/submit")).status_code == 403
    assert (await Nomination.select(Nomination.title).first())["title"] == project()["title"]


async def test_withdraw_back_to_draft_before_the_deadline_only(app, owner):
    submitted = (await draft_and_submit(owner)).json()
    response = await owner.post(f"/api/nominations/{submitted['id']}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert (await owner.post(f"/api/nominations/{submitted['id']}/submit")).status_code == 200
    await set_phase(app, "nomination")
    assert (await owner.post(f"/api/nominations/{submitted['id']}/withdraw")).status_code == 403


async def test_nobody_reads_or_changes_a_project_that_is_not_theirs(app, owner):
    created = (await owner.post("/api/nominations", json=project())).json()
    async with await signed_in(app, "stranger@example.org") as stranger:
        assert (await stranger.get(f"/api/nominations/{created['id']}")).status_code == 404
        assert (await stranger.patch(f"/api/nominations/{created['id']}", json={"title": "Mine"})).status_code == 404
        assert (await stranger.post(f"/api/nominations/{created['id']}/submit")).status_code == 404
    assert (await owner.get("/api/nominations/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_an_unverified_account_cannot_submit(app, client):
    await make_user(app, "new@example.org", verified=False)
    await client.sign_in("new@example.org")
    assert (await client.post("/api/nominations", json=project())).status_code == 403


async def test_screening_confirming_and_the_public_catalogue(app, client, owner, staff):
    first = (await draft_and_submit(owner)).json()
    second = (await draft_and_submit(owner, category="C4", title="Teachers online",
                                      short_description=words_text(170, "Teachers"))).json()
    # before voting, the public sees nothing
    assert (await client.get("/api/nominations")).json() == {"items": [], "total": 0, "offset": 0, "limit": 20}
    assert (await staff.post(f"/api/nominations/{first['id']}/eligibility", json={"eligible": True})).status_code == 403
    await set_phase(app, "nomination")
    ok = await staff.post(f"/api/nominations/{first['id']}/eligibility", json={"eligible": True, "reason": "fine"})
    assert ok.status_code == 200 and ok.json()["status"] == "eligible"
    no_reason = await staff.post(f"/api/nominations/{second['id']}/eligibility", json={"eligible": False})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["key"] == "reason"
    await staff.post(f"/api/nominations/{second['id']}/eligibility", json={"eligible": False, "reason": "not ICT"})
    year = first["year"]
    counts = await staff.post(f"/api/editions/{year}/nominated")
    assert counts.json() == {"nominated": 1, "not_nominated": 1, "undecided": 0}
    kinds = sorted(m["kind"] for m in await OutgoingMail.select(OutgoingMail.kind).where(OutgoingMail.kind != "receipt"))
    assert kinds == ["nominated", "not_nominated"]
    assert (await client.get("/api/nominations")).json()["total"] == 0  # still not public
    await set_phase(app, "voting")
    listing = (await client.get("/api/nominations")).json()
    assert listing["total"] == 1
    [item] = listing["items"]
    assert item["id"] == first["id"] and item["status"] == "nominated"
    assert "contact_email" not in item and "declarations" not in item and "owner_email" not in item
    public = (await client.get(f"/api/nominations/{first['id']}")).json()
    assert "contact_name" not in public
    assert (await client.get(f"/api/nominations/{second['id']}")).status_code == 404
    staff_view = (await staff.get("/api/nominations?status=ineligible")).json()
    assert [i["id"] for i in staff_view["items"]] == [second["id"]]


async def test_catalogue_filters_and_pages(app, client, owner, staff):
    ids = []
    for i, (category, region, country) in enumerate([("C1", "africa", "KE"), ("C4", "europe", "FR"), ("C7.4", "africa", "GH")]):
        body = (await draft_and_submit(owner, category=category, region=region, country=country,
                                       entity_name=f"Entity {i}", title=f"Project {i} water",
                                       short_description=words_text(170, f"Seed{i}"), sdgs=[i + 1])).json()
        ids.append(body["id"])
    await set_phase(app, "nomination")
    for nid in ids:
        await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})
    await staff.post(f"/api/editions/{body['year']}/nominated")
    await set_phase(app, "voting")

    async def found(query: str) -> list[str]:
        return [i["id"] for i in (await client.get(f"/api/nominations?{query}")).json()["items"]]

    assert set(await found("region=africa")) == {ids[0], ids[2]}
    assert await found("category=C4") == [ids[1]]
    assert await found("country=gh") == [ids[2]]
    assert await found("sdg=1") == [ids[0]]
    assert await found("q=project%201") == [ids[1]]
    assert await found("stakeholder_type=academia") == []
    page = (await client.get("/api/nominations?limit=2&offset=2")).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["limit"] == 2
    assert (await client.get("/api/nominations?limit=1000")).json()["limit"] == 100


@pytest.mark.parametrize("text", ['<script>alert(1)</script>', "\u202eRTL", "x" * 301])
async def test_hostile_text_is_stored_as_text_or_refused_when_too_long(owner, text):
    response = await owner.post("/api/nominations", json=project(title=text))
    if len(text) > 300:
        assert response.status_code == 422 and response.json()["extra"][0]["key"] == "title"
    else:
        assert response.status_code == 201 and response.json()["title"] == text


async def test_nul_bytes_are_refused(owner):
    response = await owner.post("/api/nominations", json=project(impact="a\x00b"))
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "impact"


async def test_a_winner_of_an_earlier_edition_cannot_compete_again(app, owner, staff):
    from datetime import datetime, timedelta, timezone

    won = (await draft_and_submit(owner)).json()
    await Nomination.update({Nomination.status: "winner"}).where(Nomination.id == won["id"])
    year = won["year"]
    await staff.post("/api/editions", json={"year": year + 1})
    opened = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    await staff.patch(f"/api/editions/{year + 1}", json={"phases": [{"name": "submission", "opens_at": opened}]})
    assert (await owner.get("/api/editions/current")).json()["year"] == year + 1
    response = await draft_and_submit(owner, entity_name="Health Ministry of Kenya", category="C3")
    assert response.status_code == 409
    assert f"won the {year} edition" in response.json()["detail"]
    assert response.json()["extra"][0]["key"] == "title"
    # a new project of the same entity is welcome
    fresh = await draft_and_submit(owner, title="Water points on a map", short_description=words_text(170, "Water"))
    assert fresh.status_code == 200
