"""budget_line's index on round_id dropped: no query looks lines up by round alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:00:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Lines are found by their submission (ix_budget_line_submission_account), never by round alone;
    # EXPLAIN on SQLite and PostgreSQL shows no query using this index, and every stored line paid for it.
    # ix_budget_line_unit_id stays: SQLite's planner uses it for the follow-up's and consolidation's joins.
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_round_id')


def downgrade() -> None:
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index('ix_budget_line_round_id', ['round_id'], unique=False)
