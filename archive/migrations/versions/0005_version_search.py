"""full-text search over versions (SQLite FTS5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00

On SQLite only: an external-content FTS5 table over ``versions.text`` and ``versions.title`` (the
text is stored once, in ``versions``), kept in step by triggers. ``unicode61 remove_diacritics 0``
keeps Kazakh letters (ә ғ қ ң ө ұ ү һ і) as they are: with diacritics removed, "қ" would match "к".
Other databases search with ILIKE (``archive/search.py``) and get no table here.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS_TABLE = "versions_fts"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return
    op.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, title, content='versions', "
               "content_rowid='id', tokenize='unicode61 remove_diacritics 0')")
    op.execute(f"""CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN
  INSERT INTO {FTS_TABLE}(rowid, text, title) VALUES (new.id, new.text, coalesce(new.title, ''));
END""")
    op.execute(f"""CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, title) VALUES ('delete', old.id, old.text, coalesce(old.title, ''));
END""")
    # Versions are never updated by the archive; the trigger keeps the index right if a person does.
    op.execute(f"""CREATE TRIGGER versions_fts_update AFTER UPDATE OF text, title ON versions BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, title) VALUES ('delete', old.id, old.text, coalesce(old.title, ''));
  INSERT INTO {FTS_TABLE}(rowid, text, title) VALUES (new.id, new.text, coalesce(new.title, ''));
END""")
    # The archive's existing versions: index them once.
    op.execute(f"INSERT INTO {FTS_TABLE}(rowid, text, title) SELECT id, text, coalesce(title, '') FROM versions")


def downgrade() -> None:
    if not _sqlite():
        return
    for trigger in ("versions_fts_insert", "versions_fts_delete", "versions_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
