"""Migration 0025 gives every stored member, present or gone, its household's place path, on both databases."""

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import insert_household, insert_village, upgrade_to
from web.extensions import db
from web.migrate import upgrade


def test_stored_members_get_their_households_place(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0024")
        for code, path in (("1", "/15/1/"), ("2", "/15/2/")):
            insert_village(connection, code, path)
        for household_id, village in ((1, "1"), (2, "2")):
            insert_household(connection, household_id, village, f"/15/{village}/")
        for member_id, household_id, left_on in ((1, 1, None), (2, 1, "2026-06-01"), (3, 2, None)):
            connection.execute(text(
                "INSERT INTO members (id, household_id, position, name, id_number, id_number_reversed, relation, sex, "
                "ethnicity, education, schooling, health, disability, labour_skill, work, insurance, phone, left_on) "
                "VALUES (:id, :household, 0, '巴特尔', :number, '', 'head', '', '', '', '', '[]', '', '', '', '', '', "
                ":left_on)"), {"id": member_id, "household": household_id, "number": f"15022319700101{member_id:04d}",
                               "left_on": left_on})
    with db.engine.begin() as connection:
        upgrade_to(connection, "0025")
    with db.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, place_path FROM members")).all())
    assert stored == {1: "/15/1/", 2: "/15/1/", 3: "/15/2/"}
    upgrade()  # and on to the head
