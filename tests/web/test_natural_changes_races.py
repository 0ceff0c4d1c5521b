"""Two cadres at once: the same member's departure recorded twice, or two households merged into each other, leave
exactly one change; the other request is refused (409, or 422 once it reads the first one's result)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from monitoring.change_models import HouseholdChange
from monitoring.models import Household, Member
from tests.web.test_natural_changes_api import add_household, members_by_name, person

RUNNERS = 4


def at_once(app, headers, requests: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(requests))
    statuses = []

    def run(url, body):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"/api/v1{url}", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=run, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


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
