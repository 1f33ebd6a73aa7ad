"""submission account sums: each submission's lines summed per account, annual and by month

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import planround.models.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MONTHS = [f"m{n:02d}" for n in range(1, 13)]


def upgrade() -> None:
    money = [sa.Column(name, planround.models.types.MoneyType(precision=18, scale=2), nullable=False)
             for name in ["annual_amount", *MONTHS]]
    op.create_table('submission_account_sum',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('account_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    *money,
    sa.ForeignKeyConstraint(['account_code'], ['account.code'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
    sa.PrimaryKeyConstraint('submission_id', 'account_code')
    )
    # The submissions stored before this revision get their sums too, from their lines, in one
    # statement; the amounts are summed as stored (NUMERIC, or whole öre on SQLite) and stay exact.
    amounts = ", ".join(["annual_amount", *MONTHS])
    sums = ", ".join(f"SUM({name})" for name in ["annual_amount", *MONTHS])
    op.execute(f"INSERT INTO submission_account_sum (submission_id, account_code, {amounts}) "
               f"SELECT submission_id, account_code, {sums} FROM budget_line GROUP BY submission_id, account_code")


def downgrade() -> None:
    op.drop_table('submission_account_sum')
