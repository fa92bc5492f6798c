"""Conflicts of interest, declared and automatic: a conflicted judge can neither see, score,
screen nor rank the project; and screening (through prizes' hook) is for the judges of the
project's panel only."""

from __future__ import annotations

import pytest

from core.audit import entries
from tests.factories import ApiClient, set_phase
from tests.judging.factories import judge_account, scores, submit_project


async def _sees(api: ApiClient, nid: str) -> dict[str, int]:
    """What a judge gets for the project, route by route."""
    queue = (await api.get("/api/judging/queue")).json()["items"]
    return {
        "queue": int(any(i["nomination_id"] == nid for i in queue)),
        "project": (await api.get(f"/api/judging/projects/{nid}")).status_code,
        "sheet": (await api.get(f"/api/judging/scores/{nid}")).status_code,
        "score": (await api.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 5}})).status_code,
        "screen": (await api.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})).status_code,
    }


HIDDEN = {"queue": 0, "project": 404, "sheet": 404, "score": 404, "screen": 404}
VISIBLE = {"queue": 1, "project": 200, "sheet": 200, "score": 200, "screen": 200}


async def test_a_declared_conflict_hides_the_project_from_that_judge_only(app, owner, judge, judge2, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    # Ada's sheet is a draft (after a submitted one, a conflict waits for staff: test_conflict_decisions)
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": False})
    await judge2.put(f"/api/judging/scores/{nid}", json={"scores": scores(4), "submit": True})

    no_reason = await judge.post("/api/judging/conflicts", json={"nomination_id": nid})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["key"] == "reason"
    declared = await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "I advised them in 2024"})
    assert declared.status_code == 201
    assert {k: declared.json()[k] for k in ("nomination_id", "reason")} == {"nomination_id": nid,
                                                                            "reason": "I advised them in 2024"}
    again = await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "again"})
    assert again.status_code == 409

    assert await _sees(judge, nid) == HIDDEN
    assert await _sees(judge2, nid) == {**VISIBLE, "score": 409}  # Bob's sheet is submitted, so locked
    # the conflicted judge's sheet could not be submitted now: the ranking is Bob's
    after = (await staff.get("/api/judging/rankings?category=C7.4")).json()["items"][0]
    assert (after["judges"], after["mean"]) == (1, round(100 * 3 / 9, 2))
    [entry] = await entries(action="judging.conflict")
    assert entry["actor_email"] == "ada@judges.example" and entry["reason"] == "I advised them in 2024"
    listing = (await staff.get("/api/judging/conflicts")).json()["items"]
    assert listing == [{"judge": "ada@judges.example", "nomination_id": nid, "title": "Project 1 for community health",
                        "source": "declared", "reason": "I advised them in 2024", "status": "standing"}]


@pytest.mark.parametrize(
    ("judge_email", "overrides", "conflicted"),
    [
        ("amina@health.example.org", {}, True),  # the project's contact
        ("director@health.example.org", {}, True),  # the contact's organisation
        ("someone@owner.example.net", {"contact_email": "amina@gmail.com"}, True),  # the submitter's organisation
        ("someone@clinic.health.example.org", {}, True),  # a subdomain of the contact's
        ("friend@gmail.com", {"contact_email": "amina@gmail.com"}, False),  # a public mail provider
        ("judge@unrelated.example", {}, False),
        ("b@health.gov.uk", {"contact_email": "a@health.gov.uk"}, True),  # one registrable domain
        ("someone@health.gov.uk", {"contact_email": "x@gov.uk"}, False),  # gov.uk is a public suffix
        ("someone@nhs.gov.uk", {"contact_email": "a@health.gov.uk"}, False),  # two bodies under gov.uk
    ],
)
async def test_obvious_conflicts_are_found_automatically(app, owner, staff, judge_email, overrides, conflicted):
    nid = await submit_project(owner, 1, **overrides)
    await judge_account(app, judge_email, ("C7.4",))
    await set_phase(app, "nomination")
    api = ApiClient.extra(app)
    await api.sign_in(judge_email)
    assert await _sees(api, nid) == (HIDDEN if conflicted else VISIBLE)
    listed = [c for c in (await staff.get("/api/judging/conflicts")).json()["items"] if c["judge"] == judge_email]
    assert [c["source"] for c in listed] == (["automatic"] if conflicted else [])
    await api.http.aclose()


async def test_a_judge_who_submitted_the_project_is_conflicted(app, client):
    await judge_account(app, "maker@judges.example", ("C7.4",))
    api = ApiClient.extra(app)
    await api.sign_in("maker@judges.example")
    nid = await submit_project(api, 1, contact_email="someone@gmail.com")
    await set_phase(app, "nomination")
    assert await _sees(api, nid) == HIDDEN
    await api.http.aclose()


async def test_screening_is_for_the_judges_of_the_projects_panel_and_staff(app, owner, judge, outsider, staff):
    nid = await submit_project(owner, 1)
    other = await submit_project(owner, 2, category="C4")
    await set_phase(app, "nomination")
    # a judge of another panel: as if the project did not exist
    refused = await outsider.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})
    assert refused.status_code == 404
    assert (await judge.post(f"/api/nominations/{other}/eligibility", json={"eligible": True})).status_code == 404
    # the panel's judge screens
    ok = await judge.post(f"/api/nominations/{nid}/eligibility", json={"eligible": False, "reason": "No ICT"})
    assert ok.status_code == 200 and ok.json()["status"] == "ineligible"
    # staff screen any project, on no panel
    assert (await staff.post(f"/api/nominations/{other}/eligibility", json={"eligible": True})).status_code == 200
    # a declared conflict ends the judge's screening too
    await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "former employer"})
    assert (await judge.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})).status_code == 404
    assert [e["actor_email"] for e in await entries(action="nomination.eligibility")] == [
        "staff@secretariat.example", "ada@judges.example"]


async def test_a_conflict_can_be_declared_only_on_a_project_of_ones_panel(app, owner, outsider, judge):
    nid = await submit_project(owner, 1)
    response = await outsider.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "x"})
    assert response.status_code == 404
    missing = await judge.post("/api/judging/conflicts", json={"nomination_id": "00000000-0000-0000-0000-000000000009",
                                                               "reason": "x"})
    assert missing.status_code == 404
    # outside the rounds too: a conflict is for every round
    assert (await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "x"})).status_code == 201
