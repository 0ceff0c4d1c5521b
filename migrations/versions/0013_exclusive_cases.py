"""Exclusive instances: one running case of a process per business key, held by a partial unique index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The processes whose start allowed one open case per household when this ran (monitoring.processes): written out
# so that the migration keeps meaning what it meant then.
ONE_OPEN_CASE = ('identification', 'risk_elimination')
OPEN_EXCLUSIVE = "status = 'running' AND exclusive"


def upgrade() -> None:
    with op.batch_alter_table('process_instances') as batch:
        batch.add_column(sa.Column('exclusive', sa.Boolean(), server_default=sa.false(), nullable=False))
    _mark_oldest_running()
    op.create_index('ux_process_instances_open_case', 'process_instances', ['business_key', 'process_key'],
                    unique=True, sqlite_where=sa.text(OPEN_EXCLUSIVE), postgresql_where=sa.text(OPEN_EXCLUSIVE))


def _mark_oldest_running() -> None:
    """Each household's oldest running case of those processes becomes exclusive; a duplicate that concurrent starts
    opened before stays running as it is (people finish or cancel it) but holds nothing."""
    instances = sa.table('process_instances', sa.column('id', sa.Integer), sa.column('process_key', sa.String),
                         sa.column('business_key', sa.String), sa.column('status', sa.String),
                         sa.column('exclusive', sa.Boolean))
    oldest = (sa.select(sa.func.min(instances.c.id))
              .where(instances.c.status == 'running', instances.c.process_key.in_(ONE_OPEN_CASE),
                     instances.c.business_key.like('household:%'))
              .group_by(instances.c.business_key, instances.c.process_key))
    op.get_bind().execute(sa.update(instances).where(instances.c.id.in_(oldest)).values(exclusive=True))


def downgrade() -> None:
    op.drop_index('ux_process_instances_open_case', table_name='process_instances')
    with op.batch_alter_table('process_instances') as batch:
        batch.drop_column('exclusive')
