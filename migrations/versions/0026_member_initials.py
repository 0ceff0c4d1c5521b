"""Members' names indexed by their first character and place (a county's surname one index range).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_members_initial', 'members',
                    [sa.text('substr(name, 1, 1)'), 'place_path', 'name', 'household_id'])


def downgrade() -> None:
    op.drop_index('ix_members_initial', table_name='members')
