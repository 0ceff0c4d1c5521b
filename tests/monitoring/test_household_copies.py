"""The copies of a household's fields that counts and searches read (``monitoring.household_copies``) stay equal to
what they copy, whoever writes the household or moves a member: risk types counted from ``household_risks`` equal
the counts the households' own JSON lists give, and each member carries its household's place path."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

from sqlalchemy import delete, select

from monitoring import households, natural_changes, statistics
from monitoring.household_copies import HouseholdRisk, fill_household_risks
from monitoring.id_number import check_digit
from monitoring.models import Household, Member, MonitoringStatus, Place
from monitoring.status_history import record_change
from tests.conftest import CST

AT = datetime(2026, 3, 2, 9, tzinfo=CST)
VILLAGES = ("150223100201", "150223100202", "150223200201")
PLACES = ("150223000000", "150223100000", "150223200000", *VILLAGES)
RISKS = ("illness", "disability", "schooling", "disaster", "unstable_employment")
_serial = iter(range(100, 999))


def register(session, actor, village: str, *names: str) -> Household:
    members = []
    for position, name in enumerate(names):
        first17 = f"15022319800101{next(_serial):03d}"
        members.append({"name": name, "id_number": first17 + check_digit(first17),
                        "relation": "head" if position == 0 else "son"})
    return households.create_household(session, actor, {"village": village, "members": members}, AT)


def risks_from_json(session, place_path: str) -> Counter:
    """The dashboard's count as it was defined before the copy: each monitored household of the place once under
    each risk type of its own list."""
    counted = Counter()
    for (risks,) in session.execute(select(Household.risk_types).where(
            Household.monitoring_status == MonitoringStatus.MONITORED, Household.place_path.startswith(place_path))):
        counted.update(set(risks))
    return counted


def copied_rows(session) -> set[tuple]:
    return set(session.execute(select(HouseholdRisk.household_id, HouseholdRisk.risk_type,
                                      HouseholdRisk.monitoring_status, HouseholdRisk.place_path)).all())


def test_risk_counts_equal_the_households_own_lists_through_every_kind_of_write(session, actors):
    """Forty households with random risk lists (none, one, several), statuses set directly, changed through the
    status history, their lists rewritten and emptied, households moved to another village: after each round every
    place's count is the JSON's."""
    picked = random.Random(14)
    county = actors["county"]
    made = [register(session, county, picked.choice(VILLAGES), "巴特尔") for _ in range(40)]
    for household in made:
        household.risk_types = picked.sample(RISKS, picked.randint(0, 3))
        if picked.random() < 0.7:
            household.monitoring_status = MonitoringStatus.MONITORED
    session.commit()
    for round_ in range(3):
        for household in picked.sample(made, 15):
            if household.monitoring_status == MonitoringStatus.MONITORED:
                record_change(session, household, MonitoringStatus.ELIMINATED, AT, "county", method="assisted")
            else:
                record_change(session, household, MonitoringStatus.MONITORED, AT, "county")
        for household in picked.sample(made, 10):
            household.risk_types = picked.sample(RISKS, picked.randint(0, 4)) if round_ < 2 else []
        for household in picked.sample(made, 5):  # moved to another village
            village = session.get(Place, picked.choice(VILLAGES))
            household.village_code, household.place_path = village.code, village.path
        session.commit()
        for code in PLACES:
            path = session.get(Place, code).path
            assert statistics.monitored_by_risk(session, path) == dict(risks_from_json(session, path)), (round_, code)
    kept = copied_rows(session)
    fill_household_risks(session.connection())  # the bulk derivation (migration, builder) gives the same rows
    assert copied_rows(session) == kept


def test_the_bulk_derivation_reads_only_lists_and_counts_a_type_listed_twice_once(session, actors):
    listed_twice, not_a_list = (register(session, actors["county"], VILLAGES[0], name) for name in ("乌云", "额尔敦"))
    listed_twice.risk_types, not_a_list.risk_types = ["illness", "illness"], {"illness": True}
    listed_twice.monitoring_status = not_a_list.monitoring_status = MonitoringStatus.MONITORED
    session.commit()
    assert {row[:2] for row in copied_rows(session)} == {(listed_twice.id, "illness")}
    session.execute(delete(HouseholdRisk))
    fill_household_risks(session.connection())
    assert {row[:2] for row in copied_rows(session)} == {(listed_twice.id, "illness")}


def test_a_household_deleted_takes_its_risk_rows_along(session, actors):
    household = register(session, actors["county"], VILLAGES[0], "乌云")
    household.risk_types = ["illness"]
    session.commit()
    session.delete(household)
    session.commit()
    assert copied_rows(session) == set()


def test_members_carry_their_households_place_wherever_they_move(session, actors):
    """Registered, added by a form, merged into another household (合户), split off (分户), moved by hand into a
    household of another village (by the relationship, then by the key), and the household itself moved: each
    member's place path is its household's."""
    county, village = actors["county"], actors["village"]
    moving = register(session, county, VILLAGES[0], "巴特尔", "朝鲁")
    staying = register(session, county, VILLAGES[0], "其木格")
    faraway = register(session, county, VILLAGES[2], "乌云")
    session.commit()

    def places_agree() -> None:
        rows = session.execute(select(Member.name, Member.place_path, Household.place_path)
                               .join(Household, Household.id == Member.household_id)).all()
        assert rows and all(member == household for _, member, household in rows), rows

    places_agree()
    newborn = "15022320100101123"
    households.replace_members(session, staying, [
        {"name": "其木格", "id_number": staying.members[0].id_number, "relation": "head"},
        {"name": "娜仁", "id_number": newborn + check_digit(newborn), "relation": "daughter"}])
    session.commit()
    places_agree()
    natural_changes.record_change(session, village, moving.id, {
        "kind": "merge", "on": "2026-03-01", "into_household_id": staying.id, "head_relation": "son"}, AT)
    session.commit()
    places_agree()
    split = [m.id for m in staying.members if m.name in ("巴特尔", "朝鲁")]
    natural_changes.record_change(session, village, staying.id, {
        "kind": "split", "on": "2026-03-02", "member_ids": split, "head_id": split[0]}, AT)
    session.commit()
    places_agree()
    naren = next(m for m in staying.members if m.name == "娜仁")
    naren.household = faraway
    session.commit()
    assert session.get(Member, naren.id).place_path == faraway.place_path
    places_agree()
    naren.household_id = staying.id  # by its key alone: the relationship still holds the household it leaves
    session.commit()
    assert session.get(Member, naren.id).place_path == staying.place_path
    places_agree()
    elsewhere = session.get(Place, VILLAGES[1])
    faraway.village_code, faraway.place_path = elsewhere.code, elsewhere.path
    session.commit()
    places_agree()
    assert {m.place_path for m in session.get(Household, faraway.id).members} == {elsewhere.path}
