"""`planlod query`: run an example query (or a .rq file) on the embedded store and print it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_ERROR, EXIT_OK, usage_error
from ..settings import Settings
from .conneg import SELECT_OFFERS
from .examples import load_examples


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    examples = load_examples()
    if args.list or not args.query:
        for e in examples:
            print(f"{e.name}\t{e.title['ja']} / {e.title['en']}")
        return EXIT_OK
    found = next((e for e in examples if e.name == args.query), None)
    if found is not None:
        text = found.query
    elif Path(args.query).is_file():
        text = Path(args.query).read_text(encoding="utf-8")
    else:
        raise usage_error(f"No example or file named {args.query!r}; see `planlod query --list`.",
                          f"{args.query!r} という例のクエリもファイルもありません。"
                          "`planlod query --list` で一覧を確認してください。")
    import pyoxigraph as ox

    from .app import open_publication
    from .sparql import PARSER_RECURSION_LIMIT, QueryJob, execute

    sys.setrecursionlimit(max(sys.getrecursionlimit(), PARSER_RECURSION_LIMIT))

    store = open_publication(settings)
    media = next(o.media_type for o in SELECT_OFFERS if o.key == args.format)
    answer = execute(ox.Store.read_only(str(store.location)),
                     QueryJob(text, accept=f"{media}, text/turtle;q=0.5", max_rows=10**9,
                              max_bytes=10**18))
    if answer.status >= 400:
        print(f"{answer.message_ja}\n{answer.message_en}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.buffer.write(answer.body)
    sys.stdout.flush()
    return EXIT_OK
