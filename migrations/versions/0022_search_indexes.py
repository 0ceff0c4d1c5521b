"""Household search by index: members' reversed ID numbers and names as prefix ranges (collated "C" on PostgreSQL).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 05:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column('members', sa.Column('id_number_reversed', sa.String(length=18), nullable=False,
                                       server_default=''))
    if bind.dialect.name == 'postgresql':
        for column, length in (('name', 50), ('id_number_reversed', 18)):
            op.alter_column('members', column, type_=sa.String(length, collation='C'),
                            existing_type=sa.String(length), existing_nullable=False)
        op.alter_column('members', 'id_number_reversed', server_default=None)
    else:  # SQLite has no reverse(): the connection lends it Python's for this statement
        bind.connection.driver_connection.create_function('reverse', 1, lambda value: value[::-1],
                                                          deterministic=True)
    op.execute("UPDATE members SET id_number_reversed = reverse(id_number)")
    op.create_index('ix_members_name', 'members', ['name', 'household_id'])
    op.create_index('ix_members_id_tail', 'members', ['id_number_reversed', 'household_id'])


def downgrade() -> None:
    op.drop_index('ix_members_id_tail', table_name='members')
    op.drop_index('ix_members_name', table_name='members')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('id_number_reversed')
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('members', 'name', type_=sa.String(50), existing_type=sa.String(50, collation='C'),
                        existing_nullable=False)
