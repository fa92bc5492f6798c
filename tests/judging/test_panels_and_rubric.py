"""Panels (assigning judges to categories) and the rubric of each round: its default, staff's
edits, and its freeze at the first submitted sheet."""

from __future__ import annotations

import pytest

from core.audit import entries
from judging.tables import JudgeAssignment
from tests.factories import ApiClient, make_user, set_phase, signed_in
from tests.judging.factories import submit_project

DEFAULT_KEYS = ["action_line", "impact", "empowerment", "sdgs", "replication", "sustainability", "partnerships",
                "wsis_values"]


# --- panels --------------------------------------------------------------------------------------


async def test_staff_assign_and_unassign_judges(app, client, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    await make_user(app, "ada@judges.example", roles=("judge",), display_name="Ada")
    created = await staff.post("/api/judging/assignments", json={"email": "ADA@judges.example", "category": "C7.4"})
    assert created.status_code == 201
    assert created.json() == {"year": year, "email": "ada@judges.example", "display_name": "Ada", "category": "C7.4"}
    again = await staff.post("/api/judging/assignments", json={"email": "ada@judges.example", "category": "C7.4"})
    assert again.status_code == 409 and again.json()["extra"][0]["key"] == "email"
    await staff.post("/api/judging/assignments", json={"email": "ada@judges.example", "category": "C1"})
    assert (await staff.get("/api/judging/assignments")).json() == {"items": [
        {"email": "ada@judges.example", "display_name": "Ada", "category": "C1"},
        {"email": "ada@judges.example", "display_name": "Ada", "category": "C7.4"},
    ]}
    removed = await staff.request("DELETE", "/api/judging/assignments", json={"email": "ada@judges.example",
                                                                             "category": "C1"})
    assert removed.status_code == 204
    gone = await staff.request("DELETE", "/api/judging/assignments", json={"email": "ada@judges.example",
                                                                          "category": "C1"})
    assert gone.status_code == 404
    assert [(e["action"], e["details"]["category"]) for e in await entries(subject=f"judging:{year}")] == [
        ("judging.unassign", "C1"), ("judging.assign", "C1"), ("judging.assign", "C7.4")]


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"email": "voter@example.org", "category": "C1"}, 422, "email"),  # not a judge
        ({"email": "nobody@example.org", "category": "C1"}, 404, "email"),
        ({"email": "ada@judges.example", "category": "C99"}, 422, "category"),
        ({"email": "ada@judges.example", "category": "C1", "year": 1999}, 404, None),
    ],
)
async def test_a_wrong_assignment_is_refused(app, staff, body, status, key):
    await make_user(app, "voter@example.org")
    await make_user(app, "ada@judges.example", roles=("judge",))
    response = await staff.post("/api/judging/assignments", json=body)
    assert response.status_code == status, response.text
    if key:
        assert [e["key"] for e in response.json()["extra"]] == [key]
    assert await JudgeAssignment.count() == 0


@pytest.mark.parametrize("role", [None, (), ("judge",)])
async def test_only_staff_assign(app, client, role):
    await make_user(app, "ada@judges.example", roles=("judge",))
    api = ApiClient.extra(app)
    if role is not None:
        await make_user(app, "someone@example.org", roles=role)
        await api.sign_in("someone@example.org")
    response = await api.post("/api/judging/assignments", json={"email": "ada@judges.example", "category": "C1"})
    assert response.status_code == (401 if role is None else 403)
    assert await JudgeAssignment.count() == 0
    await api.http.aclose()


# --- the rubric ----------------------------------------------------------------------------------


async def test_the_default_rubric_is_public(client):
    year = (await client.get("/api/editions/current")).json()["year"]
    response = await client.get(f"/api/editions/{year}/rubric?round=nomination")
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["round"], body["frozen"]) == (year, "nomination", False)
    assert [c["key"] for c in body["criteria"]] == DEFAULT_KEYS
    assert body["criteria"][0] == {"key": "action_line", "title": "Relevance to the chosen action line", "weight": 1.0,
                                   "min": 1, "max": 10,
                                   "guidance": "How closely the project serves the WSIS action line of its category."}
    assert (await client.get(f"/api/editions/{year}/rubric?round=final")).status_code == 422
    assert (await client.get("/api/editions/2099/rubric?round=selection")).status_code == 404
    assert (await client.get("/api/editions/1999/rubric?round=selection")).status_code == 400  # not a year we serve


RUBRIC = {"criteria": [
    {"key": "impact", "title": "Results and impact", "weight": 2, "min": 0, "max": 5, "guidance": "Evidence"},
    {"key": "reach", "title": "Reach", "weight": 1, "min": 1, "max": 10},
], "guidance": "Be fair.", "reason": "smaller rubric this year"}


