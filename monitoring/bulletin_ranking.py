"""The ranking of a bulletin's child areas (counties of a league, townships of a county): by three criteria in
order, each compared exactly (as fractions), equal areas sharing a rank. The criteria are printed under the table
as ``CRITERIA`` says them, so the rule and its wording live here together."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

CRITERIA = (
    "任务逾期率（逾期任务数÷未办结任务数，截至季度末，本季度截至统计时）低者在前，无未办结任务按0计；",
    "逾期办理案件数（本季度到达某一步骤、未在办理期限内办结的案件）少者在前；",
    "风险消除率（本季度风险消除户数÷季初监测对象户数）高者在前，季初无监测对象按0计；",
    "以上三项均相同的并列同一名次，其后名次顺延（如1、1、3），并列者按区划代码排列。",
)


@dataclass(frozen=True)
class Standing:
    """What an area is ranked on."""

    code: str
    name: str
    open_tasks: int
    overdue_tasks: int
    late_cases: int
    objects_at_start: int
    eliminated: int

    @property
    def overdue_share(self) -> Fraction | None:
        return Fraction(self.overdue_tasks, self.open_tasks) if self.open_tasks else None

    @property
    def elimination_rate(self) -> Fraction | None:
        return Fraction(self.eliminated, self.objects_at_start) if self.objects_at_start else None

    def key(self) -> tuple[Fraction, int, Fraction]:
        """Smaller is better: the criteria in order, an empty base counting as 0."""
        return (self.overdue_share or Fraction(0), self.late_cases, -(self.elimination_rate or Fraction(0)))


@dataclass(frozen=True)
class Ranked:
    rank: int
    standing: Standing


def ranking(standings: list[Standing]) -> list[Ranked]:
    """Best first; ties share the rank of the first of them and the next rank skips (standard competition)."""
    ordered = sorted(standings, key=lambda s: (s.key(), s.code))
    ranked: list[Ranked] = []
    for position, standing in enumerate(ordered, start=1):
        tied = ranked and ranked[-1].standing.key() == standing.key()
        ranked.append(Ranked(ranked[-1].rank if tied else position, standing))
    return ranked
