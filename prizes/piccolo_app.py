from pathlib import Path

from piccolo.conf.apps import AppConfig

from prizes.tables import Category, Edition, EditionPhase, ExtendedDescription, Nomination, NominationImage

APP_CONFIG = AppConfig(
    app_name="prizes",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "prizes"),
    table_classes=[Edition, EditionPhase, Category, Nomination, NominationImage, ExtendedDescription],
    migration_dependencies=["accounts.piccolo_app"],
    commands=[],
)
