"""Printed annexes: document versions with their sha256, linked to cases, steps and households.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('place_path', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('context', sa.JSON(), nullable=True),
    sa.Column('context_sha256', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.models.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('rendered_at', engine.models.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_documents_subject', 'documents', ['kind', 'subject', 'version'], unique=True)
    op.create_table('document_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=100), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'instance_id', 'household_id')
    )
    op.create_index('ix_document_links_document_id', 'document_links', ['document_id'], unique=False)
    op.create_index('ix_document_links_instance_id', 'document_links', ['instance_id'], unique=False)
    op.create_index('ix_document_links_household_id', 'document_links', ['household_id'], unique=False)


def downgrade() -> None:
    op.drop_table('document_links')
    op.drop_table('documents')
