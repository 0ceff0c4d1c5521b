"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.engine import Engine as SqlEngine

from engine import lazy_transactions
from engine.clock import Clock, using_clock
from engine.core import Engine
from engine.limits import row_id
from monitoring.id_number import check_id_number
from monitoring.models import Role
from monitoring.permissions import CASE_SUPERVISORS
from monitoring.process_functions import FUNCTIONS
from web import config, pages
from web.boundary import place_paths
from web.extensions import db
from web.routing import init_app as init_request_rules


def create_app(overrides: dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    """The app on the environment's configuration; ``clock`` (e.g. ``--now``) wins over ``FANGPIN_CLOCK``."""
    app = Flask(__name__, instance_relative_config=False, template_folder=str(config.PROJECT_ROOT / "templates"))
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    init_request_rules(app)  # before any route is added
    db.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)
        lazy_transactions.install(db.engine)
    app.extensions["fangpin_engine"] = Engine(
        roles=[r.value for r in Role], clock=clock or app.config["CLOCK"],
        supervisor_roles=CASE_SUPERVISORS, functions=FUNCTIONS, formats=FORMATS, place_paths=place_paths,
    )
    _requests_on_the_engines_clock(app)
    # add the domain's routes to the API blueprint
    from web.api import (  # noqa: F401
        campaign_report_routes,
        campaign_routes,
        change_routes,
        designer_routes,
        event_routes,
        marking_window_routes,
        measure_routes,
        migration_routes,
        monitoring_routes,
        openapi,
        quality_routes,
        report_routes,
        status_routes,
    )
    from web.api.blueprint import api

    app.register_blueprint(api)
    from web.households import changes as change_pages  # its routes join the households pages before they register

    change_pages.init_app(app)
    pages.init_app(app)
    return app


FORMATS = {
    "resident-id": (lambda value: not isinstance(value, str) or check_id_number(value) is None,
                    "身份证号无效（位数、出生日期或校验位错误）"),
    "attachment": (lambda value: not isinstance(value, str) or row_id(value) is not None, "附件无效，请重新上传"),
}


def _requests_on_the_engines_clock(app: Flask) -> None:
    """Every rule a request reaches reads the engine's clock (``engine.clock.now``), not only process steps."""

    @app.before_request
    def _enter() -> None:
        g.clock_scope = using_clock(app.extensions["fangpin_engine"].clock)
        g.clock_scope.__enter__()

    @app.teardown_request
    def _leave(_error: BaseException | None) -> None:
        scope = g.pop("clock_scope", None)
        if scope is not None:
            scope.__exit__(None, None, None)


def _tune_sqlite(engine: SqlEngine) -> None:
    """WAL so readers never wait for the writer; a busy timeout so writers queue instead of failing;
    SAVEPOINTs that roll back only what a failed step wrote."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection: Any, _name: str) -> None:
        # pysqlite opens a transaction only before a write; a SAVEPOINT outside one would start its own,
        # whose RELEASE commits. An engine step's SAVEPOINT must stay inside the request's transaction.
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")
