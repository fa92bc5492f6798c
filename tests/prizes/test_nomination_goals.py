"""A project's goals of the frameworks other than the SDGs are rows of `nomination_goal`
(SPEC §11): written with the project in one transaction (the set replaced), and held by the
database — a goal or a framework someone chose cannot be removed, even by a query that skips
the service's check, nor by a removal racing a save. The migration moves the former JSON tags."""

from __future__ import annotations

import asyncio
import importlib
import json

import pytest

from core.db import engine_of
from core.tables import AuditEntry
from piccolo.querystring import QueryString
from prizes.editions.tables import Framework, FrameworkGoal
from prizes.nominations.tables import Nomination, NominationGoal
from tests.factories import project, signed_in
from tests.prizes.test_frameworks import GDC, frameworks, with_gdc


async def chosen() -> list[tuple[str, int]]:
    rows = await NominationGoal.select(NominationGoal.goal.framework.code.as_alias("code"),
                                       NominationGoal.goal.number.as_alias("number"))
    return sorted((r["code"], r["number"]) for r in rows)


async def sql(text: str, *values):
    return await engine_of().run_querystring(QueryString(text, *values))


async def test_a_save_replaces_the_set_of_goals_in_the_link_table(app, staff, year):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        created = (await owner.post("/api/nominations", json=project(sdgs=[3], goals={"GDC": [3, 1]}))).json()
        assert await chosen() == [("GDC", 1), ("GDC", 3)]
        changed = await owner.patch(f"/api/nominations/{created['id']}", json={"goals": {"GDC": [5, 3]}})
        assert changed.status_code == 200 and changed.json()["goals"] == {"GDC": [3, 5]}
        assert await chosen() == [("GDC", 3), ("GDC", 5)]
        other = await owner.patch(f"/api/nominations/{created['id']}", json={"title": "Renamed"})
        assert other.json()["goals"] == {"GDC": [3, 5]} and other.json()["sdgs"] == [3]  # untouched
        bad = await owner.patch(f"/api/nominations/{created['id']}", json={"title": "Again", "goals": {"GDC": [9]}})
        assert bad.status_code == 422 and await chosen() == [("GDC", 3), ("GDC", 5)]
        assert (await owner.get(f"/api/nominations/{created['id']}")).json()["title"] == "Renamed"


async def test_the_database_refuses_to_remove_a_chosen_goal_or_its_framework(app, staff, year):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        created = (await owner.post("/api/nominations", json=project(goals={"GDC": [2]}))).json()
    goal = await FrameworkGoal.select(FrameworkGoal.id).where(
        (FrameworkGoal.framework.code == "GDC") & (FrameworkGoal.number == 2)).first()
    # straight SQL, past every check in code: the foreign key (restrict) refuses
    with pytest.raises(Exception, match="(?i)foreign key"):
        await sql('DELETE FROM "framework_goal" WHERE "id" = {}', goal["id"])
    with pytest.raises(Exception, match="(?i)foreign key"):  # its framework would take it (cascade)
        await sql('DELETE FROM "goal_framework" WHERE "code" = {}', "GDC")
    with pytest.raises(Exception):  # chosen once
        await NominationGoal.insert(NominationGoal(nomination=created["id"], goal=goal["id"]))
    with pytest.raises(Exception, match="(?i)foreign key"):  # no choice of a goal that is not there
        await NominationGoal.insert(NominationGoal(nomination=created["id"], goal=goal["id"] + 10_000))
    assert await FrameworkGoal.count().where(FrameworkGoal.framework.code == "GDC") == 5
    unused = await FrameworkGoal.select(FrameworkGoal.id).where(
        (FrameworkGoal.framework.code == "GDC") & (FrameworkGoal.number == 4)).first()
    await sql('DELETE FROM "framework_goal" WHERE "id" = {}', unused["id"])  # one nobody chose can go
    # a project removed takes its choices with it (cascade), and then the framework can go
    await sql('DELETE FROM "nomination" WHERE "id" = {}', created["id"])
    assert await NominationGoal.count() == 0
    await sql('DELETE FROM "goal_framework" WHERE "code" = {}', "GDC")
    assert await Framework.count() == 1


