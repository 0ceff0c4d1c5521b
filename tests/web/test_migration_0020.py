"""Migration 0020 marks a stored task placed where its place is not its case's: such a task can only have been put
there by its model's ``place``; one at its case's own place keeps the rule of unplaced tasks."""

from datetime import UTC, datetime

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade

AT = datetime(2026, 12, 1, tzinfo=UTC)


def test_tasks_away_from_their_cases_place_are_marked_placed(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0019")
        connection.execute(text(
            "INSERT INTO process_versions (id, key, version, name, sha256, files, forms, specs, deployed_at) "
            "VALUES (1, 'annual_adjustment', 1, '年度动态管理', 'x', '{}', '{}', '', :at)"), {"at": AT})
        connection.execute(text(
            "INSERT INTO process_instances (id, version_id, process_key, place_code, place_path, status, state, "
            "revision, audit_hash, data, waiting, created_at) VALUES (1, 1, 'annual_adjustment', '1502', "
            "'/15/1502/', 'running', '{}', 0, '', '{}', '[]', :at)"), {"at": AT})
        for task_id, code, path in (("own", "1502", "/15/1502/"), ("below", "150223", "/15/1502/150223/"),
                                    ("above", "15", "/15/")):
            connection.execute(text(
                "INSERT INTO tasks (id, instance_id, process_key, bpmn_id, name, role, place_code, place_path, state, "
                "created_at) VALUES (:id, 1, 'annual_adjustment', 'step', '步骤', 'region', :code, :path, 'ready', "
                ":at)"), {"id": task_id, "code": code, "path": path, "at": AT})
    with db.engine.begin() as connection:
        upgrade_to(connection, "0020")
    with db.engine.connect() as connection:
        placed = dict(connection.execute(text("SELECT id, placed FROM tasks")).all())
    assert placed == {"own": False, "below": True, "above": True}
    upgrade()  # and on to the head
