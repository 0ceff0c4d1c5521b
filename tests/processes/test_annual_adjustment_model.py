"""The annual adjustment model (processes/annual_adjustment.bpmn) and its forms keep the conventions every shipped
model keeps; its behaviour is tested through the API (tests/web/test_campaign*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.deploy import NS
from tests.processes.conventions import assert_drawn_in_lanes, assert_form_conventions, assert_named_in_chinese

ROOT = Path(__file__).resolve().parents[2]
XML = etree.fromstring((ROOT / "processes" / "annual_adjustment.bpmn").read_bytes())


def test_every_element_is_named_in_chinese():
    elements = XML.xpath("//bpmn:process/*[not(self::bpmn:laneSet or self::bpmn:sequenceFlow or "
                         "self::bpmn:documentation)]", namespaces=NS)
    assert_named_in_chinese(XML, len(elements))
    assert len(elements) >= 10


def test_the_diagram_draws_every_element_inside_its_lane():
    """The villages' subprocess sits in no lane: each step inside it keeps the lane (the level) it is drawn in."""
    assert_drawn_in_lanes(XML, "annual_adjustment_participant", ["village", "township", "county", "region"],
                          ["start", "gw_level", "village_parts", "township_summary", "county_review",
                           "gw_county_review", "gw_parent_ready", "start_parent", "reported"],
                          outside_lanes=frozenset({"village_parts"}))


def test_each_level_task_is_placed_and_has_its_deadline():
    """Every task of another place than the case's goes to that place (a village's to the village, the county's
    review and 督办 of a township to the county); every level's own task is due at its deadline and a timer at that
    deadline puts a 督办 task in the level above's inbox: a village's and a township's on a branch of its own beside
    the township's work (fired once, whatever step the level is at), a county's and a league's on its one step."""
    properties = {task.get("id"): {p.get("name"): p.get("value") for p in task.xpath(".//spiffworkflow:property",
                                                                                       namespaces=NS)}
                  for task in XML.xpath("//bpmn:userTask", namespaces=NS)}
    assert properties["village_check"]["place"] == 'village["code"]'
    assert "place" not in properties["township_review"] and "place" not in properties["township_summary"]
    for task in ("county_review", "township_urge", "county_urge", "league_urge"):
        assert properties[task]["place"] == 'campaign["parent"]'
    for task in ("village_check", "township_summary", "county_report", "league_report"):
        assert "dueDate" in properties[task]
    for level in ("village", "township"):
        [timer] = XML.xpath(f"//bpmn:intermediateCatchEvent[@id='{level}_deadline']//bpmn:timeDate", namespaces=NS)
        assert timer.text == f'day_ends(campaign["deadlines"]["{level}"])'
        assert XML.xpath(f"//bpmn:parallelGateway/bpmn:outgoing[text()='f_{level}_deadline']", namespaces=NS)
    for task in ("county_report", "league_report"):
        boundary = XML.xpath(f"//bpmn:boundaryEvent[@attachedToRef='{task}']", namespaces=NS)
        assert len(boundary) == 1 and boundary[0].get("cancelActivity") == "false"


@pytest.mark.parametrize("name", ["annual_adjustment_report.json", "annual_adjustment_review.json",
                                  "annual_adjustment_urge.json"])
def test_each_form_keeps_the_conventions(name):
    assert_form_conventions(ROOT / "forms" / name)
