"""Migration 0021 keeps the stored versions, adds the drafts' table and the publish note, and lets two versions of
a key share a content (a restored old version published again)."""

from datetime import UTC, datetime

from sqlalchemy import text

from engine.models import Base
from tests.web.migration_steps import upgrade_to
from web.extensions import db
from web.migrate import upgrade

AT = datetime(2026, 12, 1, tzinfo=UTC)
VERSION = ("INSERT INTO process_versions (id, key, version, name, sha256, files, forms, specs, deployed_at) "
           "VALUES (:id, 'approval', :id, '审批', 'same', '{}', '{}', '', :at)")


def test_versions_are_kept_and_may_share_a_content_after_it(app):
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        upgrade_to(connection, "0020")
        connection.execute(text(VERSION), {"id": 1, "at": AT})
    with db.engine.begin() as connection:
        upgrade_to(connection, "0021")
        connection.execute(text(VERSION), {"id": 2, "at": AT})
        connection.execute(text("INSERT INTO process_drafts (key, revision, files, updated_by, updated_at) "
                                "VALUES ('approval', 1, '{}', 'sheji', :at)"), {"at": AT})
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT version, sha256, comment FROM process_versions ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, "same", None), (2, "same", None)]
    upgrade()  # and on to the head
