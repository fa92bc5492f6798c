"""Fraud signals `alias` and `domain` (item 14): reviewed and voided like the others."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.voting.factories import accounts, nominated, open_voting, record_vote
from tests.factories import make_user
from voting.rules import canonical_email
from voting.tables import Vote


HOUR = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def test_canonical_addresses():
    assert canonical_email("A+1@Example.org") == "a@example.org"
    assert canonical_email("a.b.c+x@googlemail.com") == "abc@gmail.com"
    assert canonical_email("a.b@example.org") == "a.b@example.org"  # dots matter elsewhere


async def test_aliases_of_one_mailbox_are_one_signal_that_voids(app, client, staff):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    ids = []
    for n, email in enumerate(("ann+1@gmail.com", "a.nn@gmail.com", "ann+2@googlemail.com", "bob@gmail.com")):
        user = await make_user(app, email)
        ids.append(await record_vote(a, user.id, cast_at=HOUR + timedelta(days=n), network=f"198.51.{n}.0/24",
                                     email_domain=email.split("@")[1]))
    found = [s for s in (await staff.get(f"/api/editions/{year}/fraud")).json()["items"] if s["kind"] == "alias"]
    assert [s["id"] for s in found] == [f"alias:{year}:ann@gmail.com"]
    assert sorted(found[0]["vote_ids"]) == sorted(ids[:3]) and found[0]["accounts"] == 3
    done = await staff.post("/api/votes/void", json={"signal": found[0]["id"], "reason": "one person"})
    assert done.status_code == 200 and done.json()["voided"] == 3
    assert await Vote.count().where(Vote.valid == True) == 1  # noqa: E712


async def test_many_voters_from_one_organisation_domain_for_one_project(app, client, staff):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    office = await accounts(app, 10, prefix="staffer", domain="ministry.example")
    ids = [await record_vote(a, v, cast_at=HOUR + timedelta(hours=5 * i), network=f"198.51.{i}.0/24",
                             email_domain="ministry.example") for i, v in enumerate(office)]
    public = await accounts(app, 12, prefix="fan", domain="gmail.com")
    for i, v in enumerate(public):
        await record_vote(a, v, cast_at=HOUR + timedelta(hours=5 * i + 1), network=f"203.0.{i}.0/24", email_domain="gmail.com")
    found = [s for s in (await staff.get(f"/api/editions/{year}/fraud")).json()["items"] if s["kind"] == "domain"]
    assert [s["id"] for s in found] == [f"domain:{year}:{a}:ministry.example"]
    assert sorted(found[0]["vote_ids"]) == sorted(ids) and found[0]["domain"] == "ministry.example"
    done = await staff.post("/api/votes/void", json={"signal": found[0]["id"], "reason": "ordered to vote"})
    assert done.json()["voided"] == 10
