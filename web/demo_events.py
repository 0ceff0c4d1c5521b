"""The demo's major event (重大事项逐级上报), through the same use cases as ``/api/v1/events``: the banner reports a
hailstorm in 查干哈达苏木 eighty minutes before now, its league acknowledges it half an hour later with instructions,
and it waits at the region within its deadline; the banner lists the affected households of one village, fast-tracks
the first into identification (绿色通道: its visit waits in the village's inbox) and files a follow-up."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import tasks
from engine.core import Engine
from engine.models import InstanceStatus, ProcessInstance, Task, TaskState
from monitoring import cases, event_affected, events, places
from monitoring.models import Household, MonitoringStatus, Place, User
from web.demo_steps import Travel, user_actor

COUNTY = "150223000000"
TOWNSHIP = "150223200000"  # 查干哈达苏木
VILLAGE = "150223200202"  # 乌兰忽洞村, where no other demo case is
AFFECTED = 4
HAILSTORM = {"kind": "natural_disaster", "place": TOWNSHIP,
             "summary": "突发强对流天气，冰雹持续约20分钟，乌兰忽洞村等地农作物和棚圈受损，部分牲畜死亡。",
             "affected_households": 37, "affected_people": 112, "losses": 865000,
             "measures_taken": "苏木已组织干部入户查看灾情，转移安置2户，发放棉被和饲草。",
             "needs": "申请农业保险快速理赔和救灾资金，请求农牧部门指导补种。"}


def build_events(engine: Engine, session: Session, travel: Travel) -> None:
    """Report the hailstorm, take it to the region and print where it stands."""
    county = user_actor(session, "county", session.get(Place, COUNTY).path)
    travel.back_to(travel.now - timedelta(minutes=80))
    occurred = (travel.now - timedelta(minutes=140)).isoformat()
    event = events.report_event(session, engine, county, {**HAILSTORM, "occurred_at": occurred})
    affected = _unmonitored_households(session)
    event_affected.list_households(session, county, event.id, [h.id for h in affected], engine.now())
    fast_tracked = event_affected.fast_track(session, engine, county, event.id, affected[0].id)
    session.commit()
    travel.forward_to(travel.now - timedelta(minutes=50))
    _acknowledge(engine, session, event.instance_id, "ack_league", "请旗县抓紧核灾，做好受灾户返贫风险排查，及时续报。")
    travel.forward_to(travel.now - timedelta(minutes=20))
    events.add_update(session, engine, county, event.id, {"text": "核实受灾户增至41户，其中脱贫户6户。",
                                                          "affected_households": 41, "affected_people": 126})
    session.commit()
    click.echo(f"重大事项: 冰雹灾害（盟市已确认，待自治区确认），受影响农户 {len(affected)} 户，"
               f"其中 1 户走绿色通道（识别案件第 {fast_tracked.instance_id} 号）")


def _unmonitored_households(session: Session) -> list[Household]:
    """Households of the village that are not monitored and have no case open."""
    open_keys = set(session.execute(select(ProcessInstance.business_key).where(
        ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.business_key.is_not(None))).scalars())
    found = session.execute(select(Household).where(
        Household.village_code == VILLAGE, Household.monitoring_status == MonitoringStatus.NOT_MONITORED)
        .order_by(Household.id)).scalars()
    return [h for h in found if cases.business_key(h.id) not in open_keys][:AFFECTED]


def _acknowledge(engine: Engine, session: Session, instance_id: int, step: str, instructions: str) -> None:
    """The level's own user (a league's user has role region at the league) acknowledges in its inbox."""
    task = session.execute(select(Task).where(Task.instance_id == instance_id, Task.bpmn_id == step,
                                              Task.state == TaskState.READY)).scalar_one()
    user = session.execute(select(User).where(User.role == task.role, User.place_code == task.place_code)
                           .order_by(User.username)).scalars().first()
    tasks.complete_task(engine, session, task.id, places.actor_for(session, user), {"instructions": instructions})
    session.commit()
