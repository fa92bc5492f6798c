"""Four-eyes publication: one staff member asks, another approves (never the same person),
an optional release instant before which nothing is public (on every process, to the
second), the laureates mailed once, cancellation, and a change of winners cancelling it."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from core.audit import entries
from core.clock import utcnow
from core.tables import OutgoingMail
from prizes.editions.tables import Edition
from prizes.results.publication import release_due
from prizes.results.tables import PublicationRequest
from tests.factories import publish_results, set_phase, signed_in
from tests.reports.factories import add_project, year_now
from tests.servers import _env, serving


@pytest.fixture
async def staff(app, client):
    async with await signed_in(app, "asker@example.org", roles=("staff",)) as api:
        yield api


@pytest.fixture
async def other(app, client):
    async with await signed_in(app, "approver@example.org", roles=("staff",)) as api:
        yield api


async def decided(app, staff) -> tuple[int, dict[str, str]]:
    """C1: a winner and a champion; in the announcement phase."""
    year = await year_now()
    ids = {"winner": await add_project(app, "C1", title="Winner <b>one</b>", entity_name="Entity A"),
           "champion": await add_project(app, "C1", title="Champion two", entity_name="Entity B")}
    await set_phase(app, "selection")
    response = await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["winner"]]})
    assert response.status_code == 200, response.text
    await set_phase(app, "announcement")
    return year, ids


async def results_mails() -> int:
    return await OutgoingMail.count().where(OutgoingMail.kind == "results")


async def test_a_request_awaits_another_staff_members_approval(app, client, staff, other):
    year, _ids = await decided(app, staff)
    asked = await staff.post(f"/api/editions/{year}/publish")
    assert asked.status_code == 202
    assert asked.json() == {"state": "awaiting_approval", "requested_by": "asker@example.org", "release_at": None}
    assert (await client.get(f"/api/editions/{year}/winners")).status_code == 404
    assert await results_mails() == 0
    # the same person may not approve, nor ask twice
    same = await staff.post(f"/api/editions/{year}/publish/approve")
    assert same.status_code == 403 and same.json()["extra"] == [{"key": "approved_by", "message": "Not the requester."}]
    assert (await staff.post(f"/api/editions/{year}/publish")).status_code == 409
    state = (await staff.get(f"/api/editions/{year}/publish")).json()
    assert state["state"] == "awaiting_approval" and state["requested_by"] == "asker@example.org"
    approved = await other.post(f"/api/editions/{year}/publish/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "published"
    assert (await client.get(f"/api/editions/{year}/winners")).json()["total"] == 1
    assert await results_mails() == 2
    actions = [e["action"] for e in await entries(subject=f"edition:{year}", limit=5)]
    assert actions[:3] == ["edition.publish", "edition.publish_approve", "edition.publish_request"]
    [approval] = await entries(subject=f"edition:{year}", action="edition.publish_approve")
    assert approval["actor_email"] == "approver@example.org"
    assert approval["details"]["requested_by"] == "asker@example.org"
    # published: nothing more to approve, cancel or ask
    assert (await other.post(f"/api/editions/{year}/publish/approve")).status_code == 409
    assert (await staff.delete(f"/api/editions/{year}/publish")).status_code == 409
    assert (await staff.post(f"/api/editions/{year}/publish")).status_code == 409
    assert await release_due(utcnow(), "http://x") == [] and await results_mails() == 2


async def test_the_database_refuses_an_approver_who_is_the_requester(app, staff):
    year, _ids = await decided(app, staff)
    await staff.post(f"/api/editions/{year}/publish")
    row = await PublicationRequest.select().first()
    with pytest.raises(Exception, match="CHECK|check|four_eyes"):
        await PublicationRequest.update({PublicationRequest.approved_by: row["requested_by"]}).where(
            PublicationRequest.id == row["id"])


async def test_nothing_to_approve_is_409(app, staff, other):
    year, _ids = await decided(app, staff)
    response = await other.post(f"/api/editions/{year}/publish/approve")
    assert response.status_code == 409 and response.json()["extra"][0]["key"] == "state"


async def test_cancelling_before_the_release_then_asking_again(app, client, staff, other):
    year, _ids = await decided(app, staff)
    release = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    asked = await staff.post(f"/api/editions/{year}/publish", json={"release_at": release.isoformat()})
    assert asked.status_code == 202 and asked.json()["release_at"] == release.isoformat().replace("+00:00", "Z")
    approved = await other.post(f"/api/editions/{year}/publish/approve")
    assert approved.json()["state"] == "scheduled"
    assert (await Edition.select(Edition.published_at).first())["published_at"] == release
    assert (await client.get(f"/api/editions/{year}/winners")).status_code == 404
    assert (await client.get(f"/results/{year}")).status_code == 404
    cancelled = await other.delete(f"/api/editions/{year}/publish")
    assert cancelled.status_code == 200 and cancelled.json() == {"state": "none"}
    assert (await Edition.select(Edition.published_at).first())["published_at"] is None
    assert (await staff.delete(f"/api/editions/{year}/publish")).status_code == 409  # nothing left
    assert [e["actor_email"] for e in await entries(subject=f"edition:{year}", action="edition.publish_cancel")] == [
        "approver@example.org"]
    assert (await publish_results(app, staff, year)).json()["state"] == "published"


async def test_changing_the_winners_cancels_a_request(app, staff, other):
    year, ids = await decided(app, staff)
    await staff.post(f"/api/editions/{year}/publish", json={"release_at": (utcnow() + timedelta(hours=1)).isoformat()})
    assert (await other.post(f"/api/editions/{year}/publish/approve")).json()["state"] == "scheduled"
    changed = await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["champion"]]})
    assert changed.status_code == 200, changed.text
    assert (await staff.get(f"/api/editions/{year}/publish")).json()["state"] == "none"
    assert (await Edition.select(Edition.published_at).first())["published_at"] is None
    [entry] = await entries(subject=f"edition:{year}", action="edition.publish_cancel")
    assert entry["reason"] == "The winners were changed."
    assert (await other.post(f"/api/editions/{year}/publish/approve")).status_code == 409


@pytest.mark.parametrize(("body", "status", "key"), [
    ({"release_at": "2001-01-01T00:00:00Z"}, 422, "release_at"),  # past
    ({"release_at": "2099-01-01T00:00:00"}, 422, "release_at"),  # no time zone
    ({"release_at": "next tuesday"}, 400, "release_at"),
    ({"release_at": 12}, 400, "release_at"),
    ({"when": "now"}, 400, "when"),
])
async def test_a_bad_release_time_is_refused_and_nothing_written(app, staff, body, status, key):
    year, _ids = await decided(app, staff)
    response = await staff.post(f"/api/editions/{year}/publish", json=body)
    assert response.status_code == status, response.text
    assert response.json()["extra"][0]["key"] == key
    assert await PublicationRequest.count() == 0


async def test_one_step_when_the_edition_needs_no_approval(app, client, staff):
    year, _ids = await decided(app, staff)
    assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"publication_approvals": 0}})).status_code == 200
    response = await staff.post(f"/api/editions/{year}/publish")
    assert response.status_code == 200 and response.json()["state"] == "published"
    assert (await client.get(f"/api/editions/{year}/winners")).status_code == 200
    bad = await staff.patch(f"/api/editions/{year}", json={"settings": {"publication_approvals": 3}})
    assert bad.status_code == 422


async def test_the_staff_page_shows_the_state_and_who_must_act(app, staff, other):
    year, _ids = await decided(app, staff)
    token = await staff.csrf()
    asked = await staff.post(f"/staff/results/{year}/publish", data={"release_at": "", "_csrf_token": token}, csrf=False)
    assert asked.status_code == 303 and asked.headers["location"] == f"/staff/results/{year}?saved=publication"
    mine = (await staff.get(f"/staff/results/{year}")).text
    assert "Awaiting approval — asked by asker@example.org" in mine and "Another staff member must approve it." in mine
    assert f'action="/staff/results/{year}/publish/approve"' not in mine
    theirs = (await other.get(f"/staff/results/{year}")).text
    assert "You may approve it." in theirs and f'action="/staff/results/{year}/publish/approve"' in theirs
    refused = await staff.post(f"/staff/results/{year}/publish/approve", data={"_csrf_token": token}, csrf=False)
    assert refused.status_code == 403
    approved = await other.post(f"/staff/results/{year}/publish/approve", data={"_csrf_token": await other.csrf()},
                                csrf=False)
    assert approved.status_code == 303 and approved.headers["location"] == f"/staff/reports/{year}?published=1"


async def test_the_release_instant_is_exact_on_two_processes_and_mails_go_once(app, client, staff, other, redis_url):
    year, _ids = await decided(app, staff)
    env = _env(PHASE_TICK_SECONDS="0.1", MAIL_POLL_SECONDS="0", REDIS_URL=redis_url)
    seen: list[tuple[float, float, int]] = []
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        release = (utcnow() + timedelta(seconds=3)).replace(microsecond=0)
        await staff.post(f"/api/editions/{year}/publish", json={"release_at": release.isoformat()})
        assert (await other.post(f"/api/editions/{year}/publish/approve")).json()["state"] == "scheduled"
        while utcnow() < release + timedelta(seconds=1.5):
            started = time.time()
            status = httpx.get(f"{base}/api/editions/{year}/winners", timeout=5).status_code  # a new connection each
            seen.append((started, time.time(), status))
            await asyncio.sleep(0.03)
    instant = release.timestamp()
    assert {s for _a, _b, s in seen} == {404, 200}
    assert all(end >= instant for _start, end, s in seen if s == 200)  # never before the instant
    assert all(start < instant for start, _end, s in seen if s == 404)  # always after it
    assert await results_mails() == 2  # queued once by the two workers' tickers
    assert len(await entries(subject=f"edition:{year}", action="edition.publish")) == 1
