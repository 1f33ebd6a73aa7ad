"""the system owner (systemägare) role, who approves role changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:20:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite keeps the role as plain text; PostgreSQL's enum type needs the value, and
    # ALTER TYPE ... ADD VALUE must run outside a transaction block.
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'system_owner'")


def downgrade() -> None:
    # PostgreSQL cannot drop one value of an enum type; the assignments go, the value stays unused.
    op.execute("DELETE FROM role_assignment WHERE role = 'system_owner'")
