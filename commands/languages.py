"""``detect-language``: the language of a text (kk, ru, en or und) as JSON; no archive needed."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext

from crawler.exits import EXIT_CONFIG, EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("detect-language",
                              help="language of a text (kk, ru, en or und) as JSON; no archive needed")
    p.add_argument("file", nargs="?", metavar="FILE", help="text to read (default: standard input)")
    p.add_argument("--jsonl", action="store_true",
                   help='read lines {"id", "text"}, write lines {"id", "language", "confidence"} (or "error")')
    p.set_defaults(func=detect_language)


def detect_language(args) -> int:
    from language.detect import detect_record, summary

    try:  # bytes, decoded here: a stray byte must not stop a batch of thousands
        source = open(args.file, "rb") if args.file not in (None, "-") else nullcontext(sys.stdin.buffer)
    except OSError as exc:
        print(f"policy-archive: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    with source as stream:
        if args.jsonl:  # one line in, one line out, as they come
            for raw in stream:
                if raw.strip():
                    print(json.dumps(detect_record(raw.decode("utf-8-sig", "replace")), ensure_ascii=False))
            return EXIT_OK
        text = stream.read().decode("utf-8-sig", "replace")
    print(json.dumps(summary(text), ensure_ascii=False, indent=2))
    return EXIT_OK
