"""``fangpin db upgrade`` builds exactly the schema the models describe, and running it twice is harmless."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import Base
from web.extensions import db
from web.migrate import upgrade


def test_migrations_match_the_models_and_are_idempotent(app):
    Base.metadata.drop_all(db.engine)
    upgrade()
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


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
