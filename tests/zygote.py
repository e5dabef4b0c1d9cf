"""The suite's CLI runs, forked from a process that imported the CLI once (issue 15: the test suite's time).

Most of a small CLI run in a test is the interpreter importing Scrapy, Twisted, SQLAlchemy, trafilatura and
our rooms (~1–1.5 s, CPU-bound); the suite runs the CLI a few hundred times a pass. ``Archive.cli``
(tests/conftest.py) asks this module instead of starting ``python -m commands.cli``: a zygote process
(``python -m tests.zygote``) imports the CLI's modules once, then forks for each run. The fork becomes the
CLI process exactly as a fresh one would be: its own session, the run's environment, working directory,
stdin from /dev/null, stdout and stderr to files, ``commands.cli.main(argv)``, then what an interpreter does
at exit (non-daemon threads joined, atexit handlers) and the exit status. Nothing of ours is replaced: the
run is the real CLI in a process of its own; only the imports were done before.

The zygote never installs a Twisted reactor (it fails loudly if an import did): each run installs its own,
as a fresh process does. Runs that need a fresh process for what they test (a ``preexec_fn`` that limits
it, crawls the test acts on while they run: ``Archive.start_crawl``) still start one.

Protocol, one connection a run on a Unix socket: the client sends one JSON line
``{"argv", "env", "cwd", "out", "err"}``; the zygote forks a watcher that forks the run, answers
``{"pid": run's pid}`` then ``{"status": exit status}`` (negative: killed by that signal).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PRELOAD = ("commands.cli", "crawler.run", "crawler.settings", "crawler.proxy", "crawler.render", "crawler.pipeline",
           "spiders.policy", "scrapy.crawler", "reports.render", "reports.render_changes", "exports.warc",
           "trafilatura", "alembic.command", "alembic.config")  # (imported on first use by the CLI)


# ------------------------------------------------------------------------------------------ the zygote


def _run(request: dict) -> None:
    """In the run's process: become a fresh CLI process and run it; never returns."""
    status = 1
    try:
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["out"]), (2, request["err"])):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
        sys.argv = [sys.argv[0], *request["argv"]]
        from commands.cli import main

        try:
            status = main(request["argv"])
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, int) and exc.code is not None:
                print(exc.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - a traceback, as the interpreter would print it
            import traceback

            traceback.print_exc()
            status = 1
        # What the interpreter does at exit: wait for non-daemon threads, then the atexit handlers.
        threading._shutdown()  # noqa: SLF001
        atexit._run_exitfuncs()  # noqa: SLF001
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream has nothing left to write
                pass
        os._exit(status if isinstance(status, int) else 1)


def _watch(conn: socket.socket, request: dict) -> None:
    """In the watcher (a child of the zygote): start the run, tell its pid, wait, tell its exit status."""
    status = 70
    try:
        pid = os.fork()
        if pid == 0:
            conn.close()
            _run(request)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        conn.sendall(json.dumps({"status": status}).encode() + b"\n")
    finally:
        os._exit(0)


def serve(path: str) -> None:
    for module in PRELOAD:
        __import__(module)
    if "twisted.internet.reactor" in sys.modules:
        raise SystemExit("tests.zygote: an import installed a Twisted reactor; runs could not install theirs")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # watchers are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        request = json.loads(conn.makefile("rb").readline())
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the watcher waits for its run
            _watch(conn, request)
        conn.close()


# ------------------------------------------------------------------------------------------ the client


@dataclass
class Ran:
    code: int
    out: str
    err: str


class Zygote:
    """The test process's handle on one zygote, started on first use and stopped at exit."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="policy-archive-zygote-")
        self.path = str(Path(self.dir, "socket"))
        repo = str(Path(__file__).resolve().parent.parent)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.zygote", self.path], cwd=repo,
                                     env={**os.environ, "PYTHONPATH": repo}, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("tests.zygote did not start")
        self.count = 0
        atexit.register(self.stop)

    def run(self, argv: list[str], env: dict[str, str], cwd: str, timeout: float) -> Ran:
        self.count += 1
        out, err = (str(Path(self.dir, f"{self.count}-{threading.get_ident()}.{n}")) for n in ("out", "err"))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.path)
            conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd, "out": out, "err": err}).encode() + b"\n")
            answers = conn.makefile("rb")
            pid = json.loads(answers.readline())["pid"]
            conn.settimeout(timeout)
            started = time.monotonic()
            try:
                status = json.loads(answers.readline())["status"]
            except TimeoutError:
                os.killpg(pid, signal.SIGKILL)  # the run leads its session: its children go too
                raise subprocess.TimeoutExpired(argv, time.monotonic() - started) from None
        texts = []
        for path in (out, err):
            texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
            os.unlink(path)
        return Ran(status, *texts)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass


_zygote: Zygote | None = None


def zygote() -> Zygote:
    global _zygote
    if _zygote is None or _zygote.proc.poll() is not None:
        _zygote = Zygote()
    return _zygote


if __name__ == "__main__":
    serve(sys.argv[1])
