"""Alembic environment: the connection comes from archive.db, never from an ini file."""

from alembic import context

from archive.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through archive.db.open_database(), which passes a connection")


def include_name(name, type_, _parent_names) -> bool:
    """The FTS5 index (0005, SQLite only) and its shadow tables are not models: autogenerate skips them."""
    return not (type_ == "table" and name and name.startswith("versions_fts"))


context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
