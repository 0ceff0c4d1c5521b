"""Alembic, driven from code so that ``fangpin db upgrade`` needs no alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from web.config import PROJECT_ROOT
from web.extensions import db


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False))
    return config


def upgrade() -> None:
    """Bring the schema to the newest migration; running it again changes nothing."""
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
