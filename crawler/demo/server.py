"""The fixture web: one small local HTTP server for the tests and the offline demo.

A ``FixtureSite`` answers URL paths from a directory of files plus explicit ``Route`` overrides that
name a misbehaviour (redirect, delay, wrong or missing charset, soft or hard errors...). A
``FixtureServer`` serves one site on a loopback address and an ephemeral port. A ``Listener`` accepts
TCP connections without ever answering, to prove that nothing was sent to an address.

Standard library only (``site.yaml`` is read with PyYAML, imported only by ``FixtureSite.from_dir``).
Run ``python -m crawler.demo.server DIR [HOST]`` to browse a site directory by hand.

One module on purpose, over ~400 lines: it is standard library only (a test or the demo imports it
without the rest of the package), and its parts (sites, routes, the server, the listener) share one
request model.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import http.cookies
import http.server
import re
import select
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import unquote, urlsplit

#: Written in a text body or a redirect target, replaced by the server's base URL when served, so
#: that pages can carry absolute links although the port is chosen at start.
BASE_URL_PLACEHOLDER = "{{base_url}}"
REFERER_PLACEHOLDER = "{{referer}}"

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_TEXT_TYPES = ("text/", "application/json", "application/xml", "image/svg+xml", "application/javascript")

# Variant files (privacy.v2.html) and the site's own configuration are never served at their own URL.
_HIDDEN_FILE = re.compile(r"(\.v\d+(\.[A-Za-z0-9]+)?$)|(^site\.ya?ml$)|(^\.)")


@dataclass
class Route:
    """How one URL path answers; fields left at their defaults mean "as the file would be served".

    ``file``: a file under the site root (default: the file the URL path maps to). ``body``: inline
    bytes or text instead. ``content_type``: default from the file extension (``text/html`` for a body).
    ``encode``: re-encode the UTF-8 text into this charset. ``header_charset``: the charset parameter
    of Content-Type: ``"default"`` = ``encode`` or utf-8 for text, None = no parameter, any string =
    that string, right or wrong. ``redirect``: a Location (``{{base_url}}`` allowed), status 302
    unless ``status`` says otherwise. ``etag``: send ETag and Last-Modified, answer conditional
    requests with 304. ``fail_first``: the first N requests answer ``fail_status`` (403-then-200).
    ``fail_for``: every request answers ``fail_status`` for this many seconds after the first one (a
    server that is down for a while; ``headers`` such as Retry-After go on the failures too).

    One URL in several languages, as many sites serve it: ``select`` is ``"cookie:NAME"`` (the value of
    cookie NAME) or ``"accept-language"`` (the first language of the Accept-Language header, in q order,
    that ``languages`` has); ``languages`` maps that value to a file (or inline text) served instead of
    the default. A negotiated answer says ``Content-Language`` and ``Vary: Accept-Language`` unless
    ``announce`` is false. ``redirect`` may say ``{{referer}}``: back to the page the request came from
    (a language switcher that sets a cookie and returns you where you were).
    """

    status: int = 200
    file: str | None = None
    body: bytes | str | None = None
    content_type: str | None = None
    encode: str | None = None
    header_charset: str | None | Literal["default"] = "default"
    redirect: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    # 403 to clients without the Sec-Fetch-Mode header every browser sends (as many WAFs do)
    browser_only: bool = False
    fail_first: int = 0
    fail_for: float = 0.0
    fail_status: int = 503
    select: str | None = None
    languages: dict[str, str] = field(default_factory=dict)
    announce: bool = True
    default_language: str = "ru"  # the language of the default answer (Accept-Language: ru gets it)

    @classmethod
    def from_mapping(cls, spec: Any, where: str) -> Route:
        """Build a route from a ``site.yaml`` mapping; raise ``ValueError`` naming ``where`` if it is bad."""
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: a route must be a mapping of route fields, got {spec!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"{where}: unknown route field(s) {unknown}; known fields: {sorted(known)}")
        route = cls(**spec)
        if not isinstance(route.status, int) or not 100 <= route.status <= 599:
            raise ValueError(f"{where}: status must be an HTTP status code, got {route.status!r}")
        if not isinstance(route.headers, dict):
            raise ValueError(f"{where}: headers must be a mapping, got {route.headers!r}")
        if route.select is not None and not (route.select == "accept-language" or route.select.startswith("cookie:")):
            raise ValueError(f"{where}: select must be 'cookie:NAME' or 'accept-language', got {route.select!r}")
        if route.encode is not None:
            try:
                "".encode(route.encode)
            except LookupError:
                raise ValueError(f"{where}: unknown encoding {route.encode!r}") from None
        return route


class RequestLog(NamedTuple):
    """One request as it arrived: ``headers`` keep the names as the client sent them."""

    method: str
    path: str
    headers: dict[str, str]
    client: str

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class Reply:
    """A response computed by ``FixtureSite.respond``: what the handler writes, after ``delay``."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


