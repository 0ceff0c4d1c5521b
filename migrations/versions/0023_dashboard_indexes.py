"""Indexes for the dashboard and bulletin at region size (by status, change and day, open work) and paged lists.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 06:00:00
"""
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_households_status_scope', 'households', ['monitoring_status', 'place_path', 'monitoring_type'])
    op.create_index('ix_household_status_changes_effect', 'household_status_changes',
                    ['to_status', 'changed_on', 'household_id', 'from_status', 'instance_id'])
    op.create_index('ix_household_status_changes_order', 'household_status_changes',
                    ['household_id', 'changed_on', 'id'])
    op.create_index('ix_tasks_scope', 'tasks',
                    ['state', 'place_path', 'due_at', 'process_key', 'bpmn_id', 'name', 'instance_id'])
    op.create_index('ix_process_instances_started', 'process_instances', ['place_path', 'created_at'])
    op.create_index('ix_major_events_order', 'major_events', ['status', 'reported_at', 'id'])
    op.create_index('ix_documents_subject_order', 'documents', ['subject', 'kind', 'version', 'id'])


def downgrade() -> None:
    op.drop_index('ix_documents_subject_order', table_name='documents')
    op.drop_index('ix_major_events_order', table_name='major_events')
    op.drop_index('ix_process_instances_started', table_name='process_instances')
    op.drop_index('ix_tasks_scope', table_name='tasks')
    op.drop_index('ix_household_status_changes_order', table_name='household_status_changes')
    op.drop_index('ix_household_status_changes_effect', table_name='household_status_changes')
    op.drop_index('ix_households_status_scope', table_name='households')
