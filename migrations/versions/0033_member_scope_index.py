"""Members indexed by their household's place: the data-quality checks on members read a county's members as one
range instead of the region's whole table.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 02:00:00
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_members_place', 'members', ['place_path', 'household_id'])


def downgrade() -> None:
    op.drop_index('ix_members_place', table_name='members')
