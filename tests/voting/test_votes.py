"""Casting votes through the API: one final vote per voter per category per edition, a
receipt, "my votes", and each refusal with its own status, in the contract's order."""

from __future__ import annotations

import asyncio
import re

import pytest

from core.settings import RateLimit
from prizes.nominations.tables import Nomination
from tests.factories import ApiClient, set_phase
from tests.voting.conftest import voting_settings
from tests.voting.factories import nominated, open_voting, vote, voter
from voting.tables import Vote

RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


async def tallies(staff: ApiClient, year: int) -> dict[str, int]:
    response = await staff.get(f"/api/editions/{year}/tallies")
    assert response.status_code == 200, response.text
    return {item["nomination_id"]: item["votes"] for item in response.json()["items"]}


async def test_a_verified_voter_votes_and_gets_a_receipt_and_sees_it_under_my_votes(app, client, staff):
    project = await nominated(app, category="C7.4", title="Mobile records")
    year = await open_voting(app)
    api = await voter(app, "ada@example.org")
    response = await vote(api, project)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"nomination_id", "category", "receipt"}
    assert body["nomination_id"] == project and body["category"] == "C7.4" and RECEIPT.fullmatch(body["receipt"])
    row = await Vote.select().first()
    assert str(row["nomination"]) == project and row["receipt"] == body["receipt"] and row["valid"] is True
    mine = (await api.get("/api/votes/mine")).json()
    assert mine == {"items": [{"category": "C7.4", "nomination_id": project, "title": "Mobile records",
                               "cast_at": mine["items"][0]["cast_at"], "receipt": body["receipt"]}]}
    assert mine["items"][0]["cast_at"].endswith("Z")
    assert await tallies(staff, year) == {project: 1}
    await api.http.aclose()


async def test_one_vote_per_category_the_second_is_409_and_never_counted(app, client, staff):
    first = await nominated(app, category="C7.4", title="First")
    second = await nominated(app, category="C7.4", title="Second")
    other = await nominated(app, category="C4", title="Teachers")
    year = await open_voting(app)
    api = await voter(app, "ada@example.org")
    assert (await vote(api, first)).status_code == 201
    refused = await vote(api, second)
    assert refused.status_code == 409
    assert refused.json()["extra"] == [{"key": "nomination_id", "message": "Already voted in category C7.4."}]
    assert (await vote(api, first)).status_code == 409
    assert (await vote(api, other)).status_code == 201
    assert await Vote.count() == 2
    assert await tallies(staff, year) == {first: 1, second: 0, other: 1}
    await api.http.aclose()


@pytest.mark.parametrize("phase", ["submission", "nomination", "selection", "announcement"])
async def test_outside_the_voting_phase_a_vote_is_403(app, client, phase):
    project = await nominated(app)
    await set_phase(app, phase)
    api = await voter(app, "ada@example.org")
    response = await vote(api, project)
    assert response.status_code == 403
    assert "only possible during the Online voting phase" in response.json()["detail"]
    assert await Vote.count() == 0
    await api.http.aclose()


async def test_an_unverified_account_cannot_vote(app, client):
    project = await nominated(app)
    await open_voting(app)
    api = await voter(app, "new@example.org", verified=False)
    response = await vote(api, project)
    assert response.status_code == 403 and "Verify your e-mail address" in response.json()["detail"]
    assert await Vote.count() == 0
    await api.http.aclose()


@pytest.mark.parametrize("status", ["draft", "submitted", "eligible", "ineligible"])
async def test_a_project_that_is_not_nominated_is_404(app, client, status):
    project = await nominated(app, status=status)
    await open_voting(app)
    api = await voter(app, "ada@example.org")
    response = await vote(api, project)
    assert response.status_code == 404
    assert response.json()["extra"][0]["key"] == "nomination_id"
    assert await Vote.count() == 0
    await api.http.aclose()


@pytest.mark.parametrize("nomination_id", ["00000000-0000-0000-0000-000000000001", "not-an-id", "", "1' OR 1=1"])
async def test_an_unknown_or_malformed_id_is_404(app, client, nomination_id):
    await open_voting(app)
    api = await voter(app, "ada@example.org")
    assert (await vote(api, nomination_id)).status_code == 404
    await api.http.aclose()


async def test_a_body_of_the_wrong_shape_is_400(app, client):
    await open_voting(app)
    api = await voter(app, "ada@example.org")
    for body in ({"nomination_id": 7}, {"nomination_id": "x", "extra": 1}, {}):
        response = await api.post("/api/votes", json=body)
        assert response.status_code == 400, body
    await api.http.aclose()


async def test_finalists_and_winners_still_take_votes_as_nominated_projects(app, client, staff):
    """`finalist` is a nominated project that went on (a recomputed shortlist in voting is not
    expected, but a status of the nominated list must never make a vote 404)."""
    project = await nominated(app, status="finalist")
    await open_voting(app)
    api = await voter(app, "ada@example.org")
    assert (await vote(api, project)).status_code == 201
    await api.http.aclose()


