from pathlib import Path

from piccolo.conf.apps import AppConfig

from judging.tables import DeclaredConflict, JudgeAssignment, JudgingRound, LiftedConflict, ScoreSheet

APP_CONFIG = AppConfig(
    app_name="judging",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "judging"),
    table_classes=[JudgeAssignment, JudgingRound, DeclaredConflict, ScoreSheet, LiftedConflict],
    migration_dependencies=["accounts.piccolo_app", "prizes.piccolo_app"],
    commands=[],
)
