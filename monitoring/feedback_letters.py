"""The letter a village hands a household whose case ended without what it asked (反馈告知书): the step that
refused, the reason the officials wrote, and each decision the case computed with its rule and figures — the same
sentences the case page shows (``monitoring.decisions``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from engine.errors import NotFound
from engine.models import ProcessInstance
from monitoring import decisions
from monitoring.documents.annexes import bodies_of, cn_date, places_of
from monitoring.id_number import mask_id_numbers_in
from monitoring.models import Household, HouseholdFeedback

# What the household was refused, by the process that refused it; another process's letter says only the step.
REFUSED = {
    "identification": ("防止返贫监测对象识别结果告知书", "您户暂不纳入防止返贫监测对象"),
    "risk_elimination": ("防止返贫监测对象风险消除结果告知书", "您户暂不标注风险消除，继续作为监测对象落实帮扶"),
}
OTHER = ("办理结果告知书", "您户的申请未获通过")


def feedback_of(session: Session, household: Household, feedback_id: int) -> HouseholdFeedback:
    """One feedback of this household (whose visibility the caller checked); another household's is not found."""
    feedback = session.get(HouseholdFeedback, feedback_id)
    if feedback is None or feedback.household_id != household.id:
        raise NotFound(f"feedback {feedback_id}")
    return feedback


def letter(session: Session, household: Household, feedback: HouseholdFeedback, today: date) -> dict[str, Any]:
    """The letter's content; a feedback kept before cases were remembered (no ``instance_id``) states no decisions."""
    case = session.get(ProcessInstance, feedback.instance_id) if feedback.instance_id is not None else None
    title, refused = REFUSED.get(case.process_key, OTHER) if case is not None else OTHER
    places = places_of(session, case.place_code if case is not None else household.village_code)  # who refused
    head = household.head
    return {
        "title": title, "refused": refused, "place": places, "bodies": bodies_of(places),
        "household": {"head_name": head.name if head else "", "size": household.size, "group": household.group_name},
        "started_on": cn_date(case.created_at.astimezone(CHINA_TZ).date()) if case is not None else None,
        "decided_on": cn_date(feedback.created_at.astimezone(CHINA_TZ).date()), "step": feedback.step,
        "reason": mask_id_numbers_in(feedback.reason), "today": cn_date(today),
        "decisions": decisions.told_to_household(decisions.by_case(session, [case.id]).get(case.id, []))
        if case is not None else [],
    }
