"""The judging pages, served and posted like a browser would (forms with the CSRF token)."""

from __future__ import annotations

import re

from core.tables import OutgoingMail
from judging.tables import JudgeAssignment, ScoreSheet
from tests.factories import make_user, set_phase
from tests.judging.factories import SCORES, scores, submit_project




def score_form(values: dict, action: str, comment: str = "") -> dict:
    return {**{f"score-{k}": str(v) for k, v in values.items()}, "comment": comment, "action": action}


async def test_a_judge_scores_from_the_queue_with_save_and_next_and_a_mistake_shown_at_its_field(app, owner, judge):
    first = await submit_project(owner, 1, title="Alpha clinics")
    second = await submit_project(owner, 2, title="Beta records")
    await set_phase(app, "nomination")
    queue = await judge.get("/judging")
    assert queue.status_code == 200
    assert "0 of 2 score sheets submitted" in queue.text
    assert '<progress id="queue-progress" max="2" value="0"' in queue.text
    assert f'href="/judging/projects/{first}"' in queue.text

    page = await judge.get(f"/judging/projects/{first}")
    assert page.status_code == 200
    assert '<label for="f-score-impact"><bdi>Results and impact</bdi> <span class="scale">(from 1 to 10)</span></label>' in page.text

    wrong = await judge.post_form(f"/judging/projects/{first}", score_form({**SCORES, "impact": 12}, "next"))
    assert wrong.status_code == 422
    assert '<p class="error" id="f-score-impact-error">Enter a whole number from 1 to 10.</p>' in wrong.text
    assert re.search(r'id="f-score-impact"[^>]*value="12"[^>]*aria-invalid="true"[^>]*aria-describedby="f-score-impact-hint '
                     r'f-score-impact-error"', wrong.text)
    assert '<a href="#f-score-impact">Enter a whole number from 1 to 10.</a>' in wrong.text
    assert await ScoreSheet.count() == 0

    saved = await judge.post_form(f"/judging/projects/{first}", score_form(SCORES, "next", "Solid"))
    assert saved.status_code == 303 and saved.headers["location"] == f"/judging/projects/{second}"
    assert (await judge.get(f"/api/judging/scores/{first}")).json()["status"] == "draft"

    done = await judge.post_form(f"/judging/projects/{second}", score_form(scores(9), "submit"))
    assert done.status_code == 303 and done.headers["location"] == f"/judging/projects/{second}?saved=submitted"
    locked = await judge.get(done.headers["location"])
    assert "Your score sheet was submitted." in locked.text and "it is locked" in locked.text
    assert 'name="score-impact"' not in locked.text
    assert f'href="/judging/projects/{first}"' in locked.text  # the next project without a submitted sheet
    assert "1 of 2 score sheets submitted" in (await judge.get("/judging")).text

    last = await judge.post_form(f"/judging/projects/{first}", score_form(SCORES, "next"))
    assert last.headers["location"] == "/judging?saved=done"


async def test_a_judge_screens_and_declares_a_conflict_from_the_sheet_page(app, owner, judge):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    no_reason = await judge.post_form(f"/judging/projects/{nid}/eligibility", {"eligible": "no", "reason": ""})
    assert no_reason.status_code == 422 and 'id="f-eligibility_reason-error"' in no_reason.text
    ok = await judge.post_form(f"/judging/projects/{nid}/eligibility", {"eligible": "yes", "reason": ""})
    assert ok.status_code == 303
    assert "Current decision: eligible." in (await judge.get(ok.headers["location"])).text

    empty = await judge.post_form(f"/judging/projects/{nid}/conflict", {"reason": ""})
    assert empty.status_code == 422 and 'id="f-conflict_reason-error"' in empty.text
    declared = await judge.post_form(f"/judging/projects/{nid}/conflict", {"reason": "My sister runs it"})
    assert declared.status_code == 303 and declared.headers["location"] == "/judging?saved=conflict"
    assert (await judge.get(f"/judging/projects/{nid}")).status_code == 404
    queue = (await judge.get("/judging")).text
    assert f'href="/judging/projects/{nid}"' not in queue  # listed only among the declared conflicts
    assert f'action="/judging/conflicts/{nid}/withdraw"' in queue


async def test_the_queue_page_outside_a_round(judge):
    page = await judge.get("/judging")
    assert page.status_code == 200 and "No judging round is open" in page.text


