"""What every migration test does first: bring an empty database up to the revision before the one under test."""

from alembic import command

from web.migrate import alembic_config


def upgrade_to(connection, revision: str) -> None:
    """Migrate through ``connection`` (the test's own transaction) up to ``revision``."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
