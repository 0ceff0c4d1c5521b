"""Members keep their identity: annex 7 collected again (identification's authorization) updates the members present
in place, by ID number, so a change that names a member (a birth) still names them, and a member a change names is
not dropped from the record by a form: leaving is a natural change of its own."""

from __future__ import annotations

import pytest

from engine.errors import InvalidData
from monitoring import households
from monitoring.change_models import HouseholdChange
from monitoring.models import Household
from tests.web.test_natural_changes_api import HEAD_ID, SPOUSE_ID, add_household, person


@pytest.fixture
def born(api, clock):
    """A household of two and a baby born the day before, recorded as a birth."""
    cun = api("cun")
    household_id = add_household(cun, [{"name": "巴特尔", "id_number": HEAD_ID, "relation": "head"},
                                       {"name": "其其格", "id_number": SPOUSE_ID, "relation": "spouse"}])
    day = clock.now().date().replace(day=1)
    baby = person(f"150223{day:%Y%m%d}011")
    response = cun.post(f"/households/{household_id}/changes", json={
        "kind": "birth", "on": day.isoformat(), "member": {"name": "小宝", "id_number": baby, "relation": "son"}})
    assert response.status_code == 201, response.json
    return household_id, baby, response.json["change"]


def test_annex_seven_updates_the_members_in_place_and_the_birth_still_names_the_baby(session, born):
    household_id, baby, change = born
    household = session.get(Household, household_id)
    ids = {m.id_number: m.id for m in household.members}
    households.replace_members(session, household, [
        {"name": "巴特尔", "id_number": HEAD_ID, "relation": "head", "work": "放牧"},
        {"name": "其其格", "id_number": SPOUSE_ID, "relation": "spouse"},
        {"name": "小宝宝", "id_number": baby, "relation": "son"}])
    session.commit()
    session.expire_all()
    household = session.get(Household, household_id)
    assert {m.id_number: m.id for m in household.members} == ids
    assert {m.name: m.work for m in household.members} == {"巴特尔": "放牧", "其其格": "", "小宝宝": ""}
    assert session.get(HouseholdChange, change["id"]).member_id == ids[baby]


def test_a_form_does_not_drop_a_member_a_change_names(session, born):
    household_id, _, _ = born
    household = session.get(Household, household_id)
    with pytest.raises(InvalidData) as refused:
        households.replace_members(session, household, [
            {"name": "巴特尔", "id_number": HEAD_ID, "relation": "head"},
            {"name": "其其格", "id_number": SPOUSE_ID, "relation": "spouse"}])
    assert refused.value.fields == {
        "members": "成员“小宝”有人口自然变更记录，不能从信息采集表中删除；离开本户请登记人口自然变更"}
