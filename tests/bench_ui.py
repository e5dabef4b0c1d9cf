"""The web UI on a large archive: seed one directly through the models, then time the main pages.

    python -m tests.bench_ui [--documents 10000] [--snapshots 100000] [--requests 40]

The archive is synthetic but shaped like a real campaign's: companies with terms, offers, privacy
policies and more in kk/ru/en, each document captured many times (most captures unchanged), a few
versions per document whose texts differ by a clause or two (classified when seeded, as the crawl
does when it records them), and some failed captures. Requests go
through the real ASGI app (Starlette's test client): the figures are the server's time per page.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import insert
from sqlalchemy import text as sql

from archive.blobs import BlobStore
from archive.changelog import DIFFER, summarise
from archive.db import Database, database_url
from archive.models import Document, Run, Snapshot, TextChange, Version
from diffing import diff

TYPES = ("terms_of_service", "public_offer", "privacy_policy", "code_of_conduct", "cookie_policy")
LANGS = ("ru", "kk", "en")
SECTORS = ("FinTech", "Telecom", "E-commerce")
CLAUSE = {
    "ru": "{n}. Оператор обрабатывает персональные данные пользователя в целях оказания услуг, "
          "предусмотренных настоящим договором, и хранит их не дольше {d} дней.",
    "kk": "{n}. Оператор пайдаланушының дербес деректерін осы шартта көзделген қызметтерді көрсету "
          "мақсатында өңдейді және оларды {d} күннен артық сақтамайды.",
    "en": "{n}. The operator processes the user's personal data to provide the services set out in "
          "this agreement and keeps it for no longer than {d} days.",
}


def _text(lang: str, seed: int, edition: int, clauses: int = 30) -> str:
    """A policy text; a later edition changes two clauses' figures."""
    days = [30 + (seed * 7 + n) % 60 for n in range(clauses)]
    for k in range(edition):
        days[(seed + 11 * k) % clauses] += 100 * (k + 1)
        days[(seed + 5 * k + 3) % clauses] += 1000 * (k + 1)
    return "\n".join(CLAUSE[lang].format(n=n + 1, d=d) for n, d in enumerate(days))


