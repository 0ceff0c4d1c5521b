"""Pages speak the reader's words: step names instead of BPMN ids, how a case ended, notice periods a reader
can count, no hashes or version numbers."""

from __future__ import annotations

import re

import pytest

from tests.web.pages.test_cases import case_on_first_notice
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


def test_case_pages_show_no_hash_and_no_version_number(api, pages):
    instance_id = case_on_first_notice(api)
    page = pages("cun").get(f"/cases/{instance_id}").text
    listing = pages("cun").get("/cases/").text
    assert "附件2" in page  # the notice's document is listed
    for text in (page, listing):
        assert "SHA-256" not in text and not re.search(r"第\s*\d+\s*版", text)
