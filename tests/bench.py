"""``make bench``: crawl a generated web of static policy pages on loopback and print the figures.

    python -m tests.bench [--docs 1000] [--hosts 100] [--kb 58]
    python -m tests.bench --render 200

Three crawls of the same web (policy pages of ~58 KB, every tenth a PDF): first, unchanged, and
with 10% of the documents changed. ``--render N``: N app-shell pages that only Chromium shows. Prints
documents/second, peak memory of the crawl process, bytes stored, and versions found.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import threading
import time
from pathlib import Path

import psutil

from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import Archive, company
from tests.pages import RU_CLAUSES, home_page, policy_page, text_pdf

TYPES = ["Публичная оферта", "Политика конфиденциальности", "Пользовательское соглашение",
         "Политика обработки персональных данных", "Кодекс деловой этики"]


PDF_EVERY = 10  # every tenth document is a PDF (a real text layer, read in the sandboxed child)
EN_CLAUSES = ["The operator processes the personal data of users only for the purposes set out in this policy.",
              "Users are notified of changes to this policy by e-mail ten calendar days in advance.",
              "Personal data is kept no longer than five years after the end of the contract.",
              "The operator does not transfer personal data to third parties without the user's consent."]


def _route(host: int, n: int, kb: int, edition: int = 1) -> Route:
    if n % PDF_EVERY == PDF_EVERY - 1:
        rng = random.Random(host * 100_000 + n)
        clauses = [f"{k + 1}. {rng.choice(EN_CLAUSES)} (edition {edition}, document {n})" for k in range(kb * 8)]
        return Route(body=text_pdf(f"Privacy policy {n}", clauses), content_type="application/pdf")
    return Route(body=_document(host, n, kb, edition))


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
        routes.update({f"/docs/{n}": _route(h, n, kb) for n in range(docs_per_host)})
        sites.append(FixtureSite(routes=routes))
    return sites


def _pss(proc: psutil.Process) -> int:
    try:
        return proc.memory_full_info().pss
    except psutil.Error:
        return 0  # a renderer that exited between listing and reading


def _kind(proc: psutil.Process) -> str:
    """Which of a crawl's children ``proc`` is: Chromium's, Playwright's driver (node), or a reader (Python)."""
    try:
        name = proc.name()
    except psutil.Error:
        return "reader"
    return "chromium" if "chrom" in name else "driver" if name.startswith("node") else "reader"


def _sample_memory(pid: int, samples: list, stop: threading.Event) -> None:
    """RSS of the crawl process and PSS of its children (in all, and by kind), every half second."""
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.wait(0.5):
        try:
            python = proc.memory_info().rss
            children = proc.children(recursive=True)
        except psutil.Error:
            return  # the crawl has ended
        # PSS: Chromium's processes share most of their pages; summing RSS would count them many times.
        kinds = {"chromium": 0, "driver": 0, "reader": 0}
        for child in children:
            kinds[_kind(child)] += _pss(child)
        samples.append((time.monotonic(), python, sum(kinds.values()), kinds))


def render_bench(pages: int) -> None:
    """Crawl ``pages`` app-shell documents (each must be rendered) and show memory over time."""
    from tests.test_render import POLICY_JS, ScriptSite

    docs = [f"/spa/doc{n}" for n in range(pages)]
    site = ScriptSite({d: POLICY_JS.replace("Политика конфиденциальности", f"Политика № {n}")
                       for n, d in enumerate(docs)},
                      routes={"/": Route(body=home_page({d: f"Политика конфиденциальности {d}" for d in docs}))})
    with FixtureServer(site, host="127.0.1.1") as server, tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp))
        archive.write_config([company("bank", server.url("/"))], allow=["127.0.1.0/24"],
                             max_pages_per_company=pages + 10)
        samples: list = []
        stop = threading.Event()
        started = time.monotonic()
        proc = archive.start_crawl()
        sampler = threading.Thread(target=_sample_memory, args=(proc.pid, samples, stop))
        sampler.start()
        out, err = proc.communicate()
        stop.set()
        sampler.join()
        wall = time.monotonic() - started
        record = json.loads(sorted((archive.data / "runs").glob("run-*.json"))[-1].read_text())
    print(f"\n{pages} JavaScript-rendered documents: {record['new_versions']} versions in {record['seconds']} s "
          f"({pages / record['seconds']:.1f} pages/s; {wall:.1f} s with start-up)")
    # The crawl's children by kind: Chromium's own processes, Playwright's driver (node: its memory rises and falls
    # with V8's collections, ADR 0014 §14) and the reader processes.
    print(f"{'progress':>9}{'crawl RSS MB':>14}{'Chromium PSS MB':>17}{'driver PSS MB':>15}{'readers PSS MB':>16}")
    for q in (0.1, 0.25, 0.5, 0.75, 1.0):
        _, python, _, kinds = samples[min(len(samples) - 1, int(q * (len(samples) - 1)))]
        print(f"{q:>9.0%}{python / 2**20:>14.0f}{kinds['chromium'] / 2**20:>17.0f}{kinds['driver'] / 2**20:>15.0f}"
              f"{kinds['reader'] / 2**20:>16.0f}")
    peaks = {kind: max(s[3][kind] for s in samples) / 2**20 for kind in ("chromium", "driver", "reader")}
    print(f"peak: crawl {max(s[1] for s in samples) / 2**20:.0f} MB, Chromium {peaks['chromium']:.0f} MB, "
          f"driver {peaks['driver']:.0f} MB, readers {peaks['reader']:.0f} MB, all children "
          f"{max(s[2] for s in samples) / 2**20:.0f} MB")


