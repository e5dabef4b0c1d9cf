"""``make bench``: crawl a generated web of static policy pages on loopback and print the figures.

    python -m tests.bench [--docs 500] [--hosts 10] [--kb 58]

Three crawls of the same web: first, unchanged, and with 10% of the documents changed. Prints
documents/second, peak memory of the crawl process, bytes stored, and versions found.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import Archive, company
from tests.pages import RU_CLAUSES, home_page, policy_page

TYPES = ["Публичная оферта", "Политика конфиденциальности", "Пользовательское соглашение",
         "Политика обработки персональных данных", "Кодекс деловой этики"]


def _document(host: int, n: int, kb: int, edition: int = 1) -> str:
    rng = random.Random(host * 100_000 + n)
    clauses = []
    while sum(len(c) for c in clauses) * 2 < kb * 1024:  # Cyrillic is 2 bytes a letter in UTF-8
        clause = rng.choice(RU_CLAUSES)
        clauses.append(f"{clause} (раздел {len(clauses) + 1}, редакция {edition}, документ {n})")
    return policy_page(f"{TYPES[n % len(TYPES)]} № {n}", clauses)


def build_web(hosts: int, docs_per_host: int, kb: int) -> list[FixtureSite]:
    sites = []
    for h in range(hosts):
        links = {f"/docs/{n}": f"{TYPES[n % len(TYPES)]} № {n}" for n in range(docs_per_host)}
        routes = {
            "/": Route(body=home_page({"/documents/": "Документы"})),
            "/documents/": Route(body=home_page(links, title="Документы")),
        }
        routes.update({f"/docs/{n}": Route(body=_document(h, n, kb)) for n in range(docs_per_host)})
        sites.append(FixtureSite(routes=routes))
    return sites


def _crawl(archive: Archive) -> dict:
    started = time.monotonic()
    result = archive.crawl(timeout=3600)
    wall = time.monotonic() - started
    if result.code not in (0, 1):
        raise SystemExit(f"crawl failed ({result.code}):\n{result.err[-2000:]}")
    record = json.loads(sorted((archive.data / "runs").glob("run-*.json"))[-1].read_text())
    record["wall"] = wall
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--kb", type=int, default=58)
    args = parser.parse_args()
    per_host = args.docs // args.hosts
    docs = per_host * args.hosts
    sites = build_web(args.hosts, per_host, args.kb)
    # Distinct loopback addresses are distinct hosts, as companies' sites are.
    servers = [FixtureServer(site, host=f"127.0.1.{i + 1}").start() for i, site in enumerate(sites)]
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            archive = Archive(Path(tmp))
            archive.write_config([company(f"c{i}", s.url("/")) for i, s in enumerate(servers)],
                                 allow=["127.0.1.0/24"], max_pages_per_company=per_host + 10,
                                 concurrent_requests=32, concurrent_per_host=8)
            first = _crawl(archive)
            rows.append(("first crawl", first))
            second = _crawl(archive)
            rows.append(("unchanged re-crawl", second))
            changed = random.Random(7).sample(range(docs), docs // 10)
            for k in changed:
                h, n = divmod(k, per_host)
                sites[h].routes[f"/docs/{n}"] = Route(body=_document(h, n, args.kb, edition=2))
            third = _crawl(archive)
            rows.append((f"{len(changed)} documents changed", third))
    finally:
        for server in servers:
            server.stop()

    print(f"\n{docs} documents of ~{args.kb} KB on {args.hosts} hosts (+{2 * args.hosts} homepages and hubs)\n")
    print(f"{'crawl':<26}{'seconds':>9}{'docs/s':>9}{'new versions':>14}{'bytes stored':>15}{'peak RSS MB':>13}")
    for label, r in rows:
        print(f"{label:<26}{r['seconds']:>9.2f}{docs / r['seconds']:>9.1f}{r['new_versions']:>14}"
              f"{r['bytes_stored']:>15,}{r['peak_rss_mb']:>13.1f}")
    print(f"\nunchanged re-crawl took {second['seconds'] / first['seconds']:.0%} of the first crawl's time; "
          f"the 10% change found {third['new_versions']} versions for {len(changed)} changed documents")


if __name__ == "__main__":
    main()
