"""Turning workflows into JSON and back.

A process version's spec is serialized once, when it is deployed; an instance's state is stored
without it (≈ 4 KB instead of ≈ 15 KB) and rejoined with the version's spec, restored once per
process and cached, on load. The parser and serializer share Spiff's SPIFF_CONFIG.

Every step stores the whole state, yet most of its tasks (those finished long ago, those not reached yet) serialize
to the same text as last time: a workflow carries each task's JSON text from its last dump, with a guard made of
everything that text is made of (its state, timestamps, links, and, pickled, its internal data and its data as Spiff
writes it: a root task's whole data, any other task's keys changed and deleted from its parent's — pickle tells apart
what equality does not, 1 from 1.0 or True), and the next dump reuses the text of every task whose guard is unchanged.
The guard pickles only what the text holds: pickling each task's whole data cost more than the dump it saved on a long
case (107 tasks: 2.1 of a 3.1 ms dump, 413 KiB kept per case). The state is assembled exactly as ``json.dumps``
would write it: byte for byte what Spiff's own ``serialize_json`` gives (``tests/engine/test_state_fragments.py``
compares them at every step of every shipped model's process tests and of the engine's own steps).
"""

from __future__ import annotations

import json
import pickle
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.business_rules import RecordingConverter
from engine.errors import InvalidData

RESERVED_KEY = "typename"  # Spiff's registry reads any dict with this key as a serialized object


_FRAGMENTS = "fangpin_state_fragments"  # a workflow's attribute: task id → its _Fragment of the last dump


class _Fragment:
    """A task's ``"id": {...}`` text in the last dump, and the guard it is valid under."""

    __slots__ = ("guard", "text")

    def __init__(self, guard: tuple, text: str) -> None:
        self.guard, self.text = guard, text


class _StateWriter:
    """One dump of one workflow: each task's text reused from the last dump when its guard is unchanged. Tasks are
    keyed by the objects themselves: a kept workflow's tasks stay the same objects, and hashing a UUID costs more."""

    def __init__(self, kept: dict[Task, _Fragment]) -> None:
        self.kept = kept
        self.made: dict[Task, _Fragment] = {}  # what the next dump may reuse: this dump's tasks only

    def tasks_text(self, tasks: dict[UUID, Task]) -> str:
        return "{" + ", ".join(self._task_text(task_id, task) for task_id, task in tasks.items()) + "}"

    def _task_text(self, task_id: UUID, task: Task) -> str:
        guard = self._guard(task)
        kept = self.kept.get(task)
        if kept is not None and guard is not None and kept.guard == guard:
            self.made[task] = kept
            return kept.text
        text = f'"{task_id}": {_ENCODER.encode(_SERIALIZER.registry.convert(task))}'
        if guard is not None:
            self.made[task] = _Fragment(guard, text)
        return text

    def _guard(self, task: Task) -> tuple | None:
        """Everything Spiff's task converter writes, comparable with the last dump's; None if something would not
        compare or pickle (such a task is always dumped afresh)."""
        parent = task.parent
        try:
            data = task.data if parent is None else \
                (DeepMerge.get_updated_keys(parent.data, task.data), DeepMerge.get_deleted_keys(parent.data, task.data))
            written = pickle.dumps((data, task.internal_data), pickle.HIGHEST_PROTOCOL)
        except Exception:
            return None
        return (task._parent, tuple(task._children), task.last_state_change, task.state, task.task_spec.name,
                task.triggered, written)


class _TaskTexts:
    """The text of a workflow's tasks, written by the dump's ``_StateWriter`` into the state's JSON."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Subprocesses(dict):
    """A top workflow's subprocesses as dicts, each holding its ``_TaskTexts``."""


_WRITER: ContextVar[_StateWriter | None] = ContextVar("fangpin_state_writer", default=None)


class _TaskMapping:
    """Converters of workflows whose task mapping, while ``dump_state`` writes, becomes the writer's text."""

    def mapping_to_dict(self, mapping: dict, **kwargs: Any) -> Any:
        writer = _WRITER.get()
        if writer is not None and mapping and isinstance(next(iter(mapping.values())), Task):
            return _TaskTexts(writer.tasks_text(mapping))
        return super().mapping_to_dict(mapping, **kwargs)


