"""年度动态管理 (domain.md §7): the region's yearly campaign; each township's case holds its villages' tasks, placed
at each of them, then its own report and the county's review of it; a county's, league's and region's case starts
when the last place below reports (``processes/annual_adjustment.bpmn``, the rules in ``monitoring.campaign_steps``).
A case of no household: it starts only by the opening of a campaign (``monitoring.campaigns.open_campaign``)."""

from __future__ import annotations

from monitoring.processes import ProcessDescriptor, Step, Variables

REPORT_STEPS = ("village_check", "township_summary", "county_report", "league_report", "region_receive")
REVIEW_STEPS = ("township_review", "county_review")
URGE_STEPS = ("village_urge", "township_urge", "county_urge", "league_urge")

DESCRIPTOR = ProcessDescriptor(
    key="annual_adjustment",
    started_by_act=True,  # a campaign's opening starts its cases; a person starts none
    cancellable=False,  # a place's part of the campaign: its units and the level above wait on it
    steps=(
        *(Step(step, "annual_adjustment_report.json") for step in REPORT_STEPS),
        *(Step(step, "annual_adjustment_review.json") for step in REVIEW_STEPS),
        *(Step(step, "annual_adjustment_urge.json") for step in URGE_STEPS),
    ),
    variables=Variables(),
    words={
        "campaign_id": "年度动态管理编号", "campaign": "本级年度任务", "place": "地区",
        "parent": "上级地区", "deadlines": "各级截止日期", "year": "年度",
        "villages": "所辖嘎查村", "township": "苏木乡镇", "village": "嘎查村",
        "county": "旗县", "league": "盟市", "region": "自治区", "code": "区划代码", "name": "名称",
        "village_report": "村级年度排查", "township_report": "乡镇汇总上报", "county_report": "旗县审定上报",
        "league_report": "盟市汇总上报", "region_receipt": "自治区接收汇总",
        "township_review": "乡镇审核（村）", "county_review": "旗县审核（乡镇）", "confirmed": "确认上报",
        "note": "情况说明", "approved": "审核通过", "reason": "退回理由", "opinion": "审核意见",
        "village_urging": "督办（嘎查村）", "village_urgings": "督办（嘎查村）", "late_villages": "逾期未上报的嘎查村",
        "township_urging": "督办（苏木乡镇）", "county_urging": "督办（旗县）",
        "league_urging": "督办（盟市）", "late_reason": "逾期原因", "actions": "督办措施",
        "parent_ready": "上级所辖均已完成",
    },
)
