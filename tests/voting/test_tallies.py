"""Tallies: live in Redis, derived from the durable record, rebuilt when Redis loses them,
checked and rebuilt from the command line, behind the embargo, and counting only complete
ballots when the edition says so."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import redis as sync_redis

from core.audit import Actor
from core.clock import utcnow
from prizes.editions.queries import current_year
from prizes.editions.services import RulesFrozen, update_edition
from tests.factories import ApiClient
from tests.servers import _env, _main
from tests.voting.factories import nominated, open_voting, vote, voter
from voting import queries
from voting.keys import redis_id, tally_keys
from voting.rules import counting_mode
from voting.tables import Vote
from voting.tallies import tallies_command


async def tallies(api: ApiClient, year: int) -> dict[str, int]:
    response = await api.get(f"/api/editions/{year}/tallies")
    assert response.status_code == 200, response.text
    return {item["nomination_id"]: item["votes"] for item in response.json()["items"]}


def redis_valid(redis_url: str, year: int, code: str) -> dict[str, int]:
    """What Redis holds right now, read without the app (no rebuild on the way)."""
    client = sync_redis.Redis.from_url(redis_url)
    try:
        return {k.decode(): int(v) for k, v in client.hgetall(tally_keys(year, code).valid).items()}
    finally:
        client.close()


def flush(redis_url: str) -> None:
    """Redis loses everything but the sessions (so that the test's browsers stay signed in)."""
    client = sync_redis.Redis.from_url(redis_url)
    for key in client.scan_iter(count=1000):
        if not key.startswith(b"prizes:session"):
            client.delete(key)
    client.close()


async def cast_many(app, plan: dict[str, int], prefix: str = "v") -> list[ApiClient]:
    """`plan`: nomination id -> how many voters vote for it (each a new account)."""
    voters = []
    n = 0
    for nomination_id, count in plan.items():
        for _ in range(count):
            api = await voter(app, f"{prefix}{n}@example.org", client_ip=f"198.51.{n}.1")
            assert (await vote(api, nomination_id)).status_code == 201
            voters.append(api)
            n += 1
    return voters


async def close(voters: list[ApiClient]) -> None:
    for api in voters:
        await api.http.aclose()


async def test_tallies_list_every_nominated_project_zero_included_by_category_most_voted_first(app, client, staff):
    a = await nominated(app, category="C1", title="A")
    b = await nominated(app, category="C1", title="B")
    c = await nominated(app, category="C7.4", title="C")
    await nominated(app, category="C1", title="Not nominated", status="ineligible")
    year = await open_voting(app)
    voters = await cast_many(app, {b: 2, a: 1})
    response = await staff.get(f"/api/editions/{year}/tallies")
    assert response.json() == {"items": [
        {"nomination_id": b, "category": "C1", "votes": 2},
        {"nomination_id": a, "category": "C1", "votes": 1},
        {"nomination_id": c, "category": "C7.4", "votes": 0},
    ]}
    csv = await staff.get(f"/api/editions/{year}/tallies.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["nomination_id,category,votes", f"{b},C1,2", f"{a},C1,1", f"{c},C7.4,0"]
    assert (await staff.get(f"/api/editions/{year}/tallies", headers={"accept": "text/csv"})).text == csv.text
    await close(voters)


async def test_the_embargo_holds_for_the_public_until_the_edition_opens_the_tallies(app, client, staff):
    project = await nominated(app)
    year = await open_voting(app)
    voters = await cast_many(app, {project: 1})
    ada = voters[0]
    for path in (f"/api/editions/{year}/tallies", f"/api/editions/{year}/tallies.csv"):
        assert (await client.get(path)).status_code == 401
        assert (await ada.get(path)).status_code == 403
        assert (await staff.get(path)).status_code == 200
    assert (await client.get("/api/editions/2099/tallies")).status_code == 401
    assert (await staff.get("/api/editions/2099/tallies")).status_code == 404
    await update_edition(year, Actor.system(), settings={"public_tallies": True}, reason="open the tallies")
    assert await tallies(client, year) == {project: 1}
    assert await tallies(ada, year) == {project: 1}
    await close(voters)


async def test_redis_flushed_then_rebuilt_equals_the_database(app, client, staff, redis_url):
    a = await nominated(app, category="C1", title="A")
    b = await nominated(app, category="C2", title="B")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 3, b: 2})
    before = await tallies(staff, year)
    assert before == {a: 3, b: 2}
    flush(redis_url)
    # checked in this process, at once (a server of another test left running on this Redis
    # would rebuild within seconds: that is the design, not what this test looks at)
    lines: list[str] = []
    assert await tallies_command(app.state["tallies"], rebuild=False, out=lines.append) == 1
    assert f"{year} C1: no tallies in Redis (lost; --rebuild restores them)" in lines
    rebuild = _main("tallies", "--rebuild", env=_env())
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    assert f"{year}: 5 of 5 votes" in rebuild.stdout  # progress
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 3}
    assert redis_valid(redis_url, year, "C2") == {redis_id(b): 2}
    check = _main("tallies", "--check", env=_env())
    assert check.returncode == 0, check.stdout + check.stderr
    assert await tallies(staff, year) == before
    await close(voters)


async def test_check_names_each_difference_and_rebuild_repairs_it(app, client, redis_url):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 2})
    client_ = sync_redis.Redis.from_url(redis_url)
    client_.hincrby(tally_keys(year, "C1").valid, redis_id(a), 5)
    client_.close()
    check = _main("tallies", "--check", "--year", str(year), env=_env())
    assert check.returncode == 1
    assert f"{year} C1: project {redis_id(a)}: 7 valid votes in Redis, 2 in the database" in check.stdout
    assert _main("tallies", "--rebuild", "--year", str(year), env=_env()).returncode == 0
    assert _main("tallies", "--check", env=_env()).returncode == 0
    assert _main("tallies", "--check", "--year", "1999", env=_env()).returncode == 2
    await close(voters)


