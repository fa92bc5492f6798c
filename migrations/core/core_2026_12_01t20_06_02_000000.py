"""The audit log becomes a hash chain and append-only: `prev_hash` and `hash` on every entry
(the existing entries hashed here, in id order, with `core.audit.entry_hash`), and triggers
that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import engine_of, is_sqlite

ID = "2026-12-01T20:06:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit hash chain, append-only"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def chain():
        from core.audit import entry_hash
        from core.tables import AuditEntry

        engine = engine_of()
        for column in ("prev_hash", "hash"):
            await engine.run_ddl(f"ALTER TABLE \"audit_entry\" ADD COLUMN \"{column}\" VARCHAR(64) NOT NULL DEFAULT ''")
        # The columns named, so that this still reads the table after later migrations.
        rows = await AuditEntry.select(
            AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_email, AuditEntry.action,
            AuditEntry.subject, AuditEntry.reason, AuditEntry.details).order_by(AuditEntry.id)
        prev = ""
        for row in rows:
            digest = entry_hash(row, prev)
            await engine.run_ddl(
                f"UPDATE \"audit_entry\" SET \"prev_hash\" = '{prev}', \"hash\" = '{digest}' WHERE \"id\" = {int(row['id'])}")
            prev = digest
        if is_sqlite(engine):
            for event in ("UPDATE", "DELETE"):
                await engine.run_ddl(
                    f'CREATE TRIGGER "audit_entry_no_{event.lower()}" BEFORE {event} ON "audit_entry" '
                    f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: {event} refused'); END")
        else:
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP; END $$")
            await engine.run_ddl(
                'CREATE TRIGGER "audit_entry_no_update" BEFORE UPDATE OR DELETE ON "audit_entry" '
                "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
            await engine.run_ddl(
                'CREATE TRIGGER "audit_entry_no_truncate" BEFORE TRUNCATE ON "audit_entry" '
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()")

    manager.add_raw(chain)
    return manager
