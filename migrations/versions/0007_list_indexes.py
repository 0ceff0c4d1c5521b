"""Indexes matching the lists' orderings, and place paths collated "C" on PostgreSQL so a subtree is an index range.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PATHS = (('places', 'path'), ('process_instances', 'place_path'), ('tasks', 'place_path'),
         ('households', 'place_path'), ('notices', 'place_path'), ('attachments', 'place_path'),
         ('documents', 'place_path'))
INDEXES = (
    ('ix_tasks_inbox_order', 'tasks', ['state', 'role', 'created_at', 'id']),
    ('ix_households_village', 'households', ['village_code', 'id']),
    ('ix_department_uploads_latest', 'department_uploads', ['county_code', 'dataset', 'id']),
    ('ix_department_uploads_department', 'department_uploads', ['department', 'county_code', 'id']),
    ('ix_comparison_hits_record_id', 'comparison_hits', ['record_id']),
    ('ix_notices_scope', 'notices', ['place_path', 'ends_on']),
    ('ix_users_place', 'users', ['place_code', 'username']),
)


def _collate(collation: str | None) -> None:
    """PostgreSQL only: SQLite's default BINARY collation already compares character by character.
    Altering the type rebuilds the indexes on the column (and the unique constraint on places.path)."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in PATHS:
        op.alter_column(table, column, type_=sa.String(length=255, collation=collation),
                        existing_type=sa.String(length=255), existing_nullable=False)


def upgrade() -> None:
    _collate('C')
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    _collate('default')
