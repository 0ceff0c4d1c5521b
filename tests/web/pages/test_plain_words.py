"""Pages speak the reader's words: step names instead of BPMN ids, how a case ended, notice periods a reader
can count, no hashes or version numbers."""

from __future__ import annotations

import re

import pytest

from tests.web.test_identification import new_household, through_first_notice

pytestmark = pytest.mark.usefixtures("world")


def test_a_feedback_reason_names_the_step_that_refused(api, pages, clock):
    household = new_household(api)
    instance = through_first_notice(api, clock, household)
    api("zhen").complete(instance["id"], "township_review", {"approved": False, "reason": "人均纯收入高于监测线"})
    page = pages("cun").get(f"/households/{household['id']}").text
    feedback = re.search(r'<ul class="feedback">(.*?)</ul>', page, re.DOTALL).group(1)
    assert "<b>苏木乡镇审核</b>：人均纯收入高于监测线" in feedback
    assert "township_review" not in page
