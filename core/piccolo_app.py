from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.tables import AuditEntry, OutgoingMail

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "core"),
    table_classes=[AuditEntry, OutgoingMail],
    migration_dependencies=[],
    commands=[],
)