async def test_staff_edit_a_rounds_rubric_until_its_first_sheet_is_submitted(app, client, owner, staff, judge):
    year = (await client.get("/api/editions/current")).json()["year"]
    url = f"/api/editions/{year}/rubric?round=nomination"
    saved = await staff.put(url, json=RUBRIC)
    assert saved.status_code == 200, saved.text
    assert saved.json()["criteria"] == [
        {"key": "impact", "title": "Results and impact", "weight": 2.0, "min": 0, "max": 5, "guidance": "Evidence"},
        {"key": "reach", "title": "Reach", "weight": 1.0, "min": 1, "max": 10, "guidance": ""},
    ]
    assert (await client.get(url)).json() == saved.json()
    # the selection round keeps its own (default) rubric
    assert [c["key"] for c in (await client.get(f"/api/editions/{year}/rubric?round=selection")).json()["criteria"]] \
        == DEFAULT_KEYS
    [entry] = await entries(action="judging.rubric")
    assert entry["reason"] == "smaller rubric this year" and entry["details"]["round"] == "nomination"

    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    # a draft does not freeze the rubric; a submitted sheet does
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 4}})
    assert (await staff.put(url, json=RUBRIC)).status_code == 200
    submitted = await judge.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 4, "reach": 7}, "submit": True})
    assert submitted.status_code == 200, submitted.text
    # (2 * 4/5 + 1 * 6/9) / 3
    assert submitted.json()["total"] == round(100 * (2 * 4 / 5 + 6 / 9) / 3, 2)
    refused = await staff.put(url, json={**RUBRIC, "criteria": RUBRIC["criteria"][:1]})
    assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "criteria"
    assert len((await client.get(url)).json()["criteria"]) == 2
    assert (await client.get(url)).json()["frozen"] is True
    # reopening the sheet does not unfreeze it
    await staff.post(f"/api/judging/scores/{nid}/reopen", json={"email": "ada@judges.example", "reason": "fix"})
    assert (await staff.put(url, json=RUBRIC)).status_code == 409


async def test_a_bad_rubric_is_refused_naming_each_field(client, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    response = await staff.put(f"/api/editions/{year}/rubric?round=selection", json={"criteria": [
        {"key": "impact", "title": "Impact", "weight": 1, "min": 1, "max": 10},
        {"key": "impact", "title": " ", "weight": -1, "min": 3, "max": 2},
    ]})
    assert response.status_code == 422
    assert [e["key"] for e in response.json()["extra"]] == [
        "criteria.1.key", "criteria.1.title", "criteria.1.weight", "criteria.1.max"]
    assert (await staff.put(f"/api/editions/{year}/rubric?round=selection", json={"criteria": []})).status_code == 422


@pytest.mark.parametrize("role", [None, (), ("judge",)])
async def test_only_staff_edit_a_rubric(app, client, role):
    year = (await client.get("/api/editions/current")).json()["year"]
    api = ApiClient.extra(app)
    if role is not None:
        await make_user(app, "someone@example.org", roles=role)
        await api.sign_in("someone@example.org")
    response = await api.put(f"/api/editions/{year}/rubric?round=nomination", json=RUBRIC)
    assert response.status_code == (401 if role is None else 403)
    assert len((await client.get(f"/api/editions/{year}/rubric?round=nomination")).json()["criteria"]) == 8
    await api.http.aclose()


async def test_next_years_edition_starts_from_this_years_rubric(app, client, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    await staff.put(f"/api/editions/{year}/rubric?round=selection", json=RUBRIC)
    assert (await staff.post("/api/editions", json={"year": year + 1})).status_code == 201
    nxt = (await client.get(f"/api/editions/{year + 1}/rubric?round=selection")).json()
    assert [c["key"] for c in nxt["criteria"]] == ["impact", "reach"] and nxt["frozen"] is False


async def test_round_settings_are_staffs_and_audited(app, client, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    assert (await staff.get("/api/judging/rounds?round=selection")).json() == {
        "year": year, "round": "selection", "blind": False, "share_scores": False, "rubric_frozen": False}
    changed = await staff.patch("/api/judging/rounds", json={"round": "selection", "blind": True, "reason": "policy"})
    assert changed.json() == {"year": year, "round": "selection", "blind": True, "share_scores": False,
                              "rubric_frozen": False}
    [entry] = await entries(action="judging.round")
    assert entry["details"] == {"round": "selection", "blind": {"from": False, "to": True}}
    async with await signed_in(app, "ada@judges.example", roles=("judge",)) as judge:
        assert (await judge.patch("/api/judging/rounds", json={"round": "selection", "blind": False})).status_code == 403
