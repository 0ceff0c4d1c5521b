"""Annex 1 never leaves its signatures on a page apart from what they sign: however many members the table
lists, the authorization's heading, its text and the signature block fall on one page."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from monitoring import households
from monitoring.documents import annexes
from monitoring.documents.render import render_pdf
from monitoring.id_number import check_digit
from tests.conftest import CST
from tests.web.test_identification import VILLAGE

SIGN_OFF = ("二、授权事项", "本承诺授权书自签字", "签字方式", "户主签字", "见证人", "签字日期：2026年3月2日")


def long_household(session, actor, size: int) -> int:
    members = []
    for n in range(size):
        first17 = f"15022319800101{n:03d}"
        members.append({"name": f"成员{n + 1:02d}", "id_number": first17 + check_digit(first17),
                        "relation": "head" if n == 0 else "son"})
    household = households.create_household(session, actor, {"village": VILLAGE, "group": "2组", "members": members},
                                            datetime(2026, 3, 1, tzinfo=CST))
    household.authorization = {"signed_by": "head", "signed_on": "2026-03-02"}
    session.commit()
    return household.id


@pytest.mark.parametrize("size", [2, 10, 16, 30])  # 10 and 16 members split the block before it was kept whole
def test_the_signature_block_is_on_one_page_with_its_heading(session, actors, size):
    context = annexes.context_for(session, "annex1", long_household(session, actors["village"], size),
                                  date(2026, 3, 20))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_pdf("annex1.html", context))).pages]
    holding = [[n for n, text in enumerate(pages) if phrase in text] for phrase in SIGN_OFF]
    assert all(len(found) == 1 for found in holding), holding
    assert len({found[0] for found in holding}) == 1, holding  # one page holds all of it
    assert f"成员{size:02d}" in "".join(pages)
