"""Migration 0013 makes each household's oldest running identification or elimination the exclusive one, so that
duplicates opened before it stay (nothing is lost) and the database refuses any further one."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _instance(connection, instance_id: int, process: str, household: int, status: str) -> None:
    connection.execute(text(
        "INSERT INTO process_instances (id, version_id, process_key, place_code, place_path, business_key, status, "
        "state, revision, audit_hash, data, waiting, created_at) VALUES (:id, 1, :process, '15', '/15/', :key, "
        ":status, '{}', 0, '', '{}', '[]', :at)"),
        {"id": instance_id, "process": process, "key": f"household:{household}", "status": status, "at": AT})


def test_the_oldest_running_case_becomes_exclusive_and_holds_the_household(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0012")
        connection.execute(text(
            "INSERT INTO process_versions (id, key, version, name, sha256, files, forms, specs, deployed_at) "
            "VALUES (1, 'identification', 1, '识别', 'x', '{}', '{}', '', :at)"), {"at": AT})
        _instance(connection, 1, "identification", 7, "completed")
        _instance(connection, 2, "identification", 7, "running")  # opened twice at once before 0013
        _instance(connection, 3, "identification", 7, "running")
        _instance(connection, 4, "risk_elimination", 7, "running")
        _instance(connection, 5, "assistance", 7, "running")
        _instance(connection, 6, "assistance", 7, "running")
    with db.engine.begin() as connection:
        upgrade_to(connection, "0013")
    with db.engine.connect() as connection:
        flags = connection.execute(text("SELECT id, exclusive FROM process_instances ORDER BY id")).all()
    assert [(i, bool(flag)) for i, flag in flags] == [(1, False), (2, True), (3, False), (4, True), (5, False),
                                                      (6, False)]
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE process_instances SET exclusive = :yes WHERE id = 3"), {"yes": True})
    with db.engine.begin() as connection:  # an ended case holds nothing: a new exclusive one may open
        connection.execute(text("UPDATE process_instances SET status = 'error' WHERE id = 2"))
        connection.execute(text("UPDATE process_instances SET exclusive = :yes WHERE id = 3"), {"yes": True})
    upgrade()  # and on to the head
