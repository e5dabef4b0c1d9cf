"""``serve``: the researchers' web UI on the archive, read-only."""

from __future__ import annotations

import sys

from commands import opening
from crawler.exits import EXIT_CONFIG, EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="the researchers' web UI on the archive (read-only)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s; any other "
                   "needs web.token in the config)")
    p.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    p.set_defaults(func=serve)


def serve(args) -> int:
    from web.server import CannotListen, TokenRequired, make_server

    cfg = opening.config(args)
    data_dir, db_url = opening.existing_archive(args, blobs=True)
    try:
        server = make_server(cfg, data_dir, db_url, args.host, args.port)
    except (TokenRequired, CannotListen) as exc:
        print(f"policy-archive: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"policy-archive: serving the archive in {data_dir} at {server.url}/ (Ctrl-C stops)", flush=True)
    server.run()
    return EXIT_OK
