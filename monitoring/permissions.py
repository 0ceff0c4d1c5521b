"""Who may do what: every role rule of the domain in one place, asked alike by the pages and the API.

Two rules sit underneath and are not repeated here: what a user *sees* is its place and everything below
(``engine.assignment.Actor.sees``; 404 outside), and who works on a task is the task's lane (the BPMN).
Everything else a role may or may not do is decided by the constants and functions below.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from engine.assignment import Actor
from engine.errors import Forbidden, InvalidData, NotFound
from monitoring import thresholds
from monitoring.models import LEVEL_NAMES, Place, PlaceLevel, Role

# --- what a role sees ------------------------------------------------------------------------------------------
# A line department works on its own data: its place (the county) does not open the county's households, cases,
# tasks or documents to it. It sees its uploads, the comparison hits on its data, and a household only through
# such a hit, with ID numbers masked and no phones, bank accounts, health or case data (monitoring.department_access).
OWN_DATA_ROLES = frozenset({Role.DEPARTMENT})


def sees_by_place(role: str) -> bool:
    """Whether a user's place opens every record at it and below to the user (``Actor.place_scope``)."""
    return role not in OWN_DATA_ROLES


def sees_full_record(actor: Actor) -> bool:
    """Full ID numbers, phones, bank accounts, health and cases of a household: only for those whose place opens it."""
    return actor.place_scope


# --- cases ----------------------------------------------------------------------------------------------------
# The county decides on a household's case: it may cancel one, and release a task a colleague claimed.
# A village cadre who started a case may not drop it (a household's application is not the cadre's to end).
# A case the domain keeps as its own record (a campaign's part, a major event's report: its descriptor is not
# ``cancellable``) is cancelled by no one (monitoring.cases.check_cancel, which reads the process descriptors).
CASE_SUPERVISORS = frozenset({Role.COUNTY, Role.ADMIN})
# Objections to a notice are received where the notice says: the village, the township, the county (12317).
OBJECTION_RECORDERS = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY})
# Households are registered by the levels that visit them; an application (identification) is started in the
# start event's lane of the BPMN (the village), which the engine checks.
HOUSEHOLD_REGISTRARS = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.ADMIN})
# After system entry the county holds the departmental consultation and records the assistance plan; each
# measure's progress is recorded by its lead department alone (monitoring.measures).
MEASURE_PLANNERS = frozenset({Role.COUNTY, Role.ADMIN})
# Risk elimination and natural changes are marked only inside a marking window, which a region or county sets
# for itself and the places below it (monitoring.marking_windows).
MARKING_WINDOW_SETTERS = frozenset({Role.REGION, Role.COUNTY})
# A household's natural changes (births, deaths, marriages, moves, split, merge) are recorded, and marked inside a
# window, by its village, which knows them first (monitoring.natural_changes); the levels above read them.
NATURAL_CHANGE_RECORDERS = frozenset({Role.VILLAGE})
# The county, which approves an elimination, reverts one found unstable (风险消除回退, monitoring.elimination_reversal).
ELIMINATION_REVERTERS = frozenset({Role.COUNTY})
# A county reports a major event upward, follows it up and lists the households it affects (monitoring.events); the
# league and the region acknowledge it in their inboxes (the lanes of processes/major_event.bpmn).
EVENT_REPORTERS = frozenset({Role.COUNTY})
# Data-quality checks (monitoring.quality) run on demand over the caller's own place and below, by the levels that
# correct the data and follow it up; the nightly run covers everything.
QUALITY_RUNNERS = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.REGION})


def checks_quality(actor: Actor) -> bool:
    """Whether the actor runs the data-quality checks and reads their pages: a correcting level with a place."""
    return actor.role in QUALITY_RUNNERS and actor.place_scope

# --- process models and code lists ------------------------------------------------------------------------------
MODEL_DEPLOYERS = frozenset({Role.DESIGNER, Role.ADMIN})
# The designer (/designer/, /api/v1/process-models/{key}/draft, versions, diff…) edits and publishes models through
# drafts: designers alone write, an admin reads along; to every other role these pages and routes do not exist (404).
MODEL_DESIGNERS = frozenset({Role.DESIGNER})
MODEL_READERS = frozenset({Role.DESIGNER, Role.ADMIN})
# The roles a lane (the role doing its tasks) may name in the designer: those that do a case's work at a place;
# admins and designers have no inbox of case tasks.
LANE_ROLES = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.DEPARTMENT, Role.REGION})
CODE_LIST_EDITORS = frozenset({Role.ADMIN})

