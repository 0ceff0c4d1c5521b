"""Members carry their household's place path (a name search cut to an area); bulletin and dashboard indexes on cases.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    path = sa.String(255, collation='C') if postgresql else sa.String(255)
    op.add_column('members', sa.Column('place_path', path, nullable=False, server_default=''))
    if postgresql:
        op.alter_column('members', 'place_path', server_default=None)
        op.execute("UPDATE members SET place_path = h.place_path FROM households h WHERE h.id = members.household_id")
    else:
        op.execute("UPDATE members SET place_path = "
                   "(SELECT h.place_path FROM households h WHERE h.id = members.household_id)")
    op.drop_index('ix_members_name', table_name='members')
    op.create_index('ix_members_name', 'members', ['name', 'place_path', 'household_id'])
    op.create_index('ix_tasks_instance_created', 'tasks', ['instance_id', 'created_at'])
    op.create_index('ix_process_instances_running', 'process_instances', ['status', 'place_path'])


def downgrade() -> None:
    op.drop_index('ix_process_instances_running', table_name='process_instances')
    op.drop_index('ix_tasks_instance_created', table_name='tasks')
    op.drop_index('ix_members_name', table_name='members')
    op.create_index('ix_members_name', 'members', ['name', 'household_id'])
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('place_path')