class _SubprocessConverter(_TaskMapping, BpmnSubWorkflowConverter):
    """Spiff's subprocess converter, its tasks written by the dump's writer."""


class _InstanceConverter(_TaskMapping, BpmnWorkflowConverter):
    """Serializes a top-level workflow without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        subprocesses = self.mapping_to_dict(workflow.subprocesses)
        dct["subprocesses"] = subprocesses if _WRITER.get() is None else _Subprocesses(subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _InstanceConverter
    config[BpmnSubWorkflow] = _SubprocessConverter
    config[BusinessRuleTask] = RecordingConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


_SERIALIZER = BpmnWorkflowSerializer(_build_registry())
_ENCODER = _SERIALIZER._encoder_cls()  # what json.dumps(..., cls=) builds for every call: the same settings
# Spiff's spec diff (SpiffWorkflow.bpmn.util.diff; engine.migration) compares specs as this registry converts them
SPEC_REGISTRY = _SERIALIZER.registry


def dump_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
    """The JSON of a process version's specs, stored once per version."""
    return json.dumps({
        "spec": _SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: _SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    })


def load_specs(specs_json: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    dct = json.loads(specs_json)
    subprocess_specs = {name: _SERIALIZER.from_dict(s) for name, s in dct["subprocess_specs"].items()}
    return _SERIALIZER.from_dict(dct["spec"]), subprocess_specs


def dump_state(workflow: BpmnWorkflow, reuse: bool = True) -> str:
    """An instance's state as JSON, without the spec: what ``_SERIALIZER.serialize_json`` gives, with the text of
    each task unchanged since this workflow's last dump reused (see the module's docstring). ``reuse=False``: the
    workflow is dumped once and dropped (a timer sweep's), so its tasks' texts and guards are not worth making."""
    if not reuse:
        return _SERIALIZER.serialize_json(workflow)
    writer = _StateWriter(getattr(workflow, _FRAGMENTS, {}))
    token = _WRITER.set(writer)
    registry = _SERIALIZER.registry
    registry._encoder_mode = True  # as serialize_json converts: nested values are left to the encoder
    try:
        dct = _SERIALIZER.to_dict(workflow)
        dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
        text = _object_text(dct)
    finally:
        registry._encoder_mode = False
        _WRITER.reset(token)
    setattr(workflow, _FRAGMENTS, writer.made)
    return text


def _object_text(dct: dict) -> str:
    """``json.dumps(dct)``, with the writer's task texts in place (default separators: ``", "`` and ``": "``)."""
    return "{" + ", ".join(f"{_ENCODER.encode(key)}: {_value_text(value)}" for key, value in dct.items()) + "}"


def _value_text(value: Any) -> str:
    if type(value) is _TaskTexts:
        return value.text
    if type(value) is _Subprocesses:
        return "{" + ", ".join(f"{_ENCODER.encode(key)}: {_object_text(each)}" for key, each in value.items()) + "}"
    return _ENCODER.encode(value)


def load_state(state_json: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec],
               script_engine: Any) -> BpmnWorkflow:
    dct = json.loads(state_json)
    _SERIALIZER.migrate(dct)
    workflow = _SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine  # never stored: re-attach the sandbox after every load
    return workflow


def check_data_keys(data: Any, path: str = "") -> None:
    """Refuse data that Spiff's serializer would later misread as one of its own objects."""
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key == RESERVED_KEY:
                raise InvalidData("字段名不可用", {where: f"“{RESERVED_KEY}”是系统保留字段名"})
            check_data_keys(value, where)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            check_data_keys(item, f"{path}[{index}]")


_PLAIN = frozenset({str, int, float, bool, type(None)})  # most values in task data: kept as they are, found at once


def to_plain_json(value: Any) -> Any:
    """Task data as plain JSON for API answers and the data snapshot: dates as ISO strings."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {str(k): to_plain_json(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list | tuple | set):
        return [to_plain_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    return value
