"""What every shipped process model and form must be, checked once for all of them: every element named in Chinese,
the diagram drawing each element inside its lane and the main path left to right, forms as closed Draft 2020-12
schemas with Chinese titles and punctuation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from engine.deploy import NS

CJK = re.compile(r"[\u4e00-\u9fff]")
DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI", **NS}


def assert_named_in_chinese(xml: Any, elements: int) -> None:
    """Each of the ``elements`` flow elements, and every conditional flow, reads in Chinese."""
    nodes = xml.xpath("//bpmn:process/*[not(self::bpmn:laneSet or self::bpmn:sequenceFlow or "
                      "self::bpmn:documentation)]", namespaces=NS)
    assert len(nodes) == elements
    for node in nodes:
        assert CJK.search(node.get("name") or ""), node.get("id")
    for flow in xml.xpath("//bpmn:sequenceFlow[bpmn:conditionExpression]", namespaces=NS):
        assert CJK.search(flow.get("name") or ""), flow.get("id")


def assert_drawn_in_lanes(xml: Any, participant: str, lanes_top_down: list[str], main_path: list[str],
                          outside_lanes: frozenset[str] = frozenset()) -> None:
    """The diagram draws every named element inside its lane (but ``outside_lanes``, which belong to none, e.g. a
    subprocess whose steps sit in several lanes) and every flow, with the main path left to right."""
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", DI).attrib
              for s in xml.xpath("//bpmndi:BPMNShape", namespaces=DI)}
    edges = {e.get("bpmnElement"): e.findall("di:waypoint", DI) for e in xml.xpath("//bpmndi:BPMNEdge", namespaces=DI)}
    box = {k: tuple(float(v[a]) for a in ("x", "y", "width", "height")) for k, v in shapes.items()}
    assert participant in box
    lanes = xml.xpath("//bpmn:lane", namespaces=NS)
    assert [lane.get("name") for lane in sorted(lanes, key=lambda lane: box[lane.get("id")][1])] == lanes_top_down
    drawn = set()
    for lane in lanes:
        lx, ly, lw, lh = box[lane.get("id")]
        for ref in lane.xpath("bpmn:flowNodeRef/text()", namespaces=NS):
            x, y, w, h = box[ref]
            assert lx < x and x + w < lx + lw and ly < y and y + h < ly + lh, ref
            drawn.add(ref)
    named = {n.get("id") for n in xml.xpath("//bpmn:process/*[@name and not(self::bpmn:sequenceFlow)] | "
                                             "//bpmn:subProcess/*[@name and not(self::bpmn:sequenceFlow)]",
                                             namespaces=NS)}
    assert drawn == named - outside_lanes
    assert all(element in box for element in outside_lanes)
    for flow in xml.xpath("//bpmn:sequenceFlow", namespaces=NS):
        assert len(edges[flow.get("id")]) >= 2, flow.get("id")
    xs = [box[node][0] for node in main_path]
    assert xs == sorted(xs)


def properties_of(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, prop in schema.get("properties", {}).items():
        found.append((name, prop))
        found.extend(properties_of(prop.get("items", {})))
    return found


def assert_form_conventions(path: Path) -> None:
    """A closed Draft 2020-12 schema whose title, fields and options read in Chinese, with Chinese punctuation."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert CJK.search(schema["title"])
    for field, prop in properties_of(schema):
        assert CJK.search(prop.get("title", "")), f"{path.name}: {field}"
        assert not {"(", ")", ",", ":"} & set(prop.get("title", "") + prop.get("description", "")), \
            f"{path.name}: {field} reads with Chinese punctuation"
        if prop.get("type") == "object" or prop.get("items", {}).get("type") == "object":
            assert (prop.get("items") or prop)["additionalProperties"] is False
        for option in prop.get("oneOf", []) + prop.get("items", {}).get("oneOf", []):
            assert set(option) == {"const", "title"} and CJK.search(option["title"])
