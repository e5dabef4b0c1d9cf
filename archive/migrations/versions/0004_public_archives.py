"""historical editions and where they are listed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:58:22.402067
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        # Every document archived before 0004 was found as a current document. sa.false() renders
        # 0 on SQLite and false on PostgreSQL (autogenerate wrote text('0'), which PostgreSQL refuses).
        batch_op.add_column(sa.Column("historical", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("stated_date", sa.Date(), nullable=True))

    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_on", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("listed_on")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("stated_date")
        batch_op.drop_column("historical")
