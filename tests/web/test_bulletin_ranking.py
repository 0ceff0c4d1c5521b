"""The bulletin's ranking rule on its own: each criterion decides only when the ones before it are equal, an empty
base counts as 0, and equal areas share a rank with the next rank skipped."""

from __future__ import annotations

from monitoring.bulletin_ranking import Standing, ranking


def standing(code: str, open_tasks: int, overdue: int, late: int, at_start: int, eliminated: int) -> Standing:
    return Standing(code, f"区划{code}", open_tasks, overdue, late, at_start, eliminated)


def order(*standings: Standing) -> list[tuple[int, str]]:
    return [(r.rank, r.standing.code) for r in ranking(list(standings))]


def test_the_lower_overdue_share_ranks_first_whatever_the_other_figures():
    assert order(standing("1", 4, 2, 0, 10, 10), standing("2", 10, 1, 9, 10, 0)) == [(1, "2"), (2, "1")]


def test_equal_shares_are_decided_by_fewer_late_cases_then_by_the_higher_elimination_rate():
    same_share = [standing("1", 4, 1, 3, 10, 9), standing("2", 8, 2, 1, 10, 0), standing("3", 8, 2, 1, 4, 2)]
    assert order(*same_share) == [(1, "3"), (2, "2"), (3, "1")]  # 3 and 2: one late case each; 3 eliminated 1/2


def test_shares_are_compared_exactly_and_no_open_task_counts_as_none_overdue():
    thirds = [standing("1", 3, 1, 0, 0, 0), standing("2", 6, 2, 0, 0, 0), standing("3", 0, 0, 0, 0, 0)]
    assert order(*thirds) == [(1, "3"), (2, "1"), (2, "2")]


def test_ties_share_a_rank_and_the_next_rank_skips():
    tied = [standing("4", 2, 1, 1, 2, 1), standing("2", 2, 1, 1, 4, 2), standing("9", 1, 1, 0, 0, 0),
            standing("1", 5, 0, 0, 1, 0)]
    assert order(*tied) == [(1, "1"), (2, "2"), (2, "4"), (4, "9")]
