"""Migration 0005 gives every existing user an own random session version."""

from alembic import command
from sqlalchemy import text

from engine.models import Base
from web.extensions import db
from web.migrate import alembic_config, upgrade


def test_existing_users_get_distinct_random_session_versions(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(text("INSERT INTO places (code, name, level, path) "
                                "VALUES ('15', '自治区', 'region', '/15/')"))
        for name in ("cun", "zhen"):
            connection.execute(text("INSERT INTO users (username, password_hash, role, place_code, active) "
                                    "VALUES (:name, 'hash', 'village', '15', true)"), {"name": name})
    upgrade()
    with db.engine.connect() as connection:
        versions = connection.execute(text("SELECT session_version FROM users")).scalars().all()
    assert len(versions) == len(set(versions)) == 2
    assert all(len(v) == 32 and int(v, 16) >= 0 for v in versions)
