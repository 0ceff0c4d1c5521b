"""Natural changes of households: household_changes, members who left kept, households split off or merged away.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 23:20:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

PRESENT = sa.text('left_on IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('households') as batch:
        batch.add_column(sa.Column('split_from_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('merged_on', sa.Date(), nullable=True))
    _drop_unique_id_number()
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('left_change_id', sa.Integer(), nullable=True))
    op.create_index('uq_members_present_id_number', 'members', ['id_number'], unique=True,
                    sqlite_where=PRESENT, postgresql_where=PRESENT)
    op.create_table(
        'household_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('related_household_id', sa.Integer(), nullable=True),
        sa.Column('moved_member_ids', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('marked_on', sa.Date(), nullable=True),
        sa.Column('marked_by', sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.ForeignKeyConstraint(['related_household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['evidence_id'], ['attachments.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_household_changes_household', 'household_changes', ['household_id', 'id'])
    op.create_index('ix_household_changes_scope', 'household_changes', ['place_path', 'occurred_on'])


def _drop_unique_id_number() -> None:
    """0002 made the ID number unique among all members, unnamed: PostgreSQL named it, SQLite did not (its table is
    rebuilt without it, the reflected constraint named by a convention for the occasion)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('members_id_number_key', 'members', type_='unique')
        return
    with op.batch_alter_table('members', recreate='always',
                              naming_convention={'uq': 'uq_%(table_name)s_%(column_0_name)s'}) as batch:
        batch.drop_constraint('uq_members_id_number', type_='unique')


def downgrade() -> None:
    op.drop_index('ix_household_changes_scope', table_name='household_changes')
    op.drop_index('ix_household_changes_household', table_name='household_changes')
    op.drop_table('household_changes')
    op.drop_index('uq_members_present_id_number', table_name='members')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('left_change_id')
        batch.drop_column('left_on')
        batch.create_unique_constraint('uq_members_id_number', ['id_number'])
    with op.batch_alter_table('households') as batch:
        batch.drop_column('merged_on')
        batch.drop_column('merged_into_id')
        batch.drop_column('split_from_id')