class FixtureSite:
    """URL path -> response, from explicit routes first and then the files under ``root``.

    File lookup for ``/ru/privacy``: ``root/ru/privacy.html``, ``root/ru/privacy/index.html``,
    ``root/ru/privacy``; ``/`` and paths ending in ``/`` use ``index.html``. The query string is
    ignored for files; a route key may include it (exact ``path?query`` is tried before ``path``).
    When ``variant`` is not ``"v1"`` and ``<stem>.<variant><suffix>`` exists next to the file, that
    file is served instead (``privacy.v2.html``), which lets content change between two crawls.
    """

    def __init__(self, root: Path | None = None, routes: dict[str, Route] | None = None, variant: str = "v1"):
        self.root = Path(root) if root is not None else None
        self.routes: dict[str, Route] = dict(routes or {})
        for key in self.routes:
            if not key.startswith("/"):
                raise ValueError(f"route {key!r} must start with '/'")
        self.requests: list[RequestLog] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._variant = variant
        # Last-Modified per path: each new body of a path gets a later second than all earlier ones,
        # so If-Modified-Since stays truthful even when the variant switches within one second.
        self._last_modified: dict[str, dict[str, int]] = {}
        self._hits: dict[str, int] = {}
        self._first_hits: dict[str, float] = {}

    @classmethod
    def from_dir(cls, root: Path, variant: str = "v1") -> FixtureSite:
        """A site serving ``root``, with the routes of ``root/site.yaml`` (``{routes: {"/path": {...}}}``)."""
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"fixture site directory {root} does not exist")
        routes: dict[str, Route] = {}
        config = root / "site.yaml"
        if config.exists():
            import yaml  # only here: the server itself is standard library only

            data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict) or set(data) - {"routes"}:
                raise ValueError(f"{config}: expected a mapping with the single key 'routes'")
            for path, spec in (data.get("routes") or {}).items():
                where = f"{config}: routes[{path!r}]"
                if not isinstance(path, str) or not path.startswith("/"):
                    raise ValueError(f"{where}: a route path must be a string starting with '/'")
                route = Route.from_mapping(spec, where)
                if route.file is not None and not (root / route.file).is_file():
                    raise ValueError(f"{where}: file {route.file!r} not found under {root}")
                routes[path] = route
        return cls(root, routes, variant)

    @property
    def variant(self) -> str:
        with self._lock:
            return self._variant

    @variant.setter
    def variant(self, value: str) -> None:
        with self._lock:
            self._variant = value

    def log(self, entry: RequestLog) -> None:
        with self._lock:
            self.requests.append(entry)

    def requested_paths(self, method: str | None = None) -> list[str]:
        """Paths (with query) requested so far, in arrival order, optionally of one method only."""
        with self._lock:
            return [r.path for r in self.requests if method is None or r.method == method]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.errors.clear()

    # --- answering -------------------------------------------------------------------------------

    def respond(self, method: str, target: str, request_headers: Any, base_url: str) -> Reply:
        """The reply to ``method target``; ``request_headers`` is any mapping with ``.get``."""
        try:
            return self._respond(target, request_headers, base_url)
        except Exception as exc:  # a broken fixture must show in the test, not kill the server thread
            message = f"fixture error for {method} {target}: {exc!r}"
            with self._lock:
                self.errors.append(message)
            return _page(500, html.escape(message))

    def _respond(self, target: str, request_headers: Any, base_url: str) -> Reply:
        path = urlsplit(target).path or "/"
        key = target if target in self.routes else path
        route = self.routes.get(key)
        if route is None:
            route = Route()
        if route.browser_only and not request_headers.get("Sec-Fetch-Mode"):
            return self._finish(_page(403, "Please use a browser."), route)
        if route.fail_first and self._count_hit(key) <= route.fail_first:
            return self._finish(_page(route.fail_status), route)
        if route.fail_for and time.monotonic() - self._first_hit(key) < route.fail_for:
            return self._finish(_page(route.fail_status), route)
        if route.redirect is not None:
            status = 302 if route.status == 200 else route.status
            location = route.redirect.replace(BASE_URL_PLACEHOLDER, base_url)
            location = location.replace(REFERER_PLACEHOLDER, request_headers.get("Referer") or base_url + "/")
            reply = _page(status, f'Moved to <a href="{html.escape(location)}">{html.escape(location)}</a>')
            reply.headers.append(("Location", location))
            return self._finish(reply, route)

        chosen = _selected_language(route, request_headers)
        if chosen is not None and self.root is not None and (self.root / route.languages[chosen]).is_file():
            route = replace(route, file=route.languages[chosen], body=None)
        elif chosen is not None:
            route = replace(route, body=route.languages[chosen])
        if route.body is not None:
            raw = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
            content_type = route.content_type or "text/html"
        else:
            if route.file is not None:
                if self.root is None:
                    raise FileNotFoundError(f"route file {route.file!r} but the site has no root directory")
                file = self._variant_of(self.root / route.file)
                if not file.is_file():
                    raise FileNotFoundError(f"route file {route.file!r} not found under {self.root}")
            else:
                found = self._find_file(path)
                if found is None:
                    return self._finish(_page(404 if route.status == 200 else route.status), route)
                file = found
            raw = file.read_bytes()
            guessed = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
            content_type = route.content_type or guessed

        is_text = content_type.lower().startswith(_TEXT_TYPES)
        if is_text:
            raw = raw.replace(BASE_URL_PLACEHOLDER.encode(), base_url.encode())
            if route.encode is not None:
                raw = raw.decode("utf-8").encode(route.encode)
        charset = route.header_charset
        if charset == "default":
            charset = (route.encode or "utf-8") if is_text else None
        if charset and "charset=" not in content_type.lower():
            content_type = f"{content_type}; charset={charset}"
        reply = Reply(route.status, [("Content-Type", content_type)], raw)
        if route.select == "accept-language" and route.announce:
            reply.headers += [("Vary", "Accept-Language"), ("Content-Language", chosen or route.default_language)]

        if route.etag and 200 <= route.status < 300:
            etag = '"' + hashlib.sha256(raw).hexdigest() + '"'
            modified = self._modified_at(path, etag)
            validators = [("ETag", etag), ("Last-Modified", email.utils.formatdate(modified, usegmt=True))]
            if _not_modified(request_headers, etag, modified):
                return self._finish(Reply(304, validators, b""), route)
            reply.headers.extend(validators)
        return self._finish(reply, route)

    def _finish(self, reply: Reply, route: Route) -> Reply:
        for name, value in route.headers.items():
            reply.headers = [(k, v) for k, v in reply.headers if k.lower() != name.lower()]
            reply.headers.append((name, str(value)))
        reply.delay = route.delay
        return reply

    def _find_file(self, path: str) -> Path | None:
        if self.root is None:
            return None
        parts = [p for p in unquote(path).split("/") if p]
        if any(p in (".", "..") or "\\" in p or _HIDDEN_FILE.search(p) for p in parts):
            return None
        base = self.root.joinpath(*parts)
        if not parts or path.endswith("/"):
            candidates = [base / "index.html"]
        else:
            candidates = [base.with_name(base.name + ".html"), base / "index.html", base]
        for candidate in candidates:
            if candidate.is_file():
                return self._variant_of(candidate)
        return None

    def _variant_of(self, file: Path) -> Path:
        variant = self.variant
        if variant == "v1":
            return file
        candidate = file.with_name(f"{file.stem}.{variant}{file.suffix}")
        return candidate if candidate.is_file() else file

    def _first_hit(self, key: str) -> float:
        with self._lock:
            return self._first_hits.setdefault(key, time.monotonic())

    def _count_hit(self, key: str) -> int:
        with self._lock:
            self._hits[key] = self._hits.get(key, 0) + 1
            return self._hits[key]

    def _modified_at(self, path: str, etag: str) -> int:
        with self._lock:
            seen = self._last_modified.setdefault(path, {})
            if etag not in seen:
                seen[etag] = max([int(time.time())] + [t + 1 for t in seen.values()])
            return seen[etag]


