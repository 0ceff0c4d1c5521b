"""Each step rewrites its case's row. With pages filled to the brim, PostgreSQL had to put the new version of the row
in another page for about two updates in five, and then add an entry for it to each of the table's seven indexes.
Pages filled to 70 % leave room beside the old version: on the engine bench, updates made in place (HOT) rose from 61 %
to 91 % of all (the rest ended their cases, a change of the indexed ``status``). Pages written from now on keep the
room; SQLite has no such setting.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 17:40:00
"""
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE process_instances SET (fillfactor = 70)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE process_instances RESET (fillfactor)')
