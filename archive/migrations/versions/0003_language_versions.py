"""language hints and alternates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:36:38.609415
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language_hint", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("alternate_of", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("alternate_of")
        batch_op.drop_column("language_hint")
