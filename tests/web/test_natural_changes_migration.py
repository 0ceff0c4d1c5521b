"""Migration 0016 keeps every member (present: no day left) and their households, and makes an ID number unique among
the members present only: a person who left one household may be registered in another, never twice at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db

AT = datetime(2026, 3, 1, tzinfo=UTC)
MEMBER = ("INSERT INTO members (id, household_id, position, name, id_number, relation, sex, ethnicity, education, "
          "schooling, health, disability, labour_skill, work, insurance, phone{extra}) VALUES (:id, :household, 0, "
          "'巴特尔', '150223197001010012', 'head', '', '', '', '', '[]', '', '', '', '', ''{values})")


def test_members_stay_present_and_their_id_number_is_unique_while_present(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0015")
        connection.execute(text("INSERT INTO places (code, name, level, parent_code, path) "
                                "VALUES ('15', '内蒙古', 'village', NULL, '/15/')"))
        for household in (7, 8):
            connection.execute(text(
                "INSERT INTO households (id, village_code, place_path, group_name, address, phone, bank_account, "
                "household_type, focus_groups, risk_types, monitoring_status, created_at) VALUES (:id, '15', '/15/', "
                "'', '', '', '', 'ordinary', '[]', '[]', 'not_monitored', :at)"), {"id": household, "at": AT})
        connection.execute(text(MEMBER.format(extra="", values="")), {"id": 1, "household": 7})
    with db.engine.begin() as connection:
        upgrade_to(connection, "0016")
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, household_id, left_on, left_change_id FROM members")).all()
        households = connection.execute(text("SELECT id, split_from_id, merged_into_id, merged_on FROM households "
                                             "ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 7, None, None)]
    assert [tuple(row) for row in households] == [(7, None, None, None), (8, None, None, None)]
    present = MEMBER.format(extra=", left_on", values=", NULL")
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text(present), {"id": 2, "household": 8})  # the same person present twice
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE members SET left_on = '2026-02-01' WHERE id = 1"))
        connection.execute(text(present), {"id": 2, "household": 8})  # left household 7, now in household 8
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM members")).scalar() == 2
