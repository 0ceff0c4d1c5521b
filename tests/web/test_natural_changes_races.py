"""Two cadres at once: the same member's departure recorded twice, or two households merged into each other, leave
exactly one change; the other request is refused (409, or 422 once it reads the first one's result)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from monitoring.change_models import HouseholdChange
from monitoring.models import Household, Member
from tests.web.test_natural_changes_api import add_household, members_by_name, person

RUNNERS = 4


def at_once_answers(app, headers, requests: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(requests))
    answers = []

    def run(url, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1{url}", json=body, headers=headers)
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=run, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def at_once(app, headers, requests: list[tuple[str, dict]]) -> list[int]:
    return sorted(status for status, _ in at_once_answers(app, headers, requests))


def test_one_departure_of_a_member_recorded_at_once_by_several(app, api, session):
    cun = api("cun")
    household_id = add_household(cun)
    member_id = members_by_name(cun, household_id)["朝鲁"]
    body = {"kind": "death", "on": "2026-03-01", "member_id": member_id}
    statuses = at_once(app, cun.headers, [(f"/households/{household_id}/changes", body)] * RUNNERS)
    assert statuses[0] == 201 and set(statuses[1:]) <= {409, 422}, statuses
    session.rollback()
    assert session.execute(select(func.count()).select_from(HouseholdChange)).scalar() == 1
    member = session.get(Member, member_id)
    assert member.left_change_id == session.execute(select(HouseholdChange.id)).scalar()


def test_two_households_merged_into_each_other_at_once(app, api, session):
    cun = api("cun")
    first = add_household(cun)
    second = add_household(cun, [{"name": "乌兰", "id_number": person("15022319800707008"), "relation": "head"}])
    statuses = at_once(app, cun.headers, [
        (f"/households/{first}/changes", {"kind": "merge", "on": "2026-03-01", "into_household_id": second}),
        (f"/households/{second}/changes", {"kind": "merge", "on": "2026-03-01", "into_household_id": first})])
    assert statuses[0] == 201 and statuses[1] in (409, 422), statuses
    session.rollback()
    merged = session.execute(select(Household.id).where(Household.merged_into_id.is_not(None))).scalars().all()
    assert len(merged) == 1
    assert session.execute(select(func.count()).select_from(Member).where(Member.household_id == merged[0])).scalar() \
        == 0


def test_one_birth_sent_at_once_by_several_leaves_one_member_and_tells_the_others_it_is_a_duplicate(app, api, session):
    cun = api("cun")
    household_id = add_household(cun)
    body = {"kind": "birth", "on": "2026-02-01",
            "member": {"name": "小宝", "id_number": person("15022320260201011"), "relation": "grandson"}}
    answers = at_once_answers(app, cun.headers, [(f"/households/{household_id}/changes", body)] * RUNNERS)
    assert sorted(status for status, _ in answers) == [201] + [409] * (RUNNERS - 1), answers
    for status, answer in answers:
        if status == 409:
            assert "已登记在本户" in answer["error"]["message"], answer
    session.rollback()
    assert session.execute(select(func.count()).select_from(HouseholdChange)).scalar() == 1
    assert session.execute(select(func.count()).select_from(Member).where(Member.name == "小宝")).scalar() == 1
