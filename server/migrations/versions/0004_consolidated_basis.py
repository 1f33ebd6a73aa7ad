"""consolidated workbooks made when asked for: the fingerprint of what each version shows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 19:35:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Versions stored before the fingerprint have none, so the next request makes a fresh one.
    with op.batch_alter_table('consolidated_workbook', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consolidated_workbook', schema=None) as batch_op:
        batch_op.drop_column('basis')
