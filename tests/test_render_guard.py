"""The address guard covers every channel out of a rendered page, not only what ``page.route`` sees.

A fixture page on an allowed loopback address opens, towards an unlisted one (127.0.0.99, outside
TEST_ALLOW), every channel we know a page has: WebSocket (also from a frame and a worker), iframe,
object and embed, a form posted into a frame, preconnect / dns-prefetch / prefetch / prerender link
hints, speculation rules, EventSource, beacon, ``<a ping>``, workers (dedicated and shared), WebRTC
(STUN over UDP, TURN over TCP) and a pop-up. Real Chromium; the listeners count what reaches them.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
from sqlalchemy import select

from archive.models import Snapshot, Version
from crawler.demo.server import FixtureServer, Listener, Route
from crawler.pageguard import chromium_guard_args
from tests.conftest import TEST_ALLOW, company
from tests.pages import home_page
from tests.test_render import POLICY_JS, ScriptSite, _app

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching


class UdpCounter:
    """A UDP port that counts the datagrams it receives (STUN requests)."""

    def __init__(self, host: str):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recvfrom(4096)
                self.datagrams += 1
            except TimeoutError:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _spy_page(base: str, host: str, port: int, udp: int) -> tuple[str, str]:
    """(markup, script) opening every channel to ``base``; the script also fills the page's text."""
    worker = json.dumps(f"fetch('{base}/worker-fetch').catch(() => 0); new WebSocket('ws://{host}:{port}/worker-ws');")
    speculation = json.dumps({"prerender": [{"source": "list", "urls": [f"{base}/spec-prerender"]}],
                              "prefetch": [{"source": "list", "urls": [f"{base}/spec-prefetch"]}]})
    markup = (
        f'<link rel="preconnect" href="{base}"><link rel="dns-prefetch" href="{base}">'
        f'<link rel="prefetch" href="{base}/prefetch"><link rel="prerender" href="{base}/prerender">'
        f'<script type="speculationrules">{speculation}</script>'
        f'<iframe src="{base}/frame"></iframe><iframe name="sink"></iframe>'
        f'<object data="{base}/object"></object><embed src="{base}/embed">'
        f"<iframe srcdoc=\"<script>new WebSocket('ws://{host}:{port}/frame-ws')</script>\"></iframe>"
        f'<form id="f" action="{base}/form" method="post" target="sink"><input name="a" value="1"></form>'
        f'<a id="ping" href="#top" ping="{base}/ping">top</a>'
    )
    script = _app(
        f"new WebSocket('ws://{host}:{port}/socket');"
        f"new EventSource('{base}/events');"
        f"navigator.sendBeacon('{base}/beacon', 'x');"
        "document.getElementById('f').submit();"
        "document.getElementById('ping').click();"
        f"new Worker(URL.createObjectURL(new Blob([{worker}], {{type: 'text/javascript'}})));"
        "try { new SharedWorker(URL.createObjectURL(new Blob(["
        f"\"fetch('{base}/shared-worker').catch(() => 0)\"], {{type: 'text/javascript'}}))); }} catch (e) {{}}"
        "try { const pc = new RTCPeerConnection({iceServers: ["
        f"{{urls: 'stun:{host}:{udp}'}},"
        f" {{urls: 'turn:{host}:{port}?transport=tcp', username: 'u', credential: 'c'}}]}});"
        " pc.createDataChannel('x'); pc.createOffer().then(o => pc.setLocalDescription(o)); } catch (e) {}"
        f"window.open('{base}/popup');"
    ) + POLICY_JS
    return markup, script


def test_no_channel_of_a_rendered_page_reaches_an_unlisted_address(archive):
    listener = Listener("127.0.0.99").start()
    udp = UdpCounter("127.0.0.99")
    markup, script = _spy_page(listener.base_url, listener.host, listener.port, udp.port)
    site = ScriptSite({"/spa/privacy": script}, routes={
        "/": Route(body=home_page({"/spa/privacy": "Политика конфиденциальности"})),
    })
    shell = site.routes["/spa/privacy"].body
    site.routes["/spa/privacy"] = Route(body=shell.replace('<div id="app">', markup + '<div id="app">'))
    try:
        with FixtureServer(site) as server:
            archive.write_config([company("bank", server.url("/"))], render_wait=2)
            result = archive.crawl()
    finally:
        listener.stop()
        udp.stop()
    assert result.code == 0, result.out + result.err
    assert (listener.connections, udp.datagrams) == (0, 0), "a channel of the page reached 127.0.0.99"

    db = archive.db()
    with db.session() as s:
        # The plain state's rendering, not the Accept-Language probe the missing kk earns.
        (rendered,) = s.scalars(select(Snapshot).where(Snapshot.kind == "rendered", Snapshot.variant == "")).all()
        blocked = {b["url"].rsplit("/", 1)[1]: b["reason"] for b in rendered.blocked}
        versions = s.scalars(select(Version)).all()
    db.close()
    # Refused by the routes, and recorded: the page's WebSockets (its own and its frame's), the
    # frame, the posted form, what its script sends.
    assert {"socket", "frame-ws", "frame", "form", "events", "beacon", "worker-fetch"} <= set(blocked), blocked
    assert all(r.startswith("blocked_address: 127.0.0.99") for r in blocked.values())
    assert len(versions) == 1  # the page itself is archived as ever


def test_chromium_resolver_rules_refuse_non_public_literals_but_the_allow_list():
    (rules, webrtc) = chromium_guard_args(TEST_ALLOW + ["intranet.bank.kz", "fd00::1/128"],
                                          ["socks5://127.0.0.8:1080", None])
    assert rules.startswith("--host-resolver-rules=")
    assert webrtc == "--webrtc-ip-handling-policy=disable_non_proxied_udp"
    entries = rules.split("=", 1)[1].split(", ")
    for blocked in ("127.*.*.*", "10.*.*.*", "169.254.*.*", "192.168.*.*", "172.16.*.*", "172.31.*.*", "100.64.*.*",
                    "::*", "fd*:*:*", "fe8*:*:*", "localhost", "*.localhost"):
        assert f"MAP {blocked} ~NOTFOUND" in entries, blocked
    excluded = {e.removeprefix("EXCLUDE ") for e in entries if e.startswith("EXCLUDE ")}
    # The allow-list (127.0.0.2/31 is two addresses), a named host, and the proxy the user configured.
    assert excluded == {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "intranet.bank.kz",
                        "fd00::1", "127.0.0.8"}
    # No pattern can take a host name with its port ("ff*:*" would take "ffin.kz:443").
    assert not any(e.startswith("MAP ") and e.split()[1].count(":") == 1 for e in entries)
