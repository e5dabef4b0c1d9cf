"""A throwaway PostgreSQL server for the test suite (Debian's ``postgresql`` package, installed by
``scripts/setup.sh test``): its own cluster in a temporary folder, listening only on a Unix socket
there, stopped and deleted at the end. Each archive a test makes gets its own database.

``python -m tests.pg -- CMD ...`` runs CMD with ``POLICY_ARCHIVE_TEST_PG`` set to the server's URL
(what ``make test`` does for the suite's second pass, on PostgreSQL).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ENV = "POLICY_ARCHIVE_TEST_PG"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"PostgreSQL's {name} is not installed: run `bash scripts/setup.sh test`")
    return found[-1]


class Server:
    """initdb + pg_ctl as an unprivileged user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="policy-archive-pg-"))
        self.data, self.socket = self.root / "data", self.root / "run"
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self.socket.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.root, self.socket):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
                  "-w", "start")
        return f"postgresql+psycopg://postgres@/postgres?host={self.socket}"

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def new_database(server_url: str, copy_of: str | None = None) -> str:
    """A fresh database on the test server, empty or a copy of the database at URL ``copy_of`` (no one may be
    connected to that one meanwhile); its SQLAlchemy URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    host = server_url.split("host=", 1)[1]
    template = f' TEMPLATE "{copy_of.split("?")[0].rsplit("/", 1)[1]}"' if copy_of else ""
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    return server_url.replace("/postgres?", f"/{name}?")


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:] if "--" in argv else argv
    server = Server()
    url = server.start()
    print(f"tests.pg: PostgreSQL running for the suite ({url})", flush=True)
    try:
        return subprocess.run(command, env={**os.environ, ENV: url}).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
