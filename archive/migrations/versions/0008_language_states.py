"""language states: a document is (company, URL, variant); snapshots say how they were reached

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:10:00

A site that serves Kazakh and Russian at one URL (by cookie, by Accept-Language, by a script
switcher, in hidden panels) has two documents there: ``variant`` names what selects each. Every
document and snapshot archived before 0008 was reached by its URL alone: variant "".
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sa.String(200), server_default="", nullable=False))
        batch_op.drop_constraint("uq_documents_company_url", type_="unique")
        batch_op.create_unique_constraint("uq_documents_company_url_variant", ["company_id", "url", "variant"])

    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sa.String(200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("reached", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("request_headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("request_headers")
        batch_op.drop_column("reached")
        batch_op.drop_column("variant")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_company_url_variant", type_="unique")
        batch_op.drop_column("variant")
        batch_op.create_unique_constraint("uq_documents_company_url", ["company_id", "url"])
