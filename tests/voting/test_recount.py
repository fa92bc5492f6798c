"""Anyone can recount: after a storm of votes with duplicates, voids by hand and through a
signal, and complete ballots required, the counted rows of the public list of votes equal,
project by project, the live tallies, the database's count, the finalists' votes, the
integrity report and the book's figures."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from datetime import timedelta

from accounts.tables import User
from core.audit import Actor
from core.clock import utcnow
from core.tables import AuditEntry
from prizes.editions.queries import current_year
from prizes.editions.services import update_edition
from reports.queries import figures
from tests.factories import set_phase
from tests.voting.factories import nominated, open_voting, vote, voter
from voting import queries
from voting.keys import redis_id
from voting.rules import counting_mode
from voting.tables import Vote


async def _all_receipts(client, year: int) -> list[dict]:
    items, offset = [], 0
    while True:
        page = (await client.get(f"/api/editions/{year}/receipts?offset={offset}&limit=50")).json()
        items += page["items"]
        offset += 50
        if offset >= page["total"]:
            assert len(items) == page["total"]
            return items


async def test_the_published_count_is_recountable_from_the_list_of_votes(app, client, staff):
    await update_edition(await current_year(utcnow()), Actor.system(),
                         settings={"complete_ballots": True, "shortlist_size": 2}, reason="complete ballots only")
    codes = (await queries.edition_by_year(await current_year(utcnow()))).categories.codes
    # three projects in C1 and C2, one in every other category
    projects = {code: [await nominated(app, category=code, title=f"{code} project {n}") for n in
                       (range(3) if code in ("C1", "C2") else range(1))] for code in codes}
    year = await open_voting(app)
    complete = [await voter(app, f"full{i}@example.org", client_ip=f"198.51.100.{i + 1}") for i in range(8)]
    partial = [await voter(app, f"part{i}@example.org", client_ip=f"203.0.113.{i + 1}") for i in range(5)]
    await User.update({User.created_at: utcnow() - timedelta(days=30)}).where(User.email != "")

    async def ballot(index: int, api, categories) -> list:
        answers = []
        for code in categories:
            choice = projects[code][index % len(projects[code])]
            # every vote sent twice at once: one is recorded, the other refused (409)
            answers += await asyncio.gather(vote(api, choice), vote(api, choice))
        return answers

    storm = await asyncio.gather(*[ballot(i, api, codes) for i, api in enumerate(complete)],
                                 *[ballot(i, api, ["C1", "C2"]) for i, api in enumerate(partial)])
    answers = [a for ballot_answers in storm for a in ballot_answers]
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 8 * len(codes) + 5 * 2, 409: 8 * len(codes) + 5 * 2}
    receipts = [a.json()["receipt"] for a in answers if a.status_code == 201]

    # voids: two votes by hand, and the votes of a "quick" signal (two accounts made seconds before)
    by_hand = [str(r["id"]) for r in await Vote.select(Vote.id).where(
        Vote.receipt.is_in([receipts[0], receipts[len(codes) + 1]]))]
    assert (await staff.post("/api/votes/void", json={"vote_ids": by_hand, "reason": "review"})).json()["voided"] == 2
    target = projects["C2"][1]
    hasty = await Vote.select(Vote.voter, Vote.cast_at).where(Vote.nomination == target).limit(2)
    for row in hasty:
        await User.update({User.created_at: row["cast_at"] - timedelta(seconds=5)}).where(User.id == row["voter"])
    signal = await staff.post("/api/votes/void", json={"signal": f"quick:{year}:{target}", "reason": "scripted"})
    assert signal.json()["voided"] >= 1

    await set_phase(app, "selection")
    rows = await _all_receipts(client, year)
    assert sorted(r["receipt_sha256"] for r in rows) == sorted(hashlib.sha256(r.encode()).hexdigest() for r in receipts)
    counted = Counter(r["nomination_id"] for r in rows if r["counted"])
    every = [nid for ids in projects.values() for nid in ids]
    recount = {nid: counted.get(nid, 0) for nid in every}
    # the partial ballots never count; the voided votes neither
    voided_full = await Vote.count().where((Vote.valid == False) & Vote.voter.email.like("full%"))  # noqa: E712
    assert voided_full >= 2
    assert sum(recount.values()) == 8 * len(codes) - voided_full

    # = the live tallies (Redis)
    tallies = {i["nomination_id"]: i["votes"] for i in (await staff.get(f"/api/editions/{year}/tallies")).json()["items"]}
    assert tallies == recount
    # = the database's own count
    edition = await queries.edition_by_year(year)
    recorded = await queries.valid_counts_by_project(edition, counting_mode(edition.state.settings))
    assert {nid: recorded.get(redis_id(nid), 0) for nid in every} == recount
    # = the votes the finalists were chosen on
    assert (await staff.post(f"/api/editions/{year}/finalists")).status_code == 200
    entry = await AuditEntry.select().where(AuditEntry.action == "edition.finalists").first().output(load_json=True)
    assert entry["details"]["valid_votes"] == {nid: recount[nid] for nid in entry["details"]["valid_votes"]}
    # = the integrity report
    report = (await client.get(f"/api/editions/{year}/integrity")).json()
    for category in report["categories"]:
        ids = projects[category["category"]]
        assert category["valid"] == sum(recount[nid] for nid in ids)
        assert category["raw"] == sum(1 for r in rows if r["category"] == category["category"])
        assert category["voided"] == sum(category["void_reasons"].values())
    assert report["totals"]["valid"] == sum(recount.values())
    assert report["totals"]["raw"] == len(rows) == len(receipts)
    assert report["totals"]["voided"] == 2 + signal.json()["voided"]
    csv_bytes = (await client.get(f"/api/editions/{year}/receipts.csv")).content
    assert report["receipts_sha256"] == hashlib.sha256(csv_bytes).hexdigest()
    # = the book's figures
    book = await figures(edition.id)
    assert (book.valid_votes, book.raw_votes, book.voided_votes, book.voters) == (
        report["totals"]["valid"], report["totals"]["raw"], report["totals"]["voided"], report["totals"]["voters"])
    assert book.votes_by_category == {c["category"]: c["valid"] for c in report["categories"] if c["valid"]}
    assert book.rules_fingerprint == report["rules_fingerprint"] is not None
    # each voter's receipt says what the list says
    by_sha = {r["receipt_sha256"]: r for r in rows}
    for receipt in receipts[:40]:
        status = (await client.get(f"/api/receipts/{receipt}")).json()["status"]
        row = by_sha[hashlib.sha256(receipt.encode()).hexdigest()]
        assert status == ("counted" if row["counted"] else ("voided" if status == "voided" else "not_counted_yet"))
    for api in complete + partial:
        await api.http.aclose()
