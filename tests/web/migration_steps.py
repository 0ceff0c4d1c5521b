"""What every migration test does first: bring an empty database up to the revision before the one under test."""

from alembic import command
from sqlalchemy import text

from web.migrate import alembic_config


def upgrade_to(connection, revision: str) -> None:
    """Migrate through ``connection`` (the test's own transaction) up to ``revision``."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def insert_village(connection, code: str, path: str) -> None:
    connection.execute(text("INSERT INTO places (code, name, level, path) VALUES (:code, '嘎查', 'village', :path)"),
                       {"code": code, "path": path})


def insert_household(connection, household_id: int, village: str, path: str, status: str = "not_monitored",
                     risks: str = "[]") -> None:
    """A household row as the schema of 0023 and 0024 holds it (``risks``: the stored JSON text)."""
    connection.execute(text(
        "INSERT INTO households (id, village_code, place_path, group_name, address, phone, bank_account, "
        "household_type, focus_groups, monitoring_status, risk_types, created_at) VALUES (:id, :village, "
        ":path, '', '', '', '', 'ordinary', '[]', :status, :risks, '2026-12-01 00:00:00')"),
        {"id": household_id, "village": village, "path": path, "status": status, "risks": risks})
