"""Users get a display name (姓名), so pages show people by name instead of login id.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: accounts made before names were asked for have none; pages then show role and place
    op.add_column('users', sa.Column('name', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'name')
