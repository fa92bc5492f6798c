"""Goal frameworks as data of the edition (SPEC §11): the tables `goal_framework` (unique
(edition, code)) and `framework_goal` (unique (framework, number), number >= 1; removed with
its framework), every existing edition given the SDG framework with its 17 goals in the six
languages (`prizes/editions/sdg_titles.json`), and a nomination's `goals` of the other
frameworks (a JSON list of tags, ["GDC-1", "GDC-3"])."""

import json
from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from core.db import engine_of, is_sqlite

ID = "2026-12-01T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "goal frameworks"

SDG_FILE = Path(__file__).resolve().parents[2] / "prizes" / "editions" / "sdg_titles.json"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def ddl():
        engine = engine_of()
        key = '"id" INTEGER PRIMARY KEY' if is_sqlite(engine) else '"id" SERIAL PRIMARY KEY'
        await engine.run_ddl(
            f'CREATE TABLE "goal_framework" ({key}, '
            '"edition" INTEGER NOT NULL REFERENCES "edition" ("id") ON DELETE RESTRICT ON UPDATE CASCADE, '
            '"code" VARCHAR(16) NOT NULL, '
            '"title" VARCHAR(300) NOT NULL, '
            '"titles" JSON NOT NULL DEFAULT \'{}\', '
            '"position" INTEGER NOT NULL DEFAULT 0, '
            'CONSTRAINT "goal_framework_edition_code" UNIQUE ("edition", "code"), '
            'CONSTRAINT "goal_framework_code_nonempty" CHECK (length("code") >= 2))')
        await engine.run_ddl(
            f'CREATE TABLE "framework_goal" ({key}, '
            '"framework" INTEGER NOT NULL REFERENCES "goal_framework" ("id") ON DELETE CASCADE ON UPDATE CASCADE, '
            '"number" INTEGER NOT NULL, '
            '"title" VARCHAR(300) NOT NULL, '
            '"titles" JSON NOT NULL DEFAULT \'{}\', '
            'CONSTRAINT "framework_goal_framework_number" UNIQUE ("framework", "number"), '
            'CONSTRAINT "framework_goal_number_positive" CHECK ("number" >= 1))')
        await engine.run_ddl('ALTER TABLE "nomination" ADD COLUMN "goals" JSON NOT NULL DEFAULT \'[]\'')
        await seed_sdgs()

    manager.add_raw(ddl)
    return manager


async def seed_sdgs() -> None:
    """Every edition without one gets the SDG framework and its 17 goals."""
    engine = engine_of()
    data = json.loads(SDG_FILE.read_text(encoding="utf-8"))
    editions = await engine.run_querystring(QueryString(
        'SELECT "id" FROM "edition" WHERE "id" NOT IN (SELECT "edition" FROM "goal_framework" WHERE "code" = {})',
        "SDG"))
    for edition in editions:
        await engine.run_querystring(QueryString(
            'INSERT INTO "goal_framework" ("edition", "code", "title", "titles", "position") VALUES ({}, {}, {}, {}, 0)',
            edition["id"], "SDG", data["title"]["en"], json.dumps(data["title"], ensure_ascii=False)))
        framework = await engine.run_querystring(QueryString(
            'SELECT "id" FROM "goal_framework" WHERE "edition" = {} AND "code" = {}', edition["id"], "SDG"))
        for number, titles in sorted(data["goals"].items(), key=lambda kv: int(kv[0])):
            await engine.run_querystring(QueryString(
                'INSERT INTO "framework_goal" ("framework", "number", "title", "titles") VALUES ({}, {}, {}, {})',
                framework[0]["id"], int(number), titles["en"], json.dumps(titles, ensure_ascii=False)))
