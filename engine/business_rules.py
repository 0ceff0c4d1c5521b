"""Business rule tasks whose decision tables say which row decided.

Spiff's DMN engine gives only a table's outputs. Ours also leaves, on the task that ran the table, the rows that
matched, each input column's value and what the first row gave; the step takes it from there as the task completes
(``engine.decision_log``). The parser gives it to every business rule task (``engine.deploy``) and the serializer
gives it back to every one it restores (``engine.serialization``), so a deployed version runs it from its stored spec.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import DecisionTable, HitPolicy, Rule
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.task import Task as SpiffTask

from engine.errors import ScriptError

MADE_HERE = "fangpin_decision"  # the task's internal data key the decision waits under until its step takes it


class RecordingEngine(DMNEngine):
    """Spiff's DMN engine, which also leaves what decided on the task (``MADE_HERE``)."""

    def decide(self, task: SpiffTask) -> list[Rule]:
        table = self.decision_table
        rules = self._unique_row(task) if table.hit_policy == HitPolicy.UNIQUE.value else super().decide(task)
        rows = [_row(rule, task) for rule in rules]
        task.internal_data[MADE_HERE] = {
            "decision": table.id, "title": task.task_spec.bpmn_name or table.id, "rows": rows,
            "inputs": _inputs(table, task),
            "outputs": rows[0]["outputs"] if rows else {column.name or column.label: None for column in table.outputs},
        }
        return rules

    def _unique_row(self, task: SpiffTask) -> list[Rule]:
        """The one row that matches a UNIQUE table: Spiff takes the first and would hide rows that overlap."""
        check = self._DMNEngine__check_rule  # Spiff's own row check (SpiffWorkflow is pinned: a private name is stable)
        matching = [rule for rule in self.decision_table.rules if check(rule, task)]
        if len(matching) > 1:
            rows = "、".join(str(rule.row_number) for rule in matching)
            raise WorkflowTaskException(f"决策表“{self.decision_table.id}”要求唯一命中，但第{rows}行同时符合："
                                        "请修改决策表使各行互斥", task=task)
        return matching


def _row(rule: Rule, task: SpiffTask) -> dict[str, Any]:
    """A matching row: its number, id and annotation, and what it gives by output name (``a.b`` kept flat)."""
    evaluate = task.workflow.script_engine.evaluate
    outputs = {entry.output.name or entry.output.label: evaluate(task, entry.text) if entry.text else None
               for entry in rule.outputEntries}
    return {"row": rule.row_number, "rule": rule.id, "text": rule.description or "", "outputs": outputs}


def _inputs(table: DecisionTable, task: SpiffTask) -> list[dict[str, Any]]:
    """Each input column's value for this task; one that cannot be computed here is None."""
    found = []
    for column in table.inputs:
        try:
            value = task.workflow.script_engine.evaluate(task, column.expression) if column.expression else None
        except (ScriptError, SpiffWorkflowException):  # as Spiff, which evaluates a column only for rows that use it
            value = None
        found.append({"name": column.id, "label": column.label or column.name or column.id, "value": value})
    return found


class RecordingConverter(BusinessRuleTaskConverter):
    """Spiff's converter for business rule tasks; the task it restores runs the recording engine."""

    def from_dict(self, dct: dict[str, Any]) -> BusinessRuleTask:
        spec = super().from_dict(dct)
        spec.dmnEngine = RecordingEngine(spec.dmnEngine.decision_table)
        return spec
