"""Alembic, driven from code so that ``fangpin db upgrade`` needs no alembic.ini."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from web.config import PROJECT_ROOT
from web.extensions import db


def alembic_config() -> Config:
    config = Config()
    # set_main_option interpolates ``%`` (configparser): a path or password holding one must be written as ``%%``
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations").replace("%", "%%"))
    config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade() -> None:
    """Bring the schema to the newest migration; running it again changes nothing."""
    with db.engine.connect() as connection, _foreign_keys_deferred_to_the_end(connection):
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _foreign_keys_deferred_to_the_end(connection: Connection) -> Iterator[None]:
    """SQLite changes a constraint by copying the table and dropping the old one; with foreign keys enforced, dropping
    a table other rows reference fails. SQLite's documented procedure: keys off (only possible outside a transaction),
    change, check every key before committing, keys on again. PostgreSQL alters in place and needs none of it."""
    if connection.dialect.name != "sqlite":
        with connection.begin():
            yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        with connection.begin():
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"迁移后外键不一致: {broken[:5]}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