def seed(root: Path, *, companies: int, documents: int, snapshots: int, versions_per_document: int = 3,
         rng_seed: int = 5, url: str | None = None) -> tuple[Path, Path]:
    """Write a config and fill an archive (database and a few blobs) under ``root``; return both paths."""
    rng = random.Random(rng_seed)
    config, data = root / "companies.yaml", root / "data"
    per_company = max(1, documents // companies)
    today = date.today()
    ids = [f"co{i:03d}" for i in range(companies)]
    config.write_text(yaml.safe_dump({
        "campaigns": [{"name": str(today.year), "start": str(today - timedelta(days=60)),
                       "end": str(today + timedelta(days=30))}],
        "companies": [{"id": cid, "name": f"Company {i}", "sector": SECTORS[i % 3],
                       "homepage": f"https://{cid}.example.kz/"} for i, cid in enumerate(ids)],
    }, sort_keys=False), encoding="utf-8")
    db = Database(url or database_url(data))
    blobs = BlobStore(data / "blobs")
    bodies = [blobs.put(f"<html><body>page {n}</body></html>".encode())[0] for n in range(50)]
    captures = max(versions_per_document, snapshots // (per_company * companies))
    start = datetime.combine(today - timedelta(days=captures), datetime.min.time())
    doc_rows, snap_rows, version_rows, change_rows = [], [], [], {}
    with db.session() as session:
        session.execute(insert(Run), [{"id": r + 1, "started_at": start + timedelta(days=r), "status": "completed",
                                       "finished_at": start + timedelta(days=r, hours=1), "exit_code": 0}
                                      for r in range(captures)])
        doc_id = snap_id = version_id = 0
        for cid in ids:
            for k in range(per_company):
                doc_id += 1
                doc_type, lang = TYPES[(k // 3) % len(TYPES)], LANGS[k % 3]
                url = f"https://{cid}.example.kz/{lang}/docs/{doc_type}/{k // 15}"
                doc_rows.append({"id": doc_id, "company_id": cid, "url": url, "doc_type": doc_type,
                                 "language": lang, "title": f"{doc_type} {k}", "first_seen": start,
                                 "last_captured": start + timedelta(days=captures - 1), "status": "available",
                                 "depth": 1 + k % 3,
                                 "link_path": [{"url": f"https://{cid}.example.kz/", "text": "home"}]})
                editions = sorted(rng.sample(range(1, captures), versions_per_document - 1))
                edition = 0
                for c in range(captures):
                    snap_id += 1
                    fetched = start + timedelta(days=c, minutes=k)
                    failed = rng.random() < 0.02
                    new = c == 0 or (edition < len(editions) and c == editions[edition])
                    snap_rows.append({
                        "id": snap_id, "run_id": c + 1, "company_id": cid, "document_id": doc_id, "role": "document",
                        "url": url, "final_url": url, "status_code": 503 if failed else 200, "fetched_at": fetched,
                        "content_type": "text/html; charset=utf-8", "size": 40,
                        "sha256": None if failed else bodies[doc_id % len(bodies)], "depth": 1 + k % 3,
                        "outcome": "failed" if failed else ("new" if new else "unchanged"),
                        "failure": "http_503" if failed else None, "kind": "server",
                    })
                    if new and not failed:
                        if c:
                            edition += 1
                        version_id += 1
                        text = _text(lang, doc_id, edition)
                        digest = hashlib.sha256(text.encode()).hexdigest()
                        if c:  # what the recorder does with a new version: classify the change once
                            result = summarise(diff(version_rows[-1]["text"], text))
                            change_rows[(version_rows[-1]["text_sha256"], digest)] = {
                                "old_sha256": version_rows[-1]["text_sha256"], "new_sha256": digest,
                                "differ": DIFFER, "kind": result.pop("kind"), "summary": result}
                        version_rows.append({
                            "id": version_id, "document_id": doc_id, "snapshot_id": snap_id, "captured_at": fetched,
                            "text": text, "text_sha256": digest,
                            "title": f"{doc_type} {k}", "language": lang, "language_confidence": 0.99,
                            "detector": "seed", "extractor": "seed", "method": "text", "technical": False,
                        })
        for model, rows in ((Document, doc_rows), (Snapshot, snap_rows), (Version, version_rows),
                            (TextChange, list(change_rows.values()))):
            for n in range(0, len(rows), 5000):
                session.execute(insert(model), rows[n:n + 5000])
        if session.get_bind().dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("runs", "documents", "snapshots", "versions"):
                session.execute(sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
        session.commit()
    db.close()
    return config, data


def _time(client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return times


def _p(times: list[float], q: float) -> float:
    return sorted(times)[min(len(times) - 1, int(q * len(times)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    from starlette.testclient import TestClient

    from config import load_config
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        config, data = seed(Path(tmp), companies=args.companies, documents=args.documents, snapshots=args.snapshots)
        size = (data / "archive.sqlite3").stat().st_size / 2**20
        print(f"seeded {args.documents:,} documents, {args.snapshots:,} snapshots in "
              f"{time.monotonic() - started:.1f} s ({size:.0f} MB database)")
        app = create_app(load_config(config), data, database_url(data))
        rng = random.Random(1)
        docs = [rng.randint(1, args.documents) for _ in range(args.requests)]
        db = Database(database_url(data))
        with db.session() as session:
            from sqlalchemy import select
            pairs = []
            for d in docs:
                ids = list(session.scalars(select(Version.id).where(Version.document_id == d).order_by(Version.id)))
                pairs.append((ids[0], ids[-1]))
        db.close()
        pages = {
            "overview": ["/"] * args.requests,
            "company": [f"/company/co{rng.randrange(args.companies):03d}" for _ in range(args.requests)],
            "document": [f"/document/{d}" for d in docs],
            "version": [f"/version/{a}" for a, _ in pairs],
            "diff": [f"/diff?a={a}&b={b}" for a, b in pairs],
            "search": [f"/search?q={w}" for w in rng.choices(["персональные", "деректерін", "operator", "1042"],
                                                            k=args.requests)],
            "feed": ["/feed.atom"] * max(5, args.requests // 4),
        }
        print(f"\n{'page':<10}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'first ms':>10}")
        with TestClient(app) as client:
            for name, paths in pages.items():
                times = _time(client, paths)
                print(f"{name:<10}{len(times):>9}{_p(times, 0.5):>9.0f}{_p(times, 0.95):>9.0f}{times[0] * 1000:>10.0f}")


if __name__ == "__main__":
    main()
