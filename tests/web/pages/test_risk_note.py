"""The risk type 其他 is entered with what it stands for (the entry form requires it), kept on the household and shown
on its page; a household whose 其他 says nothing is found by the data-quality check Q307."""

from __future__ import annotations

import pytest

from monitoring.models import Household
from tests.monitoring.test_annexes import page_one_of, render
from tests.web.test_identification import (  # noqa: F401 (forms_dir, world: the fixtures)
    form_data,
    forms_dir,
    new_household,
    sweep,
    through_first_notice,
    world,
)

pytestmark = pytest.mark.usefixtures("world")


def test_the_risk_other_is_entered_with_what_it_stands_for(api, pages, clock, session):
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    qi = api("qi")
    qi.complete(instance["id"], "county_review", {"approved": True, "review_method": "joint", "reply_reference": "1号"})
    sweep(clock)
    entry = form_data(qi, instance["id"], "entry", risk_types=["illness", "other"])

    refused = qi.complete(instance["id"], "entry", entry, status=422)
    assert list(refused["error"]["fields"]) == ["risk_note"]
    assert list(qi.complete(instance["id"], "entry", {**entry, "risk_note": " "}, status=422)["error"]["fields"]) == [
        "risk_note"]
    qi.complete(instance["id"], "entry", {**entry, "risk_note": " 家中牲畜大量死亡 "})

    session.expire_all()
    assert session.get(Household, household["id"]).risk_note == "家中牲畜大量死亡"
    page = pages("qi").get(f"/households/{household['id']}").get_data(as_text=True)
    assert "其他：家中牲畜大量死亡" in page
    annex7 = page_one_of(render(session, "annex7", household["id"], "annex7-risk-note"))
    assert "其他（家中牲畜大量死亡）" in annex7  # 附件7: 其他须注明
