"""Measurement history (each measurement's day and per-capita income), backfilled; method by_assistance → assisted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:20:00
"""
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CHINA_OFFSET = timedelta(hours=8)  # recorded_at is stored as naive UTC; a measurement's day is China's
INCOMES = ('wage_income', 'business_income', 'property_income', 'transfer_income')
OLD_CODE, NEW_CODE = 'by_assistance', 'assisted'


def upgrade() -> None:
    history = op.create_table(
        'measurement_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('measured_on', sa.Date(), nullable=False),
        sa.Column('per_capita_income', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('recorded_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_measurement_history_household', 'measurement_history', ['household_id', 'measured_on'])
    _backfill(history)
    _rename_method(OLD_CODE, NEW_CODE)


def _backfill(history: sa.Table) -> None:
    """One history row per stored measurement: the day it was recorded and its per-capita net income (the four
    incomes less production costs, over today's members, to the cent as monitoring.rules computes it then).
    The formula is written out here so that the migration keeps meaning what it meant when it ran."""
    measurements = sa.table('measurements', sa.column('household_id', sa.Integer), sa.column('year', sa.Integer),
                            *(sa.column(name, sa.Numeric) for name in (*INCOMES, 'business_expenses')),
                            sa.column('recorded_at', sa.DateTime), sa.column('recorded_by', sa.String))
    members = sa.table('members', sa.column('household_id', sa.Integer))
    connection = op.get_bind()
    sizes = dict(connection.execute(sa.select(members.c.household_id, sa.func.count())
                                    .group_by(members.c.household_id)).all())
    rows = connection.execute(sa.select(measurements).order_by(measurements.c.household_id,
                                                               measurements.c.year)).all()
    kept = []
    for row in rows:
        size = sizes.get(row.household_id)
        if not size:  # a household is registered with members; none means no per-capita figure to keep
            continue
        incomes = sum((Decimal(getattr(row, name) or 0) for name in INCOMES), Decimal(0))
        net = incomes - Decimal(row.business_expenses or 0)
        recorded_at = row.recorded_at.replace(tzinfo=None)
        kept.append({'household_id': row.household_id, 'year': row.year,
                     'measured_on': (recorded_at + CHINA_OFFSET).date(),
                     'per_capita_income': (net / size).quantize(Decimal('0.01'), ROUND_HALF_UP),
                     'recorded_at': recorded_at.replace(tzinfo=UTC), 'recorded_by': row.recorded_by})
    if kept:
        op.bulk_insert(history, kept)


def _rename_method(old: str, new: str) -> None:
    """The code list entry and every stored value; when the new code was already seeded, the old entry goes."""
    codes = sa.table('code_entries', sa.column('list_key', sa.String), sa.column('code', sa.String))
    connection = op.get_bind()
    in_list = codes.c.list_key == 'elimination_method'
    seeded = connection.execute(sa.select(codes.c.code).where(in_list, codes.c.code == new)).first()
    if seeded is not None:
        connection.execute(sa.delete(codes).where(in_list, codes.c.code == old))
    else:
        connection.execute(sa.update(codes).where(in_list, codes.c.code == old).values(code=new))
    for table, column in (('households', 'elimination_method'), ('household_status_changes', 'method')):
        stored = sa.table(table, sa.column(column, sa.String))
        connection.execute(sa.update(stored).where(stored.c[column] == old).values({column: new}))


def downgrade() -> None:
    _rename_method(NEW_CODE, OLD_CODE)
    op.drop_index('ix_measurement_history_household', table_name='measurement_history')
    op.drop_table('measurement_history')
