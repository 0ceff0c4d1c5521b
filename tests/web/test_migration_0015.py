"""Migration 0015 tells each notice entry the case that put the household there, as far as the cases' data knows:
the notice a case names last; an entry no case names stays unknown."""

import json
from datetime import UTC, datetime

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _instance(connection, instance_id: int, key: str, data: dict) -> None:
    connection.execute(text(
        "INSERT INTO process_instances (id, version_id, process_key, place_code, place_path, business_key, status, "
        "state, revision, audit_hash, data, waiting, created_at) VALUES (:id, 1, 'risk_elimination', '15', '/15/', "
        ":key, 'completed', '{}', 0, '', :data, '[]', :at)"),
        {"id": instance_id, "key": key, "data": json.dumps(data), "at": AT})


def test_entries_learn_the_case_whose_data_names_their_notice(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0014")
        connection.execute(text("INSERT INTO places (code, name, level, parent_code, path) "
                                "VALUES ('15', '内蒙古', 'village', NULL, '/15/')"))
        for household in (7, 8):
            connection.execute(text(
                "INSERT INTO households (id, village_code, place_path, group_name, address, phone, bank_account, "
                "household_type, focus_groups, risk_types, monitoring_status, created_at) VALUES (:id, '15', '/15/', "
                "'', '', '', '', 'ordinary', '[]', '[]', 'monitored', :at)"), {"id": household, "at": AT})
        for notice, stage in ((1, "elimination_first"), (2, "elimination_second")):
            connection.execute(text(
                "INSERT INTO notices (id, stage, village_code, place_path, starts_on, ends_on, created_at, created_by) "
                "VALUES (:id, :stage, '15', '/15/', '2026-06-01', '2026-06-06', :at, 'cun')"),
                {"id": notice, "stage": stage, "at": AT})
        for entry, notice, household in ((1, 1, 7), (2, 2, 7), (3, 1, 8)):
            connection.execute(text("INSERT INTO notice_entries (id, notice_id, household_id) VALUES (:e, :n, :h)"),
                               {"e": entry, "n": notice, "h": household})
        connection.execute(text(
            "INSERT INTO process_versions (id, key, version, name, sha256, files, forms, specs, deployed_at) "
            "VALUES (1, 'risk_elimination', 1, '风险消除', 'x', '{}', '{}', '', :at)"), {"at": AT})
        _instance(connection, 1, "household:7", {"notice": {"notice_id": 2, "stage": "elimination_second"}})
        _instance(connection, 2, "household:8", {"notice": {"notice_id": 1, "stage": "elimination_first"}})
        _instance(connection, 3, "other:1", {"notice": {"notice_id": 1}})  # no household's case: nothing to learn
    with db.engine.begin() as connection:
        upgrade_to(connection, "0015")
    with db.engine.connect() as connection:
        entries = connection.execute(text("SELECT id, instance_id FROM notice_entries ORDER BY id")).all()
    assert [tuple(row) for row in entries] == [(1, None), (2, 1), (3, 2)]  # entry 1's case was overwritten: unknown
    upgrade()  # and on to the head
