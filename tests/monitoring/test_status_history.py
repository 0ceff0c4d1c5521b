"""Every change of a household's monitoring status sets its fields and keeps a row that explains it."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from engine.errors import Conflict
from engine.models import Base
from monitoring import status_history
from monitoring.models import MonitoringStatus
from tests.conftest import CST
from tests.monitoring.test_statistics import add_household
from web.extensions import db
from web.migrate import upgrade

V1 = "150223100201"
AT = datetime(2026, 9, 30, 23, 30, tzinfo=CST)


def test_an_elimination_sets_method_and_day_and_being_monitored_again_clears_them(session, actors):
    household = add_household(session, actors["county"], V1, MonitoringStatus.MONITORED, "marginal", ("illness",))
    household.monitored_since = date(2026, 3, 20)
    status_history.record_change(session, household, MonitoringStatus.ELIMINATED, AT, "qi", method="assisted",
                                 instance_id=7, on=date(2026, 9, 28))
    assert (household.monitoring_status, household.elimination_method, household.eliminated_on) == \
        ("eliminated", "assisted", date(2026, 9, 28))
    status_history.record_change(session, household, MonitoringStatus.MONITORED, AT, "qi", reason="收入不稳定")
    session.commit()
    assert (household.monitoring_status, household.elimination_method, household.eliminated_on) == \
        ("monitored", None, None)
    assert (household.monitoring_type, household.risk_types, household.monitored_since) == \
        ("marginal", ["illness"], date(2026, 3, 20))  # a reversal keeps what identification set
    rows = [(c.from_status, c.to_status, c.monitoring_type, c.method, c.reason, c.instance_id, c.changed_on)
            for c in status_history.history(session, household.id)]
    assert rows == [("monitored", "eliminated", "marginal", "assisted", "", 7, date(2026, 9, 28)),
                    ("eliminated", "monitored", "marginal", None, "收入不稳定", None, date(2026, 9, 30))]


def test_the_day_a_change_takes_effect_defaults_to_the_day_in_china(session, actors):
    household = add_household(session, actors["county"], V1, MonitoringStatus.MONITORED, "marginal", ("illness",))
    change = status_history.record_change(session, household, MonitoringStatus.ELIMINATED,
                                          datetime(2026, 9, 30, 17, 0, tzinfo=CST).astimezone(), "qi",
                                          method="natural")
    assert change.changed_on == date(2026, 9, 30)
    utc_evening = datetime(2026, 10, 1, 0, 30, tzinfo=CST)  # 30 Sep 16:30 UTC: already 1 Oct in China
    again = status_history.record_change(session, household, MonitoringStatus.MONITORED, utc_evening, "qi",
                                         reason="x")
    assert again.changed_on == date(2026, 10, 1)


def test_a_change_to_the_status_the_household_has_is_refused_and_writes_nothing(session, actors):
    household = add_household(session, actors["county"], V1, MonitoringStatus.MONITORED, "marginal", ("illness",))
    session.commit()
    with pytest.raises(Conflict, match="已是“监测对象”"):
        status_history.record_change(session, household, MonitoringStatus.MONITORED, AT, "qi")
    assert status_history.history(session, household.id) == []


def test_migration_0011_backfills_the_history_households_already_have(app):
    from alembic import command

    from web.migrate import alembic_config

    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
        connection.execute(text("INSERT INTO places (code, name, level, path) VALUES ('15', '区', 'region', '/15/')"))
        for status, since, eliminated_on, method in [
                ("not_monitored", None, None, None), ("monitored", "2026-03-20", None, None),
                ("eliminated", "2026-01-05", "2026-06-30", "natural")]:
            connection.execute(text(
                "INSERT INTO households (village_code, place_path, group_name, address, phone, bank_account, "
                "household_type, focus_groups, monitoring_status, monitoring_type, risk_types, monitored_since, "
                "elimination_method, eliminated_on, created_at) VALUES ('15', '/15/', '', '', '', '', 'ordinary', "
                "'[]', :status, 'marginal', '[]', :since, :method, :eliminated_on, :created_at)"),
                {"status": status, "since": since, "method": method, "eliminated_on": eliminated_on,
                 "created_at": AT})
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT household_id, from_status, to_status, monitoring_type, method, changed_on, changed_by "
            "FROM household_status_changes ORDER BY id")).all()
    assert [(r[0], r[1], r[2], r[3], r[4], str(r[5]), r[6]) for r in rows] == [
        (2, "not_monitored", "monitored", "marginal", None, "2026-03-20", "system"),
        (3, "not_monitored", "monitored", "marginal", None, "2026-01-05", "system"),
        (3, "monitored", "eliminated", "marginal", "natural", "2026-06-30", "system")]
