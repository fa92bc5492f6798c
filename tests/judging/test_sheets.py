"""Score sheets through the API: the judge's queue, drafts, submission and its lock, field
errors, reopening by staff, the phase rule and the rounds, and the one-sheet constraint."""

from __future__ import annotations

import asyncio

import pytest

from core.audit import entries
from core.db import is_unique_violation
from judging.tables import ScoreSheet
from tests.factories import ApiClient, make_user, set_phase
from tests.judging.factories import make_finalists, scores, submit_project


async def test_the_queue_lists_the_projects_of_the_judges_panels_in_the_current_round(app, owner, judge):
    first = await submit_project(owner, 1)
    second = await submit_project(owner, 2, title="Another health project")
    other = await submit_project(owner, 3, category="C1")
    assert (await judge.get("/api/judging/queue")).json() == {"items": []}  # submission phase: no round
    await set_phase(app, "nomination")
    queue = (await judge.get("/api/judging/queue")).json()
    assert queue == {"items": [
        {"nomination_id": second, "title": "Another health project", "category": "C7.4", "sheet": "none"},
        {"nomination_id": first, "title": "Project 1 for community health", "category": "C7.4", "sheet": "none"},
    ]}
    assert other not in str(queue)
    await judge.put(f"/api/judging/scores/{first}", json={"scores": {"impact": 5}})
    await judge.put(f"/api/judging/scores/{second}", json={"scores": scores(), "submit": True})
    assert [i["sheet"] for i in (await judge.get("/api/judging/queue")).json()["items"]] == ["submitted", "draft"]


async def test_a_judge_drafts_then_submits_a_sheet_which_is_then_locked(app, owner, judge):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    assert (await judge.get(f"/api/judging/scores/{nid}")).json()["status"] == "none"
    draft = await judge.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 8, "sdgs": None},
                                                                "comment": "Strong evidence"})
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert {k: body[k] for k in ("nomination_id", "round", "status", "scores", "comment", "total", "submitted_at")} == {
        "nomination_id": nid, "round": "nomination", "status": "draft", "scores": {"impact": 8},
        "comment": "Strong evidence", "total": None, "submitted_at": None}
    submitted = await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(), "comment": "Good",
                                                                    "submit": True})
    assert submitted.status_code == 200
    # (7+8+6+7+5+6+7+8 - 8) / 72 = 46/72
    assert submitted.json()["status"] == "submitted" and submitted.json()["total"] == round(100 * 46 / 72, 2)
    again = await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(10), "submit": True})
    assert again.status_code == 409
    assert again.json()["extra"] == [{"key": "status", "message": "Submitted sheets are locked."}]
    assert (await judge.get(f"/api/judging/scores/{nid}")).json()["scores"] == scores()
    [entry] = await entries(action="judging.sheet.submit")
    assert entry["actor_email"] == "ada@judges.example" and entry["subject"] == f"nomination:{nid}"


@pytest.mark.parametrize(
    ("body", "keys", "status"),
    [
        ({"scores": scores(impact=11), "submit": True}, ["scores.impact"], 422),
        ({"scores": scores(impact=0), "submit": False}, ["scores.impact"], 422),
        ({"scores": scores(impact=7.5), "submit": False}, ["scores.impact"], 422),
        ({"scores": {**scores(), "originality": 5}, "submit": False}, ["scores.originality"], 422),
        ({"scores": {"impact": 5, "sdgs": 5}, "submit": True},
         ["scores.action_line", "scores.empowerment", "scores.replication", "scores.sustainability",
          "scores.partnerships", "scores.wsis_values"], 422),
        ({"scores": {**scores(), "impact": None}, "submit": True}, ["scores.impact"], 422),
        ({"scores": {"impact": "high"}}, ["scores.impact"], 400),
        ({"scores": scores(), "mood": "happy"}, ["mood"], 400),
    ],
)
async def test_a_bad_sheet_is_refused_naming_each_criterion(app, owner, judge, body, keys, status):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    response = await judge.put(f"/api/judging/scores/{nid}", json=body)
    assert response.status_code == status, response.text
    if status == 422:
        assert [e["key"] for e in response.json()["extra"]] == keys
    else:
        assert response.json()["extra"][0]["key"].startswith(keys[0].split(".")[0])  # a wrong JSON type
    assert await ScoreSheet.count() == 0


