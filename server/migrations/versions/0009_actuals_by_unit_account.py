"""actuals indexed by unit, account and period: the order their yearly sums are grouped in

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:00:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Actuals are summed GROUP BY unit and account over a year's periods: with the account before
    # the period, the index yields them in that order and the database need not sort them.
    with op.batch_alter_table('actual', schema=None) as batch_op:
        batch_op.drop_index('ix_actual_unit_period_account')
        batch_op.create_index('ix_actual_unit_account_period', ['unit_id', 'account_code', 'period', 'amount'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('actual', schema=None) as batch_op:
        batch_op.drop_index('ix_actual_unit_account_period')
        batch_op.create_index('ix_actual_unit_period_account', ['unit_id', 'period', 'account_code', 'amount'],
                              unique=False)