async def test_staff_run_panels_rubrics_and_round_settings_from_their_page(app, client, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    await make_user(app, "ada@judges.example", roles=("judge",), display_name="Ada")
    page = await staff.get("/staff/judging")
    assert page.status_code == 303 and page.headers["location"] == f"/staff/judging/{year}"
    assert (await staff.get(f"/staff/judging/{year}")).status_code == 200

    assigned = await staff.post_form(f"/staff/judging/{year}/assignments", {"email": "ada@judges.example",
                                                                             "category": "C4"})
    assert assigned.status_code == 303
    shown = await staff.get(assigned.headers["location"])
    assert "The judge was assigned." in shown.text and "<bdi>Ada</bdi> &lt;ada@judges.example&gt;" in shown.text
    not_judge = await staff.post_form(f"/staff/judging/{year}/assignments", {"email": "staff@secretariat.example",
                                                                              "category": "C4"})
    assert not_judge.status_code == 422 and 'id="f-email-error"' in not_judge.text
    removed = await staff.post_form(f"/staff/judging/{year}/assignments/remove", {"email": "ada@judges.example",
                                                                                   "category": "C4"})
    assert removed.status_code == 303 and await JudgeAssignment.count() == 0

    rubric = {"round": "selection", "guidance": "Compare the finalists.", "reason": "",
              "criteria-0-key": "impact", "criteria-0-title": "Impact", "criteria-0-weight": "2",
              "criteria-0-min": "0", "criteria-0-max": "5", "criteria-0-guidance": "",
              "criteria-1-key": "", "criteria-1-title": "", "criteria-1-weight": "", "criteria-1-min": "",
              "criteria-1-max": "", "criteria-1-guidance": "",
              "criteria-2-key": "Bad key", "criteria-2-title": "Reach", "criteria-2-weight": "1",
              "criteria-2-min": "1", "criteria-2-max": "10", "criteria-2-guidance": ""}
    bad = await staff.post_form(f"/staff/judging/{year}/rubric", rubric)
    assert bad.status_code == 422
    assert 'id="f-selection-2-key-error"' in bad.text  # the error is on the form's third row
    good = await staff.post_form(f"/staff/judging/{year}/rubric", {**rubric, "criteria-2-key": "reach"})
    assert good.status_code == 303
    api = (await client.get(f"/api/editions/{year}/rubric?round=selection")).json()
    assert [(c["key"], c["weight"], c["min"], c["max"]) for c in api["criteria"]] == [("impact", 2.0, 0, 5),
                                                                                    ("reach", 1.0, 1, 10)]
    assert api["guidance"] == "Compare the finalists."

    settings = await staff.post_form(f"/staff/judging/{year}/rounds", {"round": "selection", "blind": "on"})
    assert settings.status_code == 303
    assert (await staff.get("/api/judging/rounds?round=selection")).json()["blind"] is True


async def test_staff_progress_reminders_reopening_and_rankings_pages(app, client, owner, judge, staff):
    year = (await client.get("/api/editions/current")).json()["year"]
    nid = await submit_project(owner, 1, title="Alpha clinics")
    await set_phase(app, "nomination")
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(8), "submit": True})

    progress = await staff.get(f"/staff/judging/{year}/progress")
    assert progress.status_code == 200 and "ada@judges.example" in progress.text
    reminded = await staff.post_form(f"/staff/judging/{year}/reminders", {"round": "nomination"})
    assert reminded.status_code == 303
    assert "Reminders were queued for 0 judges." in (await staff.get(reminded.headers["location"])).text
    assert await OutgoingMail.count().where(OutgoingMail.kind == "judging_reminder") == 0

    no_reason = await staff.post_form(f"/staff/judging/{year}/reopen", {"nomination_id": nid, "round": "nomination",
                                                                         "email": "ada@judges.example", "reason": ""})
    assert no_reason.status_code == 422 and 'id="f-reopen-reason-error"' in no_reason.text
    reopened = await staff.post_form(f"/staff/judging/{year}/reopen", {"nomination_id": nid, "round": "nomination",
                                                                        "email": "ada@judges.example",
                                                                        "reason": "asked by the judge"})
    assert reopened.status_code == 303
    assert (await judge.get(f"/api/judging/scores/{nid}")).json()["status"] == "draft"
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(8), "submit": True})

    rankings = await staff.get(f"/staff/judging/{year}/rankings?category=C7.4&round=nomination")
    assert rankings.status_code == 200
    assert "Alpha clinics" in rankings.text and "77.78" in rankings.text and "Tie-break rule" in rankings.text