async def test_the_order_of_answers_is_401_429_403_404_409(settings):
    """When several refusals apply: CSRF 403 first, then 401, 429, 403, 404, 409."""
    from main import create_app

    app = create_app(voting_settings(rate_limit_votes_per_account=RateLimit(4, 60)))
    async with ApiClient.for_app(app) as anonymous:
        project = await nominated(app, category="C7.4")
        not_nominated = await nominated(app, category="C7.4", status="eligible", title="Not on the list")
        await set_phase(app, "nomination")
        unknown = "00000000-0000-0000-0000-000000000009"

        no_token = await anonymous.post("/api/votes", json={"nomination_id": unknown}, csrf=False)
        assert no_token.status_code == 403 and "CSRF" in no_token.json()["detail"]
        assert (await vote(anonymous, unknown)).status_code == 401

        # unverified, outside voting, unknown project: 403 (and every attempt counts)...
        unverified = await voter(app, "new@example.org", verified=False)
        assert [(await vote(unverified, unknown)).status_code for _ in range(4)] == [403] * 4
        # ...until the limit: 429 before any 403
        limited = await vote(unverified, unknown)
        assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60

        # verified, outside voting, unknown project: the phase (403) before the 404
        ada = await voter(app, "ada@example.org")
        closed = await vote(ada, unknown)
        assert closed.status_code == 403 and "only possible during" in closed.json()["detail"]

        await set_phase(app, "voting")
        assert (await vote(ada, project)).status_code == 201
        # already voted in C7.4, and the project is not nominated: 404 before 409
        assert (await vote(ada, not_nominated)).status_code == 404
        assert (await vote(ada, project)).status_code == 409
        for api in (unverified, ada):
            await api.http.aclose()
    assert await Vote.count() == 1


async def test_two_hundred_concurrent_attempts_by_one_voter_count_exactly_once(app, client, staff):
    projects = [await nominated(app, category="C7.4", title=f"Project {i}") for i in range(4)]
    year = await open_voting(app)
    api = await voter(app, "ada@example.org")
    responses = await asyncio.gather(*(vote(api, projects[i % 4]) for i in range(200)))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1 and codes.count(409) == 199, sorted(set(codes))
    assert await Vote.count() == 1
    counts = await tallies(staff, year)
    assert sum(counts.values()) == 1
    [winner] = [r.json()["nomination_id"] for r in responses if r.status_code == 201]
    assert counts[winner] == 1
    await api.http.aclose()


async def test_many_voters_at_once_are_all_counted(app, client, staff):
    projects = [await nominated(app, category="C1", title=f"Project {i}") for i in range(3)]
    year = await open_voting(app)
    voters = [await voter(app, f"v{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(30)]
    responses = await asyncio.gather(*(vote(api, projects[i % 3]) for i, api in enumerate(voters)))
    assert [r.status_code for r in responses] == [201] * 30
    assert await tallies(staff, year) == {p: 10 for p in projects}
    receipts = {r.json()["receipt"] for r in responses}
    assert len(receipts) == 30
    for api in voters:
        await api.http.aclose()


async def test_votes_are_limited_per_client_address_per_account_and_per_network_block(settings):
    from main import create_app

    app = create_app(voting_settings(rate_limit_votes_per_ip=RateLimit(4, 60),
                                     rate_limit_votes_per_account=RateLimit(2, 60),
                                     rate_limit_votes_per_network=RateLimit(5, 60)))
    async with ApiClient.for_app(app):
        projects = {code: await nominated(app, category=code, title=f"Project {code}") for code in ("C1", "C2", "C3", "C4")}
        await open_voting(app)
        # per account: the third attempt of one account is refused, and leaves no trace
        ada = await voter(app, "ada@example.org", client_ip="198.51.100.1")
        codes = [(await vote(ada, projects[c])).status_code for c in ("C1", "C2", "C3")]
        assert codes == [201, 201, 429]
        # per address: every attempt counted there (ada's refused one too): one left for another account
        bob = await voter(app, "bob@example.org", client_ip="198.51.100.1")
        assert [(await vote(bob, projects[c])).status_code for c in ("C1", "C2")] == [201, 429]
        # per network block: 198.51.100.0/24 has used 5 attempts... (3 by ada, 2 by bob)
        cyd = await voter(app, "cyd@example.org", client_ip="198.51.100.2")
        limited = await vote(cyd, projects["C1"])
        assert limited.status_code == 429 and "retry-after" in limited.headers
        # ...while the next block is free
        dee = await voter(app, "dee@example.org", client_ip="198.51.101.2")
        assert (await vote(dee, projects["C1"])).status_code == 201
        for api in (ada, bob, cyd, dee):
            await api.http.aclose()
    rows = await Vote.select(Vote.voter.email, Vote.category.code).order_by(Vote.voter.email).order_by(Vote.category.code)
    assert [(r["voter.email"], r["category.code"]) for r in rows] == [
        ("ada@example.org", "C1"), ("ada@example.org", "C2"), ("bob@example.org", "C1"), ("dee@example.org", "C1")]
    assert await Nomination.count() == 4


async def test_my_votes_needs_a_session(client):
    assert (await client.get("/api/votes/mine")).status_code == 401


@pytest.mark.postgres_only
async def test_votes_of_one_moment_are_committed_together(app, client, staff):
    """Group commit (core.batching): votes that arrive together share one INSERT and one
    transaction — PostgreSQL's xmin, the id of the transaction that wrote a row, shows it."""
    projects = [await nominated(app, category="C1", title=f"Project {i}") for i in range(3)]
    year = await open_voting(app)
    voters = [await voter(app, f"g{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(40)]
    responses = await asyncio.gather(*(vote(api, projects[i % 3]) for i, api in enumerate(voters)))
    assert [r.status_code for r in responses] == [201] * 40
    [row] = await Vote.raw('SELECT count(*) AS votes, count(DISTINCT xmin::text) AS commits FROM "vote"')
    assert row["votes"] == 40 and row["commits"] <= 20, row
    assert await tallies(staff, year) == {p: sum(1 for i in range(40) if i % 3 == k) for k, p in enumerate(projects)}
    for api in voters:
        await api.http.aclose()
