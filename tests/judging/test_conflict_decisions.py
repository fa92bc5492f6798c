"""Conflicts of interest after the fact: staff see every automatic conflict with its reason
and lift a wrong one; a conflict declared after the judge's sheet was submitted waits for
staff (accept: the sheet is set aside; refuse: it stays); before a sheet is submitted, a judge
withdraws a conflict declared by mistake."""

from __future__ import annotations

import asyncio

from core.audit import entries
from tests.factories import ApiClient, set_phase
from tests.judging.factories import judge_account, scores, submit_project
from tests.judging.test_conflicts import HIDDEN, VISIBLE, _sees




async def _year(api: ApiClient) -> int:
    return (await api.get("/api/editions/current")).json()["year"]


async def _ranked(staff: ApiClient) -> tuple[int, float | None]:
    item = (await staff.get("/api/judging/rankings?category=C7.4")).json()["items"][0]
    return item["judges"], item["mean"]


async def _signed_in_judge(app, email: str) -> ApiClient:
    await judge_account(app, email, ("C7.4",))
    api = ApiClient.extra(app)
    await api.sign_in(email)
    return api


async def test_staff_see_an_automatic_conflict_with_its_reason_and_lift_it_with_theirs(app, owner, staff):
    nid = await submit_project(owner, 1, contact_email="amina@health.gov.uk")
    judge = await _signed_in_judge(app, "director@health.gov.uk")
    await set_phase(app, "nomination")
    year = await _year(staff)
    assert await _sees(judge, nid) == HIDDEN
    page = await staff.get(f"/staff/judging/{year}/conflicts")
    assert page.status_code == 200
    assert "director@health.gov.uk" in page.text and "registrable e-mail domain" in page.text
    assert (await staff.get(f"/staff/judging/{year}")).text.count(f"/staff/judging/{year}/conflicts") >= 1

    form = {"email": "director@health.gov.uk", "nomination_id": nid}
    empty = await staff.post_form(f"/staff/judging/{year}/conflicts/lift", {**form, "reason": "  "})
    assert empty.status_code == 422 and "<script>" not in empty.text
    assert await entries(action="judging.conflict_lifted") == []
    # two staff members lift at once: one lift, one audit entry
    first, second = await asyncio.gather(
        staff.post_form(f"/staff/judging/{year}/conflicts/lift", {**form, "reason": "<script>x</script> other unit"}),
        staff.post_form(f"/staff/judging/{year}/conflicts/lift", {**form, "reason": "<script>x</script> other unit"}))
    assert sorted([first.status_code, second.status_code]) == [303, 409]
    [entry] = await entries(action="judging.conflict_lifted")
    assert entry["actor_email"] == "staff@secretariat.example" and entry["reason"] == "<script>x</script> other unit"

    assert await _sees(judge, nid) == VISIBLE
    assert (await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": True})).status_code == 200
    assert (await _ranked(staff))[0] == 1
    listed = [c for c in (await staff.get("/api/judging/conflicts")).json()["items"] if c["source"] == "automatic"]
    assert [(c["status"], c["lift_reason"]) for c in listed] == [("lifted", "<script>x</script> other unit")]
    shown = (await staff.get(f"/staff/judging/{year}/conflicts")).text
    assert "&lt;script&gt;x&lt;/script&gt; other unit" in shown and "<script>x</script>" not in shown
    await judge.http.aclose()


async def test_only_an_automatic_conflict_of_the_edition_can_be_lifted(app, owner, staff, judge):
    nid = await submit_project(owner, 1)
    year = await _year(staff)
    body = {"email": "ada@judges.example", "nomination_id": nid, "reason": "not one"}
    assert (await staff.post_form(f"/staff/judging/{year}/conflicts/lift", body)).status_code == 404
    bad = {**body, "nomination_id": "not-a-uuid"}
    assert (await staff.post_form(f"/staff/judging/{year}/conflicts/lift", bad)).status_code == 404
    other_year = {**body, "email": "nobody@example.org"}
    assert (await staff.post_form(f"/staff/judging/{year}/conflicts/lift", other_year)).status_code == 404
    assert await entries(action="judging.conflict_lifted") == []


async def test_a_conflict_declared_after_a_submitted_sheet_waits_for_staff_who_refuse_it(app, owner, judge, judge2,
                                                                                       staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    year = await _year(staff)
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": True})
    await judge2.put(f"/api/judging/scores/{nid}", json={"scores": scores(4), "submit": True})
    before = await _ranked(staff)
    declared = await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "I see now"})
    assert declared.status_code == 201 and declared.json()["status"] == "pending"
    [request] = await entries(action="judging.conflict_request")
    assert request["actor_email"] == "ada@judges.example" and await entries(action="judging.conflict") == []
    # the sheet still counts, the judge still sees the project (their sheet locked)
    assert await _ranked(staff) == before
    assert await _sees(judge, nid) == {**VISIBLE, "score": 409}
    page = (await staff.get(f"/staff/judging/{year}/conflicts")).text
    assert "I see now" in page and 'value="refuse"' in page

    form = {"email": "ada@judges.example", "nomination_id": nid}
    wrong = await staff.post_form(f"/staff/judging/{year}/conflicts/decide", {**form, "decision": "maybe",
                                                                               "reason": "x"})
    assert wrong.status_code == 422
    refused = await staff.post_form(f"/staff/judging/{year}/conflicts/decide", {**form, "decision": "refuse",
                                                                                 "reason": "No real link"})
    assert refused.status_code == 303
    [decided] = await entries(action="judging.conflict_decided")
    assert decided["reason"] == "No real link" and "refuse" in str(decided["details"])
    assert await _ranked(staff) == before
    again = await staff.post_form(f"/staff/judging/{year}/conflicts/decide", {**form, "decision": "accept",
                                                                               "reason": "changed my mind"})
    assert again.status_code == 404 and len(await entries(action="judging.conflict_decided")) == 1
    # declaring again is refused: the decision stands
    assert (await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "again"})).status_code == 409