# --- administration ---------------------------------------------------------------------------------------------
USER_MANAGERS = frozenset({Role.ADMIN, Role.COUNTY})  # a county keeps its own cadres' and departments' accounts
PLACE_MANAGERS = frozenset({Role.ADMIN, Role.COUNTY})  # a county adds villages and townships when they are re-zoned
CALENDAR_MANAGERS = frozenset({Role.ADMIN})  # holidays are national: one table for every place
UPLOAD_ROLES = frozenset({Role.DEPARTMENT, Role.COUNTY, Role.REGION, Role.ADMIN})  # departments upload, others read


@dataclass(frozen=True)
class ThresholdRule:
    """Who sets a standard, and at which level of place it is set (it then holds for every place below)."""

    roles: frozenset[str]
    levels: tuple[str, ...]


THRESHOLD_RULES = {
    # the region adjusts the income line once a year (a league may set its own above it)
    thresholds.INCOME_LINE: ThresholdRule(frozenset({Role.REGION, Role.ADMIN}), (PlaceLevel.REGION, PlaceLevel.LEAGUE)),
    # the warning standard for rigid expenses is set per county
    thresholds.EXPENSE_WARNING: ThresholdRule(frozenset({Role.COUNTY, Role.REGION, Role.ADMIN}), (PlaceLevel.COUNTY,)),
    # how old a department's data may be and still count in the comparison, per county
    thresholds.DATA_MAX_AGE: ThresholdRule(frozenset({Role.COUNTY, Role.REGION, Role.ADMIN}), (PlaceLevel.COUNTY,)),
    # how long each level above a county has to acknowledge a major event before it goes up on its own
    thresholds.EVENT_ACK_HOURS: ThresholdRule(frozenset({Role.REGION, Role.ADMIN}),
                                              (PlaceLevel.REGION, PlaceLevel.LEAGUE)),
}
THRESHOLD_MANAGERS = frozenset().union(*(rule.roles for rule in THRESHOLD_RULES.values()))


def require(role: str, allowed: Collection[str], message: str) -> None:
    """Forbidden (403) unless ``role`` is one of ``allowed``."""
    if role not in allowed:
        raise Forbidden(message)


def require_model_reader(role: str) -> None:
    """NotFound (404) unless the role reads process models in the designer."""
    if role not in MODEL_READERS:
        raise NotFound("process designer")


def require_model_designer(role: str) -> None:
    """404 for a role that does not read models in the designer, 403 for one that reads but may not change them."""
    require_model_reader(role)
    require(role, MODEL_DESIGNERS, "只有流程设计员可以修改流程模型")


def threshold_kinds_for(role: str) -> list[str]:
    return [kind for kind, rule in THRESHOLD_RULES.items() if role in rule.roles]


def threshold_rule(role: str, kind: str) -> ThresholdRule:
    """The rule of a kind of standard, if ``role`` may set it (422 for an unknown kind, 403 for another role)."""
    rule = THRESHOLD_RULES.get(kind)
    if rule is None:
        raise InvalidData("标准类型无效", {"kind": "应为 " + "、".join(THRESHOLD_RULES)})
    require(role, rule.roles, "无权设置此标准")
    return rule


def check_threshold_place(rule: ThresholdRule, place: Place) -> None:
    """A standard is set at its levels only (a village has no income line of its own)."""
    if place.level not in rule.levels:
        levels = "或".join(LEVEL_NAMES[level] for level in rule.levels)
        raise InvalidData("标准设置有误", {"place": f"此标准只能在{levels}一级设置"})


def may_read_thresholds(actor: Actor, place: Place) -> bool:
    """The standards of the actor's own place, of the places above it (those in force for it) and below it."""
    return actor.sees(place.path) or actor.place_path.startswith(place.path)
