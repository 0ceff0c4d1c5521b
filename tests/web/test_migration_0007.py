"""Migration 0007: place paths compare character by character on PostgreSQL, so "this place and below" is a range."""

import pytest
from sqlalchemy import text

from engine.models import Base
from web.extensions import db
from web.migrate import upgrade

PATHS = {("places", "path"), ("process_instances", "place_path"), ("tasks", "place_path"),
         ("households", "place_path"), ("notices", "place_path"), ("attachments", "place_path"),
         ("documents", "place_path")}


def test_place_paths_are_collated_c_on_postgresql(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's default BINARY collation already compares character by character")
    Base.metadata.drop_all(db.engine)
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT table_name, column_name, collation_name FROM information_schema.columns "
                                       "WHERE column_name IN ('path', 'place_path')")).all()
    assert {(table, column): collation for table, column, collation in rows if (table, column) in PATHS} == \
        dict.fromkeys(PATHS, "C")
