"""A household's risk type 其他 says what it stands for: the note the entry form asks for with it, which the
data-quality check Q307 looks for.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('households') as batch:
        batch.add_column(sa.Column('risk_note', sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('households') as batch:
        batch.drop_column('risk_note')
