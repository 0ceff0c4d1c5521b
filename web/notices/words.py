"""How notices are named on the wall and on screen."""

from __future__ import annotations

STAGES = {
    "identification_first": "识别·第一次公示（嘎查村）",
    "identification_second": "识别·第二次公示（旗县）",
}
HOTLINE = "12317"


def stage_name(stage: str) -> str:
    return STAGES.get(stage, stage)
