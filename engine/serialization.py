"""Turning workflows into JSON and back.

A process version's spec is serialized once, when it is deployed; an instance's state is stored
without it (≈ 4 KB instead of ≈ 15 KB) and rejoined with the version's spec, restored once per
process and cached, on load. The parser and serializer share Spiff's SPIFF_CONFIG.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.errors import InvalidData

RESERVED_KEY = "typename"  # Spiff's registry reads any dict with this key as a serialized object


class _InstanceConverter(BpmnWorkflowConverter):
    """Serializes a top-level workflow without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
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
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


_SERIALIZER = BpmnWorkflowSerializer(_build_registry())
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


def dump_state(workflow: BpmnWorkflow) -> str:
    """An instance's state as JSON, without the spec."""
    return _SERIALIZER.serialize_json(workflow)


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


def to_plain_json(value: Any) -> Any:
    """Task data as plain JSON for API answers and the data snapshot: dates as ISO strings."""
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