async def test_an_accepted_conflict_sets_the_sheet_aside_and_can_no_longer_be_withdrawn(app, owner, judge, judge2,
                                                                                      staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    year = await _year(staff)
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": True})
    await judge2.put(f"/api/judging/scores/{nid}", json={"scores": scores(4), "submit": True})
    page = await judge.post_form(f"/judging/projects/{nid}/conflict", {"reason": "My cousin"})
    assert page.status_code == 303 and page.headers["location"] == "/judging?saved=conflict_request"
    # pending: nothing to withdraw, staff decide
    assert (await judge.post_form(f"/judging/conflicts/{nid}/withdraw", {})).status_code == 404
    queue = (await judge.get("/judging")).text
    assert "My cousin" in queue and f"/judging/conflicts/{nid}/withdraw" not in queue
    accepted = await staff.post_form(f"/staff/judging/{year}/conflicts/decide", {
        "email": "ada@judges.example", "nomination_id": nid, "decision": "accept", "reason": "Family"})
    assert accepted.status_code == 303
    assert await _ranked(staff) == (1, round(100 * 3 / 9, 2))
    assert await _sees(judge, nid) == HIDDEN
    assert (await judge.post_form(f"/judging/conflicts/{nid}/withdraw", {})).status_code == 409
    assert await entries(action="judging.conflict_withdrawn") == []


async def test_a_judge_withdraws_a_conflict_declared_by_mistake_before_any_sheet_is_submitted(app, owner, judge,
                                                                                            judge2):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": False})  # a draft only
    declared = await judge.post("/api/judging/conflicts", json={"nomination_id": nid, "reason": "Wrong project"})
    assert declared.status_code == 201 and declared.json()["status"] == "standing"
    assert await _sees(judge, nid) == HIDDEN
    queue = (await judge.get("/judging")).text
    assert f'action="/judging/conflicts/{nid}/withdraw"' in queue and "Wrong project" in queue
    # another judge cannot withdraw it
    assert (await judge2.post_form(f"/judging/conflicts/{nid}/withdraw", {})).status_code == 404
    done = await judge.post_form(f"/judging/conflicts/{nid}/withdraw", {})
    assert done.status_code == 303 and done.headers["location"] == "/judging?saved=withdrawn"
    [entry] = await entries(action="judging.conflict_withdrawn")
    assert entry["actor_email"] == "ada@judges.example" and entry["reason"] == "Wrong project"
    assert await _sees(judge, nid) == VISIBLE
    assert (await judge.post_form(f"/judging/conflicts/{nid}/withdraw", {})).status_code == 404
    assert (await judge.post_form("/judging/conflicts/not-a-uuid/withdraw", {})).status_code == 404
