"""Deploy accepts exactly what runs: print is available, namespace introspection is refused with its alternative."""

from __future__ import annotations

import pytest

from engine.versions import deploy
from tests.engine.test_deploy import DESIGNER, files, refuse, with_script_task


def test_a_script_that_prints_deploys(engine, session):
    deployment = deploy(engine, session, files(with_script_task("print('准备核查', len(items))\nready = True")),
                        DESIGNER)
    session.commit()
    assert deployment.created


@pytest.mark.parametrize("call", ["locals()", "vars()", "globals()", "dir()"])
def test_namespace_introspection_is_refused_at_deploy_naming_the_alternative(engine, session, call):
    problems = refuse(engine, session, files(with_script_task(f"known = 'income' in {call}")))
    assert len(problems) == 1
    assert "无法编译" in problems[0].message
    assert f"{call} is not available" in problems[0].message
    assert "defined('name')" in problems[0].message and "get('name', default)" in problems[0].message
