"""问题数据整改 (筛查—整改—再筛查): a village corrects the findings the data-quality checks made on its households, and
the checks run again over it until none is left. Started by ``monitoring.quality.corrections`` for a village with open
findings, whose case names the village by its business key."""

from __future__ import annotations

from monitoring.processes import ProcessDescriptor, Step, Variables

DESCRIPTOR = ProcessDescriptor(
    key="quality_correction",
    started_by_act=True,  # the checks start it for the village they found problems in, never a person directly
    cancellable=False,  # it ends when the village's findings are gone: the data decide, not a cancellation
    steps=(Step("correct", "quality_correction.json"),),
    variables=Variables(),
    words={"findings": "问题数据", "due": "整改期限", "checked": "已逐户核实并更正", "note": "整改说明"},
)
