"""indexes for consolidation: budget lines by submission and account, actuals covering their sums

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each new index starts with the columns of the one it replaces, so every lookup the old
    # one served it serves too, and an insert still maintains one index, not two.
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_submission_id')
        batch_op.create_index('ix_budget_line_submission_account', ['submission_id', 'account_code'], unique=False)
    with op.batch_alter_table('actual', schema=None) as batch_op:
        batch_op.drop_index('ix_actual_unit_period')
        batch_op.create_index('ix_actual_unit_period_account', ['unit_id', 'period', 'account_code', 'amount'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('actual', schema=None) as batch_op:
        batch_op.drop_index('ix_actual_unit_period_account')
        batch_op.create_index('ix_actual_unit_period', ['unit_id', 'period'], unique=False)
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_submission_account')
        batch_op.create_index('ix_budget_line_submission_id', ['submission_id'], unique=False)
