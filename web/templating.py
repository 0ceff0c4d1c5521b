"""Jinja filters and globals shared by every page: Chinese dates, durations, code-list labels, places."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy import select

from engine import versions
from engine.calendar import CHINA_TZ
from engine.value_lists import one_of
from monitoring import codelists, people
from monitoring.documents.annexes import ANNEXES
from monitoring.household_labels import tell_apart
from monitoring.id_number import mask_id_number
from monitoring.models import Place, Role
from monitoring.objections import recheck_of
from monitoring.people import ROLE_NAMES
from web.extensions import db


def cn_date(value: date | datetime | str | None) -> str:
    """2026年3月2日 (a datetime is shown as its date in China)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


def source_row(fields: Mapping[str, Any] | None) -> str:
    """A department's record as a reader reads it: 号牌号码：蒙K12345；登记日期：2024年5月3日 (ISO dates in Chinese)."""
    return "；".join(f"{key}：{_as_read(value)}" for key, value in (fields or {}).items())


def _as_read(value: Any) -> str:
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return cn_date(value)
        except ValueError:  # 2024-13-45 is no date: shown as recorded
            return value
    return str(value)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def cn_dates(text: str) -> str:
    """A text with its ISO dates written as people read them (a data-quality finding's message names its dates so:
    2026-03-28 → 2026年3月28日); what is no date stays as written."""
    return _ISO_DAY_IN_TEXT.sub(lambda match: _as_read(match.group()), text)


_ISO_DAY_IN_TEXT = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


def cn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(CHINA_TZ)
    return f"{cn_date(local)} {local:%H:%M}"


def deadline_shown(value: datetime) -> date | datetime:
    """What a task's due moment reads as: a deadline on a day is due at the end of that day (midnight after it,
    China time: ``engine.scripting.end_of_day``), which reads as the day itself, not the next one; any other due
    moment (an acknowledgement within 2 hours) is that moment in China time."""
    local = value.astimezone(CHINA_TZ)
    if local.timetz().replace(tzinfo=None) == datetime.min.time():
        return local.date() - timedelta(days=1)
    return local


def cn_deadline(value: datetime | None) -> str:
    """A task's 办理期限: 2026年3月20日 for a deadline on that day, 2026年3月20日 14:30 for one at a time of day."""
    if value is None:
        return ""
    shown = deadline_shown(value)
    return cn_datetime(shown) if isinstance(shown, datetime) else cn_date(shown)


def duration(value: timedelta) -> str:
    """How long something has waited, in the largest sensible unit: 3天5小时, 2小时, 刚刚.

    Never negative: a row stamped later than the page's clock (``timers run --now`` ahead of a server on
    another clock) has, as far as this page knows, only just happened.
    """
    minutes = max(int(value.total_seconds() // 60), 0)
    days, hours = divmod(minutes // 60, 24)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时"
    return f"{minutes}分钟" if minutes > 0 else "刚刚"


def money(value: Decimal | float | int | None) -> str:
    """An amount as people read money: 15,206.00 元 (nothing shown for no amount)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).quantize(Decimal('0.01'), ROUND_HALF_UP):,} 元"


def label(code: str | None, list_key: str) -> str:
    """The label of ``code`` in a code list (retired ones too: old records show theirs)."""
    if code is None:
        return ""
    return codelists.labels(db.session, list_key, include_retired=True).get(code, code)


def place_name(code: str | None) -> str:
    if not code:
        return ""
    cache = g.setdefault("place_names", {})
    if code not in cache:
        place = db.session.get(Place, code)
        cache[code] = place.name if place else code
    return cache[code]


def remember_places(codes: Iterable[str | None], known: Iterable[tuple[str, str]] = ()) -> None:
    """Load the names of a page's places in one query, before its rows ask ``place_name`` one by one; ``known``: (code,
    name) pairs the page has read already (e.g. its village choices), whose places need no query."""
    cache = g.setdefault("place_names", {})
    cache.update(known)
    missing = {code for code in codes if code and code not in cache}
    if missing:
        cache.update(dict(db.session.execute(select(Place.code, Place.name).where(
            one_of(db.session, Place.code, missing))).all()))


def remember_people(usernames: Iterable[str | None]) -> None:
    """Load the labels of a page's people in one query, before its rows ask ``person`` one by one."""
    cache = g.setdefault("people", {})
    cache.update(people.labels(db.session, {u for u in usernames if u and u not in cache}))


def person(username: str | None) -> str:
    """张三（嘎查村干部） for a login id; pages never show the id itself (``monitoring.people``)."""
    if not username:
        return ""
    remember_people([username])
    return g.people[username]


UNDEPLOYED_PROCESS = "未部署的流程"  # a key with no deployed version; never shown as the key itself


def process_name(key: str) -> str:
    cache = g.setdefault("process_names", {})
    if not cache:
        cache.update(versions.latest_names(db.session))
    return cache.get(key, UNDEPLOYED_PROCESS)


def static_file_exists(filename: str) -> bool:
    """Whether a static file is installed: the bpmn-js files are built by ``make assets``, not committed."""
    folder = current_app.static_folder
    return folder is not None and (Path(folder) / filename).is_file()


def _navigation() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {}
    user = current_user.user
    return {"me": user, "my_role": ROLE_NAMES.get(user.role, user.role), "my_place": current_user.place.name,
            "is_admin": user.role in (Role.ADMIN, Role.REGION, Role.COUNTY)}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(cn_date=cn_date, cn_datetime=cn_datetime, cn_deadline=cn_deadline, duration=duration,
                                 label=label, money=money,
                                 place_name=place_name, person=person, process_name=process_name,
                                 masked_id=mask_id_number, source_row=source_row, cn_dates=cn_dates,
                                 role_name=lambda role: ROLE_NAMES.get(role, role))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(_navigation)
    app.jinja_env.globals.update(annexes=ANNEXES, static_file_exists=static_file_exists, recheck_of=recheck_of,
                                 tell_apart=tell_apart)
