"""Category titles in the six languages: a JSON column `titles` ({language: title}) on
`category`, filled for the existing editions' categories from
`prizes/editions/category_titles.json` (the English title stays the one stored)."""

import json
from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from core.db import engine_of

ID = "2026-12-01T21:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "category titles per language"

# The file of default titles (data, also read when an edition is created).
DEFAULTS = Path(__file__).resolve().parents[2] / "prizes" / "editions" / "category_titles.json"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def titles():
        await engine_of().run_ddl("ALTER TABLE \"category\" ADD COLUMN \"titles\" JSON NOT NULL DEFAULT '{}'")
        await fill_titles()

    manager.add_raw(titles)
    return manager


async def fill_titles() -> None:
    """Every category's titles: the file's for its code, its stored English title kept."""
    engine = engine_of()
    defaults = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    rows = await engine.run_querystring(_query('SELECT "id", "code", "title" FROM "category"'))
    for row in rows:
        found = dict(defaults.get(row["code"], {}))
        found["en"] = row["title"]
        await engine.run_querystring(
            _query('UPDATE "category" SET "titles" = {} WHERE "id" = {}', json.dumps(found, ensure_ascii=False),
                   row["id"]))


def _query(template: str, *values) -> QueryString:
    return QueryString(template, *values)
