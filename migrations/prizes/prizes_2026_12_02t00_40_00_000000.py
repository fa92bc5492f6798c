"""A nomination's goals of the frameworks other than the SDGs as a relation (SPEC §11): the
table `nomination_goal` (nomination → cascade, framework_goal → restrict, unique
(nomination, goal)), filled from the JSON column `nomination.goals` (tags such as "GDC-3"),
which is then dropped. A tag whose goal no longer exists (a removal that raced a save under
the old check in code) cannot be kept and is left out. The SDGs stay in `nomination.sdgs`."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from core.db import engine_of, is_sqlite

ID = "2026-12-02T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "nomination goals as a relation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def ddl():
        engine = engine_of()
        key = '"id" INTEGER PRIMARY KEY' if is_sqlite(engine) else '"id" SERIAL PRIMARY KEY'
        await engine.run_ddl(
            f'CREATE TABLE "nomination_goal" ({key}, '
            '"nomination" UUID NOT NULL REFERENCES "nomination" ("id") ON DELETE CASCADE ON UPDATE CASCADE, '
            '"goal" INTEGER NOT NULL REFERENCES "framework_goal" ("id") ON DELETE RESTRICT ON UPDATE CASCADE, '
            'CONSTRAINT "nomination_goal_once" UNIQUE ("nomination", "goal"))')
        await engine.run_ddl('CREATE INDEX "nomination_goal_goal" ON "nomination_goal" ("goal")')
        await move_goals()
        await engine.run_ddl('ALTER TABLE "nomination" DROP COLUMN "goals"')

    manager.add_raw(ddl)
    return manager


async def move_goals() -> None:
    engine = engine_of()
    rows = await engine.run_querystring(QueryString(
        'SELECT "id", "edition", CAST("goals" AS TEXT) AS "goals" FROM "nomination"'))
    for row in rows:
        try:
            tags = json.loads(row["goals"] or "[]")
        except ValueError:
            continue
        for tag in tags if isinstance(tags, list) else []:
            code, _sep, number = str(tag).rpartition("-")
            if not code or not number.isdigit():
                continue
            await engine.run_querystring(QueryString(
                'INSERT INTO "nomination_goal" ("nomination", "goal") '
                'SELECT {}, g."id" FROM "framework_goal" g JOIN "goal_framework" f ON f."id" = g."framework" '
                'WHERE f."edition" = {} AND f."code" = {} AND g."number" = {} '
                'AND NOT EXISTS (SELECT 1 FROM "nomination_goal" n WHERE n."nomination" = {} AND n."goal" = g."id")',
                row["id"], row["edition"], code, int(number), row["id"]))