def _selected_language(route: Route, request_headers: Any) -> str | None:
    """The key of ``route.languages`` this request selects (see Route), or None for the default answer."""
    if not route.select or not route.languages:
        return None
    if route.select.startswith("cookie:"):
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(request_headers.get("Cookie") or "")
        except http.cookies.CookieError:
            return None
        morsel = cookies.get(route.select.split(":", 1)[1])
        return morsel.value if morsel is not None and morsel.value in route.languages else None
    ranked = []
    for n, part in enumerate((request_headers.get("Accept-Language") or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, n, tag.strip().lower().split("-")[0]))
    for _, _, language in sorted(ranked):
        if language == route.default_language:
            return None
        if language in route.languages:
            return language
    return None


def _not_modified(request_headers: Any, etag: str, modified: int) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def _page(status: int, message: str | None = None) -> Reply:
    try:
        title = "Not found" if status == 404 else f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        title = f"{status} Status"
    if message is None:
        message = "The requested page does not exist." if status == 404 else title
    body = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1><p>{message}</p></body></html>\n"
    ).encode()
    return Reply(status, [("Content-Type", "text/html; charset=utf-8")], body)


# --- serving -------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture-web/1"
    sys_version = ""
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _refuse(self) -> None:
        self._log()
        self._write(_page(405), send_body=True)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _log(self) -> None:
        headers = dict(self.headers.items())
        self.server.site.log(RequestLog(self.command, self.path, headers, self.client_address[0]))

    def _serve(self, send_body: bool) -> None:
        self._log()
        reply = self.server.site.respond(self.command, self.path, self.headers, self.server.base_url)
        if reply.delay:
            time.sleep(reply.delay)  # the misbehaviour itself, on this request's own thread
        self._write(reply, send_body)

    def _write(self, reply: Reply, send_body: bool) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.status not in (204, 304):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if send_body and reply.status not in (204, 304):
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass  # quiet: tests read FixtureSite.requests instead


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: FixtureSite):
        self.site = site
        self.base_url = ""
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    # Open connections are tracked so that stop() can cut keep-alive clients off: after stop()
    # nothing more is answered, as when a real site goes down.
    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self.connections_lock:
            self.open_connections.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self.connections_lock:
            conns, self.open_connections = self.open_connections, set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can hang offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _bind_error(host: str, exc: OSError) -> OSError:
    return OSError(
        f"cannot listen on {host}: {exc}. Linux routes all of 127.0.0.0/8 to loopback; on macOS add the "
        f"alias first: sudo ifconfig lo0 alias {host} up"
    )


