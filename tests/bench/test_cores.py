"""The cores' idle and stolen time that the benches print beside their processes' CPU (``bench.cores``)."""

from __future__ import annotations

import os

import pytest

from bench import cores


def test_the_cores_idle_and_stolen_time_are_read_from_their_columns():
    tick = 1 / os.sysconf("SC_CLK_TCK")
    stat = "cpu  3940942 32152 654208 1810481 20312 0 37392 83453 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"

    idle, stolen = cores.core_seconds(stat)

    assert idle == pytest.approx((1810481 + 20312) * tick) and stolen == pytest.approx(83453 * tick)
