"""Piccolo's configuration: the engine comes from the same settings the app reads
(DATABASE_URL), so the piccolo CLI, the migrations and the app agree."""

from piccolo.conf.apps import AppRegistry

from core.db import make_engine
from core.settings import Settings

DB = make_engine(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "core.piccolo_app",
        "accounts.piccolo_app",
        "prizes.piccolo_app",
        "voting.piccolo_app",
        "judging.piccolo_app",
    ]
)
