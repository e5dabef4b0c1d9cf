"""classified changes between two texts, kept so reports and the UI need not diff them again

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00

Keyed by the two texts' hashes (a change between the same two texts is the same change, whichever
versions carry them) and by the differ's version: when diffing improves, old rows are recomputed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_changes",
        sa.Column("old_sha256", sa.String(64), primary_key=True),
        sa.Column("new_sha256", sa.String(64), primary_key=True),
        sa.Column("differ", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("text_changes")