def _adopt_orphans() -> None:
    """Become the subreaper of every process a crawl starts (Linux ``PR_SET_CHILD_SUBREAPER``): a reader's
    fork server that outlives the crawl by a moment is then this process's to wait for, and its CPU time
    (and its readers') is counted below instead of going to init with it."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.05)


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished descendant of this process: a crawl's whole tree
    (readers, PDF forks, the fork server), since each process is waited for by its parent or, orphaned, by
    this one. Unlike wall-clock time, a busy machine barely changes it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _crawl(archive: Archive) -> dict:
    """One crawl in a subprocess; its run record, with ``wall`` and ``tree_mb``: the peak of the crawl
    process's RSS plus the PSS of its children (reader processes, PDF readers, their fork server)."""
    samples: list = []
    stop = threading.Event()
    started = time.monotonic()
    before = _children_cpu()
    proc = archive.start_crawl()
    sampler = threading.Thread(target=_sample_memory, args=(proc.pid, samples, stop))
    sampler.start()
    out, err = proc.communicate(timeout=3600)
    stop.set()
    sampler.join()
    wall = time.monotonic() - started
    _reap_orphans()
    cpu = _children_cpu() - before
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{err[-2000:]}")
    record = json.loads(sorted((archive.data / "runs").glob("run-*.json"))[-1].read_text())
    record["wall"] = wall
    record["cpu"] = cpu
    record["tree_mb"] = max((python + children for _, python, children in samples), default=0) / 2**20
    return record


def _three_crawls(args, workers: int) -> list[tuple[str, dict, int]]:
    """First crawl, unchanged re-crawl, then 10% of the documents changed, with ``workers`` readers."""
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
                                 concurrent_requests=32, concurrent_per_host=8, workers=workers)
            rows.append(("first crawl", _crawl(archive), 0))
            rows.append(("unchanged re-crawl", _crawl(archive), 0))
            changed = random.Random(7).sample(range(docs), docs // 10)
            for k in changed:
                h, n = divmod(k, per_host)
                sites[h].routes[f"/docs/{n}"] = _route(h, n, args.kb, edition=2)
            third = _crawl(archive)
            # Each changed document's change, classified by the crawl as it recorded the new version.
            third["substantive"] = archive.sql("SELECT count(*) FROM text_changes WHERE kind = 'substantive'")[0][0]
            rows.append((f"{len(changed)} documents changed", third, len(changed)))
    finally:
        for server in servers:
            server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--kb", type=int, default=58)
    parser.add_argument("--render", type=int, default=0, help="also crawl N JavaScript-rendered pages")
    parser.add_argument("--workers", default="1,all",
                        help="reader processes to compare (crawl.workers), e.g. 0,1,all (all: one per core)")
    args = parser.parse_args()
    _adopt_orphans()
    if args.render:
        render_bench(args.render)
        return
    settings = sorted({(os.cpu_count() or 1) if w == "all" else int(w) for w in args.workers.split(",")})
    docs = args.docs // args.hosts * args.hosts
    results = {workers: _three_crawls(args, workers) for workers in settings}

    print(f"\n{docs} documents of ~{args.kb} KB on {args.hosts} hosts, {docs // PDF_EVERY} of them PDFs "
          f"(+{2 * args.hosts} homepages and hubs); {os.cpu_count()} CPU cores\n")
    print(f"{'readers':>7}  {'crawl':<26}{'seconds':>9}{'docs/s':>9}{'new versions':>14}{'bytes stored':>15}"
          f"{'read ahead':>12}{'CPU s':>8}{'crawl RSS MB':>14}{'tree MB':>9}")
    for workers, rows in results.items():
        for label, r, _ in rows:
            print(f"{workers:>7}  {label:<26}{r['seconds']:>9.2f}{docs / r['seconds']:>9.1f}{r['new_versions']:>14}"
                  f"{r['bytes_stored']:>15,}{r.get('read_ahead', 0):>12}{r['cpu']:>8.1f}{r['peak_rss_mb']:>14.0f}"
                  f"{r['tree_mb']:>9.0f}")
        first, second, third = (r for _, r, _ in rows)
        print(f"{'':>9}unchanged re-crawl: {second['seconds'] / first['seconds']:.0%} of the first crawl's time; "
              f"changed: {third['seconds'] / first['seconds']:.0%}, {third['new_versions']} versions and "
              f"{third['substantive']} substantive changes for {rows[2][2]} changed documents")


if __name__ == "__main__":
    main()
