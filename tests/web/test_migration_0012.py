"""Migration 0012 keeps one history row per stored measurement (its China day and per-capita income) and renames the
elimination method by_assistance to assisted, in the code list and wherever a household's method is stored."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import column, table, text

from engine.models import Base
from monitoring.models import CodeEntry, Household, Measurement, Member, Place
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade

RECORDED = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 2 March 01:30 in China


def _household(connection, household_id: int, members: int, method: str | None) -> None:
    connection.execute(Household.__table__.insert(), {
        "id": household_id, "village_code": "15", "place_path": "/15/", "group_name": "", "address": "", "phone": "",
        "bank_account": "", "household_type": "ordinary", "focus_groups": [], "risk_types": [],
        "monitoring_status": "eliminated" if method else "monitored", "elimination_method": method,
        "created_at": RECORDED})
    for position in range(members):
        row = {"household_id": household_id, "position": position, "name": f"成员{position}",
               "id_number": f"{household_id:02d}{position:016d}", "relation": "head" if position == 0 else "child",
               **dict.fromkeys(("sex", "ethnicity", "education", "schooling", "disability", "labour_skill", "work",
                                "insurance", "phone"), ""), "health": []}
        # the columns of 0011 only: the model's later ones (and their defaults) do not exist yet
        connection.execute(table("members", *(column(k, Member.__table__.c[k].type) for k in row)).insert(), row)


def _measurement(connection, household_id: int, year: int, wage: int, costs: int = 0) -> None:
    money = dict.fromkeys(("property_income", "transfer_income", "claims_income", "education_expense",
                           "medical_expense", "housing_expense", "water_expense", "property_loss"), 0)
    flags = dict.fromkeys(("dropout", "uninsured_large_medical", "unsafe_house", "unsafe_water"), False)
    connection.execute(Measurement.__table__.insert(), {
        "household_id": household_id, "year": year, "wage_income": wage, "business_income": 1000,
        "business_expenses": costs, **money, **flags, "recorded_at": RECORDED, "recorded_by": "cun"})


@pytest.mark.parametrize("assisted_seeded", [False, True])
def test_measurements_get_their_history_and_the_method_is_renamed(app, assisted_seeded):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0011")
        connection.execute(Place.__table__.insert(), {"code": "15", "name": "自治区", "level": "region",
                                                      "path": "/15/"})
        entries = [("by_assistance", "帮扶消除"), ("natural", "自然消除")] + \
            ([("assisted", "帮扶消除")] if assisted_seeded else [])
        for position, (code, label) in enumerate(entries):
            connection.execute(CodeEntry.__table__.insert(), {"list_key": "elimination_method", "code": code,
                                                              "label": label, "position": position, "active": True})
        _household(connection, 1, 3, "by_assistance")
        _household(connection, 2, 2, None)
        _measurement(connection, 1, 2025, 9000, costs=500)  # (9000 + 1000 - 500) / 3 = 3166.666…
        _measurement(connection, 1, 2026, 14000)
        _measurement(connection, 2, 2026, 11001)  # 6000.50 a head
        connection.execute(text("INSERT INTO household_status_changes (household_id, from_status, to_status, method, "
                                "reason, changed_on, changed_at, changed_by) VALUES (1, 'monitored', 'eliminated', "
                                "'by_assistance', '', '2026-03-02', '2026-03-02 01:00:00', 'system')"))
    upgrade()
    with db.engine.connect() as connection:
        history = connection.execute(text("SELECT household_id, year, measured_on, per_capita_income, recorded_by "
                                          "FROM measurement_history ORDER BY household_id, year")).all()
        codes = connection.execute(text("SELECT code FROM code_entries WHERE list_key = 'elimination_method' "
                                        "ORDER BY code")).scalars().all()
        methods = connection.execute(text("SELECT elimination_method FROM households ORDER BY id")).scalars().all()
        changed = connection.execute(text("SELECT method FROM household_status_changes")).scalars().all()
    assert [(h, y, str(d), f"{float(income):.2f}", by) for h, y, d, income, by in history] == [
        (1, 2025, str(date(2026, 3, 2)), "3166.67", "cun"), (1, 2026, "2026-03-02", "5000.00", "cun"),
        (2, 2026, "2026-03-02", "6000.50", "cun")]
    assert codes == ["assisted", "natural"]
    assert methods == ["assisted", None] and changed == ["assisted"]
