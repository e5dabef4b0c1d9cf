"""Two small proxies for the tests: HTTP (absolute-URI requests and CONNECT) and SOCKS5 (CONNECT).

Each counts what it carried (``targets``: the ``host:port`` of every connection or request it made for
a client) so a test can prove that a crawl went through it. They serve loopback tests only: every
target is allowed, nothing is cached, connections are relayed byte for byte. Standard library only.
"""

from __future__ import annotations

import http.client
import http.server
import select
import socket
import socketserver
import threading
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
               "transfer-encoding", "upgrade"}


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    sockets = [a, b]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 30)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    except OSError:
        return


class _Base:
    """What both proxies share: a loopback server in a daemon thread that records its targets."""

    server: socketserver.ThreadingTCPServer

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.targets: list[str] = []
        # Connections to the sites leave from the proxy's own address: a site's request log then shows
        # which requests came through the proxy.
        self.source = (host, 0)
        self.user_agents: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(self, target: str, user_agent: str | None = None) -> None:
        with self._lock:
            self.targets.append(target)
            if user_agent:
                self.user_agents.append(user_agent)

    def start(self):
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _HttpProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_CONNECT(self) -> None:
        if not self._authorised():
            return
        host, _, port = self.path.rpartition(":")
        self.server.proxy.record(self.path)
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10,
                                                source_address=self.server.proxy.source)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        with upstream:
            _relay(self.connection, upstream)
        self.close_connection = True

    def _forward(self) -> None:
        if not self._authorised():
            return
        parts = urlsplit(self.path)
        if parts.scheme != "http" or not parts.hostname:
            self.send_error(400, "absolute http:// URL expected")
            return
        self.server.proxy.record(f"{parts.hostname}:{parts.port or 80}", self.headers.get("User-Agent"))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30,
                                              source_address=self.server.proxy.source)
        try:
            upstream.request(self.command, parts.path + (f"?{parts.query}" if parts.query else "") or "/",
                             body=body or None, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
        except OSError:
            self.send_error(502)
            return
        finally:
            upstream.close()
        self.send_response(reply.status, reply.reason)
        for name, value in reply.getheaders():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = _forward

    def _authorised(self) -> bool:
        expected = self.server.proxy.authorization
        if expected is None or self.headers.get("Proxy-Authorization") == expected:
            return True
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass


class HttpProxy(_Base):
    """An HTTP proxy; with ``user`` and ``password`` it answers 407 to requests without them."""

    def __init__(self, host: str = "127.0.0.1", user: str | None = None, password: str | None = None):
        super().__init__(host)
        self.authorization = None
        if user is not None:
            import base64

            self.authorization = "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        self.server = http.server.ThreadingHTTPServer((host, 0), _HttpProxyHandler)
        self.server.proxy = self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class _SocksHandler(socketserver.BaseRequestHandler):
    server: Any

    def handle(self) -> None:
        sock: socket.socket = self.request
        try:
            greeting = _read(sock, 2)
            _read(sock, greeting[1])  # the methods offered
            sock.sendall(b"\x05\x00")  # no authentication
            version, command, _, kind = _read(sock, 4)
            if kind == 1:
                host = socket.inet_ntop(socket.AF_INET, _read(sock, 4))
            elif kind == 4:
                host = socket.inet_ntop(socket.AF_INET6, _read(sock, 16))
            else:
                host = _read(sock, _read(sock, 1)[0]).decode("idna")
            port = int.from_bytes(_read(sock, 2), "big")
        except (OSError, ValueError):
            return
        if version != 5 or command != 1:
            sock.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return
        self.server.proxy.record(f"{host}:{port}")
        try:
            upstream = socket.create_connection((host, port), timeout=10, source_address=self.server.proxy.source)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            return
        bound_host, bound_port = upstream.getsockname()[:2]
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton(bound_host) + bound_port.to_bytes(2, "big"))
        with upstream:
            _relay(sock, upstream)


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ValueError("the client closed the connection")
        data += chunk
    return data


class Socks5Proxy(_Base):
    """A SOCKS5 proxy (CONNECT only, no authentication), as ``ssh -D`` gives."""

    def __init__(self, host: str = "127.0.0.1"):
        super().__init__(host)
        self.server = socketserver.ThreadingTCPServer((host, 0), _SocksHandler)
        self.server.proxy = self

    @property
    def url(self) -> str:
        return f"socks5://{self.host}:{self.port}"
