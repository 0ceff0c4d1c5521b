"""Deciding several cases at once: how far a batch may reach, and what each case answers on its own.

A batch is one sitting (a village meeting, a township review): the answers every case shares, such
as the meeting's date and attendees, are given once; the answers each case has of its own, such as
its votes or approve/reject with the reason, are given per task. The step's form says which are
which: a property marked ``"x-per-case": true`` is answered per case (JSON Schema ignores the
keyword). How far a batch may reach is the step's ``batch`` property in the BPMN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import InvalidData
from engine.serialization import check_data_keys

BATCH_PROPERTY = "batch"  # a step the process lets decide for several cases at once (one meeting, one notice)
SAME_PLACE = "true"  # batch="true": the cases of one place (the village whose meeting decides them)
SAME_PARENT = "parent"  # batch="parent": the places under one parent place (the villages of one township)
BATCH_SCOPES = (SAME_PLACE, SAME_PARENT)
PER_CASE_KEYWORD = "x-per-case"
PER_TASK = "per_task"  # a task's own answers, and the prefix of their field errors: per_task.<task id>.<field>


def per_case_fields(schema: Mapping[str, Any] | None) -> list[str]:
    """The properties of a form that each case of a batch answers on its own, in the form's order."""
    properties = (schema or {}).get("properties", {})
    return [name for name, spec in properties.items() if isinstance(spec, dict) and spec.get(PER_CASE_KEYWORD) is True]


def parent_path(place_path: str) -> str:
    """``/15/1502/150223/`` → ``/15/1502/``: places are materialized paths ending in a slash."""
    return place_path.rstrip("/").rsplit("/", 1)[0] + "/"


def within_reach(scope: str | None, place_paths: Sequence[str]) -> bool:
    """Whether cases at these places may be decided together in a step of this batch scope."""
    if scope == SAME_PLACE:
        return len(set(place_paths)) <= 1
    if scope == SAME_PARENT:
        return len({parent_path(p) for p in place_paths}) <= 1
    return False


def check_reach(scope: str | None, place_paths: Sequence[str]) -> None:
    """Refuse a batch its step does not allow, or one that reaches beyond the step's scope."""
    if scope not in BATCH_SCOPES:
        raise InvalidData("此步骤须逐个办理", {"task_ids": "此步骤不能批量办理"})
    if scope == SAME_PLACE and not within_reach(scope, place_paths):
        raise InvalidData("只能批量办理同一地点、同一步骤的任务", {"task_ids": "步骤或地点不一致"})
    if scope == SAME_PARENT and not within_reach(scope, place_paths):
        raise InvalidData("只能批量办理同一上级地区（如同一苏木乡镇）下、同一步骤的任务",
                          {"task_ids": "所选任务不属于同一上级地区"})


def own_answers(per_task: Any, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The per-task answers as submitted, refused unless each names a task of the batch with an object."""
    if per_task is None:
        return {}
    if not isinstance(per_task, dict):
        raise InvalidData("per_task 应为对象", {PER_TASK: "应为对象：任务编号 → 该户的填写内容"})
    fields: dict[str, str] = {}
    batch = set(task_ids)  # a 40,000-task body checked against the list took 19 s of a worker
    for task_id, answers in per_task.items():
        if task_id not in batch:
            fields[f"{PER_TASK}.{task_id}"] = "不是本批提交的任务"
        elif not isinstance(answers, dict):
            fields[f"{PER_TASK}.{task_id}"] = "应为对象"
    if fields:
        raise InvalidData("逐户填写的内容有误", fields)
    for task_id, answers in per_task.items():
        check_data_keys(answers, f"{PER_TASK}.{task_id}")
    return per_task


def check_own_keys(own: Mapping[str, Mapping[str, Any]], forms: Mapping[str, Mapping[str, Any] | None]) -> None:
    """A task's own answers hold only what its form marks per case; the rest is the batch's shared answer."""
    fields = {f"{PER_TASK}.{task_id}.{key}": "此项不是逐户填写的内容，应填在共用内容中"
              for task_id, answers in own.items()
              for key in answers if key not in per_case_fields(forms.get(task_id))}
    if fields:
        raise InvalidData("逐户填写的内容有误", fields)


class ErrorNames:
    """Where a field error of one task's data belongs: the shared answer, or that task's own.

    Without per-task answers (one task, or the same data for all) errors keep the field's own name,
    as they always have. With them, an error on a shared field keeps its name (reported once), and
    any other (a per-case field, the form as a whole, a domain rule) is ``per_task.<task id>.<field>``.
    """

    def __init__(self, per_task_mode: bool, forms: Mapping[str, Mapping[str, Any] | None]) -> None:
        self.per_task_mode = per_task_mode
        self.shared = {task_id: set((schema or {}).get("properties", {})) - set(per_case_fields(schema))
                       for task_id, schema in forms.items()}

    def of(self, task_id: str, fields: Mapping[str, str]) -> dict[str, str]:
        if not self.per_task_mode:
            return dict(fields)
        shared = self.shared.get(task_id, set())
        return {path if path.split(".", 1)[0] in shared else f"{PER_TASK}.{task_id}.{path}": reason
                for path, reason in fields.items()}
