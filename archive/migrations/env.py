"""Alembic environment: the connection comes from archive.db, never from an ini file."""

from alembic import context

from archive.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through archive.db.open_database(), which passes a connection")


def include_name(name, type_, _parent_names) -> bool:
    """The search indexes are not models: autogenerate skips them (0005's FTS5 table and its shadow
    tables on SQLite, 0007's GIN index on PostgreSQL)."""
    return not ((type_ == "table" and name and name.startswith("versions_fts"))
                or (type_ == "index" and name == "ix_versions_search"))


context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
