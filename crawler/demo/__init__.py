"""The offline demo web: seven fake Kazakhstani companies, each on its own loopback address.

``start_demo_web()`` serves every directory of ``crawler/demo/sites/`` with the fixture server;
``demo_companies()`` gives the company entries a crawl of that web starts from. The expected
documents (the answer key) are listed in ``crawler/demo/sites/README.md``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.demo.server import FixtureServer, FixtureSite, Listener, Route

__all__ = [
    "DEMO_COMPANIES",
    "SITES_DIR",
    "DemoCompany",
    "DemoWeb",
    "FixtureServer",
    "FixtureSite",
    "Listener",
    "Route",
    "demo_companies",
    "start_demo_web",
]

SITES_DIR = Path(__file__).resolve().parent / "sites"


@dataclass(frozen=True)
class DemoCompany:
    id: str
    name: str
    sector: str
    host: str
    languages: tuple[str, ...] = ("kk", "ru")


# One loopback address per company, so that "same site" means "same host" as on the real web.
DEMO_COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany("qazaqpay", "QazaqPay", "FinTech", "127.0.0.2"),
    DemoCompany("dala-telecom", "Dala Telecom", "Telecom", "127.0.0.3"),
    DemoCompany("bazar", "Bazar.kz", "E-commerce", "127.0.0.4"),
    DemoCompany("tenge-finance", "Tenge Finance", "FinTech", "127.0.0.5"),
    DemoCompany("sapar-mobile", "Sapar Mobile", "Telecom", "127.0.0.6"),
    # Keeps a public archive of its old editions (RDR F2a.4 / P2a.4): an archive page and a Kazakh archive section.
    DemoCompany("aqsu-bank", "Aqsu Bank", "Banking", "127.0.0.7"),
    # Chooses the language by a cookie its switcher sets, and keeps the Kazakh privacy policy in a hidden tab.
    DemoCompany("kerey-pay", "Kerey Pay", "FinTech", "127.0.0.8"),
)

_running: list[DemoWeb] = []
_running_lock = threading.Lock()


class DemoWeb:
    """The demo companies' sites, served until ``stop()``; ``set_variant("v2")`` switches their content."""

    def __init__(self, sites_dir: Path = SITES_DIR, variant: str = "v1"):
        self.sites_dir = Path(sites_dir)
        self.sites: dict[str, FixtureSite] = {}
        self.servers: dict[str, FixtureServer] = {}
        self.urls: dict[str, str] = {}
        self._variant = variant

    def start(self) -> DemoWeb:
        if self.servers:
            return self
        try:
            for company in DEMO_COMPANIES:
                site = FixtureSite.from_dir(self.sites_dir / company.id, variant=self._variant)
                server = FixtureServer(site, host=company.host, port=0).start()
                self.sites[company.id] = site
                self.servers[company.id] = server
                self.urls[company.id] = server.base_url
        except BaseException:
            self.stop()
            raise
        with _running_lock:
            _running.append(self)
        return self

    def set_variant(self, variant: str) -> None:
        """Serve ``<page>.<variant>.html`` wherever it exists (``"v1"`` = the base files)."""
        self._variant = variant
        for site in self.sites.values():
            site.variant = variant

    def companies(self) -> list[dict[str, Any]]:
        """One entry per company: id, name, sector, homepage (its base URL + "/"), languages."""
        if not self.urls:
            raise RuntimeError("the demo web is not started: call start() or start_demo_web()")
        return [
            {
                "id": c.id,
                "name": c.name,
                "sector": c.sector,
                "homepage": self.urls[c.id] + "/",
                "languages": list(c.languages),
            }
            for c in DEMO_COMPANIES
        ]

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        self.urls.clear()
        with _running_lock:
            if self in _running:
                _running.remove(self)

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo_web(variant: str = "v1", sites_dir: Path = SITES_DIR) -> DemoWeb:
    """Start serving all demo sites (ports chosen by the system); stop it with ``stop()`` or ``with``."""
    return DemoWeb(sites_dir, variant).start()


def demo_companies(web: DemoWeb | None = None) -> list[dict[str, Any]]:
    """The companies of ``web``, or of the demo web started last in this process and still running."""
    if web is None:
        with _running_lock:
            if not _running:
                raise RuntimeError(
                    "no demo web is running: the homepages carry the ports chosen at start, "
                    "so call start_demo_web() first"
                )
            web = _running[-1]
    return web.companies()
