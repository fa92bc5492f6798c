"""Fraud review: signals for staff (bursts against a project's own baseline, many accounts
from one network block, disposable e-mail domains, votes seconds after registering), and
voids with a reason — one by one or by signal — that the tallies follow, raw votes kept
apart, everything in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from accounts.tables import User
from core.tables import AuditEntry
from core.clock import utcnow
from tests.voting.factories import accounts, nominated, open_voting, record_vote, vote, voter
from voting import queries
from voting.keys import redis_id
from voting.tables import Vote

HOUR = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


async def signals(staff, year) -> list[dict]:
    response = await staff.get(f"/api/editions/{year}/fraud")
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_each_kind_of_signal_is_raised_with_its_votes(app, client, staff):
    surge = await nominated(app, category="C1", title="Surge")
    calm = await nominated(app, category="C2", title="Calm")
    year = await open_voting(app)
    # Surge: one vote an hour for ten hours, then 25 in one hour
    steady = await accounts(app, 10, prefix="steady")
    for i, voter_id in enumerate(steady):
        await record_vote(surge, voter_id, cast_at=HOUR + timedelta(hours=i), network=f"198.51.{i}.0/24")
    crowd = await accounts(app, 25, prefix="crowd")
    burst_ids = [await record_vote(surge, voter_id, cast_at=HOUR + timedelta(hours=10, minutes=i), network=f"198.18.{i}.0/24")
                 for i, voter_id in enumerate(crowd)]
    # Calm: 25 accounts from one office network, spread over days (no burst)
    office = await accounts(app, 25, prefix="office")
    office_ids = [await record_vote(calm, voter_id, cast_at=HOUR + timedelta(hours=3 * i), network="203.0.113.0/24")
                  for i, voter_id in enumerate(office)]
    # two throwaway addresses, and one account that voted 5 seconds after it was made
    throwaway = await accounts(app, 2, prefix="x", domain="mailinator.com")
    disposable_ids = [await record_vote(calm, voter_id, cast_at=HOUR + timedelta(days=5, hours=i), network=f"192.0.2{i}.0/24",
                                        email_domain="mailinator.com") for i, voter_id in enumerate(throwaway)]
    [hasty] = await accounts(app, 1, prefix="hasty", created_at=HOUR + timedelta(days=6))
    quick_id = await record_vote(calm, hasty, cast_at=HOUR + timedelta(days=6, seconds=5), network="100.64.0.0/24")

    found = {s["kind"]: s for s in await signals(staff, year)}
    # every voter here has an address at example.org, a non-public domain: `domain` too
    assert sorted(found) == ["burst", "disposable", "domain", "network", "quick"]
    burst = found["burst"]
    hour = int((HOUR + timedelta(hours=10)).timestamp()) // 3600
    assert burst["id"] == f"burst:{year}:{surge}:{hour}"
    assert (burst["nomination_id"], burst["title"], burst["category"]) == (surge, "Surge", "C1")
    assert sorted(burst["vote_ids"]) == sorted(burst_ids) and burst["votes"] == burst["valid"] == 25
    assert "25 votes in one hour for “Surge”, against its usual 1.0 an hour" == burst["summary"]
    network = found["network"]
    assert network["id"] == f"network:{year}:203.0.113.0/24" and network["accounts"] == 25
    assert sorted(network["vote_ids"]) == sorted(office_ids)
    disposable = found["disposable"]
    assert disposable["id"] == f"disposable:{year}:mailinator.com" and disposable["domain"] == "mailinator.com"
    assert sorted(disposable["vote_ids"]) == sorted(disposable_ids)
    quick = found["quick"]
    assert quick["id"] == f"quick:{year}:{calm}" and quick["vote_ids"] == [quick_id]
    # signals void nothing by themselves
    assert await Vote.count().where(Vote.valid == False) == 0  # noqa: E712


async def test_a_steady_project_and_an_ordinary_voter_raise_no_signal(app, client, staff):
    steady = await nominated(app, category="C1", title="Steady")
    year = await open_voting(app)
    # ordinary voters: addresses at a public mail provider (many there is no signal)
    voters = await accounts(app, 24, prefix="steady", domain="gmail.com")
    for i, voter_id in enumerate(voters):
        await record_vote(steady, voter_id, cast_at=HOUR + timedelta(minutes=20 * i), network="203.0.113.0/24",
                          email_domain="gmail.com")
    assert await signals(staff, year) == []


async def test_voiding_votes_one_by_one_the_tallies_follow_raw_votes_stay_and_the_audit_log_says_why(app, client, staff):
    a = await nominated(app, category="C1", title="A")
    year = await open_voting(app)
    apis = [await voter(app, f"v{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(3)]
    for api in apis:
        assert (await vote(api, a)).status_code == 201
    ids = [str(r["id"]) for r in await Vote.select(Vote.id).order_by(Vote.cast_at)]

    missing_reason = await staff.post("/api/votes/void", json={"vote_ids": ids[:1]})
    assert missing_reason.status_code == 422 and [e["key"] for e in missing_reason.json()["extra"]] == ["reason"]
    unknown = await staff.post("/api/votes/void", json={"vote_ids": [ids[0], "00000000-0000-0000-0000-000000000000", "x"],
                                                       "reason": "test"})
    assert unknown.status_code == 422 and [e["key"] for e in unknown.json()["extra"]] == ["vote_ids.2"]
    both = await staff.post("/api/votes/void", json={"vote_ids": ids, "signal": f"network:{year}:x", "reason": "r"})
    assert both.status_code == 422 and both.json()["extra"][0]["key"] == "vote_ids"
    assert await Vote.count().where(Vote.valid == False) == 0  # noqa: E712

    done = await staff.post("/api/votes/void", json={"vote_ids": ids[:2], "reason": "scripted votes, same device"})
    assert done.status_code == 200 and done.json() == {"voided": 2, "vote_ids": sorted(ids[:2])}
    tallies = (await staff.get(f"/api/editions/{year}/tallies")).json()["items"]
    assert tallies == [{"nomination_id": a, "category": "C1", "votes": 1}]
    edition = await queries.edition_by_year(year)
    raw = await app.state["tallies"].raw_tallies(edition)
    assert raw["C1"] == {redis_id(a): 3}
    again = await staff.post("/api/votes/void", json={"vote_ids": ids[:2], "reason": "again"})
    assert again.json() == {"voided": 0, "vote_ids": []}
    [entry] = await AuditEntry.select().where(AuditEntry.action == "votes.void").output(load_json=True)
    assert entry["actor_email"] == "staff@example.org" and entry["reason"] == "scripted votes, same device"
    assert entry["subject"] == f"edition:{year}" and entry["details"]["vote_ids"] == sorted(ids[:2])
    row = await Vote.select().where(Vote.id == ids[0]).first()
    assert row["valid"] is False and row["void_reason"] == "scripted votes, same device" and row["voided_at"]
    # the voters' own view is unchanged: they voted
    assert len((await apis[0].get("/api/votes/mine")).json()["items"]) == 1
    from tests.servers import _env, _main

    assert _main("tallies", "--check", env=_env()).returncode == 0
    for api in apis:
        await api.http.aclose()


async def test_voiding_by_signal_voids_every_vote_it_stands_for(app, client, staff):
    a = await nominated(app, category="C1", title="A")
    b = await nominated(app, category="C1", title="B")
    year = await open_voting(app)
    apis = [await voter(app, f"o{i}@example.org", client_ip=f"203.0.113.{i + 1}") for i in range(25)]
    outside = await voter(app, "outside@example.org", client_ip="198.51.100.1")
    for api in apis:
        assert (await vote(api, a)).status_code == 201
    assert (await vote(outside, b)).status_code == 201
    await User.update({User.created_at: utcnow() - timedelta(days=9)}).where(User.email != "")  # no "quick" signal
    found = {s["kind"]: s for s in await signals(staff, year)}
    # 25 votes in one hour for A, with no other hour: a burst too; 25 voters at example.org: `domain`
    assert sorted(found) == ["burst", "domain", "network"]
    signal = found["network"]
    assert signal["id"] == f"network:{year}:203.0.113.0/24" and signal["valid"] == 25
    no_such = await staff.post("/api/votes/void", json={"signal": "network:1999:203.0.113.0/24", "reason": "r"})
    assert no_such.status_code == 422 and no_such.json()["extra"][0]["key"] == "signal"
    assert (await staff.post("/api/votes/void", json={"signal": "nonsense", "reason": "r"})).status_code == 422
    done = await staff.post("/api/votes/void", json={"signal": signal["id"], "reason": "one office, ordered to vote"})
    assert done.json()["voided"] == 25
    tallies = {i["nomination_id"]: i["votes"] for i in (await staff.get(f"/api/editions/{year}/tallies")).json()["items"]}
    assert tallies == {a: 0, b: 1}
    after = {s["kind"]: s for s in await signals(staff, year)}
    assert after["network"]["votes"] == 25 and after["network"]["valid"] == 0 and after["burst"]["valid"] == 0
    [entry] = await AuditEntry.select().where(AuditEntry.action == "votes.void").output(load_json=True)
    assert entry["details"]["signal"] == signal["id"] and entry["details"]["count"] == 25
    for api in (*apis, outside):
        await api.http.aclose()


async def test_the_staff_fraud_page_lists_signals_and_voids_with_a_reason(app, client, staff):
    a = await nominated(app, category="C1", title="A <b>bold</b>")
    year = await open_voting(app)
    voters_ = await accounts(app, 2, prefix="x", domain="mailinator.com")
    for voter_id in voters_:
        await record_vote(a, voter_id, email_domain="mailinator.com")
    page = await staff.get(f"/staff/fraud/{year}")
    assert page.status_code == 200
    assert "mailinator.com" in page.text and "<b>bold</b>" not in page.text
    signal_id = f"disposable:{year}:mailinator.com"
    token = await staff.csrf()
    refused = await staff.post(f"/staff/fraud/{year}/void", data={"signal": signal_id, "reason": "", "_csrf_token": token},
                               csrf=False)
    assert refused.status_code == 422 and "aria-invalid" in refused.text
    done = await staff.post(f"/staff/fraud/{year}/void", data={"signal": signal_id, "reason": "throwaway addresses",
                                                              "_csrf_token": token}, csrf=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/fraud/{year}?voided=2"
    assert "2 votes were voided." in (await staff.get(done.headers["location"])).text
    assert await Vote.count().where(Vote.valid == True) == 0  # noqa: E712
