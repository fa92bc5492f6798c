"""`python main.py demo`: a sample edition in an empty database, never in one with data."""

from __future__ import annotations

from accounts.tables import User, UserRole
from reports.demo import build_demo as _demo
from judging.tables import JudgeAssignment, ScoreSheet
from prizes.nominations.tables import Nomination, NominationGoal


async def test_the_demo_fills_an_empty_database_and_refuses_one_with_data(app, client):
    said: list[str] = []
    assert await _demo("nomination", "demo passphrase 2026", said.append) == 0
    assert await Nomination.count() == 120
    assert await Nomination.count().where(Nomination.status == "draft") == 4
    assert await Nomination.count().where(Nomination.status == "eligible") == 106
    assert await Nomination.count().where(Nomination.status == "ineligible") == 10
    assert len({r["code"] for r in await Nomination.select(Nomination.category.code.as_alias("code"))}) == 18
    assert await JudgeAssignment.count() == 18
    assert await ScoreSheet.count().where(ScoreSheet.status == "submitted") > 0
    assert await UserRole.count().where(UserRole.role == "staff") == 1
    # the demo edition has the GDC framework, and some projects link to its objectives
    edition = (await client.get("/api/editions/current")).json()
    assert [f["code"] for f in edition["frameworks"]] == ["SDG", "GDC"]
    assert [g["number"] for g in edition["frameworks"][1]["goals"]] == [1, 2, 3, 4, 5]
    linked = await NominationGoal.select(NominationGoal.nomination, NominationGoal.goal.framework.code.as_alias("code"))
    assert len({r["nomination"] for r in linked}) == 40 and {r["code"] for r in linked} == {"GDC"}
    users = await User.count()
    assert await _demo("voting", "demo passphrase 2026", said.append) == 2
    assert "already holds" in said[-1] and await User.count() == users and await Nomination.count() == 120
