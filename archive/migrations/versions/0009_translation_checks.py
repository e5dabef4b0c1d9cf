"""two language versions paired clause by clause, kept so reports and the UI need not align them again

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00

Keyed by the two texts' hashes (the same two texts are the same check, whichever versions carry
them) and by the checker's version: when the pairing improves, old rows are recomputed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_checks",
        sa.Column("a_sha256", sa.String(64), primary_key=True),
        sa.Column("b_sha256", sa.String(64), primary_key=True),
        sa.Column("checker", sa.String(32), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("translation_checks")
