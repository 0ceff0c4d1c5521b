"""Decisions a step computes, kept with what decided them.

A decision table run by a business rule task, or a rule a domain function applies (the income test, the comparison's
exclusions), is written to the case's audit chain as a ``decision`` event at the step that made it: which table or
rule, which row matched, the figures it was given and what it decided. People read it later on the case page, the
household page and the letter telling a household why; nobody recomputes it from today's data.

A decision is pending until its step is saved: a failed step keeps none of its decisions, as it keeps none of its
other writes.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task as SpiffTask

from engine import runtime
from engine.business_rules import MADE_HERE
from engine.scripting import current_step
from engine.serialization import to_plain_json

DECISION_EVENT = "decision"


def record(decision: str, title: str, rows: list[dict[str, Any]], inputs: list[dict[str, Any]],
           outputs: dict[str, Any]) -> None:
    """Keep a decision of the running step: ``rows`` the rules that decided it (``{"rule", "text"}``, plus ``row``
    for a table's row number), ``inputs`` the figures it used (``{"name", "label", "value"}``), ``outputs`` what it
    decided. Outside a step (nothing to keep it with) it is dropped."""
    _keep({"decision": decision, "title": title, "rows": rows, "inputs": inputs, "outputs": outputs})


def _keep(decision: dict[str, Any]) -> None:
    try:
        pending = current_step().decisions
    except RuntimeError:
        return
    pending.append(to_plain_json(decision))


def made_by(task: SpiffTask) -> None:
    """The task has just run: take the decision its table made (``engine.business_rules``), and name it as the
    maker of every decision not yet named."""
    table_decision = task.internal_data.pop(MADE_HERE, None)
    if table_decision is not None:
        _keep(table_decision)
    try:
        pending = current_step().decisions
    except RuntimeError:
        return
    for decision in pending:
        if "element" not in decision:
            decision.update(element=runtime.bpmn_id(task), name=runtime.task_name(task))
