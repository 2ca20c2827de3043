"""`planlod query FILE.rq`: run a SPARQL file on the embedded store and print the results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_ERROR, EXIT_OK, usage_error
from ..settings import Settings
from .conneg import SELECT_OFFERS


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    """Run the SPARQL file ``args.query`` (catalogue queries go through :mod:`publisher.queries`)."""
    if not Path(args.query).is_file():
        raise usage_error(f"No catalogue query or file named {args.query!r}; see `planlod query --list`.",
                          f"{args.query!r} という名前のカタログの問い合わせもファイルもありません。"
                          "`planlod query --list` で一覧を確認してください。")
    text = Path(args.query).read_text(encoding="utf-8")
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