async def test_redis_emptied_while_the_app_runs_is_rebuilt_before_the_next_vote_is_accepted(app, client, redis_url):
    a = await nominated(app, category="C1", title="A")
    b = await nominated(app, category="C1", title="B")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 3, b: 1})
    flush(redis_url)  # Redis restarted with no data; the app runs on
    assert redis_valid(redis_url, year, "C1") == {}
    late = await voter(app, "late@example.org", client_ip="203.0.113.9")
    assert (await vote(late, b)).status_code == 201
    # by the time the vote was acknowledged, every earlier vote was counted again
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 3, redis_id(b): 2}
    await close([*voters, late])


async def test_a_lost_redis_is_rebuilt_before_tallies_are_read(app, client, staff, redis_url):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 2})
    flush(redis_url)
    assert await tallies(staff, year) == {a: 2}
    await close(voters)


async def test_the_already_voted_answer_survives_a_lost_redis(app, client, redis_url):
    a = await nominated(app, category="C1", title="A")
    await open_voting(app)
    [ada] = await cast_many(app, {a: 1})
    flush(redis_url)
    assert (await vote(ada, a)).status_code == 409
    assert await Vote.count() == 1
    await close([ada])


async def test_the_sweeper_counts_a_vote_whose_process_died_between_commit_and_redis(app, client, staff, redis_url):
    """A vote committed to the database whose Redis step never ran (the process died): the
    sweeper re-applies it once it is older than the grace period."""
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 1})
    edition = await queries.edition_by_year(year)
    target = await queries.vote_target(a)
    orphan = await voter(app, "orphan@example.org", client_ip="203.0.113.7")
    orphan_id = (await orphan.get("/api/me")).json()["id"]
    now = utcnow()
    await Vote.insert(Vote(id=uuid4(), edition=edition.id, category=target.category_id, nomination=target.nomination_id,
                           voter=orphan_id, cast_at=now, receipt="ORPH-AN00-0000-0001"))
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 1}
    assert _main("tallies", "--check", env=_env()).returncode == 1
    store = app.state["tallies"]
    assert await store.sweep(now) == 0  # too recent yet: its own request may still be applying it
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 1}
    assert await store.sweep(now + timedelta(seconds=31)) == 2  # the orphan, and the vote before it again
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 2}
    assert await store.sweep(now + timedelta(seconds=62)) == 0  # nothing new, nothing counted twice
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 2}
    assert _main("tallies", "--check", env=_env()).returncode == 0
    await close([*voters, orphan])


async def test_the_sweeper_notices_a_lost_redis_without_any_vote(app, client, redis_url):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    voters = await cast_many(app, {a: 2})
    flush(redis_url)
    await app.state["tallies"].sweep(utcnow())
    assert redis_valid(redis_url, year, "C1") == {redis_id(a): 2}
    await close(voters)


async def test_complete_ballots_count_only_voters_who_voted_in_every_category(app, client, staff, redis_url):
    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"complete_ballots": True}, reason="complete ballots only")
    year = await open_voting(app)
    edition = await queries.edition_by_year(year)
    assert counting_mode(edition.state.settings) == "complete"
    codes = edition.categories.codes
    projects = {code: await nominated(app, category=code, title=f"Project {code}") for code in codes}
    full = await voter(app, "full@example.org", client_ip="198.51.100.1")
    part = await voter(app, "part@example.org", client_ip="198.51.100.2")
    for code in codes[:-1]:
        assert (await vote(full, projects[code])).status_code == 201
    assert (await vote(part, projects[codes[0]])).status_code == 201
    # nobody's ballot is complete yet: no valid vote anywhere
    assert set((await tallies(staff, year)).values()) == {0}
    assert (await vote(full, projects[codes[-1]])).status_code == 201
    counted = await tallies(staff, year)
    assert counted == {projects[code]: 1 for code in codes}  # part's vote in C1 does not count
    # raw votes are kept apart
    raw = await app.state["tallies"].raw_tallies(edition)
    assert raw[codes[0]] == {redis_id(projects[codes[0]]): 2}
    # a rebuild from the record gives the same
    flush(redis_url)
    assert await tallies(staff, year) == counted
    assert _main("tallies", "--check", env=_env()).returncode == 0
    # the setting is a frozen counting rule: it cannot be switched off once the vote opened
    with pytest.raises(RulesFrozen):
        await update_edition(year, Actor.system(), settings={"complete_ballots": False}, reason="count every vote")
    assert await tallies(staff, year) == counted
    await close([full, part])


async def test_concurrent_last_votes_complete_the_ballot(app, client, staff):
    """The last two categories voted at once: whichever commits last sees the ballot complete."""
    import asyncio

    # the counting rules are set before the vote opens (frozen from then on)
    await update_edition(await current_year(utcnow()), Actor.system(), settings={"complete_ballots": True}, reason="complete ballots only")
    year = await open_voting(app)
    edition = await queries.edition_by_year(year)
    codes = edition.categories.codes
    projects = {code: await nominated(app, category=code, title=f"Project {code}") for code in codes}
    full = await voter(app, "full@example.org")
    for code in codes[:-2]:
        assert (await vote(full, projects[code])).status_code == 201
    last = await asyncio.gather(vote(full, projects[codes[-2]]), vote(full, projects[codes[-1]]))
    assert [r.status_code for r in last] == [201, 201]
    assert await tallies(staff, year) == {projects[code]: 1 for code in codes}
    await full.http.aclose()
