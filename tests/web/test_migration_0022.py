"""Migration 0022 gives every stored member the reversed ID number that a tail search reads, on both databases."""

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade


def test_stored_members_get_their_reversed_id_numbers(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0021")
        connection.execute(text(
            "INSERT INTO places (code, name, level, path) VALUES ('150223100201', '艾力嘎查', 'village', '/1/')"))
        connection.execute(text(
            "INSERT INTO households (id, village_code, place_path, group_name, address, phone, bank_account, "
            "household_type, focus_groups, monitoring_status, risk_types, created_at) VALUES (1, '150223100201', "
            "'/1/', '', '', '', '', 'ordinary', '[]', 'not_monitored', '[]', '2026-12-01 00:00:00')"))
        for member_id, number in ((1, "150223197001010014"), (2, "15022319720305002X")):
            connection.execute(text(
                "INSERT INTO members (id, household_id, position, name, id_number, relation, sex, ethnicity, "
                "education, schooling, health, disability, labour_skill, work, insurance, phone) VALUES (:id, 1, 0, "
                "'巴特尔', :number, 'head', '', '', '', '', '[]', '', '', '', '', '')"),
                {"id": member_id, "number": number})
    with db.engine.begin() as connection:
        upgrade_to(connection, "0022")
    with db.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, id_number_reversed FROM members")).all())
    assert stored == {1: "150223197001010014"[::-1], 2: "15022319720305002X"[::-1]}
    upgrade()  # and on to the head
