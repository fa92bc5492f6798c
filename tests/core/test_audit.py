"""The audit log's hash chain: linked entries, refused UPDATE/DELETE, no fork under concurrent
writers, and `main.py audit --verify` naming the first entry that was edited behind the
trigger's back."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from core import audit
from core.audit import Actor, chain_hash, entry_hash, record
from core.db import is_sqlite, transaction
from core.tables import AuditEntry
from tests.servers import _main


async def _chain() -> list[dict]:
    return await AuditEntry.select().order_by(AuditEntry.id)


async def tamper(database, entry_id: int, reason: str) -> None:
    """Edit an entry as someone with the database's keys would: around the trigger."""
    if is_sqlite(database):
        connection = sqlite3.connect(database.path)
        try:
            [sql] = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_entry_no_update'").fetchone()
            connection.execute('DROP TRIGGER "audit_entry_no_update"')
            connection.execute('UPDATE "audit_entry" SET "reason" = ? WHERE "id" = ?', (reason, entry_id))
            connection.execute(sql)
            connection.commit()
        finally:
            connection.close()
    else:
        async with transaction():
            await AuditEntry.raw("SET LOCAL session_replication_role = replica")
            await AuditEntry.update({AuditEntry.reason: reason}).where(AuditEntry.id == entry_id)


async def test_each_entry_links_to_the_one_before_and_hashes_its_content(database):
    assert await audit.head() is None
    for n in range(3):
        await record(Actor.system(), "test.step", f"thing:{n}", reason="<script>x</script> ünïcode",
                     details={"n": n, "nested": {"b": [1, 2.5, None], "a": "é"}})
    rows = await _chain()
    assert rows[0]["prev_hash"] == ""
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    for row in rows:
        assert row["hash"] == entry_hash(row, row["prev_hash"])
        assert len(row["hash"]) == 64
    assert await audit.head() == rows[-1]["hash"]
    result = await audit.verify()
    assert (result.ok, result.count, result.head) == (True, 3, rows[-1]["hash"])


async def test_the_hash_covers_every_field(database):
    base = dict(at="2026-12-01T10:00:00.000001+00:00", actor_id=None, actor_email="system", action="a",
                subject="s", reason="r", details={"k": 1})
    reference = chain_hash("", audit.canonical(**base))
    for field, other in [("at", "2026-12-01T10:00:00.000002+00:00"), ("actor_email", "x"), ("action", "b"),
                         ("subject", "t"), ("reason", "q"), ("details", {"k": 2})]:
        assert chain_hash("", audit.canonical(**{**base, field: other})) != reference, field
    assert chain_hash("0" * 64, audit.canonical(**base)) != reference


async def test_the_database_refuses_update_and_delete_of_an_entry(database):
    await record(Actor.system(), "test.step", "thing:1")
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.reason: "rewritten"}).where(AuditEntry.id > 0)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.delete().where(AuditEntry.id > 0)
    [row] = await _chain()
    assert row["reason"] == ""


@pytest.mark.postgres_only
async def test_the_database_refuses_truncate(database):
    await record(Actor.system(), "test.step", "thing:1")
    with pytest.raises(Exception, match="append-only"):
        await database.run_ddl('TRUNCATE "audit_entry"')
    assert await AuditEntry.count() == 1


@pytest.mark.postgres_only
async def test_forty_concurrent_writers_never_fork_the_chain(database):
    await record(Actor.system(), "test.start", "thing:0")

    async def writer(n: int) -> None:
        async with transaction():
            await record(Actor.system(), "test.step", f"thing:{n}", details={"n": n})

    await asyncio.gather(*(writer(n) for n in range(1, 41)))
    rows = await _chain()
    assert len(rows) == 41
    assert len({r["prev_hash"] for r in rows}) == 41  # no two entries follow the same one
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert (await audit.verify()).ok


async def test_verify_command_prints_count_and_head_and_names_a_tampered_entry(database):
    for n in range(5):
        await record(Actor.system(), "test.step", f"thing:{n}")
    rows = await _chain()
    result = _main("audit", "--verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"5 entries, head {rows[-1]['hash']}"
    assert "verified 5/5 entries" in result.stderr

    await tamper(database, rows[2]["id"], "a kinder reason")
    result = _main("audit", "--verify")
    assert result.returncode == 1
    assert result.stdout.strip() == (f"audit entry {rows[2]['id']}: hash does not match the entry's content "
                                     "(the 2 entries before it are intact)")


async def test_verify_on_an_empty_log(database):
    result = _main("audit", "--verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 entries, head (empty)"


async def test_the_staff_edition_page_shows_the_head_hash(app, client):
    from tests.factories import signed_in

    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "voting", "reason": "early"})
        assert response.status_code == 200
        page = await staff.get(f"/staff/editions/{year}")
    assert page.status_code == 200
    head = await audit.head()
    assert head and f'<code class="audit-head">{head}</code>' in page.text
    assert (await audit.verify()).ok
