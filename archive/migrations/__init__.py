# The newest revision in versions/: bumped with each new migration (tests/test_db.py checks it against
# Alembic's own head). An archive already there is opened without importing Alembic (archive.db.migrate).
HEAD = "0009"
