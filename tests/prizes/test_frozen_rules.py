"""The counting rules of an edition, frozen when it first enters the voting phase, and their
public fingerprint."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

import httpx

from core.audit import Actor
from core.clock import utcnow
from core.tables import AuditEntry
from prizes.editions.queries import current_year, forget
from prizes.editions.services import advance_due_phases, move_phase
from prizes.editions.tables import Edition, EditionPhase
from tests.factories import set_phase, signed_in
from tests.servers import _env, serving


def canonical(rules: dict) -> str:
    return json.dumps(rules, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def close_nomination_at(edition_id: int, instant) -> None:
    """The nomination phase (opened an hour ago) closes at `instant`; the vote opens then."""
    phases = EditionPhase.edition == edition_id
    await EditionPhase.update({EditionPhase.closes_at: instant - timedelta(hours=2)}).where(
        phases & (EditionPhase.name == "submission"))
    await EditionPhase.update({EditionPhase.opens_at: instant - timedelta(hours=1), EditionPhase.closes_at: instant}).where(
        phases & (EditionPhase.name == "nomination"))
    await EditionPhase.update({EditionPhase.opens_at: instant}).where(phases & (EditionPhase.name == "voting"))
    forget()


async def test_rules_are_shown_before_the_vote_without_a_fingerprint(client):
    body = (await client.get("/api/editions/current")).json()
    assert body["rules"] == {"shortlist_size": 5, "winners_per_category": 1, "complete_ballots": False,
                             "tie_rule": "shortlist-ties-at-boundary-all-pass/v1", "selection_rubric": None}
    assert body["rules_fingerprint"] is None


async def test_opening_the_vote_freezes_the_rules_and_a_change_is_409_naming_it(app, client):
    year = await current_year(utcnow())
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        # before the vote: editable
        assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"shortlist_size": 3}})).status_code == 200
        await set_phase(app, "voting")
        body = (await client.get(f"/api/editions/{year}")).json()
        assert body["rules"]["shortlist_size"] == 3
        assert [c["key"] for c in body["rules"]["selection_rubric"]][:2] == ["action_line", "impact"]
        assert body["rules_fingerprint"] == hashlib.sha256(canonical(body["rules"]).encode()).hexdigest()
        for setting, value in (("shortlist_size", 4), ("winners_per_category", 2), ("complete_ballots", True)):
            response = await staff.patch(f"/api/editions/{year}", json={"settings": {setting: value, "min_words": 10}})
            assert response.status_code == 409, response.text
            assert [e["key"] for e in response.json()["extra"]] == [f"settings.{setting}"]
            assert setting in response.json()["detail"]
        # nothing half-written: min_words went with the refused request
        after = (await client.get(f"/api/editions/{year}")).json()
        assert after["settings"]["min_words"] == 50 and after["settings"]["shortlist_size"] == 3
        # the other settings stay editable, and restating a frozen value is no change
        ok = await staff.patch(f"/api/editions/{year}", json={"settings": {"public_tallies": True, "shortlist_size": 3}})
        assert ok.status_code == 200
        # moving back before the vote does not thaw them
        await set_phase(app, "nomination")
        assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"shortlist_size": 9}})).status_code == 409
        # the selection rubric is one of the rules
        rubric = {"criteria": [{"key": "impact", "title": "Impact", "weight": 1, "min": 1, "max": 5}]}
        refused = await staff.put(f"/api/editions/{year}/rubric?round=selection", json=rubric)
        assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "criteria"
        assert (await staff.put(f"/api/editions/{year}/rubric?round=nomination", json=rubric)).status_code == 200
        # the staff page says why
        page = (await staff.get(f"/staff/editions/{year}")).text
        assert "frozen when the vote opened" in page and body["rules_fingerprint"] in page
        assert 'id="f-shortlist_size" name="shortlist_size" type="number" step="1" value="3" disabled' in page
        # the page's form still saves the other settings (the locked fields are not sent)
        saved = await staff.post(f"/staff/editions/{year}/settings", data={"min_words": "40", "public_tallies": "on"},
                                 follow_redirects=False)
        assert saved.status_code == 303
    assert (await client.get(f"/api/editions/{year}")).json()["settings"]["min_words"] == 40
    # the fingerprint never moved
    again = (await client.get(f"/api/editions/{year}")).json()
    assert again["rules"] == body["rules"] and again["rules_fingerprint"] == body["rules_fingerprint"]
    frozen = await AuditEntry.select().where(AuditEntry.action == "edition.rules_frozen").output(load_json=True)
    assert len(frozen) == 1 and frozen[0]["details"]["fingerprint"] == body["rules_fingerprint"]


async def test_the_public_edition_page_shows_the_rules_in_words_and_the_fingerprint(app, client):
    year = await current_year(utcnow())
    page = (await client.get(f"/editions/{year}")).text
    assert "The 5 most-voted projects of each category become finalists." in page
    assert "frozen when the vote opens" in page
    await set_phase(app, "voting")
    page = (await client.get(f"/editions/{year}")).text
    fingerprint = (await client.get(f"/api/editions/{year}")).json()["rules_fingerprint"]
    assert fingerprint and fingerprint in page
    assert "Every valid vote counts" in page and "The experts score the finalists on:" in page


async def test_the_phase_ticker_freezes_the_rules_at_the_closing_instant(app, client):
    year = await current_year(utcnow())
    await set_phase(app, "nomination")
    now = utcnow()
    edition = await Edition.select(Edition.id).where(Edition.year == year).first()
    await close_nomination_at(edition["id"], now + timedelta(seconds=1))
    forget()
    # the vote is open by the phase rule before the ticker writes it: already frozen for PATCH
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        time.sleep(1.1)
        assert (await client.get(f"/api/editions/{year}")).json()["phase"] == "voting"
        assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"shortlist_size": 2}})).status_code == 409
    moved = await advance_due_phases(utcnow())
    assert (year, "nomination", "voting") in moved
    row = await Edition.select(Edition.rules_json, Edition.rules_frozen_at).where(Edition.year == year).first()
    assert row["rules_frozen_at"] == now + timedelta(seconds=1)
    assert json.loads(row["rules_json"])["shortlist_size"] == 5
    # a second move into the vote leaves them as they were
    await move_phase(year, "voting", "again", Actor.system(), utcnow())
    assert await AuditEntry.count().where(AuditEntry.action == "edition.rules_frozen") == 1


async def test_the_fingerprint_is_the_same_from_every_process_and_after_a_restart(app, client, redis_url):
    """The real server's ticker freezes the rules; a restarted server shows the same bytes."""
    year = await current_year(utcnow())
    await set_phase(app, "nomination")
    edition = await Edition.select(Edition.id).where(Edition.year == year).first()
    await close_nomination_at(edition["id"], utcnow() + timedelta(seconds=2))
    env = _env(REDIS_URL=redis_url, PHASE_TICK_SECONDS="1")
    seen = []
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            body = httpx.get(f"{base}/api/editions/{year}").json()
            if body["rules_fingerprint"]:
                break
            time.sleep(0.2)
        seen += [httpx.get(f"{base}/api/editions/{year}").json() for _ in range(6)]  # both workers
    with serving("--no-migrate", env=env) as (base, _process):
        seen.append(httpx.get(f"{base}/api/editions/{year}").json())
    forget()
    seen.append((await client.get(f"/api/editions/{year}")).json())  # this process too
    fingerprints = {b["rules_fingerprint"] for b in seen}
    assert len(fingerprints) == 1 and None not in fingerprints
    assert fingerprints == {hashlib.sha256(canonical(seen[0]["rules"]).encode()).hexdigest()}
    assert all(b["rules"] == seen[0]["rules"] for b in seen)
