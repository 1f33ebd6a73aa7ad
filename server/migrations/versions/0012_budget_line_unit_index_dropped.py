"""budget_line's index on unit_id dropped: lines are found by their submission, never by unit alone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:10:00
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every query on budget_line filters by submission_id (ix_budget_line_submission_account) and reaches
    # org_unit from the line by its primary key. EXPLAIN of the consolidation's and follow-up's joins
    # (600,000 lines, 300 submissions; SQLite, and PostgreSQL after ANALYZE) uses this index for none of
    # them, for one, ten or all submissions; 0010's note that SQLite's planner used it no longer holds
    # now that lines are found by submission. Every stored line paid for it: 10,000 lines on SQLite,
    # 30 -> 23 ms to insert.
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_unit_id')


def downgrade() -> None:
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index('ix_budget_line_unit_id', ['unit_id'], unique=False)
