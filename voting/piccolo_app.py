from pathlib import Path

from piccolo.conf.apps import AppConfig

from voting.tables import Vote

APP_CONFIG = AppConfig(
    app_name="voting",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "voting"),
    table_classes=[Vote],
    migration_dependencies=["prizes.piccolo_app"],
    commands=[],
)
