"""重大事项逐级上报 (domain.md §8): a county's report goes up to its league and the region, each acknowledging within
its deadline or passed over on its own; the county follows it up until it closes it. Started by ``monitoring.events``
(the report), whose event the case names by its business key."""

from __future__ import annotations

from monitoring.processes import ProcessDescriptor, Step, Variables

DESCRIPTOR = ProcessDescriptor(
    key="major_event",
    started_by_act=True,  # the report starts it (monitoring.events.report_event), bound to the event it made
    cancellable=False,  # the event's report upward: it ends when acknowledged and closed, never cancelled
    steps=(Step("ack_league", "major_event_acknowledge.json"),
           Step("ack_region", "major_event_acknowledge.json")),
    variables=Variables(),
    words={"event_id": "重大事项编号", "league": "报送盟市", "region": "报送自治区", "place": "送达",
           "due": "确认时限", "title": "事项"},
)
