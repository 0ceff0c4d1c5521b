"""Household status changes: every change of a household's monitoring status, backfilled from its dates.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:10:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BACKFILLED_BY = "system"


def upgrade() -> None:
    changes = op.create_table(
        'household_status_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('from_status', sa.String(length=20), nullable=False),
        sa.Column('to_status', sa.String(length=20), nullable=False),
        sa.Column('monitoring_type', sa.String(length=30), nullable=True),
        sa.Column('method', sa.String(length=30), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.Column('changed_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('changed_by', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_household_status_changes_household', 'household_status_changes', ['household_id', 'id'])
    _backfill(changes)


def _backfill(changes: sa.Table) -> None:
    """The history households already have: their inclusion (monitored_since) and their elimination (eliminated_on)."""
    households = sa.table('households', sa.column('id', sa.Integer), sa.column('monitoring_status', sa.String),
                          sa.column('monitoring_type', sa.String), sa.column('monitored_since', sa.Date),
                          sa.column('elimination_method', sa.String), sa.column('eliminated_on', sa.Date))
    rows = op.get_bind().execute(
        sa.select(households).where(households.c.monitoring_status.in_(("monitored", "eliminated")))
        .order_by(households.c.id)).all()
    now = datetime.now(UTC)
    history = []
    for row in rows:
        common = {"household_id": row.id, "monitoring_type": row.monitoring_type, "reason": "",
                  "instance_id": None, "changed_at": now, "changed_by": BACKFILLED_BY}
        if row.monitored_since is not None:
            history.append({**common, "from_status": "not_monitored", "to_status": "monitored", "method": None,
                            "changed_on": row.monitored_since})
        if row.monitoring_status == "eliminated" and row.eliminated_on is not None:
            history.append({**common, "from_status": "monitored", "to_status": "eliminated",
                            "method": row.elimination_method, "changed_on": row.eliminated_on})
    if history:
        op.bulk_insert(changes, history)


def downgrade() -> None:
    op.drop_index('ix_household_status_changes_household', table_name='household_status_changes')
    op.drop_table('household_status_changes')
