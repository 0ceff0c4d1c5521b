"""The assistance model (processes/assistance.bpmn) and its forms keep the conventions every shipped model keeps;
its behaviour is tested through the API (tests/web/test_assistance.py, test_assistance_later_measures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.deploy import NS
from tests.processes.conventions import assert_drawn_in_lanes, assert_form_conventions, assert_named_in_chinese

ROOT = Path(__file__).resolve().parents[2]
XML = etree.fromstring((ROOT / "processes" / "assistance.bpmn").read_bytes())


def test_every_element_is_named_in_chinese():
    elements = XML.xpath("//bpmn:process/*[not(self::bpmn:laneSet or self::bpmn:sequenceFlow or "
                         "self::bpmn:documentation)]", namespaces=NS)
    assert_named_in_chinese(XML, len(elements))
    assert len(elements) >= 5


def test_the_diagram_draws_every_element_inside_its_lane():
    """The measures' subprocess sits in no lane: Spiff would give each step inside it the subprocess's lane."""
    assert_drawn_in_lanes(XML, "assistance_participant", ["county", "department"], ["start", "plan"],
                          outside_lanes=frozenset({"carry_out_measures"}))


@pytest.mark.parametrize("name", ["assistance_plan.json", "assistance_progress.json"])
def test_each_form_keeps_the_conventions(name):
    assert_form_conventions(ROOT / "forms" / name)
