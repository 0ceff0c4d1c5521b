"""A household's feedback (反馈原因) remembers the case that refused it, so the letter telling the household why can
state that case's decisions with their rules and figures.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household_feedback') as batch:
        batch.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('household_feedback') as batch:
        batch.drop_column('instance_id')
