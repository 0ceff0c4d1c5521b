"""A department's inbox names each 落实帮扶措施 by its measure (category·subtype) beside the household, where every row
said only 落实帮扶措施 (人社 had eleven, several for one household); the API's task items carry the same ``subject``.
The shipped assistance model sets it per measure (``subject`` of its carry-out tasks)."""

from __future__ import annotations

import pytest

from tests.web.pages.test_decision_evidence import text_of
from tests.web.test_assistance import departments, planned  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("departments")
def test_each_department_inbox_row_names_its_measure(api, pages, clock, session):
    case_id, _, _ = planned(api, clock, session)

    [doctor] = [t for t in api("weijian").get("/tasks").json if t["instance_id"] == case_id]
    [post] = [t for t in api("renshe").get("/tasks").json if t["instance_id"] == case_id]
    assert (doctor["name"], doctor["subject"]) == ("落实帮扶措施", "健康帮扶·家庭医生签约")
    assert post["subject"].endswith("·公益岗位") and post["subject"] != doctor["subject"]
    assert api("weijian").get(f"/tasks/{doctor['id']}").json["subject"] == "健康帮扶·家庭医生签约"

    inbox = text_of(pages("renshe").get("/tasks/"))
    assert f"落实帮扶措施{post['subject']}" in "".join(inbox.split())
    assert "家庭医生签约" not in inbox  # 卫健's measure is not 人社's
