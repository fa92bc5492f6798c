from pathlib import Path

from piccolo.conf.apps import AppConfig

from prizes.editions.tables import Category, Edition, EditionPhase, Framework, FrameworkGoal
from prizes.nominations.tables import Appeal, Nomination, NominationGoal, NominationImage
from prizes.results.tables import ExtendedDescription, PublicationRequest

APP_CONFIG = AppConfig(
    app_name="prizes",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "prizes"),
    table_classes=[Edition, EditionPhase, Category, Nomination, NominationImage, ExtendedDescription,
                   PublicationRequest, Appeal, Framework, FrameworkGoal, NominationGoal],
    migration_dependencies=["accounts.piccolo_app"],
    commands=[],
)
