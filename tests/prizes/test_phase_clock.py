"""The app moves the phase on at each closing instant, exactly once, and the rule holds
to the instant even before the move is written."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.tables import AuditEntry
from prizes.editions.queries import get_current_edition
from core.clock import utcnow
from prizes.editions.services import PhaseClosed, advance_due_phases, require_phase
from prizes.editions.tables import Edition, EditionPhase


async def _close_submission_at(instant):
    await Edition.update({Edition.phase_changed_at: instant - timedelta(days=30)}).where(Edition.phase == "submission")
    await EditionPhase.update({EditionPhase.closes_at: instant}).where(EditionPhase.name == "submission")
    await EditionPhase.update({EditionPhase.opens_at: instant}).where(EditionPhase.name == "nomination")


async def test_require_phase_refuses_after_the_deadline_before_anything_is_written(client):
    deadline = utcnow() - timedelta(seconds=1)
    await _close_submission_at(deadline)
    edition = await get_current_edition(utcnow())
    assert edition.phase == "submission"  # stored value not moved yet
    with pytest.raises(PhaseClosed):
        require_phase(edition, "submission", utcnow())
    require_phase(edition, "nomination", utcnow())
    assert (await client.get("/api/editions/current")).json()["phase"] == "nomination"


async def test_concurrent_workers_move_the_phase_exactly_once(client):
    await _close_submission_at(utcnow() - timedelta(seconds=1))
    results = await asyncio.gather(*(advance_due_phases(utcnow()) for _ in range(8)))
    moved = [r for r in results if r]
    assert len(moved) == 1
    assert moved[0][0][1:] == ("submission", "nomination")
    assert (await Edition.select(Edition.phase).first())["phase"] == "nomination"
    entries = await AuditEntry.select().where(AuditEntry.action == "edition.phase").output(load_json=True)
    assert len(entries) == 1
    assert entries[0]["actor_email"] == "system"
    assert entries[0]["details"] == {"automatic": True, "from": "submission", "to": "nomination"}
    # and again later: nothing more to do
    assert await advance_due_phases(utcnow()) == []


async def test_nothing_moves_before_the_closing_instant(client):
    await _close_submission_at(utcnow() + timedelta(hours=1))
    assert await advance_due_phases(utcnow()) == []
    assert (await Edition.select(Edition.phase).first())["phase"] == "submission"


async def test_the_running_app_moves_the_phase_by_itself(settings):
    from main import create_app
    from tests.factories import ApiClient

    app = create_app(settings.replace(phase_tick_seconds=0.05))
    async with ApiClient.for_app(app) as api:
        await _close_submission_at(utcnow() + timedelta(milliseconds=300))
        for _ in range(100):
            if (await Edition.select(Edition.phase).first())["phase"] == "nomination":
                break
            await asyncio.sleep(0.05)
        assert (await Edition.select(Edition.phase).first())["phase"] == "nomination"
        assert (await api.get("/api/editions/current")).json()["phase"] == "nomination"
    assert await AuditEntry.count().where(AuditEntry.action == "edition.phase") == 1


async def test_staff_moving_back_after_the_deadline_is_not_undone_by_the_clock(app, client):
    from tests.factories import signed_in

    await _close_submission_at(utcnow() - timedelta(minutes=5))
    await advance_due_phases(utcnow())
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "submission", "reason": "late entries"})
        assert response.json()["phase"] == "submission"
    assert await advance_due_phases(utcnow()) == []
    assert (await client.get("/api/editions/current")).json()["phase"] == "submission"