async def test_retitling_the_goals_keeps_the_projects_choices(app, client, staff, year):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        created = (await owner.post("/api/nominations", json=project(goals={"GDC": [1, 2]}))).json()
        goals = [{"number": 1, "title": "Renamed first"}, *GDC["goals"][1:]]
        edited = await staff.put(f"/api/editions/{year}/frameworks/GDC", json={"title": "GDC", "goals": goals})
        assert edited.status_code == 200, edited.text
        assert (await owner.get(f"/api/nominations/{created['id']}")).json()["goals"] == {"GDC": [1, 2]}
        assert (await frameworks(client, year))["GDC"]["goals"][0]["title"] == "Renamed first"
        assert await chosen() == [("GDC", 1), ("GDC", 2)]


async def test_a_save_racing_a_removal_never_leaves_a_choice_of_a_removed_goal(app, client, staff, year):
    """Both at once, again and again (truly concurrent on PostgreSQL; queued by SQLite's write
    lock): either the save keeps goal 5 and the removal is refused (409 on `goals`), or the
    removal goes through and the save is refused (409 when it raced, 422 when it came after)
    — never both through."""
    await with_gdc(staff, year)
    url = f"/api/editions/{year}/frameworks/GDC"
    async with await signed_in(app, "owner@example.org") as owner:
        nid = (await owner.post("/api/nominations", json=project())).json()["id"]
        outcomes = set()
        for _round in range(12):
            assert (await staff.put(url, json={"title": "GDC", "goals": GDC["goals"]})).status_code == 200
            assert (await owner.patch(f"/api/nominations/{nid}", json={"goals": {}})).status_code == 200
            updates = await AuditEntry.count().where(AuditEntry.action == "edition.framework_update")
            saved, removed = await asyncio.gather(
                owner.patch(f"/api/nominations/{nid}", json={"goals": {"GDC": [5]}}),
                staff.put(url, json={"title": "GDC", "goals": GDC["goals"][:4]}))
            assert saved.status_code in (200, 409, 422) and removed.status_code in (200, 409), (saved.text, removed.text)
            numbers = [g["number"] for g in (await frameworks(client, year))["GDC"]["goals"]]
            kept = await chosen()
            if removed.status_code == 200:
                assert numbers == [1, 2, 3, 4] and kept == []
                assert saved.status_code in (409, 422) and saved.json()["extra"][0]["key"] == "goals"
            else:
                assert removed.json()["extra"][0]["key"] == "goals" and numbers == [1, 2, 3, 4, 5]
                assert saved.status_code == 200 and kept == [("GDC", 5)]
                # nothing of the refused removal was written
                assert await AuditEntry.count().where(AuditEntry.action == "edition.framework_update") == updates
            outcomes.add((saved.status_code, removed.status_code))
        assert outcomes <= {(200, 409), (409, 200), (422, 200)}


async def test_the_migration_moves_the_json_tags_into_the_link_table(app, staff, year):
    await with_gdc(staff, year)
    async with await signed_in(app, "owner@example.org") as owner:
        first = (await owner.post("/api/nominations", json=project())).json()["id"]
        second = (await owner.post("/api/nominations", json=project(title="Second", category="C1"))).json()["id"]
    migration = importlib.import_module("migrations.prizes.prizes_2026_12_02t00_40_00_000000")
    engine = engine_of()
    # the column as the earlier migration made it, for the time of the test
    await engine.run_ddl('ALTER TABLE "nomination" ADD COLUMN "goals" JSON NOT NULL DEFAULT \'[]\'')
    try:
        for nid, tags in ((first, ["GDC-1", "GDC-3", "GDC-3"]), (second, ["GDC-9", "junk", "XYZ-1", "GDC-5"])):
            await sql('UPDATE "nomination" SET "goals" = {} WHERE "id" = {}', json.dumps(tags), nid)
        await migration.move_goals()
        await migration.move_goals()  # twice, no second copy
    finally:
        await engine.run_ddl('ALTER TABLE "nomination" DROP COLUMN "goals"')
    rows = await NominationGoal.select(NominationGoal.nomination, NominationGoal.goal.number.as_alias("number"))
    moved = sorted((str(r["nomination"]), r["number"]) for r in rows)
    assert moved == sorted([(first, 1), (first, 3), (second, 5)])  # GDC-9 and XYZ-1 name no goal
    assert await Nomination.count() == 2