async def test_staff_reopen_a_submitted_sheet_with_a_reason_and_it_is_audited(app, owner, judge, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(), "submit": True})
    url = f"/api/judging/scores/{nid}/reopen"
    no_reason = await staff.post(url, json={"email": "ada@judges.example"})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["key"] == "reason"
    assert (await judge.post(url, json={"email": "ada@judges.example", "reason": "mine"})).status_code == 403
    reopened = await staff.post(url, json={"email": "ada@judges.example", "reason": "asked to fix a typo"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    assert reopened.json()["scores"] == scores()
    assert (await staff.post(url, json={"email": "ada@judges.example", "reason": "again"})).status_code == 409
    assert (await staff.post(url, json={"email": "nobody@judges.example", "reason": "x"})).status_code == 404
    [entry] = await entries(action="judging.sheet.reopen")
    assert entry["reason"] == "asked to fix a typo" and entry["details"]["judge"] == "ada@judges.example"
    changed = await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(9), "submit": True})
    assert changed.status_code == 200 and changed.json()["scores"] == scores(9)


async def test_sheets_follow_the_phase_rule_and_the_round(app, owner, judge):
    finalist = await submit_project(owner, 1)
    other = await submit_project(owner, 2)
    for phase in ("submission", "voting", "announcement"):
        await set_phase(app, phase)
        response = await judge.put(f"/api/judging/scores/{finalist}", json={"scores": scores()})
        assert response.status_code == 403 and "only possible during" in response.json()["detail"]
    await set_phase(app, "nomination")
    assert (await judge.put(f"/api/judging/scores/{finalist}", json={"scores": scores(), "submit": True})).status_code == 200
    # The selection round scores the finalists only, on a sheet of its own.
    await make_finalists(finalist)
    await set_phase(app, "selection")
    assert [i["nomination_id"] for i in (await judge.get("/api/judging/queue")).json()["items"]] == [finalist]
    assert (await judge.get(f"/api/judging/scores/{finalist}")).json()["status"] == "none"
    assert (await judge.put(f"/api/judging/scores/{other}", json={"scores": scores()})).status_code == 404
    selection = await judge.put(f"/api/judging/scores/{finalist}", json={"scores": scores(9), "submit": True})
    assert selection.status_code == 200 and selection.json()["round"] == "selection"
    rounds = sorted(r["round"] for r in await ScoreSheet.select(ScoreSheet.round))
    assert rounds == ["nomination", "selection"]


async def test_one_sheet_per_judge_per_project_per_round_is_a_database_constraint(app, owner, judge):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 3}})
    row = await ScoreSheet.select(ScoreSheet.nomination, ScoreSheet.judge).first()
    with pytest.raises(Exception) as caught:
        await ScoreSheet.insert(ScoreSheet(nomination=row["nomination"], judge=row["judge"], round="nomination"))
    assert is_unique_violation(caught.value)
    with pytest.raises(Exception, match="score_sheet_status_valid|CHECK"):
        await ScoreSheet.update({ScoreSheet.status: "lost"}).where(ScoreSheet.judge == row["judge"])


@pytest.mark.postgres_only
async def test_concurrent_saves_of_one_sheet_leave_one_row_and_one_submission(app, owner, judge):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    responses = await asyncio.gather(*(
        judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(1 + i % 9), "submit": i % 2 == 0})
        for i in range(12)
    ))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 409} and codes.count(200) >= 1
    assert await ScoreSheet.count() == 1
    assert (await ScoreSheet.select(ScoreSheet.status).first())["status"] == "submitted"
    assert len(await entries(action="judging.sheet.submit")) == 1


async def test_an_unverified_judge_can_neither_read_the_queue_nor_score(app, owner, client):
    nid = await submit_project(owner, 1)
    await make_user(app, "new@judges.example", roles=("judge",), verified=False)
    await judge_account_assign(app, "new@judges.example")
    await set_phase(app, "nomination")
    api = ApiClient.extra(app)
    await api.sign_in("new@judges.example")
    assert (await api.get("/api/judging/queue")).status_code == 403
    assert (await api.put(f"/api/judging/scores/{nid}", json={"scores": scores()})).status_code == 403
    await api.http.aclose()


async def judge_account_assign(app, email: str) -> None:
    from core.audit import Actor
    from judging.services import assign_judge
    from core.clock import utcnow

    await assign_judge(email, "C7.4", None, Actor.system(), utcnow())


async def test_a_judge_of_another_panel_gets_404_for_everything(app, owner, outsider):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    assert (await outsider.get("/api/judging/queue")).json() == {"items": []}
    for method, url, body in (("GET", f"/api/judging/projects/{nid}", None), ("GET", f"/api/judging/scores/{nid}", None),
                              ("PUT", f"/api/judging/scores/{nid}", {"scores": scores()}),
                              ("POST", "/api/judging/conflicts", {"nomination_id": nid, "reason": "x"})):
        response = await outsider.request(method, url, json=body)
        assert response.status_code == 404, (url, response.text)



