"""Eligibility appeals: the owner's one appeal within the window, the decision by someone
other than whoever declared the project ineligible, and what an upheld appeal changes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from accounts.tables import User
from core.audit import entries
from core.tables import OutgoingMail
from prizes.nominations.appeals import open_appeals_count
from prizes.nominations.rules import appeal_refusal, appeal_text_errors, may_decide_appeal, upheld_status
from prizes.nominations.tables import Appeal, Nomination
from tests.factories import make_user, project, set_phase, signed_in, words_text

TEXT = words_text(120, "Appeal")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


# --- the pure rules ------------------------------------------------------------------------------


def test_the_window_is_strict_to_the_second():
    mailed = NOW - timedelta(days=7)
    assert appeal_refusal("ineligible", mailed, False, NOW - timedelta(seconds=1), 7) is None
    assert "closed" in appeal_refusal("ineligible", mailed, False, NOW, 7)


def test_no_appeal_before_the_mail_after_the_vote_opens_or_for_another_status():
    assert "not been sent" in appeal_refusal("ineligible", None, False, NOW, 7)
    assert "voting opens" in appeal_refusal("ineligible", NOW, True, NOW, 7)
    assert "ineligible" in appeal_refusal("eligible", NOW, False, NOW, 7)
    assert appeal_refusal("ineligible", NOW, False, NOW, 7) is None


@pytest.mark.parametrize(("n", "ok"), [(0, False), (49, False), (50, True), (500, True), (501, False)])
def test_the_text_has_50_to_500_words(n, ok):
    assert (appeal_text_errors(words_text(n)) == []) is ok


def test_the_declarer_never_decides_and_upheld_goes_to_nominated_once_confirmed():
    assert not may_decide_appeal("a", "a") and may_decide_appeal("b", "a")
    assert upheld_status(True) == "nominated" and upheld_status(False) == "eligible"


# --- through the API -----------------------------------------------------------------------------


async def ineligible(app, owner, staff, confirm: bool = True) -> str:
    """A project of `owner` found ineligible by `staff` (and the decision mailed)."""
    created = await owner.post("/api/nominations", json=project())
    nid = created.json()["id"]
    assert (await owner.post(f"/api/nominations/{nid}/submit")).status_code == 200
    await set_phase(app, "nomination")
    screened = await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": False, "reason": "not ICT"})
    assert screened.status_code == 200, screened.text
    if confirm:
        assert (await staff.post(f"/api/editions/{created.json()['year']}/nominated")).status_code == 200
    return nid


async def test_an_owner_appeals_once(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    made = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["nomination"], body["state"], body["text"], body["eligibility_reason"]) == (nid, "open", TEXT, "not ICT")
    again = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert again.status_code == 409 and "already appealed" in again.json()["detail"]
    [entry] = await entries(action="nomination.appeal")
    assert entry["subject"] == f"nomination:{nid}"
    year = (await owner.get("/api/editions/current")).json()["year"]
    assert await open_appeals_count(year) == 1


@pytest.mark.parametrize(("text", "key"), [(words_text(49), "text"), (words_text(501), "text"), ("", "text"),
                                           ("a\x00b " * 60, "text"), ("w" * 7000, "text")])
async def test_bad_text_is_422_naming_the_field_and_nothing_is_written(app, owner, staff, text, key):
    nid = await ineligible(app, owner, staff)
    response = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": text})
    assert response.status_code == 422, response.text
    assert [e["key"] for e in response.json()["extra"]] == [key]
    assert await Appeal.count() == 0


async def test_malformed_bodies_are_4xx(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    for body in ({}, {"text": 5}, {"text": TEXT, "extra": 1}):
        response = await owner.post(f"/api/nominations/{nid}/appeal", json=body)
        assert 400 <= response.status_code < 500, response.text
    assert await Appeal.count() == 0


async def test_html_in_the_text_is_kept_as_text(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    text = "<script>alert(1)</script> " + words_text(60)
    made = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": text})
    assert made.status_code == 201 and made.json()["text"] == text
    year = (await owner.get("/api/editions/current")).json()["year"]
    page = await staff.get(f"/staff/editions/{year}/appeals")
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_out_of_the_window_is_403_with_the_reason(app, owner, staff):
    nid = await ineligible(app, owner, staff, confirm=False)
    early = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert early.status_code == 403 and "not been sent" in early.json()["detail"]
    year = (await owner.get("/api/editions/current")).json()["year"]
    await staff.post(f"/api/editions/{year}/nominated")
    await Nomination.update({Nomination.outcome_mailed_at: datetime.now(timezone.utc) - timedelta(days=7, seconds=1)}).where(
        Nomination.id == nid)
    late = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert late.status_code == 403 and "7 days" in late.json()["detail"]
    # a longer window set by staff lets it in
    assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"appeal_days": 8}})).status_code == 200
    assert (await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})).status_code == 201


async def test_no_appeal_once_voting_opens(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    await set_phase(app, "voting")
    response = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert response.status_code == 403 and "voting opens" in response.json()["detail"]


async def test_an_eligible_project_is_409_and_someone_elses_403(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    async with await signed_in(app, "other@example.org") as other:
        response = await other.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
        assert response.status_code == 403 and "owner" in response.json()["detail"]
    assert (await staff.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})).status_code == 403
    assert (await owner.post("/api/nominations/not-an-id/appeal", json={"text": TEXT})).status_code == 404
    await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True, "reason": "second look"})
    response = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    assert response.status_code == 409


@pytest.mark.parametrize("value", [0, 61, -1, 10**12])
async def test_appeal_days_is_bounded(staff, value):
    year = (await staff.get("/api/editions/current")).json()["year"]
    response = await staff.patch(f"/api/editions/{year}", json={"settings": {"appeal_days": value}})
    assert response.status_code == 422, response.text
    assert "appeal_days" in response.json()["extra"][0]["key"]


async def test_concurrent_duplicate_appeals_leave_one(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    answers = await asyncio.gather(*(owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT}) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert await Appeal.count() == 1


async def _appealed(app, owner, staff) -> tuple[str, str]:
    nid = await ineligible(app, owner, staff)
    made = await owner.post(f"/api/nominations/{nid}/appeal", json={"text": TEXT})
    return nid, made.json()["id"]


async def test_the_declarer_cannot_decide_another_staff_member_upholds(app, owner, staff):
    nid, aid = await _appealed(app, owner, staff)
    # the owner last read the site in French; the decision is taken by someone reading English
    await User.update({User.language: "fr"}).where(User.email == "owner@example.org")
    own = await staff.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "I was wrong"})
    assert own.status_code == 403 and own.json()["extra"][0]["key"] == "decided_by"
    async with await signed_in(app, "second@example.org", roles=("staff",)) as second:
        decided = await second.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "It is ICT"})
        assert decided.status_code == 200, decided.text
        assert (decided.json()["state"], decided.json()["status"], decided.json()["decided_by_email"]) == (
            "upheld", "nominated", "second@example.org")
        again = await second.post(f"/api/appeals/{aid}/decision", json={"upheld": False, "reason": "no"})
        assert again.status_code == 409
    [mail] = await OutgoingMail.select().where(OutgoingMail.kind == "appeal_decided")
    assert mail["recipient"] == "owner@example.org"
    assert "recours" in mail["subject"] and "It is ICT" in mail["body_text"]  # in French, the owner's language
    [entry] = await entries(action="nomination.appeal_decided")
    assert entry["reason"] == "It is ICT" and entry["details"]["status"] == "nominated"
    year = (await owner.get("/api/editions/current")).json()["year"]
    assert await open_appeals_count(year) == 0


async def test_a_dismissed_appeal_leaves_the_project_ineligible_and_mails_the_owner(app, owner, staff):
    nid, aid = await _appealed(app, owner, staff)
    async with await signed_in(app, "second@example.org", roles=("staff",)) as second:
        missing = await second.post(f"/api/appeals/{aid}/decision", json={"upheld": False, "reason": " "})
        assert missing.status_code == 422 and missing.json()["extra"][0]["key"] == "reason"
        decided = await second.post(f"/api/appeals/{aid}/decision", json={"upheld": False, "reason": "Not ICT"})
        assert decided.json()["state"] == "dismissed" and decided.json()["status"] == "ineligible"
    assert await OutgoingMail.count().where(OutgoingMail.kind == "appeal_decided") == 1


async def test_a_judge_of_the_category_decides_a_judge_elsewhere_cannot(app, owner, staff):
    from judging.services import assign_judge
    from core.audit import Actor
    from core.clock import utcnow

    nid, aid = await _appealed(app, owner, staff)
    await make_user(app, "judge@panel.example.net", roles=("judge",))
    await make_user(app, "elsewhere@panel.example.net", roles=("judge",))
    await assign_judge("judge@panel.example.net", "C7.4", None, Actor.system(), utcnow())
    await assign_judge("elsewhere@panel.example.net", "C1", None, Actor.system(), utcnow())
    async with await signed_in(app, "voter@example.org") as voter:
        assert (await voter.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "x"})).status_code == 403
    from tests.factories import ApiClient

    elsewhere = ApiClient.extra(app)
    await elsewhere.sign_in("elsewhere@panel.example.net")
    assert (await elsewhere.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "x"})).status_code == 404
    judge = ApiClient.extra(app)
    await judge.sign_in("judge@panel.example.net")
    assert (await judge.get("/api/editions/" + str((await judge.get("/api/editions/current")).json()["year"]) + "/appeals")).status_code == 403
    decided = await judge.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "Clearly ICT"})
    assert decided.status_code == 200 and decided.json()["status"] == "nominated"


async def test_staff_list_the_appeals(app, client, owner, staff):
    nid, aid = await _appealed(app, owner, staff)
    year = (await owner.get("/api/editions/current")).json()["year"]
    listing = (await staff.get(f"/api/editions/{year}/appeals")).json()
    assert (listing["total"], listing["offset"], listing["limit"]) == (1, 0, 20)
    assert [i["id"] for i in listing["items"]] == [aid]
    assert (await staff.get(f"/api/editions/{year}/appeals?open=true")).json()["total"] == 1
    assert (await client.get(f"/api/editions/{year}/appeals")).status_code == 401
    assert (await owner.get(f"/api/editions/{year}/appeals")).status_code == 403


async def test_an_appeal_on_a_project_screened_again_since_cannot_be_upheld(app, owner, staff):
    nid, aid = await _appealed(app, owner, staff)
    async with await signed_in(app, "second@example.org", roles=("staff",)) as second:
        await second.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True, "reason": "second look"})
        # the last screener is now the declarer, whatever the decision was
        assert (await second.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "y"})).status_code == 403
    async with await signed_in(app, "third@example.org", roles=("staff",)) as third:
        response = await third.post(f"/api/appeals/{aid}/decision", json={"upheld": True, "reason": "yes"})
        assert response.status_code == 409 and response.json()["extra"][0]["key"] == "status"
    assert (await Appeal.select(Appeal.decided_at).first())["decided_at"] is None  # nothing half-written
    assert await OutgoingMail.count().where(OutgoingMail.kind == "appeal_decided") == 0


async def test_the_staff_decision_form_names_a_missing_choice(app, owner, staff):
    nid, aid = await _appealed(app, owner, staff)
    async with await signed_in(app, "second@example.org", roles=("staff",)) as second:
        token = await second.csrf()
        page = await second.post(f"/staff/appeals/{aid}/decision", data={"reason": "x", "_csrf_token": token}, csrf=False)
        assert page.status_code == 422 and "upheld or dismissed" in page.text
        done = await second.post(f"/staff/appeals/{aid}/decision",
                                 data={"upheld": "no", "reason": "Not ICT", "_csrf_token": token}, csrf=False)
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"/staff/editions/")
    assert (await Appeal.select(Appeal.upheld).first())["upheld"] is False


async def test_the_owner_form_shows_the_error_and_keeps_the_text(app, owner, staff):
    nid = await ineligible(app, owner, staff)
    dashboard = await owner.get("/nominations")
    assert f'href="/nominations/{nid}/appeal"' in dashboard.text
    token = await owner.csrf()
    short = await owner.post(f"/nominations/{nid}/appeal", data={"text": "too short", "_csrf_token": token}, csrf=False)
    assert short.status_code == 422 and "now 2" in short.text and "too short</textarea>" in short.text
    sent = await owner.post(f"/nominations/{nid}/appeal", data={"text": TEXT, "_csrf_token": token}, csrf=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/nominations/{nid}/appeal?sent=1"
    assert "Awaiting a decision." in (await owner.get(f"/nominations/{nid}/appeal")).text
