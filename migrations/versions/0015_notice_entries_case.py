"""Each notice entry remembers the case that put the household on it, backfilled from the cases' current notice.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notice_entries') as batch:
        batch.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch.create_index('ix_notice_entries_instance_id', ['instance_id'])
    _backfill()


def _backfill() -> None:
    """A case's data names only the notice it was last put on: those entries learn their case; older ones stay
    unknown (the annexes then read the household's case of the notice's process, as before)."""
    connection = op.get_bind()
    instances = sa.table('process_instances', sa.column('id', sa.Integer), sa.column('business_key', sa.String),
                         sa.column('data', sa.JSON))
    entries = sa.table('notice_entries', sa.column('notice_id', sa.Integer), sa.column('household_id', sa.Integer),
                       sa.column('instance_id', sa.Integer))
    for instance_id, key, data in connection.execute(sa.select(instances.c.id, instances.c.business_key,
                                                               instances.c.data).order_by(instances.c.id)):
        notice = (data or {}).get('notice') if isinstance(data, dict) else None
        prefix, _, household = (key or '').partition(':')
        if prefix != 'household' or not household.isdigit() or not isinstance(notice, dict) \
                or not isinstance(notice.get('notice_id'), int):
            continue
        connection.execute(entries.update().where(entries.c.notice_id == notice['notice_id'],
                                                  entries.c.household_id == int(household))
                           .values(instance_id=instance_id))


def downgrade() -> None:
    with op.batch_alter_table('notice_entries') as batch:
        batch.drop_index('ix_notice_entries_instance_id')
        batch.drop_column('instance_id')
