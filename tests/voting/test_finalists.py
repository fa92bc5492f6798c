"""Finalists: the N most valid-voted nominated projects per category, in the selection phase,
with every project tied at the boundary; stored as a status; a recomputation replaces the
earlier result."""

from __future__ import annotations

from datetime import datetime, timezone

from core.audit import Actor
from core.clock import utcnow
from core.tables import AuditEntry
from prizes.editions.queries import current_year
from prizes.editions.services import update_edition
from prizes.nominations.tables import Nomination
from tests.factories import set_phase
from tests.voting.factories import accounts, nominated, open_voting, record_vote
from voting.tables import Vote


def day(n: int) -> datetime:
    return datetime(2026, 1, n, tzinfo=timezone.utc)


async def statuses() -> dict[str, str]:
    return {str(r["id"]): r["status"] for r in await Nomination.select(Nomination.id, Nomination.status)}


async def test_the_most_voted_become_finalists_with_every_project_tied_at_the_boundary(app, client, staff):
    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"shortlist_size": 2}, reason="two finalists")
    year = await open_voting(app)
    # submitted in the order C, B, A, D, E
    a = await nominated(app, category="C7.4", title="A", submitted_at=day(3))
    b = await nominated(app, category="C7.4", title="B", submitted_at=day(2))
    c = await nominated(app, category="C7.4", title="C", submitted_at=day(1))
    d = await nominated(app, category="C7.4", title="D", submitted_at=day(4))
    e = await nominated(app, category="C1", title="E", submitted_at=day(5))
    people = await accounts(app, 12)
    plan = [(a, 5), (b, 3), (c, 3), (d, 1)]
    n = 0
    for project, count in plan:
        for _ in range(count):
            await record_vote(project, people[n])
            n += 1
    # D also got three votes that staff voided: raw votes never make a finalist
    voided = await accounts(app, 3, prefix="void")
    for person in voided:
        await record_vote(d, person, valid=False)

    assert (await staff.post(f"/api/editions/{year}/finalists")).status_code == 403  # still voting
    await set_phase(app, "selection")
    response = await staff.post(f"/api/editions/{year}/finalists")
    assert response.status_code == 200, response.text
    result = response.json()
    # A (5), then B and C tied at the boundary (3 each): both go through, earliest submission first
    assert result["C7.4"] == [a, c, b]
    assert result["C1"] == [e]  # fewer projects than places: all of them
    assert result["C2"] == []
    assert len(result) == 18
    assert await statuses() == {a: "finalist", b: "finalist", c: "finalist", d: "nominated", e: "finalist"}
    [entry] = await AuditEntry.select().where(AuditEntry.action == "edition.finalists").output(load_json=True)
    assert entry["details"]["finalists"]["C7.4"] == [a, c, b] and entry["details"]["valid_votes"][a] == 5


async def test_recomputing_replaces_the_earlier_result(app, client, staff):
    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"shortlist_size": 1}, reason="one finalist")
    year = await open_voting(app)
    a = await nominated(app, category="C1", title="A", submitted_at=day(1))
    b = await nominated(app, category="C1", title="B", submitted_at=day(2))
    people = await accounts(app, 5)
    ids = [await record_vote(a, people[i]) for i in range(3)]
    for i in range(3, 5):
        await record_vote(b, people[i])
    await set_phase(app, "selection")
    assert (await staff.post(f"/api/editions/{year}/finalists")).json()["C1"] == [a]
    # the audit finds A's votes scripted: voided, A drops out and B goes through
    voided = await staff.post("/api/votes/void", json={"vote_ids": ids[:2], "reason": "scripted"})
    assert voided.json()["voided"] == 2
    assert (await staff.post(f"/api/editions/{year}/finalists")).json()["C1"] == [b]
    assert await statuses() == {a: "nominated", b: "finalist"}
    assert await AuditEntry.count().where(AuditEntry.action == "edition.finalists") == 2
    assert await Vote.count() == 5  # nothing deleted


async def test_winners_and_champions_keep_their_status_when_finalists_are_recomputed(app, client, staff):
    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"shortlist_size": 1}, reason="one finalist")
    year = await open_voting(app)
    winner = await nominated(app, category="C1", title="Winner", status="winner", submitted_at=day(1))
    other = await nominated(app, category="C1", title="Other", submitted_at=day(2))
    people = await accounts(app, 2)
    await record_vote(other, people[0])
    await record_vote(other, people[1])
    await set_phase(app, "selection")
    assert (await staff.post(f"/api/editions/{year}/finalists")).json()["C1"] == [other]
    assert await statuses() == {winner: "winner", other: "finalist"}


async def test_finalists_count_only_complete_ballots_when_the_edition_says_so(app, client, staff):
    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"shortlist_size": 1, "complete_ballots": True},
                         reason="complete ballots only")
    year = await open_voting(app)
    from voting.queries import edition_by_year

    codes = (await edition_by_year(year)).categories.codes
    projects = {code: await nominated(app, category=code, title=f"P {code}", submitted_at=day(1)) for code in codes}
    rival = await nominated(app, category="C1", title="Rival", submitted_at=day(2))
    [full] = await accounts(app, 1, prefix="full")
    partial = await accounts(app, 2, prefix="partial")
    for code in codes:
        await record_vote(projects[code], full)
    for person in partial:  # two votes for Rival, from ballots that are not complete
        await record_vote(rival, person)
    await set_phase(app, "selection")
    result = (await staff.post(f"/api/editions/{year}/finalists")).json()
    assert result["C1"] == [projects["C1"]]
