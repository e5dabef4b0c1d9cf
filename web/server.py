"""Running the UI with uvicorn: the address rules (loopback by default, a token anywhere else).

The listening socket is bound here, before uvicorn starts, so that a bad ``--host``/``--port`` is a
clear message (uvicorn would log the OS error and exit with its own code 3, which is the crawl lock's),
an IPv6 address works with or without brackets, and the real port of ``--port 0`` is known: it goes
into the Host allow-list and into the feeds' absolute links.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import uvicorn

from config import Config
from web.app import create_app
from web.context import LOOPBACK_HOSTS


class TokenRequired(Exception):
    """Listening beyond loopback without ``web.token`` in the config."""


class CannotListen(Exception):
    """The address cannot be bound: unknown host, not this machine's address, port in use, ..."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def url_host(host: str) -> str:
    """``host`` as it appears in a URL and a Host header: IPv6 literals in brackets."""
    return f"[{host}]" if _ipv6(host) else host


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if _ipv6(host) else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise CannotListen(f"cannot listen on {url_host(host)}: this machine has no IPv6 ({exc.strerror})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the backlog until uvicorn serves: the address works once printed
    except (OSError, UnicodeError) as exc:
        sock.close()
        why = getattr(exc, "strerror", None) or str(exc)
        raise CannotListen(f"cannot listen on {url_host(host)}:{port}: {why}") from None
    return sock


def base_url(host: str, port: int) -> str:
    """The UI's own address for absolute links: the bound one, or this machine's name when bound to
    every address (0.0.0.0, ::), which no other machine could use."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    return f"http://{url_host(host)}:{port}"


class UIServer(uvicorn.Server):
    """A uvicorn server on a socket bound beforehand (``socket``, ``url``)."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, url: str):
        super().__init__(config)
        self.socket, self.url = sock, url

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        await super().serve(sockets or [self.socket])


def make_server(cfg: Config, data_dir: Path, db_url: str, host: str = "127.0.0.1", port: int = 8000) -> UIServer:
    """A uvicorn server for the UI (``server.run()`` blocks; tests run it in a thread).

    Raises TokenRequired when ``host`` is not a loopback address and the config has no ``web.token``,
    CannotListen when the address cannot be bound.
    """
    host = host.strip().removeprefix("[").removesuffix("]")  # "[::1]" as in a URL, or "::1"
    token = cfg.web.token
    if not is_loopback(host) and not token:
        raise TokenRequired(f"--host {host} makes the archive reachable from other machines: set web.token in the "
                            "config (at least 16 characters), or serve on 127.0.0.1")
    sock = _listen(host, port)
    url = base_url(host, sock.getsockname()[1])
    # Without a token, only loopback Host headers and our own address: a page on another site cannot
    # read the UI by DNS rebinding.
    allowed = None if token else sorted({"127.0.0.1", "localhost", "[::1]", "::1", url_host(host).lower()})
    app = create_app(cfg, data_dir, db_url, token=token, allowed_hosts=allowed, base_url=url)
    config = uvicorn.Config(app, host=host, port=sock.getsockname()[1], log_level="warning", access_log=False,
                            server_header=False, proxy_headers=False)
    return UIServer(config, sock, url)


def bound_port(server: uvicorn.Server) -> int:
    """The port a started server listens on (useful with port 0)."""
    return server.servers[0].sockets[0].getsockname()[1]
