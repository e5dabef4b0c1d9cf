"""full-text search over versions on PostgreSQL (a GIN index over the 'simple' text search configuration)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:00:00

The 'simple' configuration lower-cases words and stems nothing: PostgreSQL has no Kazakh stemmer,
and a Russian one would treat Kazakh words as Russian. Words are matched as prefixes instead
(``данн:*`` finds данные, данных), as SQLite's FTS5 table of 0005 does. SQLite gets nothing here.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# archive/search.py builds the same expression: the index serves only a query that repeats it exactly.
DOCUMENT = "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || text)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_versions_search ON versions USING gin ({DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_versions_search")
