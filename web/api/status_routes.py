"""``/api/v1`` routes of a household's monitoring status: 风险消除回退 (the county monitors an eliminated household
again, with a reason)."""

from __future__ import annotations

from flask import jsonify

from monitoring import households
from monitoring.elimination_reversal import revert_elimination
from web.api import bodies as b
from web.api import household_views as hv
from web.api import schemas as s
from web.api.auth import current_actor, token_required
from web.api.blueprint import api
from web.api.parsing import json_body
from web.api.spec import operation
from web.boundary import engine, unit_of_work


@api.post("/households/<int:household_id>/elimination-reversal")
@operation("风险消除回退", {200: s.HOUSEHOLD}, body=b.REVERSAL, refusals=(403, 409))
@token_required
def revert_household_elimination(household_id: int):
    """→ 200 the household, monitored again; 409 when it is not eliminated; 422 naming the reason's problem."""
    body = json_body()
    with unit_of_work() as session:
        household = revert_elimination(engine(), session, current_actor(), household_id, body)
        result = hv.household(session, household, households.feedback_of(session, household.id))
    return jsonify(result)
