"""The appraisal's votes: counts that can be and a result that follows them, under either majority rule."""

from __future__ import annotations

import pytest

from engine.errors import ScriptError
from monitoring.votes import vote_problems

MEETING = {"attendees": 20}


@pytest.mark.parametrize(("votes", "majority", "expected"), [
    ({"votes_for": 11, "votes_against": 9, "approved": True}, "attendees", {}),
    ({"votes_for": 10, "votes_against": 2, "votes_abstain": 1, "approved": False}, "attendees", {}),
    ({"votes_for": 15, "votes_against": 12, "approved": True}, "attendees",
     {"votes_for": "同意、反对、弃权票数之和（27）超过参会人数（20）"}),
    ({"votes_for": 15, "votes_against": 3, "votes_abstain": 3, "approved": True}, "cast",
     {"votes_for": "同意、反对、弃权票数之和（21）超过参会人数（20）"}),
    # 8 of 12 votes cast is a majority of the votes, not of the 20 present
    ({"votes_for": 8, "votes_against": 3, "votes_abstain": 1, "approved": True}, "cast", {}),
    ({"votes_for": 8, "votes_against": 3, "votes_abstain": 1, "approved": True}, "attendees",
     {"approved": "同意票（8）未超过参会人数（20）的半数，评议不能通过"}),
    ({"votes_for": 6, "votes_against": 6, "approved": True}, "cast",
     {"approved": "同意票（6）未超过投票总数（12）的半数，评议不能通过"}),
    ({"votes_for": 7, "votes_against": 5, "approved": False}, "cast",
     {"approved": "同意票（7）已超过投票总数（12）的半数，评议结果应为通过"}),
])
def test_votes_and_result(votes, majority, expected):
    assert vote_problems({**MEETING, **votes}, majority) == expected


def test_counts_the_form_has_not_accepted_are_left_to_the_form():
    assert vote_problems({"attendees": 20, "votes_for": "15", "votes_against": 12, "approved": True}) == {}
    assert vote_problems({"attendees": None, "votes_for": 15, "votes_against": 12, "approved": True}) == {}


def test_an_unknown_majority_rule_is_a_model_error():
    with pytest.raises(ScriptError, match="多数规则"):
        vote_problems({**MEETING, "votes_for": 11, "votes_against": 9, "approved": True}, "two_thirds")
