"""A timer literal lasting more than a hundred years is refused at its event before Spiff parses it: Spiff counts a
duration's years and months one by one (also while parsing a cycle), so such a number would burn the CPU at deploy
or later kill every case reaching the timer with an OverflowError."""

from __future__ import annotations

import pytest

from engine.timer_bounds import timer_value_problem
from tests.engine.test_deploy import FILE, counts, files, line_of, refuse, replaced

TIMER = '<bpmn:timeDuration>"P5D"</bpmn:timeDuration>'


@pytest.mark.parametrize(("kind", "value", "why"), [
    ("timeDuration", "P999999Y", "时长超过 100 年"),
    ("timeDuration", "P1201M", "时长超过 100 年"),
    ("timeDuration", "P99999999999999999999Y", "其中的数字过大"),
    ("timeCycle", "R3/P999999Y", "时长超过 100 年"),
    ("timeCycle", "R1/2026-01-01T00:00:00+08:00/P200Y", "时长超过 100 年"),
])
def test_a_timer_lasting_over_a_hundred_years_is_refused_at_its_event(engine, session, kind, value, why):
    text = replaced(TIMER, f'<bpmn:{kind}>"{value}"</bpmn:{kind}>')
    problems = refuse(engine, session, files(text))
    assert [(p.file, p.line, p.element, p.message) for p in problems] == [
        (FILE, line_of(text, f"<bpmn:{kind}>"), "notice_elapsed", f"定时器值“{value}”{why}")]
    assert counts(session) == (0, 0)


@pytest.mark.parametrize("value", ["P100Y", "P1200M", "PT876000H", "R5/P1D", "2026-03-02T09:00:00+08:00"])
def test_timers_up_to_a_hundred_years_pass_the_bound(value):
    assert timer_value_problem(value) is None
