"""A form offering a code list's values offers them with the list's codes and labels: forms cannot drift.

Choices that belong to one step only (who signed, the comparison's decision) are the form's own.
"""

import json
from pathlib import Path

import pytest

from monitoring.codes import CODE_LISTS

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.json"))
DOMAIN_LISTS = [key for key in CODE_LISTS if key not in {"sex"}]  # male/female also name other things


def choices(node):
    """Every ``oneOf`` list of ``{"const", "title"}`` options anywhere in a schema."""
    if isinstance(node, dict):
        options = node.get("oneOf")
        if isinstance(options, list) and options and all("const" in o for o in options):
            yield [(o["const"], o.get("title")) for o in options]
        for value in node.values():
            yield from choices(value)
    elif isinstance(node, list):
        for value in node:
            yield from choices(value)


@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.name)
def test_form_choices_come_from_the_code_lists(form):
    schema = json.loads(form.read_text(encoding="utf-8"))
    for options in choices(schema):
        codes = {code for code, _ in options}
        offered = [key for key in DOMAIN_LISTS if len(codes & {code for code, _ in CODE_LISTS[key]}) >= 2]
        if not offered:
            continue  # the form's own choices
        assert any(set(options) <= set(CODE_LISTS[key]) for key in offered), \
            f"{form.name}: {sorted(options)} differ from code lists {offered}"