class FixtureServer:
    """Serves one ``FixtureSite`` on ``host`` in a daemon thread; ``port=0`` picks a free port."""

    def __init__(self, site: FixtureSite, host: str = "127.0.0.1", port: int = 0):
        self.site = site
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` without a trailing slash; available once started (and after stop)."""
        if self._base_url is None:
            raise RuntimeError("FixtureServer is not started: call start() or use it as a context manager")
        return self._base_url

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> FixtureServer:
        if self._httpd is not None:
            return self
        try:
            httpd = _HTTPServer((self.host, self.port), self.site)
        except OSError as exc:
            raise _bind_error(self.host, exc) from exc
        self.port = httpd.server_port
        httpd.base_url = self._base_url = f"http://{self.host}:{self.port}"
        self._httpd = httpd
        # A short poll interval keeps stop() fast; it is not used to wait for anything.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fixture-{httpd.base_url}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_open_connections()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Listener:
    """A TCP port that accepts connections, counts them, and closes them without a byte of answer.

    Read ``connections`` after ``stop()`` for the final count: ``stop()`` also counts connections
    still waiting in the kernel's backlog.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._connections = 0
        self._changed = threading.Condition()
        self._sock: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None

    @property
    def connections(self) -> int:
        with self._changed:
            return self._connections

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def wait_for_connection(self, timeout: float = 5.0) -> bool:
        """True as soon as one connection has arrived; False after ``timeout`` seconds without."""
        with self._changed:
            return self._changed.wait_for(lambda: self._connections > 0, timeout)

    def _count(self, conn: socket.socket) -> None:
        with self._changed:
            self._connections += 1
            self._changed.notify_all()
        conn.close()

    def start(self) -> Listener:
        if self._sock is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise _bind_error(self.host, exc) from exc
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"listener-{self.base_url}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        assert self._sock is not None and self._wake is not None
        while True:
            readable, _, _ = select.select([self._sock, self._wake[0]], [], [])
            if self._wake[0] in readable:
                return
            conn, _ = self._sock.accept()
            self._count(conn)

    def stop(self) -> None:
        if self._sock is None or self._wake is None:
            return
        self._wake[1].send(b"x")
        if self._thread is not None:
            self._thread.join()
        self._sock.setblocking(False)
        while True:
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, OSError):
                break
            self._count(conn)
        self._sock.close()
        for end in self._wake:
            end.close()
        self._sock = self._wake = self._thread = None

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.demo.server DIR [HOST [PORT]]``: serve one site directory until Ctrl-C."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m crawler.demo.server DIR [HOST [PORT]]", file=sys.stderr)
        return 2
    host = args[1] if len(args) > 1 else "127.0.0.1"
    port = int(args[2]) if len(args) > 2 else 0
    with FixtureServer(FixtureSite.from_dir(Path(args[0])), host, port) as server:
        print(f"serving {args[0]} at {server.base_url}/ (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
