"""rendered snapshots, screenshots, blocked requests, OCR

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:02:34.041143
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("render_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("screenshot_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("blocked", sa.JSON(), nullable=True))
        batch_op.create_foreign_key("fk_snapshots_parent_id", "snapshots", ["parent_id"], ["id"])

    with op.batch_alter_table("versions", schema=None) as batch_op:
        # Versions archived before OCR existed all came from a text layer.
        batch_op.add_column(sa.Column("method", sa.String(length=16), nullable=False, server_default="text"))



def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("method")

    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_constraint("fk_snapshots_parent_id", type_="foreignkey")
        batch_op.drop_column("blocked")
        batch_op.drop_column("screenshot_sha256")
        batch_op.drop_column("render_reason")
        batch_op.drop_column("parent_id")

