"""``fangpin db upgrade`` builds exactly the schema the models describe, and running it twice is harmless."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import INSTANCES_FILLFACTOR, Base
from web.extensions import db
from web.migrate import upgrade

# an index on an expression is not reflected, so not compared: its definition is compared below
EXPRESSION_INDEXES = {"ix_members_initial"}
# a partial index's condition is not compared by alembic: its definition is checked below
PARTIAL_INDEXES = {"ix_tasks_ready_steps": re.compile(r"WHERE \(*state\)*(::text)? = 'ready'"),
                   "ix_tasks_done": re.compile(r"WHERE \(*completed_at IS NOT NULL"),
                   "uq_quality_findings_open": re.compile(r"WHERE \(*resolved_at IS NULL"),
                   "ix_quality_findings_open": re.compile(r"WHERE \(*resolved_at IS NULL")}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_models_and_are_idempotent(app):
    Base.metadata.drop_all(db.engine)
    upgrade()
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        built = {name: _definition(connection, name) for name in EXPRESSION_INDEXES}
        partial = {name: _definition(connection, name) for name in PARTIAL_INDEXES}
    assert differences == []
    for name, definition in partial.items():
        assert PARTIAL_INDEXES[name].search(definition), (name, definition)
    declared = {index.name: index for table in Base.metadata.tables.values() for index in table.indexes}
    for name, definition in built.items():
        words = {word for expression in declared[name].expressions
                 for word in re.findall(r"[a-z_]+", str(getattr(expression, "name", expression)))}
        assert words <= set(re.findall(r"[a-z_]+", definition)), (name, definition)


def _definition(connection, name: str) -> str:
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar_one()
    return connection.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)).scalar_one()


def test_a_database_path_holding_a_percent_sign_upgrades(tmp_path, monkeypatch):
    """configparser read ``%3A`` (a ``:`` in a folder's name, escaped in the URL) as interpolation and crashed."""
    from web.app import create_app

    folder = tmp_path / "backup 50%"
    folder.mkdir()
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/fangpin.db"})
    with app.app_context():
        upgrade()
        assert "process_versions" in db.inspect(db.engine).get_table_names()


def test_on_postgresql_the_cases_pages_keep_room_for_each_steps_new_row(app):
    """Built from the models (the tests' template) or by the migrations, ``process_instances`` fills its pages to
    ``INSTANCES_FILLFACTOR`` only, so a step's new version of the row can stay in its page (migration 0035)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no fill factor")

    def storage() -> list[str] | None:
        with db.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT reloptions FROM pg_class WHERE relname = 'process_instances'").scalar_one()

    assert storage() == [f"fillfactor={INSTANCES_FILLFACTOR}"]
    Base.metadata.drop_all(db.engine)
    upgrade()
    assert storage() == [f"fillfactor={INSTANCES_FILLFACTOR}"]
