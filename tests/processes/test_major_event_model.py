"""The major event model (processes/major_event.bpmn) and its form keep the conventions every shipped model keeps;
each level's acknowledgement carries its place and a deadline that interrupts it. Its behaviour is tested through
the API (tests/web/test_major_events.py)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from engine.deploy import NS
from tests.processes.conventions import assert_drawn_in_lanes, assert_form_conventions, assert_named_in_chinese

ROOT = Path(__file__).resolve().parents[2]
XML = etree.fromstring((ROOT / "processes" / "major_event.bpmn").read_bytes())


def test_every_element_is_named_in_chinese():
    elements = XML.xpath("//bpmn:process/*[not(self::bpmn:laneSet or self::bpmn:sequenceFlow or "
                         "self::bpmn:documentation)]", namespaces=NS)
    assert_named_in_chinese(XML, len(elements))
    assert len(elements) == 16


def test_the_diagram_draws_every_element_inside_its_lane():
    assert_drawn_in_lanes(XML, "major_event_participant", ["county", "region"],
                          ["start", "to_league", "gw_league", "ack_league", "merge_league", "to_region", "ack_region",
                           "merge_region", "gw_closed", "wait_closed", "end"])


def test_each_level_is_placed_at_its_place_due_and_interrupted_at_its_deadline():
    """The task is due when its timer interrupts it, so the inbox shows the deadline and marks it late (R1 #7)."""
    for level in ("league", "region"):
        (task,) = XML.xpath(f"//bpmn:userTask[@id='ack_{level}']", namespaces=NS)

        def values(name, task=task):
            return [p.get("value") for p in task.xpath(
                f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{name}']",
                namespaces=NS)]

        assert values("place") == [f'{level}["place"]']
        assert values("dueDate") == [f'{level}["due"]']
        (boundary,) = XML.xpath(f"//bpmn:boundaryEvent[@attachedToRef='ack_{level}']", namespaces=NS)
        assert boundary.get("cancelActivity") == "true"
        assert boundary.xpath("bpmn:timerEventDefinition/bpmn:timeDate/text()", namespaces=NS) == [f'{level}["due"]']


def test_the_form_keeps_the_conventions():
    assert_form_conventions(ROOT / "forms" / "major_event_acknowledge.json")
