"""The ``fangpin`` command (api.md): exit 0 on success, 2 on bad arguments, 1 on failure."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask

from engine import audit, calendar_store, timers, versions
from engine.assignment import SYSTEM
from engine.clock import FrozenClock
from engine.deploy import SourceFile
from engine.errors import DeployError, EngineError, InvalidData
from monitoring import codelists, places
from web.app import create_app
from web.boundary import engine, unit_of_work


def _fail(message: str) -> None:
    click.echo(f"错误: {message}", err=True)
    sys.exit(1)


def _run(app: Flask, action):
    with app.app_context():
        try:
            return action()
        except DeployError as exc:
            for problem in exc.problems:
                click.echo(f"{problem}", err=True)
            _fail("流程模型未部署")
        except InvalidData as exc:
            _fail("; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or str(exc))
        except EngineError as exc:
            _fail(str(exc) or exc.code)


@click.group()
def main() -> None:
    """防贫动态监测和帮扶 workflow system."""


def _app(now: str | None = None) -> Flask:
    clock = FrozenClock(_parse_now(now)) if now else None
    return create_app(clock=clock)


def _parse_now(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("应为 ISO 8601 时间, 例如 2026-12-01T09:00:00+08:00", param_hint="--now") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("须带时区, 例如 +08:00", param_hint="--now")
    return parsed


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (idempotent)."""
    from web.migrate import upgrade

    def action():
        upgrade()
        with unit_of_work() as session:
            added = codelists.seed(session)
        click.echo(f"数据库已是最新结构; 新增代码表条目 {added} 条")

    _run(_app(), action)


@main.group("places")
def places_group() -> None:
    """Administrative places."""


@places_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", default=None, help="上级区划代码")
@click.option("--level", type=click.Choice(["region", "league", "county", "township", "village"]), default=None)
def places_add(code: str, name: str, parent: str | None, level: str | None) -> None:
    def action():
        with unit_of_work() as session:
            place = places.add_place(session, code, name, parent, level)
            click.echo(f"{place.code} {place.name} ({place.level}) {place.path}")

    _run(_app(), action)


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--place", "place_code", required=True)
@click.option("--password", required=True)
@click.option("--department", default=None)
def users_add(username: str, role: str, place_code: str, password: str, department: str | None) -> None:
    def action():
        with unit_of_work() as session:
            user = places.add_user(session, username, role, place_code, password, department)
            click.echo(f"{user.username} ({user.role} @ {user.place_code})")

    _run(_app(), action)


@main.group("processes")
def processes_group() -> None:
    """Process models (BPMN/DMN)."""


@processes_group.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def processes_deploy(files: tuple[Path, ...]) -> None:
    def action():
        sources = [SourceFile(p.name, p.read_bytes()) for p in files]
        with unit_of_work() as session:
            result = versions.deploy(engine(), session, sources, SYSTEM)
            state = "已部署新版本" if result.created else "内容未变, 未部署新版本"
            click.echo(f"{result.version.key} v{result.version.version} {result.version.sha256[:12]} {state}")

    _run(_app(), action)


@processes_group.command("list")
def processes_list() -> None:
    def action():
        from web.extensions import db as database

        for v in versions.all_versions(database.session):
            click.echo(f"{v.key}\tv{v.version}\t{v.deployed_at.isoformat()}\t{v.sha256[:12]}\t{v.name}")

    _run(_app(), action)


@main.group("timers")
def timers_group() -> None:
    """Timer events."""


@timers_group.command("run")
@click.option("--now", default=None, help="当作现在的时间 (ISO 8601, 带时区)")
def timers_run(now: str | None) -> None:
    """Advance every instance whose timers are due."""
    app = _app(now)

    def action():
        fired = timers.run_due_timers(engine(), unit_of_work)
        click.echo(f"{fired} 个定时器已触发")

    _run(app, action)


@main.group("calendar")
def calendar_group() -> None:
    """Holidays and make-up workdays that override chinese-calendar and the weekday rule."""


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.option("--note", default="")
def calendar_set(day: datetime, kind: str, note: str) -> None:
    def action():
        with unit_of_work() as session:
            calendar_store.set_override(session, day.date(), kind == "workday", note)
        click.echo(f"{day.date().isoformat()} {'调休上班' if kind == 'workday' else '放假'} {note}")

    _run(_app(), action)


@calendar_group.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def calendar_unset(day: datetime) -> None:
    def action():
        with unit_of_work() as session:
            removed = calendar_store.remove_override(session, day.date())
        click.echo(f"{day.date().isoformat()} {'已删除' if removed else '没有设置'}")

    _run(_app(), action)


@calendar_group.command("list")
def calendar_list() -> None:
    def action():
        from web.extensions import db as database

        for row in calendar_store.overrides(database.session):
            click.echo(f"{row.day.isoformat()}\t{'workday' if row.is_working_day else 'holiday'}\t{row.note}")

    _run(_app(), action)


@main.group("audit")
def audit_group() -> None:
    """The hash-chained event log."""


@audit_group.command("verify")
def audit_verify() -> None:
    def action():
        from web.extensions import db as database

        report = audit.verify(database.session)
        if report.broken_at is not None:
            _fail(f"审计链在第 {report.broken_at} 条处断开: {report.reason} (已核对 {report.checked} 条)")
        click.echo(f"审计链完整: {report.checked} 条")

    _run(_app(), action)


@main.command()
def demo() -> None:
    """Fill an empty database with demo places, users and processes."""
    from web.demo import build_demo

    _run(_app(), build_demo)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Run the web app and API with the timer scheduler."""
    from web.serve import run

    run(_app(), host, port, threads)
