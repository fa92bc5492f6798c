from pathlib import Path

from piccolo.conf.apps import AppConfig

from accounts.tables import AccountToken, User, UserRole

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "accounts"),
    table_classes=[User, UserRole, AccountToken],
    migration_dependencies=[],
    commands=[],
)
