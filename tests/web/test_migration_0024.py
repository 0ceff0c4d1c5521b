"""Migration 0024 gives every stored household one ``household_risks`` row per risk type of its list, with its status
and place, on both databases: the dashboard's counts are the same before and after the upgrade."""

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import insert_household, insert_village, upgrade_to
from web.extensions import db
from web.migrate import upgrade

HOUSEHOLDS = {  # id -> (status, place, risk_types as stored)
    1: ("monitored", "/15/1/", '["illness", "disability"]'),
    2: ("eliminated", "/15/1/", '["illness"]'),
    3: ("monitored", "/15/2/", '["schooling", "schooling"]'),  # a type listed twice is one row
    4: ("not_monitored", "/15/2/", "[]"),
    5: ("monitored", "/15/2/", '{"illness": true}'),  # not a list: no risk
    6: ("monitored", "/15/2/", "null"),
}


def test_stored_households_get_their_risk_rows(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0023")
        for code, path in (("1", "/15/1/"), ("2", "/15/2/")):
            insert_village(connection, code, path)
        for household_id, (status, path, risks) in HOUSEHOLDS.items():
            insert_household(connection, household_id, path[4], path, status, risks)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0024")
    with db.engine.connect() as connection:
        rows = set(connection.execute(text(
            "SELECT household_id, risk_type, monitoring_status, place_path FROM household_risks")).all())
    assert rows == {(1, "illness", "monitored", "/15/1/"), (1, "disability", "monitored", "/15/1/"),
                    (2, "illness", "eliminated", "/15/1/"), (3, "schooling", "monitored", "/15/2/")}
    upgrade()  # and on to the head
