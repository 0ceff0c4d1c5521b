"""风险消除回退 end to end, with time travel: a household identified in March and eliminated naturally in June is
found unstable in July; the county reverts it and it is a monitoring object again, as before, with the whole way in,
out and back in its history — and it may leave monitoring again later."""

from __future__ import annotations

import pytest

from tests.web.test_identification import forms_dir, sweep, world  # noqa: F401  (fixtures)
from tests.web.test_risk_elimination import (  # noqa: F401  (fixtures)
    ACCEPTED,
    APPROVED,
    appraise,
    at,
    begin,
    elimination_world,
    form_data,
    identified,
    monitoring,
    verify,
)

pytestmark = pytest.mark.usefixtures("world", "elimination_world")


def cases_of(api, household, process: str) -> list[int]:
    return [c["id"] for c in api("qi").get(f"/households/{household['id']}").json["cases"] if c["process"] == process]


def eliminated_naturally(api, clock, household) -> int:
    """From a check on site on 1 June to the marking on 13 June (inside June's marking window)."""
    at(clock, "2026-06-01")
    case = begin(api, household, method="natural")["id"]
    verify(api, case, measures_note="子女已就业，赡养能力恢复")
    appraise(api, case)
    assert sweep(clock) == 1
    zhen, qi = api("zhen"), api("qi")
    zhen.complete(case, "acceptance", form_data(zhen, case, "acceptance", **ACCEPTED))
    qi.complete(case, "county_review", APPROVED)
    assert sweep(clock) == 1
    assert qi.complete(case, "marking", form_data(qi, case, "marking", annex7_collected=True))["status"] == "completed"
    return case


def test_a_reverted_elimination_is_monitored_again_and_the_history_keeps_every_step(api, clock):
    (household,) = identified(api, clock, "苏和")
    (identification,) = cases_of(api, household, "identification")
    elimination = eliminated_naturally(api, clock, household)
    assert monitoring(api, household)["eliminated_on"] == "2026-06-13"

    at(clock, "2026-07-10")
    qi = api("qi")
    reverted = qi.post(f"/households/{household['id']}/elimination-reversal",
                       {"reason": "回访发现子女失业，家庭收入骤降"})
    assert reverted.status_code == 200, reverted.json
    assert reverted.json["monitoring"] == {"status": "monitored", "type": "sudden", "risk_types": ["illness"],
                                           "since": "2026-03-14", "elimination_method": None,
                                           "eliminated_on": None}
    history = [(c["from"], c["to"], c["method"], c["instance_id"], c["on"], c["reason"])
               for c in reverted.json["status_changes"]]
    assert history == [("not_monitored", "monitored", None, identification, "2026-03-14", ""),
                       ("monitored", "eliminated", "natural", elimination, "2026-06-13", ""),
                       ("eliminated", "monitored", None, None, "2026-07-10", "回访发现子女失业，家庭收入骤降")]
    assert qi.post(f"/households/{household['id']}/elimination-reversal", {"reason": "再回退"}).status_code == 409

    at(clock, "2026-09-02")  # monitored again: it may leave monitoring again by the same way
    assert begin(api, household, method="natural")["status"] == "running"
