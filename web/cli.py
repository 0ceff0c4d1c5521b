"""The ``fangpin`` command (api.md): exit 0 on success, 2 on bad arguments, 1 on failure."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask

from engine import audit, calendar_store, timers, versions
from engine.assignment import SYSTEM
from engine.clock import FrozenClock, using_clock
from engine.deploy import SourceFile, with_forms
from engine.errors import DeployError, EngineError, InvalidData
from engine.heap import freeze_startup_heap
from monitoring import codelists, places
from monitoring.quality import corrections, runner
from monitoring.quality.catalogue import CheckScope
from web.app import create_app
from web.boundary import engine, unit_of_work
from web.config import ConfigError, parse_time
from web.extensions import db as database
from web.shipped_processes import deploy_shipped, with_needed


def _fail(message: str) -> NoReturn:
    click.echo(f"错误: {message}", err=True)
    sys.exit(1)


def _app(now: str | None = None) -> Flask:
    """The app on the environment's configuration; a variable it cannot use is one line and exit status 1."""
    clock = FrozenClock(_parse_now(now)) if now else None
    try:
        return create_app(clock=clock)
    except ConfigError as exc:
        _fail(str(exc))


def _parse_now(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def in_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command inside the app (on the clock of its ``--now``, if it has one); a refused
    request becomes one line on stderr and exit status 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with _app(kwargs.get("now")).app_context(), using_clock(engine().clock):
            try:
                command(*args, **kwargs)
            except DeployError as exc:
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
                _fail("流程模型未部署")
            except InvalidData as exc:
                _fail("; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or str(exc))
            except EngineError as exc:
                _fail(str(exc) or exc.code)
            except ConfigError as exc:
                _fail(str(exc))
            finally:  # the pool's connections close with the command, not when the collector finds them
                database.engine.dispose()

    return run


@click.group()
def main() -> None:
    """防贫动态监测和帮扶 workflow system."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@in_app
def db_upgrade() -> None:
    """Create or migrate the schema, add missing code-list entries, deploy the shipped process models (idempotent)."""
    from web.migrate import upgrade

    upgrade()
    with unit_of_work() as session:
        added = codelists.seed(session)
    click.echo(f"数据库已是最新结构; 新增代码表条目 {added} 条")
    with unit_of_work() as session:
        for deployment in deploy_shipped(session):
            click.echo(_deployed(deployment))


@main.group("places")
def places_group() -> None:
    """Administrative places."""


@places_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", default=None, help="上级区划代码")
@click.option("--level", type=click.Choice(["region", "league", "county", "township", "village"]), default=None)
@in_app
def places_add(code: str, name: str, parent: str | None, level: str | None) -> None:
    with unit_of_work() as session:
        place = places.add_place(session, code, name, parent, level)
        click.echo(f"{place.code} {place.name} ({place.level}) {place.path}")


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--place", "place_code", required=True)
@click.option("--password", required=True)
@click.option("--department", default=None)
@click.option("--name", default=None, help="姓名, 页面上显示的是姓名而不是用户名")
@in_app
def users_add(username: str, role: str, place_code: str, password: str, department: str | None,
              name: str | None) -> None:
    with unit_of_work() as session:
        user = places.add_user(session, username, role, place_code, password, department, name,
                               name_required=name is not None)
        click.echo(f"{user.username} ({user.role} @ {user.place_code})")


@main.group("processes")
def processes_group() -> None:
    """Process models (BPMN/DMN)."""


@processes_group.command("deploy")
@click.option("--main", default=None, metavar="ID", help="主流程 (或协作) 的ID, 文件中有多个可执行流程时指定")
@click.option("--forms", "forms_dir", default=None, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="任务表单 (JSON Schema) 所在的文件夹, 默认为文件所在文件夹旁的 forms/ (如 processes/ 旁的 forms/)")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@in_app
def processes_deploy(main: str | None, forms_dir: Path | None, files: tuple[Path, ...]) -> None:
    """Deploy the files with the decision tables and called processes beside them that they need, the forms they
    name, from ``--forms`` or the ``forms/`` folder beside the files' folder (the project's layout: ``processes/`` and
    ``forms/`` side by side), and ``{stem}.tests.json`` beside the first."""
    folder = files[0].resolve().parent
    sources = with_forms([SourceFile(p.name, p.read_bytes()) for p in with_needed(files)],
                         forms_dir or folder.parent / "forms", folder)
    with unit_of_work() as session:
        click.echo(_deployed(versions.deploy(engine(), session, sources, SYSTEM, main)))


def _deployed(result: versions.Deployment) -> str:
    state = "已部署新版本" if result.created else "内容未变, 未部署新版本"
    return "\n".join([f"{result.version.key} v{result.version.version} {result.version.sha256[:12]} {state}",
                      *(f"警告: {warning}" for warning in result.warnings)])


@processes_group.command("list")
@in_app
def processes_list() -> None:
    for v in versions.all_versions(database.session):
        click.echo(f"{v.key}\tv{v.version}\t{v.deployed_at.isoformat()}\t{v.sha256[:12]}\t{v.name}")


@main.group("timers")
def timers_group() -> None:
    """Timer events."""


@timers_group.command("run")
@click.option("--now", default=None, help="当作现在的时间 (ISO 8601, 带时区)")
@in_app
def timers_run(now: str | None) -> None:
    """Advance every instance whose timers are due."""
    freeze_startup_heap()
    fired = timers.run_due_timers(engine(), unit_of_work)
    click.echo(f"{fired} 个定时器已触发")


@main.group("quality")
def quality_group() -> None:
    """Data-quality checks (问题数据清洗)."""


@quality_group.command("run")
@click.option("--place", default=None, help="地区代码（默认全部地区）")
@click.option("--now", default=None, help="当作现在的时间 (ISO 8601, 带时区)")
@in_app
def quality_run(place: str | None, now: str | None) -> None:
    """Run every check over a place and below (everything by default), a county at a time, and keep the findings;
    exit status 1 when a check failed (its findings were left as they were) or a county was held by another run."""
    with unit_of_work() as session:
        path = places.get_place(session, place).path if place else runner.EVERYWHERE
        summary, assigned = corrections.run_and_assign(engine(), session, CheckScope(path, engine().today()),
                                                       SYSTEM.username, engine().now(), skip_busy=True)
    click.echo(f"检查 {summary.checked} 户：问题 {summary.tripped} 条，新发现 {summary.new} 条，已整改 "
               f"{summary.closed} 条，未整改 {summary.open} 条；向 {assigned} 个嘎查村下发整改任务")
    if summary.busy:
        _fail("以下旗县正由另一次检查运行，本次未检查: " + "、".join(summary.busy))
    if summary.failed:
        _fail("以下检查运行出错，其问题未更新: " + "、".join(summary.failed))


@main.group("calendar")
def calendar_group() -> None:
    """Holidays and make-up workdays that override chinese-calendar and the weekday rule."""


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.option("--note", default="")
@in_app
def calendar_set(day: datetime, kind: str, note: str) -> None:
    with unit_of_work() as session:
        calendar_store.set_override(session, day.date(), kind == "workday", note)
    click.echo(f"{day.date().isoformat()} {'调休上班' if kind == 'workday' else '放假'} {note}")


@calendar_group.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@in_app
def calendar_unset(day: datetime) -> None:
    with unit_of_work() as session:
        removed = calendar_store.remove_override(session, day.date())
    click.echo(f"{day.date().isoformat()} {'已删除' if removed else '没有设置'}")


@calendar_group.command("list")
@in_app
def calendar_list() -> None:
    for row in calendar_store.overrides(database.session):
        click.echo(f"{row.day.isoformat()}\t{'workday' if row.is_working_day else 'holiday'}\t{row.note}")


@main.group("audit")
def audit_group() -> None:
    """The hash-chained event log."""


@audit_group.command("verify")
@in_app
def audit_verify() -> None:
    report = audit.verify(database.session)
    if report.broken_at is not None:
        _fail(f"审计链在第 {report.broken_at} 条处断开: {report.reason} (已核对 {report.checked} 条)")
    click.echo(f"审计链完整: {report.checked} 条")


@main.command()
@in_app
def demo() -> None:
    """Fill an empty database with demo places, users, households, department data, processes and cases."""
    from web.demo import build_demo

    build_demo()


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int, help="每个进程的线程数")
@click.option("--workers", default=1, type=click.IntRange(min=1),
              help="进程数: 1 为 waitress 单进程; 大于 1 时由 gunicorn 启动多个进程 "
                   "(一般为 CPU 核数的 2 倍, 每进程 --threads 2; 须 PostgreSQL)")
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Run the web app and API; every process sweeps due timers and pending documents."""
    from web.serve import SQLITE_REFUSED, one_process_only, run

    app = _app()
    if workers > 1 and one_process_only(app):
        raise click.BadParameter(SQLITE_REFUSED, param_hint="--workers")
    run(app, host, port, threads, workers)
