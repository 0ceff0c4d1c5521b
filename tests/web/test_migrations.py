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
