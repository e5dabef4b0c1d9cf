"""Running the UI with uvicorn: the address rules (loopback by default, a token anywhere else)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import uvicorn

from archive.web.app import LOOPBACK_HOSTS, create_app
from config import Config


class TokenRequired(Exception):
    """Listening beyond loopback without ``web.token`` in the config."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_server(cfg: Config, data_dir: Path, db_url: str, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Server:
    """A uvicorn server for the UI (``server.run()`` blocks; tests run it in a thread).

    Raises TokenRequired when ``host`` is not a loopback address and the config has no ``web.token``.
    """
    token = cfg.web.token
    if not is_loopback(host) and not token:
        raise TokenRequired(f"--host {host} makes the archive reachable from other machines: set web.token in the "
                            "config (at least 16 characters), or serve on 127.0.0.1")
    # Without a token, only loopback Host headers: a page on another site cannot read the UI by DNS rebinding.
    allowed = None if token else ["127.0.0.1", "localhost", "[::1]", "::1"]
    app = create_app(cfg, data_dir, db_url, token=token, allowed_hosts=allowed)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            server_header=False, proxy_headers=False)
    return uvicorn.Server(config)


def bound_port(server: uvicorn.Server) -> int:
    """The port a started server listens on (useful with port 0)."""
    return server.servers[0].sockets[0].getsockname()[1]
