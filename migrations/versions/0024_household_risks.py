"""Risk types as rows (household_risks, with each household's status and place), backfilled from households' lists.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# each risk type of a household's JSON list (a value that is not a list holds none; a type listed twice is one row)
RISKS = {
    'sqlite': "json_each(CASE WHEN json_type(h.risk_types) = 'array' THEN h.risk_types END) AS r",
    'postgresql': "json_array_elements_text(CASE WHEN json_typeof(h.risk_types) = 'array' THEN h.risk_types END) "
                  "AS r(value)",
}


def upgrade() -> None:
    bind = op.get_bind()
    path = sa.String(255, collation='C') if bind.dialect.name == 'postgresql' else sa.String(255)
    op.create_table(
        'household_risks',
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('risk_type', sa.String(length=30), nullable=False),
        sa.Column('monitoring_status', sa.String(length=20), nullable=False),
        sa.Column('place_path', path, nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('household_id', 'risk_type'),
    )
    op.execute("INSERT INTO household_risks (household_id, risk_type, monitoring_status, place_path) "
               f"SELECT DISTINCT h.id, r.value, h.monitoring_status, h.place_path FROM households h, "
               f"{RISKS[bind.dialect.name]} WHERE r.value IS NOT NULL")
    op.create_index('ix_household_risks_count', 'household_risks', ['monitoring_status', 'place_path', 'risk_type'])


def downgrade() -> None:
    op.drop_index('ix_household_risks_count', table_name='household_risks')
    op.drop_table('household_risks')
